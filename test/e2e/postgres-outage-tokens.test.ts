/**
 * The token commands on PostgreSQL when the connection drops mid-run (issue #12, finding 2): a TCP
 * proxy between the tool and the server is killed while `token refresh --all`, `token rotate-key`,
 * `db migrate` and `token migrate` work. Each exits 5 (temporary, safe to retry) with one line that
 * names the database and no stack trace, leaves nothing half-changed, and a rerun once the database
 * is back succeeds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, runCli, spawnCli, TEST_ENCRYPTION_KEY, type Env, type RunResult } from '../helpers/cli.js';
import { testContext } from '../helpers/context.js';
import { stripeFor, withEmulator } from '../helpers/emulator.js';
import { startTcpProxy, throughProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { freshSchema, type TestSchema } from '../contract/postgres-schema.js';
import { GUIDE_SQL } from '../contract/guide-schema.js';
import { oauthEnv, TOKEN_PATTERN } from '../oauth/helpers.js';
import { waitFor } from '../helpers/wait.js';
import { seedFleet } from './refresh-overlap.shared.js';

const REDIRECT = 'http://127.0.0.1:8790/callback';
const emulator = withEmulator({ redirectUris: [REDIRECT] });
let proxy: TcpProxy;
const schemas: TestSchema[] = [];

beforeAll(async () => {
  proxy = await startTcpProxy();
});
afterEach(async () => {
  emulator.current.control.setLatency(0);
  await proxy.start();
});
afterAll(async () => {
  await proxy?.close();
  for (const schema of schemas) await schema.drop();
});

async function schemaFor(prefix: string): Promise<{ schema: TestSchema; direct: string; proxied: string }> {
  const schema = await freshSchema(prefix);
  schemas.push(schema);
  return { schema, direct: schema.url, proxied: throughProxy(schema.url, proxy) };
}


/** True while one of the tool's connections through the proxy runs (or sits in a transaction after) `prefix`. */
async function runningThroughProxy(schema: TestSchema, prefix: string): Promise<boolean> {
  const ports = proxy.upstreamPorts();
  if (!ports.length) return false;
  const result = await schema.query(
    `SELECT 1 FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND state IN ('active', 'idle in transaction') AND query LIKE $2`,
    [ports, `${prefix}%`],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Exit 5, one line naming the database through the proxy, no stack trace, no secret. */
function expectTemporaryDatabaseFailure(run: RunResult): void {
  const where = `PostgreSQL at postgres://127.0.0.1:${proxy.port}/test`;
  expect(run.code, run.stderr).toBe(5);
  expect(run.signal).toBeNull();
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/Unhandled|node:internal|\.js:\d+/);
  const lines = run.stderr.split('\n').filter(Boolean);
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toContain(where);
  expect(lines[0]).toMatch(/database unreachable|cannot connect to PostgreSQL/);
  expect(run.stderr).not.toMatch(TOKEN_PATTERN);
}

describe('PostgreSQL connection lost mid-run (e2e)', () => {
  it('token refresh --all: exit 5 with one line; the rerun rolls every token and each works', async () => {
    const { direct, proxied } = await schemaFor('outage_refresh');
    const COUNT = 40;
    const setupEnv = oauthEnv(emulator.current, REDIRECT, { ATOM_STRIPE_STORE: 'postgres', DATABASE_URL: direct, ATOM_STRIPE_PROFILE: 'fleet' });
    const env: Env = { ...setupEnv, DATABASE_URL: proxied };
    expect((await runCli(['db', 'migrate'], { env: setupEnv })).code).toBe(0);
    const { ctx } = testContext({ env: setupEnv });
    const store = await ctx.tokens();
    await seedFleet(emulator.current, store, COUNT, 'shop', REDIRECT);
    const before = new Map((await store.list()).map((record) => [record.user_id, record]));
    try {
      // Latency holds grants in flight, so the drop lands mid-run with locks held and writes pending.
      emulator.current.control.setLatency(150);
      const grantsBefore = emulator.current.control.requestCount('POST', '/oauth/token');
      const args = ['token', 'refresh', '--all', '--max-age', '7d', '--concurrency', '4', '--rate', '0'];
      const child = spawnCli(args, { env });
      const running = collect(child, { timeoutMs: 120_000 });
      await waitFor(() => emulator.current.control.requestCount('POST', '/oauth/token') - grantsBefore >= 8, 'some grants to be sent', 60_000);
      await proxy.kill();
      const cut = await running;
      expectTemporaryDatabaseFailure(cut);

      await proxy.start();
      emulator.current.control.setLatency(0);
      const rerun = await runCli(args, { env, timeoutMs: 120_000 });
      expect(rerun.code, rerun.stderr).toBe(0);

      // Every token rolled once (none half-written), its refresh token kept, its new access token working.
      const after = await store.list();
      expect(after).toHaveLength(COUNT);
      for (const record of after) {
        const old = before.get(record.user_id)!;
        expect(record.status).toBe('active');
        expect(record.refresh_token).toBe(old.refresh_token);
        expect(record.access_token).not.toBe(old.access_token);
        expect(Date.parse(record.last_refreshed_at!)).toBeGreaterThan(Date.parse(old.last_refreshed_at!));
        const account = await stripeFor(emulator.current, record.access_token).accounts.retrieve(null as unknown as string);
        expect(account.id).toBe(record.stripe_user_id);
      }
    } finally {
      await ctx.close();
    }
  }, 240_000);

  it('token rotate-key: exit 5 with one line; every row still under the old key; the rerun rotates all', async () => {
    const { schema, direct, proxied } = await schemaFor('outage_rotate');
    const COUNT = 1500;
    const setupEnv = oauthEnv(emulator.current, REDIRECT, { ATOM_STRIPE_STORE: 'postgres', DATABASE_URL: direct });
    expect((await runCli(['db', 'migrate'], { env: setupEnv })).code).toBe(0);
    const records = Array.from({ length: COUNT }, (_, i) => ({
      user_id: `shop-${String(i).padStart(4, '0')}`,
      access_token: `sk_test_rotate${i}x${'a'.repeat(20)}`,
      refresh_token: `rt_rotate${i}x${'b'.repeat(20)}`,
      stripe_user_id: `acct_1R${i}`,
      livemode: false,
    }));
    const imported = await runCli(['token', 'import'], { env: setupEnv, stdin: JSON.stringify(records), timeoutMs: 120_000 });
    expect(imported.code, imported.stderr).toBe(0);
    const keyIds = async () => (await schema.query('SELECT key_id, COUNT(*)::int AS n FROM stripe_oauth_tokens GROUP BY key_id')).rows;
    const oldKeys = await keyIds();
    expect(oldKeys).toHaveLength(1);

    const newKey = Buffer.alloc(32, 9).toString('base64');
    const env: Env = { ...setupEnv, DATABASE_URL: proxied, ATOM_STRIPE_NEW_ENCRYPTION_KEY: newKey };
    const child = spawnCli(['token', 'rotate-key'], { env });
    const running = collect(child, { timeoutMs: 120_000 });
    await waitFor(() => runningThroughProxy(schema, 'UPDATE stripe_oauth_tokens SET access_token'), 'rotate-key to be re-encrypting rows', 60_000);
    await proxy.kill();
    expectTemporaryDatabaseFailure(await running);

    // Nothing half-changed: every row still under the old key, readable with it.
    await waitFor(async () => (await schema.query("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE state = 'idle in transaction' AND application_name = 'atom-stripe' AND client_port = ANY($1::int[])", [proxy.upstreamPorts()])).rows[0].n === 0, 'the session to end', 60_000);
    expect(await keyIds()).toEqual(oldKeys);
    const list = await runCli(['token', 'list', '--json'], { env: setupEnv, timeoutMs: 60_000 });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveLength(COUNT);

    await proxy.start();
    const rerun = await runCli(['token', 'rotate-key', '--json'], { env, timeoutMs: 120_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ rows: COUNT });
    const rotated = await keyIds();
    expect(rotated).toEqual([{ key_id: JSON.parse(rerun.stdout).key_id, n: COUNT }]);
    const readBoth = await runCli(['token', 'list', '--json'], { env: { ...setupEnv, ATOM_STRIPE_ENCRYPTION_KEY: `${newKey},${TEST_ENCRYPTION_KEY}` } });
    expect(readBoth.code, readBoth.stderr).toBe(0);
  }, 240_000);

  it('db migrate: exit 5 with one line; the schema and the plaintext rows as they were; the rerun migrates', async () => {
    const { schema, proxied } = await schemaFor('outage_dbmigrate');
    const COUNT = 2000;
    await schema.query(GUIDE_SQL);
    await schema.query(
      `INSERT INTO stripe_oauth_tokens (user_id, access_token, refresh_token, token_type, stripe_user_id, scope)
       SELECT 'shop-' || g, 'sk_test_plain' || g || 'xxxxxxxxxxxxxxxx', 'rt_plain' || g || 'xxxxxxxxxxxxxxxx', 'bearer', 'acct_1P' || g, 'read_write'
       FROM generate_series(1, ${COUNT}) AS g`,
    );
    const env = oauthEnv(emulator.current, REDIRECT, { ATOM_STRIPE_STORE: 'postgres', DATABASE_URL: proxied });
    const child = spawnCli(['db', 'migrate'], { env });
    const running = collect(child, { timeoutMs: 120_000 });
    await waitFor(() => runningThroughProxy(schema, 'UPDATE stripe_oauth_tokens SET access_token'), 'db migrate to be encrypting rows', 60_000);
    await proxy.kill();
    expectTemporaryDatabaseFailure(await running);

    await waitFor(async () => (await schema.query("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = 'atom-stripe' AND client_port = ANY($1::int[])", [proxy.upstreamPorts()])).rows[0].n === 0, 'the session to end', 60_000);
    const columns = await schema.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'stripe_oauth_tokens'`, [schema.schema]);
    expect(columns.rows.map((row) => row.column_name)).not.toContain('key_id');
    const plaintext = await schema.query("SELECT COUNT(*)::int AS n FROM stripe_oauth_tokens WHERE access_token LIKE 'sk_test_plain%'");
    expect(plaintext.rows[0].n).toBe(COUNT);

    await proxy.start();
    const rerun = await runCli(['db', 'migrate', '--json'], { env, timeoutMs: 120_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ encrypted_rows: COUNT });
    const left = await schema.query("SELECT COUNT(*)::int AS n FROM stripe_oauth_tokens WHERE access_token NOT LIKE 'v1.%'");
    expect(left.rows[0].n).toBe(0);
  }, 240_000);

  it('token migrate sqlite -> postgres: exit 5 with one line; the source untouched; the rerun copies the rest', async () => {
    const { schema, direct, proxied } = await schemaFor('outage_tmigrate');
    const COUNT = 400;
    const setupEnv = oauthEnv(emulator.current, REDIRECT, { DATABASE_URL: direct });
    expect((await runCli(['db', 'migrate', '--store', 'postgres'], { env: setupEnv })).code).toBe(0);
    const records = Array.from({ length: COUNT }, (_, i) => ({
      user_id: `shop-${String(i).padStart(3, '0')}`,
      access_token: `sk_test_move${i}x${'a'.repeat(20)}`,
      refresh_token: `rt_move${i}x${'b'.repeat(20)}`,
      stripe_user_id: `acct_1M${i}`,
      livemode: false,
    }));
    expect((await runCli(['token', 'import', '--store', 'sqlite'], { env: setupEnv, stdin: JSON.stringify(records) })).code).toBe(0);
    const exportAll = async (store: string) => {
      const result = await runCli(['token', 'export', '--plaintext', '--yes', '--store', store], { env: setupEnv, timeoutMs: 60_000 });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout).records as Array<{ user_id: string }>;
    };
    const source = await exportAll('sqlite');

    const env: Env = { ...setupEnv, DATABASE_URL: proxied };
    const args = ['token', 'migrate', '--from', 'sqlite', '--to', 'postgres', '--delete-source'];
    const running = collect(spawnCli(args, { env }), { timeoutMs: 120_000 });
    const copied = async () => Number((await schema.query('SELECT COUNT(*) AS n FROM stripe_oauth_tokens')).rows[0].n);
    await waitFor(async () => (await copied()) >= 40, 'some records to be copied', 60_000);
    await proxy.kill();
    expectTemporaryDatabaseFailure(await running);

    // Nothing deleted from the source; every record copied so far is whole (it reads back).
    expect(await exportAll('sqlite')).toEqual(source);
    const partial = await exportAll('postgres');
    expect(partial.length).toBeGreaterThanOrEqual(40);
    expect(partial.length).toBeLessThan(COUNT);
    const byId = new Map(source.map((record) => [record.user_id, record]));
    for (const record of partial) expect(record).toEqual(byId.get(record.user_id));

    await proxy.start();
    const rerun = await runCli(args, { env, timeoutMs: 120_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await exportAll('postgres')).toEqual(source);
    expect(await exportAll('sqlite')).toEqual([]);
  }, 240_000);
});
