/** The shared client-side rate limiter (token refresh, webhook replay). */
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/util/rate-limiter.js';

describe('rate limiter', () => {
  it('spaces requests at the rate and makes every worker wait after a 429 pause', async () => {
    let clock = 0;
    const waits: number[] = [];
    const limiter = createRateLimiter({ rate: 20, now: () => clock, sleep: async (ms) => void waits.push(ms) });
    for (let index = 0; index < 4; index++) await limiter.acquire();
    expect(waits).toEqual([50, 100, 150]);
    clock = 1000;
    waits.length = 0;
    limiter.pause(2000);
    await limiter.acquire();
    await limiter.acquire();
    expect(waits).toEqual([2000, 2050]);
  });

  it('does not wait with rate 0', async () => {
    const waits: number[] = [];
    const limiter = createRateLimiter({ rate: 0, now: () => 0, sleep: async (ms) => void waits.push(ms) });
    for (let index = 0; index < 100; index++) await limiter.acquire();
    expect(waits).toEqual([]);
  });
});
