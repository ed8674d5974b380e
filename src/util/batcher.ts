/**
 * Group commit: items submitted in the same event-loop turn are written together, one transaction
 * (one fsync) for the batch, and every submitter's promise settles only after that commit.
 *
 * `maxInFlight` bounds how many batches may be committing at once. 1 suits a synchronous SQLite
 * write on this thread (arrivals pile up while it blocks, and the next turn takes them all). A
 * store that commits elsewhere (the SQLite writer thread, PostgreSQL) takes more, so the next batch
 * is already queued when the current commit ends and the disk never waits for this thread.
 */
export interface Batcher<T, R> {
  submit(item: T): Promise<R>;
  /** Queues a record nobody waits for, without a promise for it (the flush handles its own failure). */
  add(item: T): void;
  /** Starts the commit of what is queued now instead of at the end of the window. */
  flush(): void;
  /** Commits what is queued and resolves when everything submitted so far has been flushed. */
  drain(): Promise<void>;
  readonly pending: number;
}

export interface BatcherOptions {
  maxBatch?: number;
  maxInFlight?: number;
  /**
   * Wait this long for more items before a flush. 0 (the default) flushes on the next turn: right
   * for acknowledgements, which wait on it. Records nobody waits for (replay attempts) take a window,
   * so a synchronous fsync does not run once per handful of deliveries. A full batch does not wait.
   */
  windowMs?: number;
}

export function createBatcher<T, R>(flush: (items: T[]) => Promise<R[]>, options: BatcherOptions = {}): Batcher<T, R> {
  const maxBatch = options.maxBatch ?? 1000;
  const maxInFlight = options.maxInFlight ?? 1;
  const windowMs = options.windowMs ?? 0;
  type Entry = { item: T; resolve: (value: R) => void; reject: (error: unknown) => void };
  let queue: Entry[] = [];
  const inFlight = new Set<Promise<void>>();
  let scheduled = false;
  let windowTimer: NodeJS.Timeout | undefined;

  const flushOne = () => {
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    const task = (async () => {
      try {
        const results = await flush(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(results[index]!));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    })().finally(() => {
      inFlight.delete(task);
      if (queue.length) schedule();
    });
    inFlight.add(task);
  };

  const fire = () => {
    clearTimeout(windowTimer);
    windowTimer = undefined;
    scheduled = false;
    while (queue.length && inFlight.size < maxInFlight) flushOne();
  };

  const schedule = () => {
    if (scheduled || inFlight.size >= maxInFlight) return;
    scheduled = true;
    // setImmediate, not a microtask: requests whose bodies arrived in this same turn join the batch.
    if (windowMs > 0 && queue.length < maxBatch) windowTimer = setTimeout(fire, windowMs);
    else setImmediate(fire);
  };

  const enqueue = (entry: Entry) => {
    queue.push(entry);
    if (windowTimer && queue.length >= maxBatch) fire();
    else schedule();
  };

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => enqueue({ item, resolve, reject }));
    },
    add(item) {
      enqueue({ item, resolve: ignore, reject: ignore });
    },
    flush() {
      if (windowTimer) fire();
    },
    async drain() {
      while (queue.length || inFlight.size || scheduled) {
        if (windowTimer) fire();
        if (inFlight.size) await Promise.all([...inFlight]);
        else await new Promise((resolve) => setImmediate(resolve));
      }
    },
    get pending() {
      return queue.length;
    },
  };
}

const ignore = () => {};
