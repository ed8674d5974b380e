/**
 * Overlapping and interrupted `token refresh --roll` runs on the default sqlite store, against an
 * emulator that rotates refresh tokens (each grant retires the refresh token it used, as Stripe may):
 * - three runs at once, three rounds: every token granted exactly once per round;
 * - a run SIGKILLed while its grants are in flight: the rerun takes over its leases at once, replays
 *   the grants Stripe already ran (same idempotency key) and rolls every token;
 * - a second store holding the same tokens is not handed the first store's grants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, runCli, spawnCli, type Env } from '../helpers/cli.js';
import { testContext } from '../helpers/context.js';
import { withEmulator } from '../helpers/emulator.js';
import { waitFor } from '../helpers/wait.js';
import type { TokenStore } from '../../src/store/types.js';
import { logText, oauthEnv, TOKEN_PATTERN } from '../oauth/helpers.js';
import { expectEveryTokenWorks, overlappingRounds, REDIRECT, seedFleet } from './refresh-overlap.shared.js';

const emulator = withEmulator({ redirectUris: [REDIRECT], rotateRefreshTokens: true });
const closers: Array<() => Promise<void>> = [];

async function fleet(count: number, prefix = 'shop'): Promise<{ env: Env; store: TokenStore }> {
  const env = oauthEnv(emulator.current, REDIRECT);
  const { ctx } = testContext({ env });
  const store = await ctx.tokens();
  closers.push(() => ctx.close());
  await seedFleet(emulator.current, store, count, prefix);
  return { env, store };
}

type Document = { results: Array<{ user_id: string; outcome: string; reason: string | null; error: string | null }> };

beforeAll(() => emulator.current.control.setLatency(0));
afterAll(async () => {
  emulator.current.control.setLatency(0);
  for (const close of closers) await close();
});

describe('token refresh --roll on sqlite, three runs at once', () => {
  it('grants each of 60 tokens exactly once per round, over three rounds, and every stored token works', async () => {
    const { env, store } = await fleet(60);
    await overlappingRounds(emulator.current, env, store, 3);
    await expectEveryTokenWorks(emulator.current, store);
  }, 180_000);
});

describe('token refresh --roll after a run was SIGKILLed mid-way', () => {
  it('takes over the dead run\'s leases at once, replays the grants it sent, and rolls every token', async () => {
    const { env, store } = await fleet(12, 'killed');
    const accounts = (await store.list()).map((record) => record.stripe_user_id!);
    const before = emulator.current.control.refreshGrants();
    const arrived = emulator.current.control.requestCount('POST', '/oauth/token');
    // Hold every grant long enough to catch four in flight.
    emulator.current.control.setLatency(1500);
    const child = spawnCli(['token', 'refresh', '--all', '--roll', '--concurrency', '4', '--rate', '0'], { env });
    const exited = collect(child, { timeoutMs: 60_000 });
    await waitFor(() => emulator.current.control.requestCount('POST', '/oauth/token') - arrived >= 4, 'four grants in flight', 30_000);
    // Then hold the database's write lock, so the answers cannot be stored: the grants run at the
    // emulator (retiring their refresh tokens), the run waits to write, and dies there.
    const { default: Database } = await import('better-sqlite3');
    const { join } = await import('node:path');
    const db = new Database(join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db'), { timeout: 10_000 });
    db.prepare('BEGIN IMMEDIATE').run();
    const executed = () => accounts.reduce((sum, account) => sum + (emulator.current.control.refreshGrants()[account] ?? 0) - (before[account] ?? 0), 0);
    await waitFor(() => executed() >= 4, 'the grants in flight to run', 30_000);
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    db.prepare('ROLLBACK').run();
    // The killed run left four leases, naming a dead process, and four roll attempts.
    expect(db.prepare('SELECT COUNT(*) AS n FROM token_locks WHERE expires_at > ?').get(Date.now())).toEqual({ n: 4 });
    db.close();
    emulator.current.control.setLatency(0);
    expect(executed()).toBe(4);
    expect((await store.list()).filter((record) => record.roll_attempt)).toHaveLength(4);

    const rerun = await runCli(['token', 'refresh', '--all', '--roll', '--json', '--verbose'], { env, timeoutMs: 60_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).not.toMatch(TOKEN_PATTERN);
    expect(rerun.stderr).not.toMatch(TOKEN_PATTERN);
    const results = (JSON.parse(rerun.stdout) as Document).results;
    expect(results.filter((result) => result.outcome !== 'rolled')).toEqual([]);
    expect(results).toHaveLength(12);
    // Each account granted once in all: the four the killed run sent were replayed, not run again.
    const after = emulator.current.control.refreshGrants();
    expect(accounts.map((account) => (after[account] ?? 0) - (before[account] ?? 0))).toEqual(accounts.map(() => 1));
    await expectEveryTokenWorks(emulator.current, store);
  }, 120_000);

  it('names a token another live run holds, in --verbose and in the log', async () => {
    const { env, store } = await fleet(2, 'held');
    const { default: Database } = await import('better-sqlite3');
    const { join } = await import('node:path');
    // A live holder: this test's own process, which is not the refresh run.
    const db = new Database(join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db'));
    const { hostname } = await import('node:os');
    db.prepare('INSERT INTO token_locks (profile, user_id, owner, expires_at) VALUES (?, ?, ?, ?)').run(store.profile, 'held-000', `${hostname()}:${process.pid}:test`, Date.now() + 600_000);
    db.close();
    const result = await runCli(['token', 'refresh', '--all', '--roll', '--verbose'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`held-000: skipped: locked by another run (${hostname()}:${process.pid})`);
    expect(logText(env)).toMatch(/"event":"token\.refresh\.locked".*"user_id":"held-000"/);
  });
});

describe('a second store holding the same tokens', () => {
  it('is not handed the first store\'s grants: its own grant runs, and finds the refresh token already spent', async () => {
    const first = await fleet(1, 'copy');
    const [record] = await first.store.list();
    const env = oauthEnv(emulator.current, REDIRECT);
    const { ctx } = testContext({ env });
    const second = await ctx.tokens();
    closers.push(() => ctx.close());
    await second.restore({ ...record });

    const keysBefore = new Set(Object.keys(emulator.current.control.requests().byIdempotencyKey));
    const rolled = await runCli(['token', 'refresh', '--all', '--roll', '--json'], { env: first.env });
    expect(rolled.code, rolled.stderr).toBe(0);
    const copy = await runCli(['token', 'refresh', '--all', '--roll', '--json'], { env });
    // Rotation retired the refresh token the copy holds: the copy must learn that, not report a roll.
    expect(copy.code).toBe(4);
    expect((JSON.parse(copy.stdout) as Document).results[0]).toMatchObject({ user_id: 'copy-000', outcome: 'needs_reconnect' });
    const stats = emulator.current.control.requests().byIdempotencyKey;
    const keys = Object.keys(stats).filter((key) => key.startsWith('atom-stripe-roll-') && !keysBefore.has(key));
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(stats[key]).toMatchObject({ requests: 1, replays: 0 });
    expect((await first.store.get('copy-000'))!.access_token).not.toBe((await second.get('copy-000'))!.access_token);
  });
});
