/** forEachConcurrent: the one worker pool (token refresh, webhook replay). */
import { describe, expect, it } from 'vitest';
import { forEachConcurrent } from '../../src/util/concurrency.js';

describe('forEachConcurrent', () => {
  it('runs every item, at most `concurrency` at once, numbered in order', async () => {
    let running = 0;
    let most = 0;
    const seen: Array<[string, number]> = [];
    await forEachConcurrent(['a', 'b', 'c', 'd', 'e'], 2, async (item, index) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push([item, index]);
      running--;
    });
    expect(most).toBe(2);
    expect(seen.sort()).toEqual([['a', 0], ['b', 1], ['c', 2], ['d', 3], ['e', 4]]);
  });

  it('pulls an async source one item at a time, and runs one worker for concurrency 0', async () => {
    let pulling = 0;
    let overlapped = false;
    async function* source() {
      for (let n = 0; n < 4; n++) {
        pulling++;
        if (pulling > 1) overlapped = true;
        await new Promise((resolve) => setTimeout(resolve, 1));
        pulling--;
        yield n;
      }
    }
    const items: number[] = [];
    await forEachConcurrent(source(), 3, async (item) => void items.push(item));
    expect(items).toEqual([0, 1, 2, 3]);
    expect(overlapped).toBe(false);
    const one: number[] = [];
    await forEachConcurrent([1, 2], 0, async (item) => void one.push(item));
    expect(one).toEqual([1, 2]);
  });
});
