/**
 * One signed POST of an event body to a target (forwarding, replay, trigger), over a keep-alive
 * agent. Never throws: the outcome, including network errors and timeouts, is data to record.
 */
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { VERSION } from '../version.js';
import { signPayload } from './signature.js';

export interface Delivery {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

export interface Deliverer {
  deliver(target: string, payload: Buffer, secret: string | undefined, options?: { signal?: AbortSignal }): Promise<Delivery>;
  close(): void;
}

export interface DelivererOptions {
  /** Seconds since the epoch for the signature's fresh timestamp (the injected clock). */
  nowSeconds: () => number;
  timeoutMs?: number;
  maxSockets?: number;
}

export async function createDeliverer(options: DelivererOptions): Promise<Deliverer> {
  const http = await import('node:http');
  const https = await import('node:https');
  const maxSockets = options.maxSockets ?? 64;
  const httpAgent: HttpAgent = new http.Agent({ keepAlive: true, maxSockets });
  const httpsAgent: HttpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Parsed once per target: a replay sends thousands of requests to one URL.
  const targets = new Map<string, { protocol: string; hostname: string; port: string; path: string; auth?: string }>();
  const parse = (target: string) => {
    let parsed = targets.get(target);
    if (!parsed) {
      const url = new URL(target);
      parsed = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: `${url.pathname}${url.search}` };
      // user:pass@ in the target is sent as Basic auth, as curl would; it is never stored or printed (maskUrlCredentials).
      if (url.username || url.password) parsed.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      targets.set(target, parsed);
    }
    return parsed;
  };
  // One abort listener per signal, not one per request: requests in flight are destroyed together.
  const inFlight = new Set<import('node:http').ClientRequest>();
  const watched = new WeakSet<AbortSignal>();
  const watch = (signal: AbortSignal) => {
    if (watched.has(signal)) return;
    watched.add(signal);
    signal.addEventListener('abort', () => {
      for (const request of inFlight) request.destroy(new Error('interrupted'));
    }, { once: true });
  };
  return {
    deliver(target, payload, secret, { signal } = {}) {
      const started = performance.now();
      const url = parse(target);
      const headers: Record<string, string | number> = {
        'content-type': 'application/json; charset=utf-8',
        'content-length': payload.length,
        'user-agent': `atom-stripe/${VERSION} (webhook forward)`,
      };
      if (secret) headers['stripe-signature'] = signPayload(payload, secret, options.nowSeconds());
      if (signal?.aborted) return Promise.resolve({ statusCode: null, durationMs: 0, error: 'interrupted' });
      if (signal) watch(signal);
      return new Promise<Delivery>((resolve) => {
        let settled = false;
        const https_ = url.protocol === 'https:';
        const request = (https_ ? https : http).request(
          {
            method: 'POST',
            protocol: url.protocol,
            hostname: url.hostname,
            port: url.port || undefined,
            path: url.path,
            auth: url.auth,
            headers,
            agent: https_ ? httpsAgent : httpAgent,
            timeout: timeoutMs,
          },
          (response) => {
            const status = response.statusCode ?? null;
            // Drain the body so the socket goes back to the pool.
            response.resume();
            response.on('end', () => done(status, status !== null && status >= 200 && status < 300 ? null : `HTTP ${status}`));
            response.on('error', (error) => done(status, error.message));
          },
        );
        const done = (statusCode: number | null, error: string | null) => {
          if (settled) return;
          settled = true;
          inFlight.delete(request);
          resolve({ statusCode, durationMs: performance.now() - started, error });
        };
        inFlight.add(request);
        request.on('timeout', () => request.destroy(new Error(`no response within ${timeoutMs} ms`)));
        request.on('error', (error) => done(null, (error as NodeJS.ErrnoException).code ?? error.message));
        request.end(payload);
      });
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
