import { describe, it, expect } from 'vitest';
import { expectStripeError, stripeFor, withEmulator } from '../helpers/emulator.js';

const emulator = withEmulator();

/** Stock stripe-node retries (0.5 s initial backoff, doubling): the client under test is not tuned. */
function retryingClient(maxNetworkRetries: number) {
  return stripeFor(emulator.current, undefined, { maxNetworkRetries });
}

describe('fault injection', () => {
  it('retries through scripted 500s and charges once (request counters prove it)', async () => {
    const control = emulator.current.control;
    control.injectFaults([{ status: 500, count: 2, path: '/v1/payment_intents', method: 'POST' }]);
    const stripe = retryingClient(3);
    const intent = await stripe.paymentIntents.create({ amount: 4200, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, { idempotencyKey: 'retry-charge-once' });
    expect(intent.status).toBe('succeeded');
    expect(control.idempotencyStats('retry-charge-once')).toEqual({ requests: 3, executions: 1, replays: 0 });
    const charges = await stripe.charges.list({ payment_intent: intent.id });
    expect(charges.data).toHaveLength(1);
    expect(control.pendingFaults()).toEqual([]);
  });

  it('retries through a dropped connection, replaying rather than charging twice', async () => {
    const control = emulator.current.control;
    control.injectFaults([{ drop: true, path: '/v1/payment_intents' }]);
    const stripe = retryingClient(2);
    const intent = await stripe.paymentIntents.create({ amount: 4300, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, { idempotencyKey: 'retry-drop' });
    expect(intent.status).toBe('succeeded');
    expect(control.idempotencyStats('retry-drop')).toMatchObject({ requests: 2, executions: 1 });
    expect(control.requests().recent.some((record) => record.fault === 'drop')).toBe(true);
  });

  it('answers 429 rate_limit errors that stripe-node surfaces when out of retries', async () => {
    const control = emulator.current.control;
    control.injectFaults([{ status: 429, count: 1 }]);
    const error = await expectStripeError(stripeFor(emulator.current).customers.list());
    expect(error.type).toBe('StripeRateLimitError');
    expect(error.statusCode).toBe(429);
    expect(error.code).toBe('rate_limit');
    expect((await stripeFor(emulator.current).customers.list()).object).toBe('list');
  });

  it('fails every request at fail rate 1 and none at 0', async () => {
    const control = emulator.current.control;
    control.setFailRate(1);
    const error = await expectStripeError(stripeFor(emulator.current).balance.retrieve());
    expect(error.statusCode).toBe(500);
    expect(error.type).toBe('StripeAPIError');
    control.setFailRate(0);
    expect((await stripeFor(emulator.current).balance.retrieve()).object).toBe('balance');
  });

  it('counts requests per method and path, and resets the counters', async () => {
    const control = emulator.current.control;
    control.resetRequests();
    const stripe = stripeFor(emulator.current);
    await stripe.customers.list();
    await stripe.customers.list();
    await stripe.customers.create({ name: 'Counted' });
    expect(control.requestCount('GET', '/v1/customers')).toBe(2);
    expect(control.requestCount('POST', '/v1/customers')).toBe(1);
    expect(control.requests().total).toBe(3);
  });

  it('delays requests by the configured latency', async () => {
    const control = emulator.current.control;
    control.setLatency(150);
    const started = performance.now();
    await stripeFor(emulator.current).balance.retrieve();
    control.setLatency(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('control endpoints over HTTP', () => {
  async function call(method: string, path: string, body?: unknown, key = emulator.current.secretKey): Promise<{ status: number; body: any }> {
    const response = await fetch(`${emulator.current.url}/_emulator${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  it('needs the platform secret key', async () => {
    expect((await call('GET', '/requests', undefined, 'sk_test_wrong')).status).toBe(401);
  });

  it('scripts faults, reads counters, approves OAuth, seeds, moves the clock and resets', async () => {
    expect((await call('POST', '/faults', { faults: [{ status: 500, count: 1, path: '/v1/balance' }] })).body.faults).toHaveLength(1);
    const failed = await expectStripeError(stripeFor(emulator.current).balance.retrieve());
    expect(failed.statusCode).toBe(500);
    const stats = await call('GET', '/requests');
    expect(stats.body.byRoute['GET /v1/balance']).toBeGreaterThanOrEqual(1);

    const approval = await call('POST', '/oauth/approve', { scope: 'read_only', state: 'http' });
    expect(approval.body.code).toMatch(/^ac_/);
    const token = await stripeFor(emulator.current).oauth.token({ grant_type: 'authorization_code', code: approval.body.code });
    expect(token.scope).toBe('read_only');

    expect((await call('POST', '/seed', { customers: 25 })).body).toMatchObject({ customers: 25 });
    expect((await call('POST', '/clock', { advance_seconds: 60 })).status).toBe(200);
    expect((await call('POST', '/latency', { ms: 0 })).body).toEqual({ ms: 0 });
    expect((await call('POST', '/faults', { status: 418 })).status).toBe(400);
    expect((await call('GET', '/webhooks/attempts')).body.data).toEqual(expect.any(Array));

    expect((await call('POST', '/reset')).body).toEqual({ reset: true });
    const after = await stripeFor(emulator.current).customers.list();
    expect(after.data).toEqual([]);
    expect((await stripeFor(emulator.current).accounts.retrieveCurrent()).id).toBe(emulator.current.platformAccountId);
  });
});
