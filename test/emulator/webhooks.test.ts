import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { stripeFor, withEmulator } from '../helpers/emulator.js';
import { waitFor } from '../helpers/wait.js';

interface Received {
  body: string;
  signature: string;
  userAgent: string | undefined;
}

/** A local receiver that answers with the queued statuses (then 200) and records every request. */
class Receiver {
  readonly received: Received[] = [];
  private statuses: number[] = [];
  private server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.received.push({ body: Buffer.concat(chunks).toString(), signature: String(request.headers['stripe-signature']), userAgent: request.headers['user-agent'] });
      response.writeHead(this.statuses.shift() ?? 200).end();
    });
  });

  failNext(...statuses: number[]): void {
    this.statuses.push(...statuses);
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  eventsOfType(type: string): Stripe.Event[] {
    return this.received.map((entry) => JSON.parse(entry.body) as Stripe.Event).filter((event) => event.type === type);
  }
}

const emulator = withEmulator({ webhookRetryScale: 0.0001 });
const receiver = new Receiver();
let receiverUrl = '';
const verifier = new Stripe('sk_test_unused');

beforeAll(async () => {
  receiverUrl = await receiver.start();
});
afterAll(async () => {
  await receiver.close();
});

describe('webhook endpoints', () => {
  it('creates, lists, updates and deletes endpoints, showing the secret only on create', async () => {
    const stripe = stripeFor(emulator.current);
    const endpoint = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/never', enabled_events: ['customer.created'], description: 'crud' });
    expect(endpoint).toMatchObject({ object: 'webhook_endpoint', status: 'enabled', url: 'http://127.0.0.1:9/never', enabled_events: ['customer.created'], description: 'crud' });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const fetched = await stripe.webhookEndpoints.retrieve(endpoint.id);
    expect(fetched.secret).toBeUndefined();
    const disabled = await stripe.webhookEndpoints.update(endpoint.id, { disabled: true, enabled_events: ['*'] });
    expect(disabled).toMatchObject({ status: 'disabled', enabled_events: ['*'] });
    expect((await stripe.webhookEndpoints.list()).data.map((entry) => entry.id)).toContain(endpoint.id);
    expect(await stripe.webhookEndpoints.del(endpoint.id)).toMatchObject({ id: endpoint.id, deleted: true });
  });
});

