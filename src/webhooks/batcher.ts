/**
 * Group commit: items submitted while a flush is pending or running are written together in the
 * next flush, one transaction (one fsync) for the whole batch, and every submitter's promise
 * settles only after that commit. With a synchronous SQLite write the batching is natural: while
 * one commit blocks the event loop, arrivals pile up and the next turn collects them all.
 */
export interface Batcher<T, R> {
  submit(item: T): Promise<R>;
  /** Resolves when everything submitted so far has been flushed. */
  drain(): Promise<void>;
  readonly pending: number;
}

export function createBatcher<T, R>(flush: (items: T[]) => Promise<R[]>, maxBatch = 1000): Batcher<T, R> {
  let queue: Array<{ item: T; resolve: (value: R) => void; reject: (error: unknown) => void }> = [];
  let running: Promise<void> | undefined;
  let scheduled = false;

  const run = async () => {
    while (queue.length) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const results = await flush(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index]!));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
  };

  const schedule = () => {
    if (scheduled || running) return;
    scheduled = true;
    // setImmediate, not a microtask: requests whose bodies arrived in this same turn join the batch.
    setImmediate(() => {
      scheduled = false;
      running = run().finally(() => {
        running = undefined;
        if (queue.length) schedule();
      });
    });
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    async drain() {
      while (queue.length || running || scheduled) {
        if (running) await running;
        else await new Promise((resolve) => setImmediate(resolve));
      }
    },
    get pending() {
      return queue.length;
    },
  };
}
