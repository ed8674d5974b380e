/**
 * The foundation's Stripe plumbing, end to end through the built binary and the emulator: exit codes
 * by error kind, --verbose request lines, idempotency keys, the live-mode guard, Ctrl-C, and
 * redaction of planted secrets in every output and the log.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { collect, isolatedEnv, runCli, spawnCli, type Env } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

let emulator: Emulator;
const PLANTED = {
  apiKey: 'sk_test_PlantedPlatformKey0000000001',
  clientSecret: 'sk_test_PlantedClientSecret000000002',
  webhookSecret: 'whsec_PlantedWebhookSecret00000003',
  dbPassword: 'PlantedDbPassword0004',
  secretKey: 'planted-app-secret-key-0005',
  encryptionKey: Buffer.alloc(32, 9).toString('base64'),
};

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, apiKeys: [PLANTED.apiKey] });
});
afterAll(async () => {
  await emulator?.close();
});
beforeEach(() => {
  emulator.control.clearFaults();
  emulator.control.setLatency(0);
});

function envFor(extra: Env = {}): Env {
  return isolatedEnv({ STRIPE_API_BASE: emulator.url, STRIPE_API_KEY: emulator.secretKey, ATOM_STRIPE_MAX_RETRIES: '2', ...extra });
}


describe('Stripe requests through the built binary', () => {
  it('exits 0 and prints JSON for a successful call', async () => {
    const result = await runCli(['api', 'get', '/v1/balance', '--json'], { env: envFor() });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ object: 'balance' });
  });

  it('api: Stripe\'s JSON by default; --fields picks fields from a list or an object in every format', async () => {
    const env = envFor();
    await runCli(['api', 'post', '/v1/customers', '-d', 'email=fields1@example.com'], { env });
    const raw = await runCli(['api', 'get', '/v1/customers', '-d', 'limit=1'], { env });
    expect(JSON.parse(raw.stdout)).toMatchObject({ object: 'list', data: [{ object: 'customer' }] });
    const json = await runCli(['api', 'get', '/v1/customers', '-d', 'limit=1', '--fields', 'id,email', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual([{ id: expect.stringMatching(/^cus_/), email: 'fields1@example.com' }]);
    const tsv = await runCli(['api', 'get', '/v1/customers', '-d', 'limit=1', '--fields', 'id,email', '--format', 'tsv'], { env });
    expect(tsv.stdout).toMatch(/^id\temail\ncus_\w+\tfields1@example\.com\n$/);
    const one = await runCli(['api', 'post', '/v1/customers', '-d', 'email=fields2@example.com', '--fields', 'email'], { env });
    expect(JSON.parse(one.stdout)).toEqual({ email: 'fields2@example.com' });
  });

  it('exits 3 for a missing object, with Stripe message, code, param and request id', async () => {
    const result = await runCli(['api', 'get', '/v1/customers/cus_missing'], { env: envFor() });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: Stripe: No such customer: '?cus_missing'? \(type=invalid_request_error, code=resource_missing, param=id, request=req_\w+\)\n$/);
  });

  it('exits 4 for a key Stripe rejects', async () => {
    const result = await runCli(['api', 'get', '/v1/balance', '--api-key', 'sk_test_notakeythatexists'], { env: envFor() });
    expect(result.code).toBe(4);
    expect(result.stderr).not.toContain('notakeythatexists');
  });

  it('exits 5 when Stripe keeps failing after retries, and retried the request', async () => {
    emulator.control.resetRequests();
    emulator.control.injectFaults([{ status: 500, count: 3, path: '/v1/balance' }]);
    const result = await runCli(['api', 'get', '/v1/balance'], { env: envFor() });
    expect(result.code).toBe(5);
    expect(emulator.control.requestCount('GET', '/v1/balance')).toBe(3);
  });

  it('retries a rate limit (429) with backoff like a 5xx, keeping the idempotency key', async () => {
    emulator.control.resetRequests();
    emulator.control.injectFaults([{ status: 429, count: 1, path: '/v1/customers' }]);
    const result = await runCli(['customers', 'create', '--email', 'rl@example.com', '--verbose', '--idempotency-key', 'rate-limited-1'], { env: envFor() });
    expect(result.code, result.stderr).toBe(0);
    expect(emulator.control.requestCount('POST', '/v1/customers')).toBe(2);
    expect(result.stderr).toMatch(/^POST \/v1\/customers 429 req_\w+ idempotency-key=rate-limited-1 \d+ms$/m);
    expect(result.stderr).toMatch(/^POST \/v1\/customers 200 req_\w+ idempotency-key=rate-limited-1 \d+ms$/m);
  });

  it('shows every attempt with --verbose, and a failed connection as such', async () => {
    emulator.control.injectFaults([{ status: 500, count: 1, path: '/v1/balance' }]);
    const retried = await runCli(['api', 'get', '/v1/balance', '--verbose'], { env: envFor() });
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toMatch(/^GET \/v1\/balance 500 req_\w+ idempotency-key=- \d+ms\nGET \/v1\/balance 200 req_\w+ idempotency-key=- \d+ms$/m);

    const refused = await runCli(['api', 'get', '/v1/balance', '--verbose'], { env: envFor({ STRIPE_API_BASE: 'http://127.0.0.1:9', ATOM_STRIPE_MAX_RETRIES: '0' }) });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^GET \/v1\/balance failed \(ECONNREFUSED\) - idempotency-key=- \d+ms$/m);
  });

  it('says when something other than Stripe answered (a proxy or gateway error page)', async () => {
    const { createServer } = await import('node:http');
    const gateway = createServer((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(gateway.address() as { port: number }).port}`;
      const result = await runCli(['customers', 'list'], { env: envFor({ STRIPE_API_BASE: base, ATOM_STRIPE_MAX_RETRIES: '0' }) });
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(/^error: Stripe: Invalid JSON received.*\(something other than Stripe answered: check --api-base and HTTPS_PROXY\)$/m);
    } finally {
      gateway.close();
    }
  });

  it('exits 1 for a declined card', async () => {
    const result = await runCli(
      ['api', 'post', '/v1/payment_intents', '-d', 'amount=2000', '-d', 'currency=usd', '-d', 'payment_method=pm_card_chargeDeclined', '-d', 'confirm=true'],
      { env: envFor() },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/code=card_declined/);
  });

  it('prints each request with --verbose: method, path, status, request id, idempotency key, duration', async () => {
    const result = await runCli(['api', 'post', '/v1/customers', '-d', 'email=v@example.com', '--verbose', '--idempotency-key', 'verbose-test-1'], {
      env: envFor(),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^POST \/v1\/customers 200 req_\w+ idempotency-key=verbose-test-1 \d+ms$/m);
  });

  it('sends an idempotency key with every POST and replays a repeated --idempotency-key', async () => {
    const env = envFor();
    emulator.control.resetRequests();
    const args = ['api', 'post', '/v1/customers', '-d', 'email=once@example.com', '--idempotency-key', 'create-once-1', '--json'];
    const first = await runCli(args, { env });
    const second = await runCli(args, { env });
    expect(first.code).toBe(0);
    expect(JSON.parse(second.stdout).id).toBe(JSON.parse(first.stdout).id);
    expect(emulator.control.idempotencyStats('create-once-1')).toMatchObject({ requests: 2 });
    const generated = await runCli(['api', 'post', '/v1/customers', '-d', 'email=auto@example.com', '--verbose'], { env });
    expect(generated.stderr).toMatch(/idempotency-key=\S{8,}/);
  });

  it('refuses a write with a live key without --live, sending nothing', async () => {
    const before = emulator.control.requests().total;
    const result = await runCli(['api', 'post', '/v1/customers', '-d', 'email=x@example.com'], { env: envFor({ STRIPE_API_KEY: emulator.liveKey }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/live-mode key .*pass --live/);
    expect(emulator.control.requests().total).toBe(before);
    const allowed = await runCli(['api', 'post', '/v1/customers', '-d', 'email=x@example.com', '--live', '--json'], {
      env: envFor({ STRIPE_API_KEY: emulator.liveKey }),
    });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout).livemode).toBe(true);
  });

  it('exits 130 on Ctrl-C during a request', async () => {
    emulator.control.setLatency(60_000);
    const before = emulator.control.requests().total;
    const child = spawnCli(['api', 'get', '/v1/balance'], { env: envFor() });
    const done = collect(child);
    await waitFor(() => emulator.control.requests().total > before, 'the request to arrive', 10_000);
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/^error: interrupted/m);
  });

  it('never prints or logs a planted secret', async () => {
    const env = envFor({
      STRIPE_API_KEY: PLANTED.apiKey,
      STRIPE_CLIENT_ID: 'ca_planted',
      STRIPE_CLIENT_SECRET: PLANTED.clientSecret,
      STRIPE_WEBHOOK_SECRET: PLANTED.webhookSecret,
      DATABASE_URL: `postgres://atom:${PLANTED.dbPassword}@127.0.0.1:1/atom`,
      SECRET_KEY: PLANTED.secretKey,
      ATOM_STRIPE_ENCRYPTION_KEY: PLANTED.encryptionKey,
    });
    const runs = [
      ['config', 'list'],
      ['config', 'list', '--show-origin', '--json'],
      ['config', 'get', 'database_url'],
      ['api', 'get', '/v1/balance', '--verbose', '--debug'],
      ['api', 'post', '/v1/customers', '-d', 'description=planted', '--verbose', '--debug', '--json'],
      ['api', 'get', '/v1/customers/cus_missing', '--verbose', '--debug'],
      ['api', 'get', `/v1/customers/${PLANTED.clientSecret}`, '--verbose', '--debug'],
      ['api', 'get', '/v1/balance', '--api-key', PLANTED.clientSecret, '--debug'],
    ];
    let seen = '';
    for (const args of runs) {
      const result = await runCli(args, { env });
      for (const [name, secret] of Object.entries(PLANTED)) {
        expect(result.stdout + result.stderr, `${name} printed by ${args.join(' ')}`).not.toContain(secret);
      }
      seen += result.stdout + result.stderr;
    }
    const stateDir = join(env.XDG_STATE_HOME!, 'atom-stripe');
    const logs = readdirSync(stateDir).map((name) => readFileSync(join(stateDir, name), 'utf8')).join('\n');
    expect(logs).toContain('stripe.request');
    for (const [name, secret] of Object.entries(PLANTED)) {
      expect(seen.includes(secret), `${name} reached stdout or stderr`).toBe(false);
      expect(logs.includes(secret), `${name} reached the log`).toBe(false);
    }
  });
});