describe('webhook delivery', () => {
  it('POSTs subscribed events signed so that constructEvent verifies them', async () => {
    const stripe = stripeFor(emulator.current);
    const endpoint = await stripe.webhookEndpoints.create({ url: receiverUrl, enabled_events: ['customer.created', 'payment_intent.succeeded'] });
    const customer = await stripe.customers.create({ name: 'Hooked' });
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await stripe.products.create({ name: 'Not subscribed' });
    await emulator.current.control.webhooksIdle();

    const created = receiver.received.find((entry) => (JSON.parse(entry.body) as Stripe.Event).type === 'customer.created')!;
    const event = verifier.webhooks.constructEvent(created.body, created.signature, endpoint.secret!);
    expect(event.type).toBe('customer.created');
    expect((event.data.object as Stripe.Customer).id).toBe(customer.id);
    expect(created.userAgent).toMatch(/^Stripe\/1\.0/);
    expect(() => verifier.webhooks.constructEvent(created.body, created.signature, 'whsec_wrong')).toThrow(/signature/i);
    expect(receiver.eventsOfType('payment_intent.succeeded')).toHaveLength(1);
    expect(receiver.eventsOfType('product.created')).toHaveLength(0);

    const attempts = emulator.current.control.webhookAttempts({ endpointId: endpoint.id });
    expect(attempts.length).toBe(2);
    expect(attempts.every((attempt) => attempt.succeeded && attempt.status === 200 && attempt.attempt === 1)).toBe(true);
    const stored = await stripe.events.retrieve(event.id);
    expect(stored.pending_webhooks).toBe(0);
    await stripe.webhookEndpoints.del(endpoint.id);
  });

  it('retries failed deliveries on the (scaled) backoff schedule and records each attempt', async () => {
    const stripe = stripeFor(emulator.current);
    const endpoint = await stripe.webhookEndpoints.create({ url: receiverUrl, enabled_events: ['customer.updated'] });
    receiver.failNext(500, 503);
    const customer = await stripe.customers.create({ name: 'Retry' });
    await stripe.customers.update(customer.id, { name: 'Retry me' });
    const attempts = await waitFor(() => {
      const list = emulator.current.control.webhookAttempts({ endpointId: endpoint.id });
      return list.some((attempt) => attempt.succeeded) ? list : undefined;
    }, 'a successful retry', 20_000);
    expect(attempts.map((attempt) => [attempt.attempt, attempt.status, attempt.succeeded])).toEqual([
      [1, 500, false],
      [2, 503, false],
      [3, 200, true],
    ]);
    expect(attempts[0].nextRetryAt).not.toBeNull();
    expect(attempts[2].nextRetryAt).toBeNull();
    const bodies = receiver.eventsOfType('customer.updated').filter((event) => (event.data.object as Stripe.Customer).id === customer.id);
    expect(new Set(bodies.map((event) => event.id)).size).toBe(1);
    await stripe.webhookEndpoints.del(endpoint.id);
  });

  it('gives up after the last retry and records a connection failure', async () => {
    const stripe = stripeFor(emulator.current);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const endpoint = await stripe.webhookEndpoints.create({ url: deadUrl, enabled_events: ['product.created'] });
    await stripe.products.create({ name: 'Undeliverable' });
    await emulator.current.control.webhooksIdle();
    const attempts = emulator.current.control.webhookAttempts({ endpointId: endpoint.id });
    expect(attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3, 4]);
    expect(attempts.every((attempt) => !attempt.succeeded && attempt.status === null && attempt.error)).toBe(true);
    expect(attempts[3].nextRetryAt).toBeNull();
    await stripe.webhookEndpoints.del(endpoint.id);
  });

  it("sends a connected account's events to the platform's Connect endpoints with `account`", async () => {
    const stripe = stripeFor(emulator.current);
    const endpoint = await stripe.webhookEndpoints.create({ url: receiverUrl, enabled_events: ['account.application.deauthorized', 'customer.created'], connect: true });
    const approval = emulator.current.control.approveOAuth();
    const token = await stripe.oauth.token({ grant_type: 'authorization_code', code: approval.code });
    const connectedCustomer = await stripeFor(emulator.current, token.access_token!).customers.create({ name: 'Connected' });
    await stripe.oauth.deauthorize({ client_id: emulator.current.clientId, stripe_user_id: token.stripe_user_id! });
    await emulator.current.control.webhooksIdle();
    const deauthorized = receiver.eventsOfType('account.application.deauthorized').find((event) => event.account === token.stripe_user_id);
    expect(deauthorized).toBeDefined();
    const raw = receiver.received.find((entry) => entry.body.includes(deauthorized!.id))!;
    expect(verifier.webhooks.constructEvent(raw.body, raw.signature, endpoint.secret!).id).toBe(deauthorized!.id);
    const customerEvent = receiver.eventsOfType('customer.created').find((event) => (event.data.object as Stripe.Customer).id === connectedCustomer.id);
    expect(customerEvent?.account).toBe(token.stripe_user_id);
    await stripe.webhookEndpoints.del(endpoint.id);
  });
});

describe('events', () => {
  it('lists by type, types[] and created, and retrieves one', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'Eventful' });
    await stripe.customers.update(customer.id, { metadata: { a: '1' } });
    const byType = await stripe.events.list({ type: 'customer.*', limit: 100 });
    expect(byType.data.every((event) => event.type.startsWith('customer.'))).toBe(true);
    const mine = byType.data.filter((event) => (event.data.object as Stripe.Customer).id === customer.id);
    expect(mine.map((event) => event.type)).toEqual(['customer.updated', 'customer.created']);
    expect(mine[0].data.previous_attributes).toEqual({ metadata: {} });
    expect(mine[0]).toMatchObject({ object: 'event', api_version: '2026-10-28.endive', livemode: false });
    expect(mine[0].request?.id).toMatch(/^req_/);
    const byTypes = await stripe.events.list({ types: ['customer.created'], created: { gte: mine[1].created }, limit: 100 });
    expect(byTypes.data.map((event) => event.id)).toContain(mine[1].id);
    expect((await stripe.events.retrieve(mine[0].id)).id).toBe(mine[0].id);
  });
});
