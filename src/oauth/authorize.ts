/**
 * The pure parts of Connect OAuth: scopes, state, the redirect URI, the connect host and the
 * authorize URL. No I/O, so every rule here is unit-tested directly.
 */
import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { parseDuration, parsePort as parseAnyPort } from '../values.js';

/** Stripe's only OAuth scopes. */
export const SCOPES = ['read_write', 'read_only'] as const;
export type Scope = (typeof SCOPES)[number];

export const DEFAULT_REDIRECT_URI = 'http://127.0.0.1:8789/callback';
export const STRIPE_CONNECT_BASE = 'https://connect.stripe.com';

export function parseScope(value: string): Scope {
  if ((SCOPES as readonly string[]).includes(value)) return value as Scope;
  // The original integration's guide listed scopes such as "payments" or "customers"; Stripe has none of them.
  throw new UsageError(`"${value}" is not a Stripe OAuth scope; Stripe has only read_write and read_only`, {
    hint: 'pass --scope read_write or --scope read_only',
  });
}

/** 32 random bytes, base64url: the CSRF check between the authorize request and the callback. */
export function newState(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The redirect URI as registered with Stripe; `--port` rewrites its port (the new URI must be
 * registered too, since Stripe compares it exactly).
 */
export function resolveRedirectUri(value: string | undefined, port: number | undefined, livemode: boolean): URL {
  const text = value || DEFAULT_REDIRECT_URI;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--redirect-uri "${text}" is not a URL`, { hint: `for example ${DEFAULT_REDIRECT_URI}` });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--redirect-uri must be http or https, got ${url.protocol}`, { hint: `for example ${DEFAULT_REDIRECT_URI}` });
  }
  if (url.search || url.hash) throw new UsageError(`--redirect-uri "${text}" must not have a query or fragment`);
  if (port !== undefined) url.port = String(port);
  if (livemode && url.protocol !== 'https:') {
    throw new UsageError(`live mode requires an https redirect URI, got ${url.origin}${url.pathname}`, {
      hint: 'pass --redirect-uri https://... (registered in the platform settings), or use a test key',
    });
  }
  return url;
}

/** The callback listener's port (1-65535): the shared parser in values.ts. */
export function parsePort(value: string): number {
  return parseAnyPort(value, '--port');
}

/** `--timeout`: a duration (`300`, `90s`, `5m`; bare numbers are seconds) up to 24 h, in seconds. */
export function parseTimeoutSeconds(value: string): number {
  const ms = parseDuration(value, '--timeout');
  if (ms > 86_400_000) throw new UsageError(`--timeout "${value}" must be at most 24h`);
  return ms / 1000;
}

/**
 * Where the browser goes: `connect_base` if set; connect.stripe.com when the API is Stripe's own;
 * otherwise the API base itself (the emulator serves /oauth/authorize on its own port).
 * stripe-node's authorizeUrl() hard-codes https and drops the port, so it cannot reach the emulator.
 */
export function connectBase(connectBaseSetting: string | undefined, apiBase: string | undefined): string {
  const chosen = connectBaseSetting || (!apiBase || new URL(apiBase).hostname === 'api.stripe.com' ? STRIPE_CONNECT_BASE : apiBase);
  let url: URL;
  try {
    url = new URL(chosen);
  } catch {
    throw new UsageError(`connect_base "${chosen}" is not a URL`, { hint: 'for example https://connect.stripe.com' });
  }
  return url.origin;
}

export interface AuthorizeUrlOptions {
  base: string;
  clientId: string;
  scope: Scope;
  state: string;
  redirectUri: string;
  express?: boolean;
}

export function authorizeUrl(options: AuthorizeUrlOptions): string {
  const url = new URL(options.express ? '/express/oauth/authorize' : '/oauth/authorize', options.base);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('scope', options.scope);
  url.searchParams.set('state', options.state);
  url.searchParams.set('redirect_uri', options.redirectUri);
  return url.toString();
}

export interface PastedCallback {
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
}

/** What a user pastes at the prompt: the bare code (ac_...) or the whole redirect URL. */
export function parsePasted(text: string): PastedCallback {
  const trimmed = text.trim();
  if (/^[a-z]+:\/\//i.test(trimmed) || trimmed.includes('?')) {
    let url: URL;
    try {
      url = new URL(trimmed, 'http://127.0.0.1');
    } catch {
      throw new UsageError('that is neither an authorization code nor a redirect URL');
    }
    return {
      code: url.searchParams.get('code') ?? undefined,
      state: url.searchParams.get('state') ?? undefined,
      error: url.searchParams.get('error') ?? undefined,
      errorDescription: url.searchParams.get('error_description') ?? undefined,
    };
  }
  if (!/^[A-Za-z0-9_-]{4,}$/.test(trimmed)) throw new UsageError('that is neither an authorization code nor a redirect URL');
  return { code: trimmed };
}

/** Stripe's OAuth error codes in the callback, as one line. */
export function describeOAuthError(error: string, description?: string): string {
  const text = description ? `${error}: ${description}` : error;
  return error === 'access_denied' ? `the authorization was denied (${text})` : `the authorization failed (${text})`;
}
