/**
 * #16's duplicated-settings bug: refresh sized its lock slots from ATOM_STRIPE_POOL_SIZE only, while
 * the store's pool follows --pool-size (and .env, profile). With `--pool-size 2`, two held locks
 * filled the pool and every re-read waited out pg's connect timeout. Now both come from one setting.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testContext } from '../helpers/context.js';
import { withEmulator } from '../helpers/emulator.js';
import { freshSchema, type TestSchema } from '../contract/postgres-schema.js';
import { oauthEnv } from '../oauth/helpers.js';
import { REDIRECT, expectEveryTokenWorks, seedFleet } from './refresh-overlap.shared.js';

const emulator = withEmulator({ redirectUris: [REDIRECT] });
const schemas: TestSchema[] = [];
const closers: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const close of closers) await close();
  for (const schema of schemas) await schema.drop();
});

type Document = { results: Array<{ user_id: string; outcome: string; error: string | null }> };

describe('token refresh --roll --pool-size 2 on postgres', () => {
  it('rolls every token with a pool of two: the lock slots leave the re-reads a connection', async () => {
    const schema = await freshSchema('pool_size_refresh');
    schemas.push(schema);
    const env = oauthEnv(emulator.current, REDIRECT, { ATOM_STRIPE_STORE: 'postgres', DATABASE_URL: schema.url, ATOM_STRIPE_PROFILE: 'fleet' });
    expect((await runCli(['db', 'migrate'], { env })).code).toBe(0);
    const { ctx } = testContext({ env });
    closers.push(() => ctx.close());
    const store = await ctx.tokens();
    await seedFleet(emulator.current, store, 8);
    // A re-read starved of a connection waits out the pool's checkout timeout and then fails its token
    // (temporary, exit 5): this passes only if no token ever waited for a connection.
    const run = await runCli(['token', 'refresh', '--all', '--roll', '--concurrency', '4', '--rate', '0', '--pool-size', '2', '--json'], {
      env,
      timeoutMs: 60_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const results = (JSON.parse(run.stdout) as Document).results;
    expect(results).toHaveLength(8);
    expect(results.filter((result) => result.outcome !== 'rolled')).toEqual([]);
    await expectEveryTokenWorks(emulator.current, store);
  }, 90_000);
});
