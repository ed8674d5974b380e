/** Group commit: the one batcher (webhook acknowledgements and attempts, token verify writes). */
import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../src/util/batcher.js';

describe('group commit', () => {
  it('flushes everything submitted in one turn as one batch, and settles each only after it', async () => {
    const batches: number[][] = [];
    let committed = false;
    const batcher = createBatcher<number, string>(async (items) => {
      batches.push(items);
      await new Promise((resolve) => setTimeout(resolve, 5));
      committed = true;
      return items.map((item) => `ok ${item}`);
    });
    const results = await Promise.all([1, 2, 3].map((n) => batcher.submit(n).then((value) => ({ value, committed }))));
    expect(batches).toEqual([[1, 2, 3]]);
    expect(results).toEqual([1, 2, 3].map((n) => ({ value: `ok ${n}`, committed: true })));
  });

  it('rejects every item of a failed batch', async () => {
    const batcher = createBatcher<number, void>(async () => {
      throw new Error('disk full');
    });
    const outcomes = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    await batcher.drain();
  });

  it('takes records nobody waits for, commits a full batch without waiting out the window, and drain commits the rest', async () => {
    const batches: number[][] = [];
    const batcher = createBatcher<number, void>(
      async (items) => {
        batches.push(items);
        return [];
      },
      { maxBatch: 3, windowMs: 60_000, maxInFlight: Infinity },
    );
    for (const n of [1, 2, 3, 4]) batcher.add(n);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(batcher.pending).toBe(1);
    await batcher.drain();
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('flush() starts the window at once', async () => {
    const batches: number[][] = [];
    const batcher = createBatcher<number, number>(async (items) => (batches.push(items), items), { windowMs: 60_000 });
    const pending = [batcher.submit(1), batcher.submit(2)];
    batcher.flush();
    expect(batches).toEqual([[1, 2]]);
    expect(await Promise.all(pending)).toEqual([1, 2]);
  });
});
