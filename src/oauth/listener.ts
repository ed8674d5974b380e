/**
 * The one-shot loopback listener that catches Stripe's OAuth redirect.
 *
 * It binds the loopback address the redirect URI names (127.0.0.1 for localhost, and ::1 too where
 * the host has it) on the URI's port (the URI must match one registered with Stripe, so
 * the port is fixed, not random) and accepts exactly one request: a GET on the redirect path whose
 * `state` matches. Anything else (another path, a wrong or missing state) gets an error page, is
 * logged, and the listener keeps waiting, so a stray or forged request cannot end the flow. It
 * ends on that one request, on the timeout, or when the signal aborts; close() frees the port.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { AuthError, InterruptedError, OperationError, TemporaryError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { describeOAuthError } from './authorize.js';
import { failurePage, rejectedPage } from './pages.js';

export interface CallbackListenerOptions {
  redirectUri: URL;
  state: string;
  timeoutMs: number;
  signal: AbortSignal;
  log: Logger;
  /** Called for each rejected request, e.g. to tell the user on stderr. */
  onRejected?: (reason: string) => void;
  /** Bind address; loopback unless told otherwise. */
  host?: string;
}

export interface CallbackResult {
  code: string;
  scope?: string;
  /** Answers the browser's request (the success or failure page); the listener holds it open until then. */
  respond(status: number, html: string): void;
}

export interface CallbackListener {
  readonly port: number;
  readonly url: string;
  /** The one matching callback; rejects with AuthError (denied), TemporaryError (timeout) or InterruptedError. */
  readonly result: Promise<CallbackResult>;
  close(): Promise<void>;
}

const sameState = (expected: string, received: string | null): boolean => {
  if (received === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(received);
  return a.length === b.length && timingSafeEqual(a, b);
};

function send(response: ServerResponse, status: number, html: string): void {
  if (response.headersSent || response.writableEnded) return;
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    connection: 'close',
  });
  response.end(html);
}

interface Bind {
  host: string;
  /** localhost's IPv6 address is bound where the host has one; the browser falls back to 127.0.0.1. */
  optional?: boolean;
}

/**
 * The loopback address the redirect URI names: Stripe redirects the browser there, so that is where
 * the listener must be. `[::1]` binds ::1, `127.x.y.z` that address, localhost both families.
 */
export function bindAddresses(redirectUri: URL, host?: string): Bind[] {
  if (host) return [{ host }];
  const name = redirectUri.hostname;
  if (name === '[::1]') return [{ host: '::1' }];
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return [{ host: name }];
  return [{ host: '127.0.0.1' }, { host: '::1', optional: true }];
}

/** The listen error as the operator should read it: a missing address is a usage error (exit 2), nothing is sent. */
export function bindError(error: NodeJS.ErrnoException, host: string, port: number, path: string): Error {
  const shown = host.includes(':') ? `[${host}]` : host;
  switch (error.code) {
    case 'EADDRINUSE':
      return new OperationError(`port ${port} on ${shown} is already in use, so the OAuth callback listener cannot start`, {
        hint: `stop the program using it, or pass --port N or --redirect-uri http://127.0.0.1:N${path} (registered with Stripe)`,
        cause: error,
      });
    case 'EACCES':
      return new OperationError(`not allowed to listen on port ${port}`, {
        hint: 'pass --port with a port above 1024 (and register the matching redirect URI with Stripe)',
        cause: error,
      });
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
      return new UsageError(`the redirect URI names ${shown}, which is not a loopback address this machine has, so the callback listener cannot receive it`, {
        hint: `pass --redirect-uri http://127.0.0.1:${port}${path} (registered with Stripe)`,
        cause: error,
      });
    default:
      return error;
  }
}

/** Resolves with the listening server, or undefined when an optional address is missing here. */
function listenOn(server: Server, port: number, bind: Bind, path: string): Promise<Server | undefined> {
  // A browser keeps its connection alive; none may hold the port after the flow ends.
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (bind.optional && (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT')) resolve(undefined);
      else reject(bindError(error, bind.host, port, path));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: bind.host, exclusive: true, ipv6Only: bind.host === '::1' });
  });
}

