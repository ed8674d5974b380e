/**
 * Overlapping `token refresh --roll` runs on PostgreSQL (#12 finding 3), against an emulator that
 * rotates refresh tokens: three runs at once, three rounds, over one shared database. Each token is
 * granted exactly once per round (counted at the emulator), and every stored token works afterwards.
 * The sqlite twin, with the SIGKILL and second-store cases, is refresh-overlap.test.ts.
 */
import { afterAll, describe, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testContext } from '../helpers/context.js';
import { withEmulator } from '../helpers/emulator.js';
import { freshSchema, type TestSchema } from '../contract/postgres-schema.js';
import { oauthEnv } from '../oauth/helpers.js';
import { expect } from 'vitest';
import { expectEveryTokenWorks, overlappingRounds, REDIRECT, seedFleet } from './refresh-overlap.shared.js';

const emulator = withEmulator({ redirectUris: [REDIRECT], rotateRefreshTokens: true });
const schemas: TestSchema[] = [];
const closers: Array<() => Promise<void>> = [];

afterAll(async () => {
  emulator.current.control.setLatency(0);
  for (const close of closers) await close();
  for (const schema of schemas) await schema.drop();
});

describe('token refresh --roll on postgres, three runs at once', () => {
  it('grants each of 60 tokens exactly once per round, over three rounds, and every stored token works', async () => {
    const schema = await freshSchema('overlap_refresh');
    schemas.push(schema);
    const env = oauthEnv(emulator.current, REDIRECT, { ATOM_STRIPE_STORE: 'postgres', DATABASE_URL: schema.url, ATOM_STRIPE_PROFILE: 'fleet' });
    const migrated = await runCli(['db', 'migrate'], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
    const { ctx } = testContext({ env });
    closers.push(() => ctx.close());
    const store = await ctx.tokens();
    await seedFleet(emulator.current, store, 60);
    await overlappingRounds(emulator.current, env, store, 3);
    await expectEveryTokenWorks(emulator.current, store);
  }, 240_000);
});
