/**
 * A client-side limiter shared by every worker of one run: at most `rate` requests per second,
 * spaced evenly (no burst: a fleet of cron hosts starting on the same minute should not spike), and
 * a shared pause after a 429 so the whole run backs off, not only the worker that was told to.
 */
export interface RateLimiter {
  /** Waits for a slot. Rejects with the signal's reason when aborted. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Every worker waits at least this long before its next request. */
  pause(ms: number): void;
}

export interface RateLimiterOptions {
  /** Requests per second; 0 or Infinity turns the limiter off. */
  rate: number;
  /** The clock and the sleep, injected for tests. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? (() => performance.now());
  const wait = options.sleep ?? sleep;
  const unlimited = !(options.rate > 0) || !Number.isFinite(options.rate);
  const interval = unlimited ? 0 : 1000 / options.rate;
  // The next free slot. Slots are handed out in order, so waiting workers never starve each other.
  let nextSlot = -Infinity;
  let pausedUntil = -Infinity;
  return {
    async acquire(signal) {
      if (signal?.aborted) throw signal.reason;
      const current = now();
      let slot = Math.max(current, pausedUntil);
      if (!unlimited) {
        slot = Math.max(slot, nextSlot);
        nextSlot = slot + interval;
      }
      const delay = slot - current;
      if (delay > 0) await wait(delay, signal);
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
      if (nextSlot < pausedUntil) nextSlot = pausedUntil;
    },
  };
}
