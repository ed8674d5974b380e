import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import { expectStripeError, stripeFor } from '../helpers/emulator.js';

const directory = mkdtempSync(join(tmpdir(), 'atom-stripe-emulator-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('SQLite persistence', () => {
  it('keeps objects, keys, OAuth tokens and idempotency records across a restart', async () => {
    const dataFile = join(directory, 'state.sqlite');
    const first = await startEmulator({ dataFile });
    const stripe = stripeFor(first);
    const customer = await stripe.customers.create({ name: 'Durable', metadata: { kept: 'yes' } }, { idempotencyKey: 'durable-key' });
    const product = await stripe.products.create({ name: 'Durable product', default_price_data: { currency: 'usd', unit_amount: 500 } });
    const approval = first.control.approveOAuth();
    const token = await stripe.oauth.token({ grant_type: 'authorization_code', code: approval.code });
    await stripe.customers.del((await stripe.customers.create({ name: 'Gone' })).id);
    const keys = { secretKey: first.secretKey, clientId: first.clientId, platformAccountId: first.platformAccountId };
    await first.close();

    const second = await startEmulator({ dataFile });
    try {
      expect({ secretKey: second.secretKey, clientId: second.clientId, platformAccountId: second.platformAccountId }).toEqual(keys);
      const again = stripeFor(second);
      expect(await again.customers.retrieve(customer.id)).toMatchObject({ name: 'Durable', metadata: { kept: 'yes' } });
      expect((await again.products.retrieve(product.id)).default_price).toEqual(expect.stringMatching(/^price_/));
      expect((await again.customers.list()).data.map((entry) => entry.id)).toEqual([customer.id]);
      const replay = await again.customers.create({ name: 'Durable', metadata: { kept: 'yes' } }, { idempotencyKey: 'durable-key' });
      expect(replay.id).toBe(customer.id);
      expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect((await stripeFor(second, token.access_token!).accounts.retrieveCurrent()).id).toBe(token.stripe_user_id);
      const reused = await expectStripeError(again.oauth.token({ grant_type: 'authorization_code', code: approval.code }));
      expect(reused.type).toBe('StripeInvalidGrantError');
    } finally {
      await second.close();
    }
  });

  it('closes when its AbortSignal is aborted', async () => {
    const controller = new AbortController();
    const emulator = await startEmulator({ signal: controller.signal });
    expect((await stripeFor(emulator).balance.retrieve()).object).toBe('balance');
    controller.abort();
    await emulator.close();
    await expect(fetch(`${emulator.url}/v1/balance`)).rejects.toThrow();
  });
});

describe('seeding', () => {
  it('seeds 100,000 customers and pages through them', async () => {
    const emulator = await startEmulator({ seed: { customers: 100_000, products: 50 } });
    try {
      const stripe = stripeFor(emulator);
      const first = await stripe.customers.list({ limit: 100 });
      expect(first.data).toHaveLength(100);
      expect(first.has_more).toBe(true);
      expect(first.data[0].email).toBe('customer100000@example.com');
      const deep = await stripe.customers.list({ limit: 100, starting_after: first.data[99].id });
      expect(deep.data[0].email).toBe('customer99900@example.com');
      const recent = await stripe.customers.list({ limit: 100, created: { gt: first.data[0].created - 10 } });
      expect(recent.data).toHaveLength(10);
      const products = await stripe.products.list({ limit: 100, expand: ['data.default_price'] });
      expect(products.data).toHaveLength(50);
      expect(products.data.every((product) => typeof product.default_price === 'object')).toBe(true);
      expect(emulator.control.seed({ customers: 10 })).toEqual({ customers: 10, products: 0, prices: 0 });
    } finally {
      await emulator.close();
    }
  });

  it('seeds into SQLite in one transaction', async () => {
    const dataFile = join(directory, 'seeded.sqlite');
    const first = await startEmulator({ dataFile, seed: { customers: 20_000 } });
    await first.close();
    const second = await startEmulator({ dataFile });
    try {
      const page = await stripeFor(second).customers.list({ limit: 1 });
      expect(page.data[0].email).toBe('customer20000@example.com');
    } finally {
      await second.close();
    }
  });
});
