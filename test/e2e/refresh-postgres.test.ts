/**
 * Two `token refresh` processes at once on one PostgreSQL database, as two cron hosts would run:
 * over 200 tokens due for a roll, every token is rolled exactly once (the emulator counts the grant
 * requests per idempotency key), and no refresh token is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, runCli, spawnCli, type Env } from '../helpers/cli.js';
import { testContext } from '../helpers/context.js';
import { stripeFor, withEmulator } from '../helpers/emulator.js';
import { freshSchema, type TestSchema } from '../contract/postgres-schema.js';
import type { TokenRecord, TokenStore } from '../../src/store/types.js';
import { oauthEnv, TOKEN_PATTERN } from '../oauth/helpers.js';
import { seedFleet } from './refresh-overlap.shared.js';

const REDIRECT = 'http://127.0.0.1:8789/callback';
const COUNT = 200;
const emulator = withEmulator({ redirectUris: [REDIRECT] });
let schema: TestSchema;
let env: Env;
let store: TokenStore;
let close: () => Promise<void>;

beforeAll(async () => {
  schema = await freshSchema('refresh');
  env = oauthEnv(emulator.current, REDIRECT, { ATOM_STRIPE_STORE: 'postgres', DATABASE_URL: schema.url, ATOM_STRIPE_PROFILE: 'fleet' });
  const migrate = await runCli(['db', 'migrate'], { env });
  expect(migrate.code, migrate.stderr).toBe(0);
  const { ctx } = testContext({ env });
  store = await ctx.tokens();
  close = () => ctx.close();
  await seedFleet(emulator.current, store, COUNT, 'shop', REDIRECT);
});

afterAll(async () => {
  emulator.current.control.setLatency(0);
  await close?.();
  await schema?.drop();
});

describe('token refresh on postgres from two hosts at once', () => {
  it('rolls each of 200 tokens exactly once and loses no refresh token', async () => {
    const before = new Map((await store.list()).map((record) => [record.user_id, record]));
    expect(before.size).toBe(COUNT);
    const grantsBefore = emulator.current.control.requestCount('POST', '/oauth/token');
    const keysBefore = new Set(Object.keys(emulator.current.control.requests().byIdempotencyKey));
    // Latency makes the two runs overlap for real.
    emulator.current.control.setLatency(15);

    const args = ['token', 'refresh', '--all', '--max-age', '7d', '--concurrency', '8', '--rate', '0', '--json'];
    const runs = await Promise.all([collect(spawnCli(args, { env }), { timeoutMs: 120_000 }), collect(spawnCli(args, { env }), { timeoutMs: 120_000 })]);
    emulator.current.control.setLatency(0);

    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toMatch(TOKEN_PATTERN);
      expect(run.stderr).not.toMatch(TOKEN_PATTERN);
    }
    const documents = runs.map((run) => JSON.parse(run.stdout) as { summary: Record<string, number>; results: Array<{ user_id: string; outcome: string; reason: string | null }> });
    const rolledBy = documents.map((document) => document.results.filter((result) => result.outcome === 'rolled').map((result) => result.user_id));
    // Both hosts did part of the work, and together every token exactly once.
    expect(rolledBy[0].length).toBeGreaterThan(0);
    expect(rolledBy[1].length).toBeGreaterThan(0);
    expect(new Set([...rolledBy[0], ...rolledBy[1]]).size).toBe(COUNT);
    expect(rolledBy[0].length + rolledBy[1].length).toBe(COUNT);
    for (const document of documents) {
      for (const result of document.results.filter((result) => result.outcome !== 'rolled')) {
        // Held by the other host (skipped), rolled by it after this run listed it (skipped after
        // the re-read), or rolled by it before this run listed it (then only verified).
        if (result.outcome === 'skipped') expect(result.reason).toMatch(/^(locked|rolled) by another run$/);
        else expect(result.outcome).toBe('verified');
      }
    }

    // The emulator saw exactly 200 grants, each under its own idempotency key, each sent once.
    expect(emulator.current.control.requestCount('POST', '/oauth/token') - grantsBefore).toBe(COUNT);
    const stats = emulator.current.control.requests().byIdempotencyKey;
    const rollKeys = Object.keys(stats).filter((key) => key.startsWith('atom-stripe-roll-') && !keysBefore.has(key));
    expect(rollKeys).toHaveLength(COUNT);
    for (const key of rollKeys) expect(stats[key].requests).toBe(1);

    // Every record: one new version, a new working access token, its refresh token kept.
    const after = await store.list();
    for (const record of after) {
      const old = before.get(record.user_id) as TokenRecord;
      // One roll; a verify by the other host may add a version (last_verified_at).
      expect(record.version).toBeGreaterThanOrEqual(old.version + 1);
      expect(record.refresh_token).toBe(old.refresh_token);
      expect(record.access_token).not.toBe(old.access_token);
      expect(record.status).toBe('active');
      expect(Date.parse(record.last_refreshed_at!)).toBeGreaterThan(Date.parse(old.last_refreshed_at!));
    }
    const sample = after.filter((_, index) => index % 20 === 0);
    for (const record of sample) {
      const account = await stripeFor(emulator.current, record.access_token).accounts.retrieve(null as unknown as string);
      expect(account.id).toBe(record.stripe_user_id);
    }

    // A verify run afterwards finds them all healthy, quietly.
    const verify = await runCli(['token', 'refresh', '--all', '--concurrency', '16', '--rate', '0'], { env, timeoutMs: 120_000 });
    expect(verify).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});
