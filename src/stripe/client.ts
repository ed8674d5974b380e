/**
 * The one factory for stripe-node clients: API base (emulator or any Stripe-compatible server),
 * retries with backoff, timeouts, appInfo, HTTPS_PROXY, Stripe-Account, and a hook on every HTTP
 * attempt (retries included) for --verbose and the log. stripe-node sends an idempotency key with
 * every POST, and the same key on each retry; a command's writes carry the run's own key instead
 * (writes.ts), which `chooseKey` can still replace per attempt (an interrupted run's key).
 */
import type Stripe from 'stripe';
import type { Env } from '../config/paths.js';
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { loadStripe } from './load.js';
import type { Attempt } from './writes.js';

/** One HTTP attempt: a request that stripe-node retries shows once per attempt. */
export interface StripeResponseEvent {
  method: string;
  path: string;
  /** 0 when no response came (the connection failed or timed out: see `error`). */
  status: number;
  requestId?: string;
  idempotencyKey?: string;
  account?: string;
  elapsedMs: number;
  /** The network error's code or message, when there was no response. */
  error?: string;
}

export interface StripeClientOptions {
  apiKey: string;
  apiBase?: string;
  stripeAccount?: string;
  timeoutMs?: number;
  maxNetworkRetries?: number;
  env: Env;
  onResponse?: (event: StripeResponseEvent) => void;
  /** The idempotency key to send with an attempt (undefined: none); see writes.ts. */
  chooseKey?: (attempt: Attempt) => Promise<string | undefined>;
}

/** The one line --verbose prints per HTTP attempt (the key is not secret: it names a request). */
export function requestLine(event: StripeResponseEvent): string {
  return `${event.method} ${event.path} ${event.status || `failed (${event.error})`} ${event.requestId ?? '-'} idempotency-key=${event.idempotencyKey ?? '-'} ${event.elapsedMs}ms`;
}

export const isLiveKey = (key: string) => /^(sk|rk)_live_/.test(key);

export interface ApiBase {
  protocol: 'http' | 'https';
  host: string;
  port: number;
  isStripe: boolean;
}

export function parseApiBase(apiBase: string | undefined): ApiBase {
  const text = apiBase || 'https://api.stripe.com';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--api-base "${text}" is not a URL`, { hint: 'for example http://127.0.0.1:12111' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--api-base must be http or https, got ${url.protocol}`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    protocol,
    host: url.hostname,
    port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443,
    isStripe: url.hostname === 'api.stripe.com',
  };
}

function proxyFor(env: Env, base: ApiBase): string | undefined {
  const proxy = base.protocol === 'https' ? env.HTTPS_PROXY || env.https_proxy : env.HTTP_PROXY || env.http_proxy;
  if (!proxy) return undefined;
  const noProxy = (env.NO_PROXY || env.no_proxy || '').split(',').map((h) => h.trim()).filter(Boolean);
  const bypass = ['localhost', '127.0.0.1', '::1', ...noProxy].some(
    (entry) => entry === '*' || base.host === entry || (entry.startsWith('.') && base.host.endsWith(entry)),
  );
  return bypass ? undefined : proxy;
}

export async function createStripeClient(options: StripeClientOptions): Promise<Stripe> {
  const StripeConstructor = await loadStripe();
  const base = parseApiBase(options.apiBase);
  const proxy = proxyFor(options.env, base);
  let httpAgent: Stripe.StripeConfig['httpAgent'];
  if (proxy) {
    const { HttpsProxyAgent } = await import('https-proxy-agent');
    httpAgent = new HttpsProxyAgent(proxy);
  }
  const client = new StripeConstructor(options.apiKey, {
    httpClient: observedHttpClient(StripeConstructor.createNodeHttpClient(httpAgent), options.onResponse, options.chooseKey),
    host: base.isStripe ? undefined : base.host,
    port: base.isStripe ? undefined : base.port,
    protocol: base.protocol,
    stripeAccount: options.stripeAccount,
    maxNetworkRetries: Number.isFinite(options.maxNetworkRetries) ? options.maxNetworkRetries : 2,
    timeout: Number.isFinite(options.timeoutMs) ? options.timeoutMs : 30_000,
    appInfo: { name: 'atom-stripe', version: VERSION, url: 'https://github.com/atom-stripe/atom-stripe' },
    telemetry: false,
  });
  return client;
}

type HttpClient = Stripe.HttpClient;
type HttpClientResponse = Stripe.HttpClientResponse;
type Headers = Parameters<HttpClient['makeRequest']>[4];

const header = (headers: Record<string, unknown>, name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
};

/**
 * stripe-node's Node HTTP client with two additions, at the level of each attempt:
 *  - every attempt, retries included, is reported (stripe-node's own `response` event fires only
 *    for the last one, so --verbose would hide the 500 that a retry recovered from);
 *  - a 429 is retried like a 5xx. stripe-node retries a 429 only when Stripe adds
 *    `Stripe-Should-Retry: true` (lock timeouts); a rate limit is exactly the case where waiting
 *    with backoff helps, and every POST carries an idempotency key, so a retry never doubles a
 *    write. An explicit `Stripe-Should-Retry: false` is still obeyed;
 *  - the idempotency key is the one `chooseKey` picks (the same for every attempt of a request).
 */
function observedHttpClient(
  inner: HttpClient,
  onAttempt: ((event: StripeResponseEvent) => void) | undefined,
  chooseKey: StripeClientOptions['chooseKey'],
): HttpClient {
  const client = Object.create(inner) as HttpClient;
  client.makeRequest = async (...[host, port, path, method, givenHeaders, body, protocol, timeout]: Parameters<HttpClient['makeRequest']>) => {
    const headers = chooseKey ? await withChosenKey(chooseKey, { host, port: Number(port), path, method, headers: givenHeaders, body }) : givenHeaders;
    const started = performance.now();
    const event = () => ({
      method,
      path: path.split('?')[0]!,
      idempotencyKey: header(headers, 'Idempotency-Key'),
      account: header(headers, 'Stripe-Account'),
      elapsedMs: Math.round(performance.now() - started),
    });
    let response: HttpClientResponse;
    try {
      response = await inner.makeRequest(host, port, path, method, headers, body, protocol, timeout);
    } catch (error) {
      onAttempt?.({ ...event(), status: 0, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
      throw error;
    }
    const responseHeaders = response.getHeaders() as Record<string, unknown>;
    if (response.getStatusCode() === 429 && responseHeaders['stripe-should-retry'] === undefined) {
      responseHeaders['stripe-should-retry'] = 'true';
    }
    onAttempt?.({ ...event(), status: response.getStatusCode(), requestId: header(responseHeaders, 'request-id') });
    return response;
  };
  return client;
}

/** The attempt's headers with the key `chooseKey` picked (a copy: stripe-node reuses its object for retries). */
async function withChosenKey(
  chooseKey: NonNullable<StripeClientOptions['chooseKey']>,
  request: { host: string; port: number; path: string; method: string; headers: Headers; body: unknown },
): Promise<Headers> {
  const current = header(request.headers, 'Idempotency-Key');
  const key = await chooseKey({
    method: request.method,
    host: request.host,
    port: request.port,
    path: request.path,
    key: current,
    stripeAccount: header(request.headers, 'Stripe-Account'),
    body: typeof request.body === 'string' ? request.body : '',
  });
  if (key === current) return request.headers;
  const headers: Headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'idempotency-key'));
  if (key !== undefined) headers['Idempotency-Key'] = key;
  return headers;
}
