import { describe, it, expect } from 'vitest';
import Stripe from 'stripe';
import { parseForm } from '../../src/emulator/form.js';
import { expectStripeError, stripeFor, withEmulator } from '../helpers/emulator.js';
import { waitFor } from '../helpers/wait.js';

const emulator = withEmulator({ apiKeys: ['rk_test_restrictedEmulatorKey123'] });

async function raw(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emulator.current.url}${path}`, init);
}

function auth(key = emulator.current.secretKey): Record<string, string> {
  return { Authorization: `Bearer ${key}` };
}

describe('form encoding', () => {
  it('parses bracket nesting, indexed and empty-bracket arrays', () => {
    expect(parseForm('metadata[plan]=gold&items[0][price]=price_1&items[0][quantity]=2&items[1][price]=price_2&expand[]=customer&expand[]=latest_charge&name=A+B%26C')).toEqual({
      metadata: { plan: 'gold' },
      items: [{ price: 'price_1', quantity: '2' }, { price: 'price_2' }],
      expand: ['customer', 'latest_charge'],
      name: 'A B&C',
    });
    expect(parseForm('a[b][c]=1&a[b][d]=2&e=')).toEqual({ a: { b: { c: '1', d: '2' } }, e: '' });
    expect(parseForm('list[2]=z&list[0]=x')).toEqual({ list: ['x', 'z'] });
    expect(parseForm('')).toEqual({});
  });

  it('accepts hand-written form bodies and query strings', async () => {
    const created = await raw('/v1/customers', {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=Raw&metadata[plan]=gold&preferred_locales[]=en&preferred_locales[]=fr',
    });
    expect(created.status).toBe(200);
    const customer = (await created.json()) as Stripe.Customer;
    expect(customer).toMatchObject({ name: 'Raw', metadata: { plan: 'gold' }, preferred_locales: ['en', 'fr'] });
    const intent = await stripeFor(emulator.current).paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id });
    const fetched = await raw(`/v1/payment_intents/${intent.id}?expand[]=customer`, { headers: auth() });
    expect(((await fetched.json()) as { customer: Stripe.Customer }).customer.name).toBe('Raw');
  });
});

describe('authentication and errors', () => {
  it('answers 401 with Stripe error JSON for a missing or unknown key', async () => {
    const missing = await raw('/v1/customers');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('request-id')).toMatch(/^req_/);
    const body = (await missing.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error)).toEqual(expect.arrayContaining(['type', 'code', 'message', 'param', 'request_log_url']));
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/You did not provide an API key/);

    const unknown = await expectStripeError(stripeFor(emulator.current, 'sk_test_not_a_real_key_0000').customers.list());
    expect(unknown.type).toBe('StripeAuthenticationError');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.message).toMatch(/Invalid API Key provided: sk_test_\*+0000/);
    expect(unknown.message).not.toContain('not_a_real_key');
  });

  it('accepts Basic auth and extra keys, and live keys create livemode objects', async () => {
    const basic = await raw('/v1/balance', { headers: { Authorization: `Basic ${Buffer.from(`${emulator.current.secretKey}:`).toString('base64')}` } });
    expect(basic.status).toBe(200);
    const restricted = await stripeFor(emulator.current, 'rk_test_restrictedEmulatorKey123').customers.create({ name: 'Restricted' });
    expect(restricted.livemode).toBe(false);
    const live = stripeFor(emulator.current, emulator.current.liveKey);
    const liveCustomer = await live.customers.create({ name: 'Live' });
    expect(liveCustomer.livemode).toBe(true);
    // Test and live data are separate.
    const missing = await expectStripeError(stripeFor(emulator.current).customers.update(liveCustomer.id, { name: 'x' }));
    expect(missing.statusCode).toBe(404);
  });

  it('uses 404 resource_missing for unknown ids and unknown URLs, with a request_log_url', async () => {
    const stripe = stripeFor(emulator.current);
    const error = await expectStripeError(stripe.customers.retrieve('cus_nope'));
    expect(error).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing', param: 'id', message: "No such customer: 'cus_nope'" });
    expect(error.requestId).toMatch(/^req_/);
    expect(error.raw).toMatchObject({ request_log_url: `${emulator.current.url}/_emulator/requests/${error.requestId}` });
    const unknown = await raw('/v1/nothing_here', { headers: auth() });
    expect(unknown.status).toBe(404);
    const log = await raw(`/_emulator/requests/${error.requestId}`, { headers: auth() });
    expect(await log.json()).toMatchObject({ id: error.requestId, method: 'GET', path: '/v1/customers/cus_nope', status: 404 });
  });

  it('reports bad integers and booleans with their param', async () => {
    const response = await raw('/v1/payment_intents', { method: 'POST', headers: auth(), body: new URLSearchParams({ amount: 'ten', currency: 'usd' }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: Record<string, unknown> }).error).toMatchObject({ code: 'parameter_invalid_integer', param: 'amount' });
    const bool = await raw('/v1/products', { method: 'POST', headers: auth(), body: new URLSearchParams({ name: 'x', active: 'maybe' }) });
    expect(((await bool.json()) as { error: Record<string, unknown> }).error).toMatchObject({ code: 'parameter_invalid_boolean', param: 'active' });
  });

  it('echoes Idempotency-Key and Stripe-Account headers', async () => {
    const account = emulator.current.control.createConnectedAccount({ email: 'echo@example.com' });
    const response = await raw('/v1/customers', {
      method: 'POST',
      headers: { ...auth(), 'Idempotency-Key': 'echo-key-1', 'Stripe-Account': String(account.id) },
      body: 'name=Echo',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('idempotency-key')).toBe('echo-key-1');
    expect(response.headers.get('stripe-account')).toBe(account.id);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
  });

  it('refuses to expand a property that cannot be expanded', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'No expand' });
    const error = await expectStripeError(stripe.customers.retrieve(customer.id, { expand: ['name'] }));
    expect(error.statusCode).toBe(400);
    expect(error.param).toBe('expand');
  });
});

describe('idempotency', () => {
  it('replays the stored response for the same key and parameters', async () => {
    const stripe = stripeFor(emulator.current);
    const first = await stripe.customers.create({ name: 'Once' }, { idempotencyKey: 'idem-same-1' });
    const second = await stripe.customers.create({ name: 'Once' }, { idempotencyKey: 'idem-same-1' });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(emulator.current.control.idempotencyStats('idem-same-1')).toEqual({ requests: 2, executions: 1, replays: 1 });
    const listed = await stripe.customers.search({ query: `name:'Once'` });
    expect(listed.data).toHaveLength(1);
  });

  it('refuses the same key with different parameters', async () => {
    const stripe = stripeFor(emulator.current);
    await stripe.customers.create({ name: 'First' }, { idempotencyKey: 'idem-mismatch-1' });
    const error = await expectStripeError(stripe.customers.create({ name: 'Second' }, { idempotencyKey: 'idem-mismatch-1' }));
    expect(error.type).toBe('StripeIdempotencyError');
    expect(error.statusCode).toBe(400);
    expect(error.rawType).toBe('idempotency_error');
  });

  it('replays a card decline, but lets a fixed validation error be retried', async () => {
    const stripe = stripeFor(emulator.current);
    const params = { amount: 1000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true };
    const first = await expectStripeError(stripe.paymentIntents.create(params, { idempotencyKey: 'idem-decline' }));
    const second = await expectStripeError(stripe.paymentIntents.create(params, { idempotencyKey: 'idem-decline' }));
    expect(second.statusCode).toBe(402);
    expect(second.payment_intent?.id).toBe(first.payment_intent?.id);
    expect(second.headers?.['idempotent-replayed']).toBe('true');

    const invalid = await expectStripeError(stripe.customers.create({ email: 'bad' }, { idempotencyKey: 'idem-invalid' }));
    expect(invalid.statusCode).toBe(400);
    const retried = await expectStripeError(stripe.customers.create({ email: 'bad' }, { idempotencyKey: 'idem-invalid' }));
    expect(retried.headers?.['idempotent-replayed']).toBeUndefined();
  });

  it('answers 409 idempotency_key_in_use while another request with the key is still running', async () => {
    const stripe = stripeFor(emulator.current);
    // The first request is held by the latency; the second is sent once the first has arrived.
    emulator.current.control.setLatency(1500);
    try {
      const before = emulator.current.control.idempotencyStats('idem-inflight-1')?.requests ?? 0;
      const first = stripe.customers.create({ name: 'In flight' }, { idempotencyKey: 'idem-inflight-1' });
      await waitFor(() => (emulator.current.control.idempotencyStats('idem-inflight-1')?.requests ?? 0) > before, 'the first request', 5000);
      const error = await expectStripeError(stripe.customers.create({ name: 'In flight' }, { idempotencyKey: 'idem-inflight-1' }));
      expect(error.statusCode).toBe(409);
      expect(error.rawType).toBe('idempotency_error');
      expect(error.code).toBe('idempotency_key_in_use');
      const created = await first;
      // Once the first is done, the key replays it.
      emulator.current.control.setLatency(0);
      const again = await stripe.customers.create({ name: 'In flight' }, { idempotencyKey: 'idem-inflight-1' });
      expect(again.id).toBe(created.id);
    } finally {
      emulator.current.control.setLatency(0);
    }
  });

  it('a scripted 409 is retried by stripe-node and the write happens once', async () => {
    const stripe = stripeFor(emulator.current, undefined, { maxNetworkRetries: 2 });
    emulator.current.control.injectFaults([{ status: 409, count: 1, path: '/v1/customers' }]);
    const created = await stripe.customers.create({ name: 'Conflict' }, { idempotencyKey: 'idem-409-1' });
    expect(created.name).toBe('Conflict');
    expect(emulator.current.control.idempotencyStats('idem-409-1')).toEqual({ requests: 2, executions: 1, replays: 0 });
  });

  it('scopes keys per account', async () => {
    const account = emulator.current.control.createConnectedAccount({});
    const platform = stripeFor(emulator.current);
    const connected = stripeFor(emulator.current, undefined, { stripeAccount: String(account.id) });
    const a = await platform.customers.create({ name: 'Scoped' }, { idempotencyKey: 'idem-scoped' });
    const b = await connected.customers.create({ name: 'Scoped' }, { idempotencyKey: 'idem-scoped' });
    expect(a.id).not.toBe(b.id);
  });
});

describe('connected accounts', () => {
  it('keeps separate data per Stripe-Account and answers /v1/account for it', async () => {
    const account = emulator.current.control.createConnectedAccount({ email: 'shop@example.com', businessName: 'Shop' });
    const connected = stripeFor(emulator.current, undefined, { stripeAccount: String(account.id) });
    const customer = await connected.customers.create({ name: 'Connected customer' });
    expect((await connected.customers.retrieve(customer.id)).id).toBe(customer.id);
    const platformView = await expectStripeError(stripeFor(emulator.current).customers.retrieve(customer.id));
    expect(platformView.statusCode).toBe(404);
    const me = await connected.accounts.retrieveCurrent();
    expect(me).toMatchObject({ id: account.id, email: 'shop@example.com', business_profile: { name: 'Shop' } });
    const listed = await stripeFor(emulator.current).accounts.list({ limit: 100 });
    expect(listed.data.map((entry) => entry.id)).toContain(account.id);
  });

  it('refuses an unknown Stripe-Account', async () => {
    const error = await expectStripeError(stripeFor(emulator.current, undefined, { stripeAccount: 'acct_unknown' }).customers.list());
    expect(error.statusCode).toBe(403);
  });
});
