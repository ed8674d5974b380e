/** The Context's stores: opened lazily, once, where the configuration says, and closed with the Context. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testContext } from './helpers/context.js';

describe('ctx.events()', () => {
  it('opens the event store once, in the token store\'s file, and closes it with the context', async () => {
    const { ctx } = testContext();
    const store = await ctx.events();
    expect(await ctx.events()).toBe(store);
    expect(store.kind).toBe('sqlite');
    expect(store.location).toBe(join(ctx.env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db'));
    expect(await store.countsByStatus()).toEqual({ received: 0, forwarded: 0, failed: 0, dead: 0 });
    await ctx.close();
    await expect(store.countsByStatus()).rejects.toThrow(/not open/);
  });

  it('opens one store per writer-thread mode, each once, and closes every one', async () => {
    const { ctx } = testContext();
    const plain = await ctx.events();
    const threaded = await ctx.events({ writerThread: true });
    expect(threaded).not.toBe(plain);
    expect(await ctx.events({ writerThread: true })).toBe(threaded);
    expect(await ctx.events({})).toBe(plain);
    await ctx.close();
    await expect(plain.countsByStatus()).rejects.toThrow(/not open/);
    await expect(threaded.countsByStatus()).rejects.toThrow(/not open/);
  });

  it('refuses a postgres store without a database URL, as the token store does', async () => {
    const { ctx } = testContext({ globals: { store: 'postgres' } });
    await expect(ctx.events()).rejects.toThrow(/needs a database URL/);
    await ctx.close();
  });
});
