/**
 * Masking of secrets in every line that leaves the process: stdout tables of tokens, stderr errors,
 * --verbose lines, the log file and config listings.
 *
 * Two layers: patterns for secrets whose shape is known (Stripe keys, webhook secrets, refresh
 * tokens, Authorization headers, passwords in URLs), and a registry of exact values the run has
 * seen (a stored OAuth token, a client secret), for secrets whose shape is not known.
 */

const knownSecrets = new Set<string>();

/** Register a value that must never be printed, whatever its shape. Short values are ignored. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 8) knownSecrets.add(value);
}

/** `sk_test_…a1b2`: keeps the prefix that tells what kind of secret it is, and the last 4 characters. */
export function maskSecret(value: string | undefined | null): string {
  if (!value) return '';
  const prefix = /^(sk|rk|pk)_(test|live)_|^(whsec|rt|ac|ca|acct)_/.exec(value)?.[0] ?? '';
  if (value.length <= prefix.length + 8) return `${prefix}****`;
  return `${prefix}…${value.slice(-4)}`;
}

const patterns: Array<[RegExp, (match: string, ...groups: string[]) => string]> = [
  // Stripe secret and restricted keys, OAuth access tokens (they share the sk_ shape), refresh tokens.
  [/\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]{8,}\b/g, (m) => maskSecret(m)],
  [/\bwhsec_[A-Za-z0-9+/=]{8,}/g, (m) => maskSecret(m)],
  [/\brt_[A-Za-z0-9]{8,}\b/g, (m) => maskSecret(m)],
  // OAuth authorization codes are single-use secrets too.
  [/\bac_[A-Za-z0-9]{8,}\b/g, (m) => maskSecret(m)],
  // Authorization headers in any rendering.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, (_m, scheme) => `${scheme} ****`],
  // Passwords in connection strings: postgres://user:pass@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):([^\s@/]+)@/gi, (_m, head) => `${head}:****@`],
  // password=... in key=value connection strings and query strings.
  [/\b(password|client_secret|access_token|refresh_token)=([^\s&]+)/gi, (_m, key) => `${key}=****`],
  // JSON renderings of token fields.
  [/"(access_token|refresh_token|client_secret|password|secret)"\s*:\s*"([^"]+)"/gi, (_m, key) => `"${key}":"****"`],
];

/**
 * A URL with its user name and password replaced by `****`, for storing and printing a forward
 * target. The user name goes too: a lone user name is often a token (`https://TOKEN@host`).
 * Text that is not a URL is returned through redact().
 */
export function maskUrlCredentials(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return redact(target);
  }
  if (!url.username && !url.password) return target;
  url.username = '****';
  url.password = '';
  return url.toString();
}

export function redact(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(maskSecret(secret));
  }
  for (const [pattern, replace] of patterns) {
    out = out.replace(pattern, replace as (substring: string, ...args: string[]) => string);
  }
  return out;
}

/** Deep copy of a value with secret-looking strings masked; for JSON log lines. */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = /^(access_token|refresh_token|client_secret|password|secret|authorization|api_key)$/i.test(key) &&
        typeof item === 'string'
        ? maskSecret(item)
        : redactValue(item);
    }
    return out as T;
  }
  return value;
}
