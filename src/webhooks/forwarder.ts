/**
 * Forwarding from the store: takes due events (received, or failed and due for a retry), POSTs
 * each re-signed with a fresh timestamp, and records the outcome. Everything that decides what
 * happens next lives in the store (status, attempts, next_attempt_at), so retries survive a
 * restart, and several listeners sharing a PostgreSQL database split the work between them.
 */
import type { Logger } from '../log.js';
import { maskUrlCredentials } from '../redact.js';
import { createBatcher } from '../util/batcher.js';
import type { Deliverer } from './deliver.js';
import { backoffMs } from './parse.js';
import { isSuccess, type AttemptResult, type EventStore, type StoredEvent } from './types.js';

export interface ForwarderConfig {
  store: EventStore;
  deliverer: Deliverer;
  target: string;
  /** Signs each forward; undefined forwards unsigned (the operator was warned). */
  secret: string | undefined;
  maxAttempts: number;
  concurrency: number;
  backoffScale: number;
  now: () => Date;
  log: Logger;
  /** How long a claim lasts if this process dies mid-delivery. */
  leaseMs?: number;
  /** How often to look for work another listener stored, or a retry that became due. */
  idleMs?: number;
  onResult?: (event: StoredEvent, result: AttemptResult) => void;
  /** A store failure worth telling the operator about (the log has the details). */
  onError?: (message: string) => void;
}

export interface Forwarder {
  /** A new event was stored: look now rather than at the next tick. */
  wake(): void;
  /** Stops claiming; waits up to graceMs for in-flight deliveries, then aborts them. */
  stop(graceMs: number): Promise<void>;
}

export function startForwarder(config: ForwarderConfig): Forwarder {
  const leaseMs = config.leaseMs ?? 60_000;
  // The attempts table keeps where, never a password in the URL.
  const storedTarget = maskUrlCredentials(config.target);
  const idleMs = config.idleMs ?? 1000;
  const inFlight = new Set<Promise<void>>();
  const abort = new AbortController();
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let woken = false;

  const recorder = createBatcher<AttemptResult, void>(async (results) => {
    await config.store.recordAttempts(results);
    return results.map(() => undefined);
  });

  const deliverOne = async (event: StoredEvent) => {
    const outcome = await config.deliverer.deliver(config.target, event.payload, config.secret, { signal: abort.signal });
    const attemptedAt = config.now();
    const attempts = event.attempts + 1;
    let result: AttemptResult;
    if (abort.signal.aborted && outcome.statusCode === null) {
      // Shutdown cut it short: not the target's fault, so not an attempt; due again at once.
      result = {
        row: event.row, kind: 'forward', target: storedTarget, statusCode: null, durationMs: outcome.durationMs,
        error: 'interrupted by shutdown', attemptedAt,
        next: { status: event.status, nextAttemptAt: attemptedAt, lastError: event.last_error, countAttempt: false },
      };
    } else if (isSuccess(outcome.statusCode)) {
      result = {
        row: event.row, kind: 'forward', target: storedTarget, statusCode: outcome.statusCode, durationMs: outcome.durationMs, error: null, attemptedAt,
        next: { status: 'forwarded', nextAttemptAt: null, lastError: null, countAttempt: true },
      };
    } else {
      const dead = attempts >= config.maxAttempts;
      result = {
        row: event.row, kind: 'forward', target: storedTarget, statusCode: outcome.statusCode, durationMs: outcome.durationMs, error: outcome.error, attemptedAt,
        next: {
          status: dead ? 'dead' : 'failed',
          nextAttemptAt: dead ? null : new Date(attemptedAt.getTime() + backoffMs(attempts, { scale: config.backoffScale })),
          lastError: outcome.error,
          countAttempt: true,
        },
      };
    }
    try {
      await recorder.submit(result);
    } catch (error) {
      // The claim's lease runs out and the event is delivered again: at least once, never lost.
      config.log.error('webhook.forward.record_failed', { event: event.event_id, error: String(error) });
      config.onError?.(`could not record the forward of ${event.event_id} (${(error as Error).message}); it will be sent again when its claim expires`);
    }
    if (result.next?.countAttempt) config.onResult?.(event, result);
  };

  const loop = async () => {
    while (!stopping) {
      const free = config.concurrency - inFlight.size;
      let claimed: StoredEvent[] = [];
      if (free > 0) {
        try {
          claimed = await config.store.claimDue(config.now(), free, leaseMs);
        } catch (error) {
          config.log.error('webhook.forward.claim_failed', { error: String(error) });
          config.onError?.(`could not read pending forwards: ${(error as Error).message}`);
        }
      }
      for (const event of claimed) {
        const task = deliverOne(event).finally(() => {
          inFlight.delete(task);
          wake();
        });
        inFlight.add(task);
      }
      if (claimed.length && claimed.length === free) continue;
      if (stopping) break;
      // Sleep until woken (a new event, a finished delivery) or the next retry falls due.
      let waitMs = idleMs;
      if (inFlight.size < config.concurrency) {
        try {
          const next = await config.store.nextDue();
          if (next) waitMs = Math.min(idleMs, Math.max(0, next.getTime() - config.now().getTime()));
        } catch {
          // keep the idle interval
        }
      }
      if (woken) {
        woken = false;
        if (inFlight.size < config.concurrency) continue;
      }
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      wakeUp = undefined;
      woken = false;
    }
  };

  const wake = () => {
    woken = true;
    wakeUp?.();
  };

  const running = loop();

  return {
    wake,
    async stop(graceMs) {
      stopping = true;
      wake();
      await running;
      const all = Promise.all([...inFlight]);
      const grace = new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          abort.abort();
          resolve();
        }, graceMs);
        void all.then(() => {
          clearTimeout(t);
          resolve();
        });
      });
      await grace;
      await all;
      await recorder.drain();
    },
  };
}
