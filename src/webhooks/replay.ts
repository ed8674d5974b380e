/**
 * Replay: delivers stored events again, each re-signed with a fresh timestamp, with bounded
 * concurrency and an optional rate. Every attempt is recorded (kind `replay`, group-committed so
 * recording does not cap throughput); a 2xx marks the event forwarded.
 */
import { createBatcher } from './batcher.js';
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
  // Attempts are history, not acknowledgements: committed every 250 ms (or 1,000 attempts), so the
  // fsync of a synchronous SQLite commit does not stall deliveries.
  const recorder = createBatcher<AttemptResult, void>(
    async (results) => {
      await config.store.recordAttempts(results);
      return results.map(() => undefined);
    },
    { windowMs: 250, maxBatch: 1000 },
  );
  let recordError: unknown;
  const started = performance.now();
  let sent = 0;
  const iterator = (Symbol.asyncIterator in events ? events[Symbol.asyncIterator]() : (events as Iterable<StoredEvent>)[Symbol.iterator]()) as
    | AsyncIterator<StoredEvent>
    | Iterator<StoredEvent>;
  // One shared iterator: each worker pulls the next event, so at most `concurrency` are in flight.
  let pulling: Promise<IteratorResult<StoredEvent>> = Promise.resolve({ done: false, value: undefined as never });
  const next = () => (pulling = pulling.then(() => iterator.next()));

  const worker = async () => {
    for (;;) {
      const item = await next();
      if (item.done) return;
      const event = item.value;
      if (config.signal.aborted) {
        outcome.skipped++;
        continue;
      }
      if (config.ratePerSecond) {
        const slot = started + (sent++ * 1000) / config.ratePerSecond;
        const wait = slot - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const delivery = await config.deliverer.deliver(config.target, event.payload, config.secret, { signal: config.signal });
      const ok = isSuccess(delivery.statusCode);
      if (ok) outcome.delivered++;
      else outcome.failed++;
      config.onResult?.(event, delivery);
      void recorder
        .submit({
          row: event.row,
          kind: 'replay',
          target: config.target,
          statusCode: delivery.statusCode,
          durationMs: delivery.durationMs,
          error: delivery.error,
          attemptedAt: config.now(),
          next: ok ? { status: 'forwarded', nextAttemptAt: null, lastError: null, countAttempt: false } : undefined,
        })
        .catch((error: unknown) => {
          recordError ??= error;
        });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, config.concurrency) }, worker));
  await recorder.drain();
  // The deliveries happened; losing their history is still a failure the operator must see.
  if (recordError) throw recordError;
  return outcome;
}
