/**
 * `webhook listen` as a plain function: startListener(config, signal). The command, the tests and
 * the benchmark all start it this way. It answers 2xx only after the event is committed to the
 * store, forwards from the store with retries, and on abort stops accepting, drains in-flight
 * writes and forwards, and resolves `done` with the counts.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { TemporaryError } from '../errors.js';
import type { Logger } from '../log.js';
import { createBatcher } from '../util/batcher.js';
import { createDeliverer, type Deliverer } from './deliver.js';
import { startForwarder, type Forwarder } from './forwarder.js';
import { typeMatcher } from './parse.js';
import { runPoller } from './poller.js';
import { createVerifier, type Verifier } from './signature.js';
import { eventFields } from './summary.js';
import type { AttemptResult, EventSource, EventStore, IncomingEvent, InsertOutcome, StoredEvent } from './types.js';

export interface ListenConfig {
  store: EventStore;
  now: () => Date;
  log: Logger;
  /** HTTP mode (the default): where to listen. */
  host?: string;
  port?: number;
  path?: string;
  secrets: string[];
  /** Accept unsigned events (only with no secret, after a warning). */
  skipVerify?: boolean;
  toleranceSeconds: number;
  maxBodyBytes: number;
  /**
   * Bytes of request bodies held before verification, across all connections (default: 8 bodies of
   * maxBodyBytes, at least 32 MiB). Over it a request is answered 503 at once, so a flood of large
   * bodies cannot grow the process; a quarter is kept for bodies under 64 KiB, i.e. real events.
   */
  maxBufferedBytes?: number;
  /** Stripe's enabled_events syntax; others are answered 200 and not stored. */
  eventTypes?: string[];
  forwardTo?: string;
  forwardSecret?: string;
  maxAttempts: number;
  backoffScale?: number;
  forwardConcurrency?: number;
  /** Poll mode: pull from the Events API instead of opening a port. */
  poll?: { stripe: Stripe; intervalMs: number; cursorName: string };
  /** Called once per newly stored event (the command prints its line). */
  onEvent?: (event: IncomingEvent, body: unknown) => void;
  onForward?: (event: StoredEvent, result: AttemptResult) => void;
  onWarning?: (message: string) => void;
}

export interface ListenStats {
  received: number;
  duplicates: number;
  rejected: number;
  ignored: number;
  errors: number;
  forwarded: number;
  failed: number;
  dead: number;
}

export interface Listener {
  /** http://host:port/path in HTTP mode. */
  url?: string;
  port?: number;
  stats: ListenStats;
  /** Resolves after the abort signal fired and everything drained. */
  done: Promise<ListenStats>;
}

const GENERIC_400 = JSON.stringify({ error: { message: 'Bad request' } });
const SMALL_BODY_BYTES = 64 * 1024;

/** The shared allowance of buffered body bytes; each request holds a share and gives it back once. */
function createBodyBudget(totalBytes: number) {
  let buffered = 0;
  return {
    /** A share for a request whose body may grow to `bodyBytes`; false when it would not fit. */
    take(bodyBytes: number, moreBytes: number): boolean {
      const limit = bodyBytes > SMALL_BODY_BYTES ? totalBytes * 0.75 : totalBytes;
      if (buffered + moreBytes > limit) return false;
      buffered += moreBytes;
      return true;
    },
    give(bytes: number): void {
      buffered -= bytes;
    },
  };
}

function reply(response: ServerResponse, status: number, body: string, extraHeaders: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extraHeaders });
  response.end(body);
}

