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
  return {
    deliver(target, payload, secret, { signal } = {}) {
      const started = performance.now();
      const url = new URL(target);
      const headers: Record<string, string | number> = {
        'content-type': 'application/json; charset=utf-8',
        'content-length': payload.length,
        'user-agent': `atom-stripe/${VERSION} (webhook forward)`,
      };
      if (secret) headers['stripe-signature'] = signPayload(payload, secret, options.nowSeconds());
      return new Promise<Delivery>((resolve) => {
        let settled = false;
        const done = (statusCode: number | null, error: string | null) => {
          if (settled) return;
          settled = true;
          resolve({ statusCode, durationMs: performance.now() - started, error });
        };
        const client = url.protocol === 'https:' ? https : http;
        const request = client.request(
          url,
          { method: 'POST', headers, agent: url.protocol === 'https:' ? httpsAgent : httpAgent, timeout: timeoutMs, signal },
          (response) => {
            const status = response.statusCode ?? null;
            // Drain the body so the socket goes back to the pool.
            response.resume();
            response.on('end', () => done(status, status !== null && status >= 200 && status < 300 ? null : `HTTP ${status}`));
            response.on('error', (error) => done(status, error.message));
          },
        );
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
