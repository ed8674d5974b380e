/**
 * `atom-stripe smoke` end to end against the in-process emulator; every run is read back from its
 * JUnit report with an XML parser.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, type Env } from '../helpers/cli.js';
import { stripeFor, withEmulator } from '../helpers/emulator.js';
import { readJUnit, seedTokens } from '../checks/support.js';

const emulator = withEmulator();

function envFor(extra: Env = {}): Env {
  return isolatedEnv({ STRIPE_API_BASE: emulator.current.url, STRIPE_API_KEY: emulator.current.secretKey, ATOM_STRIPE_MAX_RETRIES: '0', ...extra });
}

async function smoke(env: Env, args: string[] = []) {
  const junit = join(mkdtempSync(join(tmpdir(), 'atom-stripe-junit-')), 'smoke.xml');
  const result = await runCli(['smoke', '--junit', junit, ...args], { env });
  return { ...result, report: readJUnit(junit) };
}

async function withServer(handler: (request: IncomingMessage, body: string) => { status: number; body?: string }, fn: (url: string) => Promise<void>): Promise<void> {
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const answer = handler(request, body);
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

afterEach(() => emulator.current.control.clearFaults());

describe('smoke', () => {
  it('read-only checks pass: exit 0, five testcases, nothing written to Stripe', async () => {
    emulator.current.control.resetRequests();
    const { code, stderr, report } = await smoke(envFor());
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(report.cases.map((c) => c.name.split(':')[0])).toEqual(['auth', 'balance', 'customers', 'store-roundtrip', 'webhook-signature']);
    expect(report.failures).toBe(0);
    expect(report.byId.auth.systemOut).toMatch(/^platform key: acct_/);
    expect(report.byId.balance.systemOut).toMatch(/^test mode, available /);
    expect(report.byId['store-roundtrip'].systemOut).toMatch(/^sqlite .*: write, read, delete$/);
    expect(report.byId['webhook-signature'].systemOut).toMatch(/generated secret/);
    const routes = Object.keys(emulator.current.control.requests().byRoute);
    expect(routes.filter((route) => !route.startsWith('GET '))).toEqual([]);
  });

  it('--write runs the cycle and leaves nothing behind', async () => {
    const stripe = stripeFor(emulator.current);
    const { code, stdout, report } = await smoke(envFor(), ['--write', '--json']);
    expect(code).toBe(0);
    const detail = report.byId['write-cycle'].systemOut ?? '';
    expect(detail).toMatch(/^customer cus_\w+, payment pi_\w+ succeeded, refund re_\w+ (succeeded|pending), customer deleted$/);
    const document = JSON.parse(stdout) as { checks: Array<{ id: string; data?: { customer: string; payment_intent: string } }> };
    const data = document.checks.find((c) => c.id === 'write-cycle')?.data;
    const customer = await stripe.customers.retrieve(data!.customer);
    expect(customer.deleted).toBe(true);
    const intent = await stripe.paymentIntents.retrieve(data!.payment_intent);
    expect(intent.metadata.atom_stripe_smoke).toMatch(/^[0-9a-f-]{36}$/);
    const refunds = await stripe.refunds.list({ payment_intent: intent.id });
    expect(refunds.data).toHaveLength(1);
  });

  it('--write cleans up when a step fails: the payment is refunded and the customer deleted', async () => {
    const stripe = stripeFor(emulator.current);
    emulator.current.control.injectFaults([{ status: 500, count: 1, path: '/v1/refunds', method: 'POST' }]);
    const { code, stdout, stderr, report } = await smoke(envFor(), ['--write', '--json']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/error: smoke: 1 of 6 checks failed \(write-cycle\)/);
    const failure = report.byId['write-cycle'].failure?.message ?? '';
    expect(failure).toMatch(/^after customer (cus_\w+), payment (pi_\w+) succeeded: Stripe: /);
    expect(failure).not.toMatch(/NOT cleaned up/);
    const [, customerId, intentId] = /customer (cus_\w+), payment (pi_\w+)/.exec(failure)!;
    expect((await stripe.customers.retrieve(customerId)).deleted).toBe(true);
    expect((await stripe.refunds.list({ payment_intent: intentId })).data).toHaveLength(1);
    expect(JSON.parse(stdout).status).toBe('fail');
  });

  it('--write with a live key is refused unless --live, before any request', async () => {
    emulator.current.control.resetRequests();
    const env = envFor({ STRIPE_API_KEY: emulator.current.liveKey });
    const refused = await runCli(['smoke', '--write'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/live-mode key .*pass --live/);
    expect(refused.stderr).not.toContain(emulator.current.liveKey);
    expect(emulator.current.control.requests().total).toBe(0);
  });

  it('fails auth when the key is wrong: exit 1 with Stripe\'s message', async () => {
    const { code, report } = await smoke(envFor({ STRIPE_API_KEY: 'sk_test_wrongwrongwrong' }));
    expect(code).toBe(1);
    expect(report.byId.auth.failure?.message).toMatch(/^Stripe: /);
    expect(report.byId.balance.failure).toBeDefined();
    expect(report.byId['store-roundtrip'].failure).toBeUndefined();
  });

  it('--account with a revoked connection fails the Stripe checks with the reconnect hint', async () => {
    const env = envFor();
    await seedTokens(env, [{ user_id: 'globex', access_token: 'sk_test_globexrevokedtoken', stripe_user_id: 'acct_globex', status: 'revoked' }]);
    const { code, report } = await smoke(env, ['--account', 'globex']);
    expect(code).toBe(1);
    expect(report.byId.auth.failure?.message).toBe('connection "globex" is revoked (run atom-stripe connect --user-id globex to reconnect)');
    expect(report.byId['webhook-signature'].failure).toBeUndefined();
  });

  it('--webhook-url delivers a signed event the endpoint can verify; a non-2xx fails', async () => {
    const secret = 'whsec_smokeendpointsecret123';
    const seen: string[] = [];
    await withServer(
      (request, body) => {
        try {
          const event = Stripe.webhooks.constructEvent(body, String(request.headers['stripe-signature']), secret);
          seen.push(event.type);
          return { status: 200 };
        } catch {
          return { status: 400 };
        }
      },
      async (url) => {
        const good = await smoke(envFor(), ['--webhook-url', `${url}/webhooks`, '--webhook-secret', secret, '--webhook-event', 'payment_intent.succeeded']);
        expect(good.code).toBe(0);
        expect(good.report.byId['webhook-endpoint'].systemOut).toBe('payment_intent.succeeded answered HTTP 200');
        expect(seen).toEqual(['payment_intent.succeeded']);
        const wrongSecret = await smoke(envFor(), ['--webhook-url', `${url}/webhooks`, '--webhook-secret', 'whsec_theotherone']);
        expect(wrongSecret.code).toBe(1);
        expect(wrongSecret.report.byId['webhook-endpoint'].failure?.message).toMatch(/answered HTTP 400 to a signed atom_stripe\.smoke_test \(a signature mismatch\? check --webhook-secret\)/);
        expect(wrongSecret.stdout + wrongSecret.stderr).not.toContain('whsec_theotherone');
      },
    );
  });

  it('--webhook-url without a secret is a usage error', async () => {
    const result = await runCli(['smoke', '--webhook-url', 'http://127.0.0.1:9/webhooks'], { env: envFor() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--webhook-url needs a signing secret \(pass --webhook-secret/);
  });

  it('--health-url expects a 2xx and status healthy', async () => {
    let answer = { status: 200, body: JSON.stringify({ status: 'healthy', services: { stripe: 'available' } }) };
    await withServer(
      () => answer,
      async (url) => {
        const good = await smoke(envFor(), ['--health-url', `${url}/health`]);
        expect(good.code).toBe(0);
        expect(good.report.byId['health-endpoint'].systemOut).toBe('HTTP 200, status healthy');
        answer = { status: 200, body: JSON.stringify({ status: 'degraded' }) };
        const degraded = await smoke(envFor(), ['--health-url', `${url}/health`]);
        expect(degraded.code).toBe(1);
        expect(degraded.report.byId['health-endpoint'].failure?.message).toBe(`${url}/health reports status "degraded", expected "healthy"`);
        answer = { status: 503, body: '{}' };
        const down = await smoke(envFor(), ['--health-url', `${url}/health`]);
        expect(down.report.byId['health-endpoint'].failure?.message).toBe(`${url}/health answered HTTP 503`);
      },
    );
  });

  it('without a key the Stripe checks fail with the reason and the report is still written; it never prompts', async () => {
    const result = await runCli(['smoke', '--json'], { env: isolatedEnv({ CI: 'true' }) });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { checks: Array<{ id: string; status: string; detail: string }> };
    expect(report.checks.find((check) => check.id === 'auth')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/no Stripe API key/) });
  });
});
