/**
 * Replay: delivers stored events again, each re-signed with a fresh timestamp, with bounded
 * concurrency and an optional rate. Every attempt is recorded (kind `replay`, group-committed so
 * recording does not cap throughput); a 2xx marks the event forwarded.
 */
import { maskUrlCredentials } from '../redact.js';
import { createBatcher } from '../util/batcher.js';
import { forEachConcurrent } from '../util/concurrency.js';
import { createRateLimiter } from '../util/rate-limiter.js';
import type { Deliverer, Delivery } from './deliver.js';
import { isSuccess, type AttemptResult, type EventStore, type StoredEvent } from './types.js';

export interface ReplayConfig {
  store: EventStore;
  deliverer: Deliverer;
  target: string;
  secret: string | undefined;
  concurrency: number;
  /** Deliveries per second; undefined is as fast as concurrency allows. */
  ratePerSecond?: number;
  now: () => Date;
  signal: AbortSignal;
  onResult?: (event: StoredEvent, delivery: Delivery) => void;
}

export interface ReplayOutcome {
  delivered: number;
  failed: number;
  /** Events not attempted because the run was interrupted. */
  skipped: number;
}

export async function replayEvents(events: AsyncIterable<StoredEvent> | Iterable<StoredEvent>, config: ReplayConfig): Promise<ReplayOutcome> {
  const outcome: ReplayOutcome = { delivered: 0, failed: 0, skipped: 0 };
  // The attempts table keeps where, never a password in the URL.
  const storedTarget = maskUrlCredentials(config.target);
  const recorder = attemptRecorder(config.store);
  const limiter = createRateLimiter({ rate: config.ratePerSecond ?? 0 });
  const deliverOne = async (event: StoredEvent) => {
    // Interrupted before its slot came: not attempted.
    if (config.signal.aborted || !(await limiter.acquire(config.signal).then(() => true, () => false))) {
      outcome.skipped++;
      return;
    }
    const delivery = await config.deliverer.deliver(config.target, event.payload, config.secret, { signal: config.signal });
    const ok = isSuccess(delivery.statusCode);
    if (ok) outcome.delivered++;
    else outcome.failed++;
    config.onResult?.(event, delivery);
    recorder.add({
      row: event.row,
      kind: 'replay',
      target: storedTarget,
      statusCode: delivery.statusCode,
      durationMs: delivery.durationMs,
      error: delivery.error,
      attemptedAt: config.now(),
      next: ok ? { status: 'forwarded', nextAttemptAt: null, lastError: null, countAttempt: false } : undefined,
    });
  };
  try {
    // At most `concurrency` in flight; an interrupted run still pulls the rest, counting it skipped.
    await forEachConcurrent(events, config.concurrency, deliverOne);
  } finally {
    // Every attempt made is recorded before this returns, interrupted or not.
    await recorder.close();
  }
  // The deliveries happened; losing their history is still a failure the operator must see.
  if (recorder.error) throw recorder.error;
  return outcome;
}

/**
 * Attempts are history, not acknowledgements: nobody waits on one, so they are committed in
 * windows of 250 ms (or 1,000 attempts), one transaction each, instead of one per delivery. A
 * window's commit runs while the next fills (on the SQLite writer thread when there is one), and
 * close() commits what is left and waits for every commit.
 */
function attemptRecorder(store: EventStore, windowMs = 250, maxBatch = 1000) {
  let error: unknown;
  const batcher = createBatcher<AttemptResult, void>(
    (results) =>
      store.recordAttempts(results).then(
        () => [],
        (failure: unknown) => {
          error ??= failure;
          return [];
        },
      ),
    { windowMs, maxBatch, maxInFlight: Infinity },
  );
  return {
    add: (result: AttemptResult) => batcher.add(result),
    close: () => batcher.drain(),
    get error() {
      return error;
    },
  };
}
