/**
 * Runs `each` over every item with at most `concurrency` running at once: that many workers pull
 * from one shared iterator, so items start in order and a slow one holds up only its own worker.
 * An array is pulled directly; an async source (a store read page by page) through one promise
 * chain, because an async iterator must not be asked for its next item before the last settled.
 * Every item is pulled: a caller that stops early (interrupted) skips the rest in `each`.
 */
export async function forEachConcurrent<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  each: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let pull: () => Promise<IteratorResult<T>> | IteratorResult<T>;
  if (Symbol.asyncIterator in items) {
    const iterator = items[Symbol.asyncIterator]();
    let pulling: Promise<IteratorResult<T>> = Promise.resolve({ done: false, value: undefined as never });
    pull = () => (pulling = pulling.then(() => iterator.next()));
  } else {
    const iterator = items[Symbol.iterator]();
    pull = () => iterator.next();
  }
  let pulled = 0;
  const worker = async () => {
    for (;;) {
      // Numbered when asked for: the chain hands items out in the order they were asked for.
      const index = pulled++;
      const item = await pull();
      if (item.done) return;
      await each(item.value, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}
