/**
 * Shared by the overlapping-refresh tests (sqlite and postgres): seed a fleet of connected tokens,
 * run three `token refresh --all --roll` processes at once for several rounds, count the grants at
 * the emulator, and prove every stored token works afterwards (with refresh-token rotation on, a
 * refresh token that was spent but not replaced would fail its grant).
 */
import { expect } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import type { TokenStore } from '../../src/store/types.js';
import { collect, spawnCli, type Env } from '../helpers/cli.js';
import { stripeFor } from '../helpers/emulator.js';
import { TOKEN_PATTERN } from '../oauth/helpers.js';

export const REDIRECT = 'http://127.0.0.1:8789/callback';

/** `count` connected accounts, stored as shop-000... with a roll a month ago. */
export async function seedFleet(emulator: Emulator, store: TokenStore, count: number, prefix = 'shop', redirectUri = REDIRECT): Promise<void> {
  const platform = stripeFor(emulator);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
  for (let index = 0; index < count; index++) {
    const approval = emulator.control.approveOAuth({ redirectUri, scope: 'read_write' });
    const token = await platform.oauth.token({ grant_type: 'authorization_code', code: approval.code });
    await store.put({
      user_id: `${prefix}-${String(index).padStart(3, '0')}`,
      access_token: token.access_token!,
      refresh_token: token.refresh_token!,
      stripe_user_id: token.stripe_user_id!,
      scope: token.scope!,
      livemode: false,
      last_refreshed_at: monthAgo,
    });
  }
}

type Document = { results: Array<{ user_id: string; outcome: string; reason: string | null }> };

/** Three runs at once, `rounds` times: each round grants every token exactly once, at the emulator. */
export async function overlappingRounds(emulator: Emulator, env: Env, store: TokenStore, rounds: number): Promise<void> {
  const accounts = (await store.list()).map((record) => record.stripe_user_id!);
  const args = ['token', 'refresh', '--all', '--roll', '--concurrency', '4', '--rate', '0', '--json'];
  for (let round = 1; round <= rounds; round++) {
    const before = emulator.control.refreshGrants();
    // Latency makes the three runs overlap for real.
    emulator.control.setLatency(5);
    const runs = await Promise.all([0, 1, 2].map(() => collect(spawnCli(args, { env }), { timeoutMs: 120_000 })));
    emulator.control.setLatency(0);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toMatch(TOKEN_PATTERN);
      expect(run.stderr).not.toMatch(TOKEN_PATTERN);
    }
    const after = emulator.control.refreshGrants();
    const granted = accounts.map((account) => (after[account] ?? 0) - (before[account] ?? 0));
    expect(granted.filter((count) => count !== 1), `round ${round}: accounts not granted exactly once`).toEqual([]);

    const documents = runs.map((run) => JSON.parse(run.stdout) as Document);
    const rolled = documents.flatMap((document) => document.results.filter((result) => result.outcome === 'rolled').map((result) => result.user_id));
    expect(rolled.length, `round ${round}`).toBe(accounts.length);
    expect(new Set(rolled).size).toBe(accounts.length);
    for (const result of documents.flatMap((document) => document.results).filter((result) => result.outcome !== 'rolled')) {
      expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^(locked|rolled) by another run$/) });
    }
  }
}

/** Every stored access token reads its account, and every stored refresh token is still live. */
export async function expectEveryTokenWorks(emulator: Emulator, store: TokenStore): Promise<void> {
  const platform = stripeFor(emulator);
  for (const record of await store.list()) {
    expect(record.status, record.user_id).toBe('active');
    expect(record.roll_attempt, record.user_id).toBeUndefined();
    const account = await stripeFor(emulator, record.access_token).accounts.retrieve(null as unknown as string);
    expect(account.id).toBe(record.stripe_user_id);
    // Last, since with rotation on this spends the stored refresh token.
    const grant = await platform.oauth.token({ grant_type: 'refresh_token', refresh_token: record.refresh_token! });
    expect(grant.stripe_user_id).toBe(record.stripe_user_id);
  }
}
