/**
 * Webhooks against the emulator: endpoints whose real signed deliveries reach `webhook listen`,
 * poll mode over the Events API, `replay --from-stripe`, and `trigger` of the seven handled types.
 */
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Stripe from 'stripe';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { stripeFor, withEmulator } from '../helpers/emulator.js';
import { SECRET, spawnListener, startReceiver, waitFor } from '../webhooks/helpers.js';

const SEVEN = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function storedRow(env: Record<string, string | undefined>, eventId: string) {
  const db = new Database(join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db'), { readonly: true });
  try {
    return db.prepare('SELECT event_id, type, source, status FROM stripe_webhook_events WHERE event_id = ?').get(eventId) as
      | { event_id: string; type: string; source: string; status: string }
      | undefined;
  } catch {
    return undefined;
  } finally {
    db.close();
  }
}

describe('webhooks against the emulator (e2e)', () => {
  const emulator = withEmulator();
  const envFor = () => isolatedEnv({ STRIPE_API_BASE: emulator.current.url, STRIPE_API_KEY: emulator.current.secretKey });

  it('creates an endpoint (the seven types by default, secret saved), and its real deliveries reach the listener', async () => {
    const env = envFor();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/webhooks`;
    const created = await runCli(['webhook', 'endpoints', 'create', '--url', url, '--save', '--json'], { env });
    expect(created.code).toBe(0);
    const endpoint = JSON.parse(created.stdout) as { id: string; secret: string; enabled_events: string[] };
    expect(endpoint.enabled_events.sort()).toEqual([...SEVEN].sort());
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(created.stderr).toMatch(/Saved the signing secret whsec_…/);
    expect(created.stderr).not.toContain(endpoint.secret);
    const config = JSON.parse(readFileSync(join(env.XDG_CONFIG_HOME!, 'atom-stripe', 'config.json'), 'utf8'));
    expect(config.profiles.default.webhook_secret).toBe(endpoint.secret);

    const updated = await runCli(['webhook', 'endpoints', 'update', endpoint.id, '--events', [...SEVEN, 'customer.created'].join(','), '--json'], { env });
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout).enabled_events).toContain('customer.created');
    const listed = await runCli(['webhook', 'endpoints', 'list', '--format', 'tsv'], { env });
    expect(listed.stdout).toContain(endpoint.id);

    // The listener takes its secret from the profile, where --save put it.
    const listener = await spawnListener(['--port', String(port)], env);
    try {
      const stripe = stripeFor(emulator.current);
      const customer = await stripe.customers.create({ email: 'hook@example.com' });
      const intent = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
      expect(intent.status).toBe('succeeded');
      const events = await stripe.events.list({ limit: 20 });
      const wanted = events.data.filter((event) => event.type === 'customer.created' || event.type === 'payment_intent.succeeded');
      expect(wanted.length).toBe(2);
      for (const event of wanted) {
        await waitFor(() => storedRow(env, event.id), `${event.type} to reach the listener`);
        expect(storedRow(env, event.id)).toMatchObject({ type: event.type, source: 'push', status: 'received' });
      }
      // The emulator saw a 2xx from the listener for each.
      for (const event of wanted) {
        const attempts = await waitFor(() => {
          const found = emulator.current.control.webhookAttempts({ eventId: event.id, endpointId: endpoint.id });
          return found.length ? found : undefined;
        }, 'the emulator to record its delivery');
        expect(attempts.map((attempt) => attempt.status)).toEqual([200]);
      }
    } finally {
      expect((await listener.stop()).code).toBe(0);
    }
    expect(listener.stdout()).toMatch(/payment_intent\.succeeded\tevt_\S+\t-\t\$20\.00 USD succeeded/);

    const refused = await runCli(['webhook', 'endpoints', 'delete', endpoint.id], { env });
    expect(refused.code).toBe(2);
    const deleted = await runCli(['webhook', 'endpoints', 'delete', endpoint.id, '--yes', '--json'], { env });
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ id: endpoint.id, deleted: true });
    expect((await runCli(['webhook', 'endpoints', 'create'], { env })).code).toBe(2);
  });

  it('polls the Events API oldest first after a stored cursor, and forwards what it finds', async () => {
    const env = envFor();
    const receiver = await startReceiver(() => 200);
    const listener = await spawnListener(['--poll', '--interval', '100ms', '--forward-to', receiver.url, '--forward-secret', SECRET], env);
    try {
      // The first poll only places the cursor at the newest event; wait for it before creating anything.
      const dbFile = join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db');
      await waitFor(() => {
        try {
          const db = new Database(dbFile, { readonly: true });
          try {
            return db.prepare("SELECT 1 FROM stripe_webhook_cursors WHERE name = 'poll:default'").get();
          } finally {
            db.close();
          }
        } catch {
          return undefined;
        }
      }, 'the poll cursor');
      const stripe = stripeFor(emulator.current);
      const first = await stripe.customers.create({ email: 'one@example.com' });
      await stripe.customers.update(first.id, { name: 'One' });
      const second = await stripe.customers.create({ email: 'two@example.com' });
      const events = (await stripe.events.list({ limit: 3 })).data.reverse();
      expect(events.map((event) => event.type)).toEqual(['customer.created', 'customer.updated', 'customer.created']);
      await waitFor(() => receiver.received.length >= 3, 'three forwards');
      // Oldest first, each once, re-signed for the application.
      expect(receiver.received.map((r) => JSON.parse(r.body).id)).toEqual(events.map((event) => event.id));
      for (const r of receiver.received) expect(Stripe.webhooks.constructEvent(r.body, r.signature!, SECRET).object).toBe('event');
      expect(storedRow(env, events[2]!.id)).toMatchObject({ source: 'poll' });
      expect(second.id).not.toBe(first.id);
    } finally {
      expect((await listener.stop()).code).toBe(0);
      await receiver.close();
    }
    expect(listener.stdout().trim().split('\n')).toHaveLength(3);

    // replay --from-stripe fetches an event this store never saw.
    const stripe = stripeFor(emulator.current);
    await stripe.customers.create({ email: 'three@example.com' });
    const latest = (await stripe.events.list({ limit: 1 })).data[0]!;
    const target = await startReceiver(() => 200);
    try {
      const missing = await runCli(['webhook', 'replay', latest.id, '--to', target.url, '--secret', SECRET], { env });
      expect(missing.code).toBe(3);
      const replay = await runCli(['webhook', 'replay', latest.id, '--to', target.url, '--secret', SECRET, '--from-stripe'], { env });
      expect(replay.code).toBe(0);
      expect(target.received.map((r) => JSON.parse(r.body).id)).toEqual([latest.id]);
      expect(storedRow(env, latest.id)).toMatchObject({ source: 'replay', status: 'forwarded' });
    } finally {
      await target.close();
    }
  });

  it('triggers each of the seven types as a realistic event that verifies with stripe-node', async () => {
    const env = isolatedEnv();
    const receiver = await startReceiver(() => 200);
    try {
      for (const type of SEVEN) {
        const result = await runCli(['webhook', 'trigger', type, '--to', receiver.url, '--secret', SECRET, '--json'], { env });
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({ type, status_code: 200 });
      }
      expect(receiver.received).toHaveLength(7);
      receiver.received.forEach((delivery, index) => {
        const event = Stripe.webhooks.constructEvent(delivery.body, delivery.signature!, SECRET);
        expect(event.type).toBe(SEVEN[index]);
        expect(event.id).toMatch(/^evt_/);
        expect(event.api_version).toMatch(/^\d{4}-\d{2}-\d{2}/);
        const object = event.data.object as unknown as { object: string; id: string };
        const expected = SEVEN[index]!.startsWith('payment_intent') ? 'payment_intent' : SEVEN[index]!.startsWith('invoice') ? 'invoice' : 'subscription';
        expect(object.object).toBe(expected);
      });
      const failed = JSON.parse(receiver.received[1]!.body);
      expect(failed.data.object.last_payment_error.code).toBe('card_declined');
      const updated = JSON.parse(receiver.received[3]!.body);
      expect(updated.data.previous_attributes).toEqual({ cancel_at_period_end: false, cancel_at: null });
      const unknown = await runCli(['webhook', 'trigger', 'payment_intent.nonsense', '--to', receiver.url], { env });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/no sample for event type/);
    } finally {
      await receiver.close();
    }
    const down = await startReceiver(() => 500);
    try {
      const result = await runCli(['webhook', 'trigger', 'invoice.payment_failed', '--to', down.url, '--secret', SECRET], { env });
      expect(result.code).toBe(1);
    } finally {
      await down.close();
    }
  });
});
