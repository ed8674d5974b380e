/**
 * `atom-stripe health` end to end: the built binary against the in-process emulator, one test per
 * result of every check, each read back from the JUnit report with an XML parser.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, type Env } from '../helpers/cli.js';
import { withEmulator } from '../helpers/emulator.js';
import { closedPort, readJUnit, seedTokens, seedWebhookEvents, silentServer } from '../checks/support.js';

const emulator = withEmulator();
const WHSEC = 'whsec_healthtestsecret0123456789';

function envFor(extra: Env = {}): Env {
  return isolatedEnv({ STRIPE_API_BASE: emulator.current.url, STRIPE_API_KEY: emulator.current.secretKey, STRIPE_WEBHOOK_SECRET: WHSEC, ATOM_STRIPE_MAX_RETRIES: '0', ...extra });
}

async function health(env: Env, args: string[] = []) {
  const junit = join(mkdtempSync(join(tmpdir(), 'atom-stripe-junit-')), 'health.xml');
  const result = await runCli(['health', '--junit', junit, ...args], { env });
  return { ...result, report: readJUnit(junit) };
}

afterEach(() => {
  emulator.current.control.clearFaults();
  emulator.current.control.setLatency(0);
});

describe('health', () => {
  it('passes on a healthy setup: exit 0, one testcase per check', async () => {
    const { code, stdout, stderr, report } = await health(envFor());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(report.cases.map((c) => c.name.split(':')[0])).toEqual(['config', 'store', 'keychain', 'stripe', 'connections', 'webhook-secret', 'webhook-dead']);
    expect(report.failures).toBe(0);
    expect(report.byId.config.systemOut).toMatch(/profile default, development, sqlite store/);
    expect(report.byId.store.systemOut).toMatch(/^sqlite .*atom-stripe\.db, 0 connections, schema v\d+ \(current\)$/);
    expect(report.byId.keychain.skipped?.message).toMatch(/ATOM_STRIPE_ENCRYPTION_KEY/);
    expect(report.byId.stripe.systemOut).toMatch(/^test mode, GET \/v1\/balance in \d+ ms$/);
    expect(report.byId.connections.skipped?.message).toBe('no stored connections');
    expect(report.byId['webhook-secret'].systemOut).toBe('1 signing secret');
    expect(report.byId['webhook-dead'].systemOut).toMatch(/none dead/);
    // Piped: tsv with a header line.
    expect(stdout.split('\n')[0]).toBe('id\tstatus\tduration_ms\ttitle\tdetail');
  });

  it('fails the stripe check with exit 1 and a clear detail when Stripe answers 500', async () => {
    emulator.current.control.injectFaults([{ status: 500, count: 5, path: '/v1/balance' }]);
    const { code, stderr, report } = await health(envFor());
    expect(code).toBe(1);
    expect(stderr).toMatch(/error: health: 1 of 7 checks failed \(stripe\)/);
    const stripe = report.byId.stripe;
    expect(stripe.failure?.message).toMatch(/^Stripe: .+/);
    expect(stripe.failure?.message).toMatch(/api_error|500|server/i);
    expect(stripe.failure?.text).toBe(stripe.failure?.message);
    expect(report.failures).toBe(1);
  });

  it('fails the stripe check when the key does not authenticate', async () => {
    const { code, report } = await health(envFor({ STRIPE_API_KEY: 'sk_test_notarealkey123' }));
    expect(code).toBe(1);
    expect(report.byId.stripe.failure?.message).toMatch(/API key|authenticat|Invalid/i);
    expect(report.byId.stripe.failure?.message).not.toContain('sk_test_notarealkey123');
  });

  it('warns when Stripe is slow, and --strict turns the warning into exit 1', async () => {
    emulator.current.control.setLatency(2100);
    const env = envFor();
    const relaxed = await health(env);
    expect(relaxed.code).toBe(0);
    expect(relaxed.report.byId.stripe.systemOut).toMatch(/^warning: test mode, slow: GET \/v1\/balance took \d+ ms/);
    const strict = await health(env, ['--strict']);
    expect(strict.code).toBe(1);
    expect(strict.report.byId.stripe.failure?.type).toBe('warning');
  });

  it('skips the stripe check and fails config without a key', async () => {
    const { code, report } = await health(envFor({ STRIPE_API_KEY: undefined }));
    expect(code).toBe(1);
    expect(report.byId.config.failure?.message).toMatch(/no Stripe API key/);
    expect(report.byId.stripe.skipped?.message).toMatch(/no API key/);
  });

  it('config: fails on a publishable key, warns on a test key in production', async () => {
    const bad = await health(envFor({ STRIPE_API_KEY: 'pk_test_abc123' }));
    expect(bad.code).toBe(1);
    expect(bad.report.byId.config.failure?.message).toMatch(/STRIPE_API_KEY is a publishable key/);
    const production = await health(envFor({ ENVIRONMENT: 'production' }));
    expect(production.code).toBe(0);
    expect(production.report.byId.config.systemOut).toMatch(/^warning: ENVIRONMENT is production but the Stripe key is a test key/);
  });

  it('reports a revoked connection and a needs_reconnect one: the connections check fails', async () => {
    const env = envFor();
    const now = new Date().toISOString();
    await seedTokens(env, [
      { user_id: 'acme', access_token: 'sk_test_acmeaccesstoken1', stripe_user_id: 'acct_acme', status: 'active', last_verified_at: now },
      { user_id: 'globex', access_token: 'sk_test_globexaccesstoken', stripe_user_id: 'acct_globex', status: 'revoked', last_verified_at: now, last_error: 'account deauthorized' },
      { user_id: 'initech', access_token: 'sk_test_initechaccesstok', stripe_user_id: 'acct_initech', status: 'needs_reconnect', last_error: 'invalid_grant' },
    ]);
    const { code, stdout, report } = await health(env, ['--json']);
    expect(code).toBe(1);
    const detail = report.byId.connections.failure?.message ?? '';
    expect(detail).toMatch(/globex \(acct_globex\) revoked, verified \d+ s ago, last error: account deauthorized/);
    expect(detail).toMatch(/initech \(acct_initech\) needs_reconnect, verified never, last error: invalid_grant/);
    expect(detail).toMatch(/run atom-stripe connect --user-id globex/);
    expect(detail).not.toMatch(/acme/);
    const document = JSON.parse(stdout) as { status: string; checks: Array<{ id: string; data?: { active: number; revoked: number; needs_reconnect: number } }> };
    expect(document.status).toBe('fail');
    expect(document.checks.find((c) => c.id === 'connections')?.data).toMatchObject({ active: 1, revoked: 1, needs_reconnect: 1 });
    expect(stdout).not.toContain('sk_test_globexaccesstoken');
  });

  it('passes active connections, and warns about one not verified for a week', async () => {
    const env = envFor();
    await seedTokens(env, [
      { user_id: 'fresh', access_token: 'sk_test_freshaccesstoken', status: 'active', last_verified_at: new Date().toISOString() },
    ]);
    const fresh = await health(env);
    expect(fresh.code).toBe(0);
    expect(fresh.report.byId.connections.systemOut).toMatch(/^1 active, oldest verification \d+ s ago$/);
    await seedTokens(env, [{ user_id: 'stale', access_token: 'sk_test_staleaccesstoken', status: 'active', last_verified_at: new Date(Date.now() - 9 * 86_400_000).toISOString() }]);
    const stale = await health(env);
    expect(stale.code).toBe(0);
    expect(stale.report.byId.connections.systemOut).toMatch(/^warning: stale verified 9 days ago; is atom-stripe token refresh running\?$/);
  });

  it('webhook secret: warns when missing, fails when it is not a whsec_ secret', async () => {
    const missing = await health(envFor({ STRIPE_WEBHOOK_SECRET: undefined }));
    expect(missing.code).toBe(0);
    expect(missing.report.byId['webhook-secret'].systemOut).toMatch(/^warning: no webhook secret/);
    const wrong = await health(envFor({ STRIPE_WEBHOOK_SECRET: 'not-a-secret' }));
    expect(wrong.code).toBe(1);
    expect(wrong.report.byId['webhook-secret'].failure?.message).toMatch(/STRIPE_WEBHOOK_SECRET holds a value that is not a whsec_ signing secret/);
    expect(wrong.report.byId['webhook-secret'].failure?.message).not.toContain('not-a-secret');
    const rotation = await health(envFor({ STRIPE_WEBHOOK_SECRET: `${WHSEC},whsec_older0123456789` }));
    expect(rotation.report.byId['webhook-secret'].systemOut).toBe('2 signing secrets (rotation)');
  });

  it('webhook store: a dead event fails, a failing one warns', async () => {
    const failing = envFor();
    await seedWebhookEvents(failing, [{ type: 'invoice.payment_failed', status: 'failed', attempts: [500] }]);
    const warned = await health(failing);
    expect(warned.code).toBe(0);
    expect(warned.report.byId['webhook-dead'].systemOut).toMatch(/^warning: 1 event is failing and being retried$/);

    const dead = envFor();
    await seedWebhookEvents(dead, [
      { type: 'payment_intent.succeeded', status: 'forwarded', attempts: [200] },
      { type: 'payment_intent.payment_failed', status: 'dead', attempts: [500, 500, 502] },
    ]);
    const failed = await health(dead);
    expect(failed.code).toBe(1);
    expect(failed.report.byId['webhook-dead'].failure?.message).toMatch(/^1 dead event; inspect with atom-stripe webhook events list --status dead/);
  });

  it('fails the database check within the timeout when PostgreSQL accepts and never answers', async () => {
    const server = await silentServer();
    try {
      const env = envFor({ ATOM_STRIPE_STORE: 'postgres', DATABASE_URL: `postgres://postgres@127.0.0.1:${server.port}/test` });
      const { code, report } = await health(env, ['--timeout', '1500ms']);
      expect(code).toBe(1);
      expect(report.byId.store.failure?.message).toMatch(/timed out after 1\.5 s|timeout/i);
      // What depends on the database is skipped, not failed twice.
      expect(report.byId.connections.skipped?.message).toBe('skipped: the store check failed');
      expect(report.byId['webhook-dead'].skipped?.message).toBe('skipped: the store check failed');
      // Stripe does not depend on the database.
      expect(report.byId.stripe.failure).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('fails the database check at once when nothing listens on the PostgreSQL port', async () => {
    const port = await closedPort();
    const env = envFor({ ATOM_STRIPE_STORE: 'postgres', DATABASE_URL: `postgres://postgres:hunter2secret@127.0.0.1:${port}/test` });
    const { code, stdout, report } = await health(env, ['--json']);
    expect(code).toBe(1);
    expect(report.byId.store.failure?.message).toMatch(new RegExp(`cannot connect to PostgreSQL at postgres://127\\.0\\.0\\.1:${port}/test`));
    expect(stdout).not.toContain('hunter2secret');
  });

  it('passes the database check on the shared PostgreSQL once migrated', async () => {
    const schema = `health_${process.pid}_${Date.now().toString(36)}`;
    const url = `postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3D${schema}`;
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    try {
      const env = envFor({ ATOM_STRIPE_STORE: 'postgres', DATABASE_URL: url });
      const before = await health(env);
      expect(before.code).toBe(1);
      expect(before.report.byId.store.failure?.message).toMatch(/schema version 0, this atom-stripe needs \d+; run atom-stripe db migrate --store postgres/);
      const migrate = await runCli(['db', 'migrate', '--store', 'postgres'], { env });
      expect(migrate.code, migrate.stderr).toBe(0);
      const after = await health(env);
      expect(after.report.byId.store.systemOut).toMatch(/^postgres .*, 0 connections, schema v\d+ \(current\)$/);
      expect(after.code).toBe(0);
    } finally {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    }
  });

  it('keychain: skipped when the key comes from the environment, warns when it would hold the key but does not answer', async () => {
    const env = envFor({ ATOM_STRIPE_ENCRYPTION_KEY: undefined, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/atom-stripe-test-bus' });
    const { report } = await health(env, ['--timeout', '3s']);
    expect(report.byId.keychain.systemOut).toMatch(/^warning: keychain unavailable: .+; the encryption key will be kept in a key file$/);
  });

  it('a bad --timeout or --junit folder is a usage error before any request', async () => {
    emulator.current.control.resetRequests();
    const bad = await runCli(['health', '--timeout', 'soon'], { env: envFor() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--timeout "soon" is not a duration/);
    const folder = await runCli(['health', '--junit', '/nonexistent-folder/health.xml'], { env: envFor() });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/the folder \/nonexistent-folder does not exist/);
    expect(emulator.current.control.requests().total).toBe(0);
  });
});
