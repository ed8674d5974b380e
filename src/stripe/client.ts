/**
 * The one factory for stripe-node clients: API base (emulator or any Stripe-compatible server),
 * retries with backoff, timeouts, appInfo, HTTPS_PROXY, Stripe-Account, and a response hook for
 * --verbose and the log. stripe-node sends an idempotency key with every POST when retries are on.
 */
import type Stripe from 'stripe';
import type { Env } from '../config/paths.js';
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { loadStripe } from './load.js';

export interface StripeResponseEvent {
  method: string;
  path: string;
  status: number;
  requestId?: string;
  idempotencyKey?: string;
  account?: string;
  elapsedMs: number;
}

export interface StripeClientOptions {
  apiKey: string;
  apiBase?: string;
  stripeAccount?: string;
  timeoutMs?: number;
  maxNetworkRetries?: number;
  env: Env;
  onResponse?: (event: StripeResponseEvent) => void;
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
    host: base.isStripe ? undefined : base.host,
    port: base.isStripe ? undefined : base.port,
    protocol: base.protocol,
    stripeAccount: options.stripeAccount,
    maxNetworkRetries: Number.isFinite(options.maxNetworkRetries) ? options.maxNetworkRetries : 2,
    timeout: Number.isFinite(options.timeoutMs) ? options.timeoutMs : 30_000,
    httpAgent,
    appInfo: { name: 'atom-stripe', version: VERSION, url: 'https://github.com/atom-stripe/atom-stripe' },
    telemetry: false,
  });
  if (options.onResponse) {
    const onResponse = options.onResponse;
    client.on('response', (event: Stripe.ResponseEvent) => {
      onResponse({
        method: event.method,
        path: event.path,
        status: event.status,
        requestId: event.request_id,
        idempotencyKey: event.idempotency_key,
        account: event.account,
        elapsedMs: event.elapsed,
      });
    });
  }
  return client;
}
