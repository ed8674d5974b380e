/** The pages the callback listener shows in the browser. Text only; every value is escaped. */

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - atom-stripe</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1a1f36}h1{font-size:1.4rem}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></body></html>
`;
}

export const successPage = (detail: string) => page('Connected', `${detail} You can close this window and return to the terminal.`);
export const failurePage = (detail: string) => page('Not connected', `${detail} Return to the terminal for details.`);
export const rejectedPage = (detail: string) => page('Request rejected', detail);
