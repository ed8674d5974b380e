/**
 * `token refresh` end to end on the default sqlite store: verify, roll, revoked tokens,
 * invalid_grant, temporary failures, 429 back-off, dry run, and cron's quiet success.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Env, type RunResult } from '../helpers/cli.js';
import { withEmulator } from '../helpers/emulator.js';
import { logText, oauthEnv, TOKEN_PATTERN } from '../oauth/helpers.js';

const REDIRECT = 'http://127.0.0.1:8789/callback';
const emulator = withEmulator({ redirectUris: [REDIRECT] });
let env: Env;
const accounts: Record<string, string> = {};

function expectNoTokens(result: RunResult): void {
  expect(result.stdout).not.toMatch(TOKEN_PATTERN);
  expect(result.stderr).not.toMatch(TOKEN_PATTERN);
}

async function connect(userId: string): Promise<void> {
  const approval = emulator.current.control.approveOAuth({ redirectUri: REDIRECT, scope: 'read_write', businessName: `${userId} Ltd` });
  const result = await runCli(['connect', '--user-id', userId, '--scope', 'read_write', '--code', approval.code], { env });
  expect(result.code).toBe(0);
  accounts[userId] = approval.stripeUserId;
}

const json = (result: RunResult) => JSON.parse(result.stdout) as { summary: Record<string, number>; results: Array<Record<string, unknown>> };

beforeAll(async () => {
  env = oauthEnv(emulator.current, REDIRECT);
  for (const userId of ['alpha', 'bravo', 'charlie', 'delta']) await connect(userId);
});

afterEach(() => emulator.current.control.clearFaults());

describe('token refresh', () => {
  it('verifies every token and prints nothing on success (cron mails nothing); the log gets one summary line', async () => {
    const before = emulator.current.control.requestCount('GET', '/v1/account');
    const result = await runCli(['token', 'refresh', '--all'], { env });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(emulator.current.control.requestCount('GET', '/v1/account')).toBe(before + 4);
    const summaries = logText(env).split('\n').filter((line) => line.includes('"event":"token.refresh.summary"'));
    expect(JSON.parse(summaries.at(-1)!)).toMatchObject({ selected: 4, verified: 4, rolled: 0, needs_reconnect: 0, failed: 0 });
  });

  it('prints a plan with --dry-run and sends nothing', async () => {
    const before = emulator.current.control.requests().total;
    const result = await runCli(['token', 'refresh', '--all', '--max-age', '0s', '--dry-run'], { env });
    expect(result.code).toBe(0);
    const rows = result.stdout.trim().split('\n').map((line) => line.split('\t'));
    expect(rows[0]).toEqual(['user_id', 'account', 'action', 'outcome', 'status', 'reason', 'error']);
    expect(rows.slice(1).map((row) => [row[0], row[2], row[3]])).toEqual([
      ['alpha', 'roll', 'planned'],
      ['bravo', 'roll', 'planned'],
      ['charlie', 'roll', 'planned'],
      ['delta', 'roll', 'planned'],
    ]);
    expect(emulator.current.control.requests().total).toBe(before);
  });

  it('rolls with the refresh_token grant and stores the new token, which then verifies', async () => {
    const grants = emulator.current.control.requestCount('POST', '/oauth/token');
    const result = await runCli(['token', 'refresh', '--user-id', 'alpha', '--roll', '--json'], { env });
    expect(result.code).toBe(0);
    expect(json(result).results).toEqual([
      { user_id: 'alpha', stripe_user_id: accounts.alpha, action: 'roll', outcome: 'rolled', status: 'active', reason: '--roll', error: null },
    ]);
    expect(emulator.current.control.requestCount('POST', '/oauth/token')).toBe(grants + 1);
    const keys = Object.keys(emulator.current.control.requests().byIdempotencyKey).filter((key) => key.startsWith('atom-stripe-roll-'));
    expect(keys.length).toBeGreaterThan(0);
    expectNoTokens(result);
    const verify = await runCli(['token', 'refresh', '--user-id', 'alpha', '--json'], { env });
    expect(json(verify).results[0]).toMatchObject({ outcome: 'verified', status: 'active' });
    // Rolled just now: --max-age 1h leaves it alone.
    const again = await runCli(['token', 'refresh', '--user-id', 'alpha', '--max-age', '1h', '--json'], { env });
    expect(json(again).results[0]).toMatchObject({ action: 'verify', outcome: 'verified' });
  });

  it('marks a revoked token needs_reconnect, exits 4 naming it, and --account then refuses it', async () => {
    emulator.current.control.revokeTokens(accounts.bravo);
    const result = await runCli(['token', 'refresh', '--all'], { env });
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`bravo (${accounts.bravo}): needs reconnect: Expired API Key provided`);
    expect(result.stderr).toMatch(/^error: 1 of 4 tokens need reconnecting \(bravo\) \(run atom-stripe connect --user-id bravo --force\)$/m);
    expectNoTokens(result);
    const asAccount = await runCli(['api', 'get', '/v1/customers', '--account', 'bravo'], { env });
    expect(asAccount.code).toBe(4);
    expect(asAccount.stderr).toMatch(/connection "bravo" is needs_reconnect \(run atom-stripe connect --user-id bravo to reconnect\)/);
    // Reconnecting the account makes it healthy again.
    await runCli(['disconnect', 'bravo', '--yes'], { env });
    await connect('bravo');
    expect((await runCli(['token', 'refresh', '--all'], { env })).code).toBe(0);
  });

  it('on invalid_grant re-reads, then marks needs_reconnect (exit 4)', async () => {
    emulator.current.control.revokeTokens(accounts.charlie);
    const result = await runCli(['token', 'refresh', '--user-id', 'charlie', '--roll', '--json'], { env });
    expect(result.code).toBe(4);
    expect(json(result).results[0]).toMatchObject({ action: 'roll', outcome: 'needs_reconnect', status: 'needs_reconnect' });
    expect(String(json(result).results[0].error)).toMatch(/refresh token/i);
    expectNoTokens(result);
    await runCli(['disconnect', 'charlie', '--yes'], { env });
    await connect('charlie');
  });

  it('exits 5 when the only failures are temporary (Stripe 5xx after retries)', async () => {
    emulator.current.control.injectFaults([{ status: 500, count: 20, path: '/v1/account' }]);
    const result = await runCli(['token', 'refresh', '--user-id', 'delta'], { env });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^delta \(acct_\w+\): temporary: /m);
    expect(result.stderr).toMatch(/^error: 1 of 1 tokens failed, temporarily \(the next run retries them; it is safe\)$/m);
  });

  it('backs off on 429 and retries', async () => {
    const before = emulator.current.control.requestCount('GET', '/v1/account');
    emulator.current.control.injectFaults([{ status: 429, count: 2, path: '/v1/account' }]);
    const result = await runCli(['token', 'refresh', '--user-id', 'delta', '--json'], { env });
    expect(result.code).toBe(0);
    expect(json(result).results[0]).toMatchObject({ outcome: 'verified' });
    expect(emulator.current.control.requestCount('GET', '/v1/account')).toBe(before + 3);
    expect(logText(env)).toContain('"event":"token.refresh.rate_limited"');
  });

  it('needs a selection, and never prints a token in the log', async () => {
    const none = await runCli(['token', 'refresh'], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: choose the tokens to refresh \(pass --user-id NAME or --all\)$/m);
    expect((await runCli(['token', 'refresh', '--all', '--user-id', 'alpha'], { env })).code).toBe(2);
    expect((await runCli(['token', 'refresh', '--all', '--max-age', 'soon'], { env })).code).toBe(2);
    expect((await runCli(['token', 'refresh', '--user-id', 'nobody'], { env })).code).toBe(3);
    expect(logText(env)).not.toMatch(TOKEN_PATTERN);
    expect(logText(env).length).toBeGreaterThan(0);
  });
});

describe('token refresh at high concurrency', () => {
  it('stays silent on success with 16 workers waiting on the rate limiter at once', async () => {
    const fleet = oauthEnv(emulator.current, REDIRECT);
    for (let i = 0; i < 14; i++) {
      const approval = emulator.current.control.approveOAuth({ redirectUri: REDIRECT, scope: 'read_write', businessName: `fleet ${i}` });
      const connected = await runCli(['connect', '--user-id', `fleet-${i}`, '--scope', 'read_write', '--code', approval.code], { env: fleet });
      expect(connected.code, connected.stderr).toBe(0);
    }
    const result = await runCli(['token', 'refresh', '--all', '--concurrency', '16', '--rate', '20'], { env: fleet });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('a stored record that does not decrypt', () => {
  it('fails on its own: refresh --all still refreshes the rest, list shows the rest, delete and connect --force replace it', async () => {
    const { default: Database } = await import('better-sqlite3');
    const { join } = await import('node:path');
    const fleet = oauthEnv(emulator.current, REDIRECT);
    for (const userId of ['one', 'two', 'three']) {
      const approval = emulator.current.control.approveOAuth({ redirectUri: REDIRECT, scope: 'read_write', businessName: userId });
      expect((await runCli(['connect', '--user-id', userId, '--scope', 'read_write', '--code', approval.code], { env: fleet })).code).toBe(0);
    }
    const db = new Database(join(fleet.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db'));
    db.prepare("UPDATE stripe_oauth_tokens SET access_token = 'v1.AAAA' WHERE user_id = 'two'").run();
    db.close();

    const refreshed = await runCli(['token', 'refresh', '--all', '--json'], { env: fleet });
    expect(refreshed.code).toBe(1);
    const outcomes = Object.fromEntries(json(refreshed).results.map((result) => [result.user_id, [result.outcome, result.status]]));
    expect(outcomes).toEqual({ one: ['verified', 'active'], three: ['verified', 'active'], two: ['failed', 'unreadable'] });
    expect(refreshed.stderr).toMatch(/^two: failed: cannot decrypt access_token of token two/m);

    const listed = await runCli(['token', 'list', '--fields', 'user_id'], { env: fleet });
    expect(listed.code).toBe(1);
    expect(listed.stdout).toBe('user_id\none\nthree\n');
    expect(listed.stderr).toMatch(/^error: 1 stored record could not be decrypted \(two\)/m);

    const replaced = emulator.current.control.approveOAuth({ redirectUri: REDIRECT, scope: 'read_write', businessName: 'two again' });
    const refused = await runCli(['connect', '--user-id', 'two', '--scope', 'read_write', '--code', replaced.code], { env: fleet });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/exists but does not decrypt.*--force/);
    const again = emulator.current.control.approveOAuth({ redirectUri: REDIRECT, scope: 'read_write', businessName: 'two again' });
    const forced = await runCli(['connect', '--user-id', 'two', '--scope', 'read_write', '--code', again.code, '--force'], { env: fleet });
    expect(forced.code, forced.stderr).toBe(0);
    expect((await runCli(['token', 'list', '--fields', 'user_id'], { env: fleet })).stdout).toBe('user_id\none\nthree\ntwo\n');

    const db2 = new Database(join(fleet.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db'));
    db2.prepare("UPDATE stripe_oauth_tokens SET refresh_token = 'v1.AAAA' WHERE user_id = 'three'").run();
    db2.close();
    const deleted = await runCli(['token', 'delete', 'three', '--yes'], { env: fleet });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await runCli(['token', 'list', '--fields', 'user_id'], { env: fleet })).stdout).toBe('user_id\none\ntwo\n');
  });
});