export async function startListener(config: ListenConfig, signal: AbortSignal): Promise<Listener> {
  const stats: ListenStats = { received: 0, duplicates: 0, rejected: 0, ignored: 0, errors: 0, forwarded: 0, failed: 0, dead: 0 };
  const { store, log, now } = config;
  const matches = typeMatcher(config.eventTypes);
  const budget = createBodyBudget(config.maxBufferedBytes ?? Math.max(32 * 1024 * 1024, 8 * config.maxBodyBytes));
  const verifier: Verifier | undefined = config.skipVerify && !config.secrets.length ? undefined : await createVerifier(config.secrets, config.toleranceSeconds);

  // Several batches may be queued behind a commit when the store commits off this thread.
  const writer = createBatcher<IncomingEvent, InsertOutcome>((events) => store.insert(events), { maxInFlight: store.pipelined ? 8 : 1 });

  // One line when the database goes away and one when it is back, not one per request or forward.
  const outage = { active: false, refused: 0 };
  store.watchAvailability?.((change) => {
    outage.active = !change.available;
    if (!change.available) {
      outage.refused = 0;
      log.warn('webhook.store_unavailable', { store: store.location, error: change.error.message });
      config.onWarning?.(`${change.error.message}; answering 503 (Stripe retries) until it is back`);
      return;
    }
    log.info('webhook.store_back', { store: store.location, down_ms: Math.round(change.downMs), refused: outage.refused });
    config.onWarning?.(`database back after ${(change.downMs / 1000).toFixed(1)} s; acknowledging again (${outage.refused} requests were answered 503 meanwhile)`);
  });

  let deliverer: Deliverer | undefined;
  let forwarder: Forwarder | undefined;
  if (config.forwardTo) {
    deliverer = await createDeliverer({ nowSeconds: () => Math.floor(now().getTime() / 1000), maxSockets: config.forwardConcurrency ?? 16 });
    forwarder = startForwarder({
      store,
      deliverer,
      target: config.forwardTo,
      secret: config.forwardSecret,
      maxAttempts: config.maxAttempts,
      concurrency: config.forwardConcurrency ?? 16,
      backoffScale: config.backoffScale ?? 1,
      now,
      log,
      onResult(event, result) {
        if (result.next?.status === 'forwarded') stats.forwarded++;
        else stats.failed++;
        if (result.next?.status === 'dead') stats.dead++;
        config.onForward?.(event, result);
      },
      onError: (message) => {
        if (!outage.active) config.onWarning?.(message);
      },
    });
  }

  /** The path every event takes once it is known to be authentic: filter, store, print, forward. */
  const accept = async (payload: Buffer, body: unknown, signature: string | null, source: EventSource): Promise<'stored' | 'duplicate' | 'ignored' | 'invalid'> => {
    const fields = eventFields(body);
    if (!fields) return 'invalid';
    if (!matches(fields.type)) {
      stats.ignored++;
      return 'ignored';
    }
    const incoming: IncomingEvent = {
      eventId: fields.id,
      type: fields.type,
      account: fields.account,
      livemode: fields.livemode,
      created: fields.created,
      source,
      payload,
      signature,
      receivedAt: now(),
    };
    const outcome = await writer.submit(incoming);
    if (outcome === 'duplicate') {
      stats.duplicates++;
      return 'duplicate';
    }
    stats.received++;
    try {
      config.onEvent?.(incoming, body);
    } catch (error) {
      // Committed is committed: a failure to print the event must not turn its 2xx into a 500.
      log.error('webhook.print_failed', { event: incoming.eventId, error: String(error) });
    }
    forwarder?.wake();
    return 'stored';
  };

  let server: Server | undefined;
  let url: string | undefined;
  let port: number | undefined;
  let shuttingDown = false;
  const path = config.path ?? '/webhooks';

  /** No v1 signature header: refused before a byte of the body is held (the body is read and dropped). */
  const unsigned = (request: IncomingMessage, response: ServerResponse) => {
    stats.rejected++;
    log.warn('webhook.rejected', { reason: request.headers['stripe-signature'] ? 'no_v1_signature' : 'missing_header', remote: request.socket.remoteAddress });
    request.resume();
    reply(response, 400, GENERIC_400, { connection: 'close' });
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const connectionHeader: Record<string, string> = shuttingDown ? { connection: 'close' } : {};
    const requestPath = (request.url ?? '/').split('?')[0];
    if (requestPath !== path) {
      request.resume();
      return reply(response, 404, JSON.stringify({ error: { message: 'Not found' } }), connectionHeader);
    }
    if (request.method !== 'POST') {
      request.resume();
      return reply(response, 405, JSON.stringify({ error: { message: 'Method not allowed' } }), { allow: 'POST', ...connectionHeader });
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    const tooLarge = () => {
      stats.rejected++;
      log.warn('webhook.rejected', { reason: 'body_too_large', limit: config.maxBodyBytes });
      // Close the connection: the rest of the body is not worth reading.
      reply(response, 413, JSON.stringify({ error: { message: 'Payload too large' } }), { connection: 'close' });
      request.destroy();
    };
    if (declared > config.maxBodyBytes) return tooLarge();
    if (verifier && !/(^|,)\s*v1=/.test(String(request.headers['stripe-signature'] ?? ''))) return unsigned(request, response);
    // Held bytes are given back once, however the request ends (complete, cut, or refused).
    let held = 0;
    const release = () => {
      budget.give(held);
      held = 0;
    };
    request.once('close', release);
    const overloaded = () => {
      aborted = true;
      release();
      stats.rejected++;
      log.warn('webhook.rejected', { reason: 'buffer_budget_exhausted', remote: request.socket.remoteAddress });
      reply(response, 503, JSON.stringify({ error: { message: 'Busy, retry later' } }), { connection: 'close', 'retry-after': '1' });
      request.destroy();
    };
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    if (declared > 0) {
      if (!budget.take(declared, declared)) return overloaded();
      held = declared;
    }
    request.on('data', (chunk: Buffer) => {
      if (aborted) return;
      size += chunk.length;
      if (size > config.maxBodyBytes) {
        aborted = true;
        release();
        tooLarge();
        return;
      }
      if (size > held) {
        if (!budget.take(size, size - held)) return overloaded();
        held = size;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (aborted) return;
      release();
      const payload = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      const header = request.headers['stripe-signature'];
      const signatureHeader = Array.isArray(header) ? header.join(',') : header;
      const reject = (reason: string, detail?: string) => {
        stats.rejected++;
        log.warn('webhook.rejected', { reason, detail, remote: request.socket.remoteAddress });
        reply(response, 400, GENERIC_400, connectionHeader);
      };
      if (verifier) {
        const verdict = verifier.verify(payload, signatureHeader, now().getTime());
        if (!verdict.ok) return reject(verdict.reason!, verdict.detail);
      }
      let body: unknown;
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        return reject('malformed_json');
      }
      accept(payload, body, signatureHeader ?? null, 'push').then(
        (outcome) => {
          if (outcome === 'invalid') return reject('not_an_event');
          reply(response, 200, JSON.stringify(outcome === 'stored' ? { received: true } : { received: true, [outcome]: true }), connectionHeader);
        },
        (error) => {
          stats.errors++;
          if (error instanceof TemporaryError) {
            // The store is unreachable for now: 503, which Stripe retries. The outage is logged once.
            if (outage.active) outage.refused++;
            else log.error('webhook.store_failed', { error: String(error) });
            return reply(response, 503, JSON.stringify({ error: { message: 'The event store is unavailable; retry later' } }), { 'retry-after': '5', ...connectionHeader });
          }
          log.error('webhook.store_failed', { error: String(error) });
          // 500 makes Stripe retry: the event was not stored, so it must not be acknowledged.
          reply(response, 500, JSON.stringify({ error: { message: 'Could not store the event' } }), connectionHeader);
        },
      );
    });
  };

  let poller: Promise<void> | undefined;
  const pollAbort = new AbortController();
  if (config.poll) {
    const poll = config.poll;
    poller = runPoller({
      stripe: poll.stripe,
      store,
      cursorName: poll.cursorName,
      intervalMs: poll.intervalMs,
      now,
      signal: pollAbort.signal,
      async process(event, payload) {
        await accept(payload, event, null, 'poll');
      },
      onWarning: (message) => config.onWarning?.(message),
      onError: (error) => {
        log.error('webhook.poll_failed', { error: String(error) });
        if (!outage.active) config.onWarning?.(`polling failed, retrying: ${(error as Error).message ?? String(error)}`);
      },
    });
  } else {
    const http = await import('node:http');
    // Bounded, not unlimited: a slow client must not hold a socket, or a share of the body budget, for ever.
    server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 }, handle);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.port ?? 4242, config.host ?? '127.0.0.1', () => {
        server!.off('error', reject);
        resolve();
      });
    });
    port = (server.address() as AddressInfo).port;
    const host = config.host ?? '127.0.0.1';
    url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  }

  const done = new Promise<ListenStats>((resolve, reject) => {
    const shutdown = async () => {
      shuttingDown = true;
      pollAbort.abort();
      if (server) {
        const closed = new Promise<void>((resolveClose) => server!.close(() => resolveClose()));
        server.closeIdleConnections();
        // Requests in flight finish (they wait for their commit); idle keep-alive sockets go now.
        const idleSweep = setInterval(() => server!.closeIdleConnections(), 50);
        await closed;
        clearInterval(idleSweep);
      }
      await poller;
      await writer.drain();
      await forwarder?.stop(3000);
      deliverer?.close();
      return stats;
    };
    const onAbort = () => void shutdown().then(resolve, reject);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });

  return { url, port, stats, done };
}