export async function startCallbackListener(options: CallbackListenerOptions): Promise<CallbackListener> {
  const { createServer } = await import('node:http');
  const port = Number(options.redirectUri.port || (options.redirectUri.protocol === 'https:' ? 443 : 80));
  const path = options.redirectUri.pathname || '/';
  const url = `${options.redirectUri.protocol}//${options.redirectUri.host}${path}`;

  let settle!: { resolve: (value: CallbackResult) => void; reject: (error: Error) => void };
  const result = new Promise<CallbackResult>((resolve, reject) => (settle = { resolve, reject }));
  // The caller may be racing a prompt; an outcome nobody awaits must not crash the process.
  result.catch(() => {});
  let settled = false;
  let pending: ServerResponse | undefined;
  let timer: NodeJS.Timeout | undefined;

  const finish = (outcome: { value: CallbackResult } | { error: Error }) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    if ('value' in outcome) settle.resolve(outcome.value);
    else settle.reject(outcome.error);
  };

  const reject = (response: ServerResponse, status: number, reason: string) => {
    options.log.warn('oauth.callback.rejected', { reason, status });
    options.onRejected?.(reason);
    send(response, status, rejectedPage(`${reason}. This request was ignored; the sign-in is still waiting for Stripe's redirect.`));
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const requestUrl = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (settled) {
      send(response, 410, rejectedPage('This sign-in has already finished.'));
      return;
    }
    if (request.method !== 'GET') return reject(response, 405, `a ${request.method} request was sent to the callback listener`);
    if (requestUrl.pathname !== path) {
      // Browsers ask for /favicon.ico; not worth a warning on the terminal.
      if (requestUrl.pathname === '/favicon.ico') return void send(response, 404, rejectedPage('Not found.'));
      return reject(response, 404, `a request for ${requestUrl.pathname} was sent to the callback listener (expected ${path})`);
    }
    const params = requestUrl.searchParams;
    if (!sameState(options.state, params.get('state'))) {
      return reject(response, 400, params.has('state') ? 'a callback with a state that does not match this sign-in arrived' : 'a callback without a state arrived');
    }
    const error = params.get('error');
    if (error) {
      const message = describeOAuthError(error, params.get('error_description') ?? undefined);
      options.log.warn('oauth.callback.error', { error });
      send(response, 400, failurePage(`Stripe reported: ${message}.`));
      finish({ error: new AuthError(message, { hint: 'run atom-stripe connect again and approve the request' }) });
      return;
    }
    const code = params.get('code');
    if (!code) {
      send(response, 400, failurePage('The redirect carried no authorization code.'));
      finish({ error: new AuthError('the callback carried neither a code nor an error', { hint: 'run atom-stripe connect again' }) });
      return;
    }
    options.log.info('oauth.callback.received', {});
    pending = response;
    finish({ value: { code, scope: params.get('scope') ?? undefined, respond: (status, html) => send(response, status, html) } });
  };

  const servers: Server[] = [];
  try {
    for (const address of bindAddresses(options.redirectUri, options.host)) {
      const server = await listenOn(createServer(handle), port, address, path);
      if (server) servers.push(server);
    }
  } catch (error) {
    for (const server of servers) server.close();
    throw error;
  }
  for (const server of servers) server.on('error', (error) => options.log.warn('oauth.listener.error', { error: String(error) }));

  const onAbort = () => finish({ error: new InterruptedError('interrupted while waiting for the OAuth callback') });
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  timer = setTimeout(
    () =>
      finish({
        error: new TemporaryError(`no OAuth callback arrived on ${url} within ${Math.round(options.timeoutMs / 1000)} s`, {
          hint: 'run atom-stripe connect again, pass a longer --timeout, or paste the code with --code',
        }),
      }),
    options.timeoutMs,
  );
  options.log.info('oauth.listener.started', { url });

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    result,
    close() {
      closing ??= new Promise<void>((resolve) => {
        finish({ error: new InterruptedError('the OAuth callback listener was closed') });
        if (pending) send(pending, 200, rejectedPage('This sign-in has finished; return to the terminal.'));
        void Promise.all(servers.map((server) => new Promise<void>((closed) => server.close(() => closed())))).then(() => resolve());
        // Responses carry `connection: close`, so sockets end once the page is flushed; idle
        // keep-alive sockets go now, and anything left after a moment is cut.
        for (const server of servers) server.closeIdleConnections();
        setTimeout(() => servers.forEach((server) => server.closeAllConnections()), 500).unref();
        options.log.info('oauth.listener.stopped', { url });
      });
      return closing;
    },
  };
}
