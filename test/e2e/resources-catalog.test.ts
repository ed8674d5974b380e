/**
 * products, prices and subscriptions, end to end through the built binary: TSV, --json and a
 * terminal (tables and confirmations), a product with its default price in one command, delete
 * refused while prices exist, and subscriptions created once per idempotency key.
 */
import { describe, it, expect } from 'vitest';
import type Stripe from 'stripe';
import { runInPty } from '../helpers/pty.js';
import { stripeFor, withEmulator } from '../helpers/emulator.js';
import { cli, cliJson, emulatorEnv, parseTsv } from '../resources/e2e-helpers.js';

const emulator = withEmulator();

describe('products and prices', () => {
  it('creates a product with its default monthly price in one command, with scoped idempotency keys', async () => {
    const result = await cli(emulator.current, [
      'products', 'create', '--name', 'Gold plan', '--price', '20.00', '--currency', 'usd', '--interval', 'month', '--idempotency-key', 'gold-1', '--verbose',
    ]);
    expect(result.code).toBe(0);
    const [product] = parseTsv(result.stdout);
    expect(product).toMatchObject({ name: 'Gold plan', active: 'true' });
    expect(result.stderr).toContain('idempotency-key=gold-1:product');
    expect(result.stderr).toContain('idempotency-key=gold-1:price');
    const price = await cliJson<Stripe.Price>(emulator.current, ['prices', 'get', product['default price']]);
    expect(price).toMatchObject({ product: product.id, unit_amount: 2000, currency: 'usd', recurring: { interval: 'month', interval_count: 1 } });

    // Re-running with the same key creates nothing new.
    const again = await cli(emulator.current, ['products', 'create', '--name', 'Gold plan', '--price', '20.00', '--currency', 'usd', '--interval', 'month', '--idempotency-key', 'gold-1']);
    expect(parseTsv(again.stdout)[0].id).toBe(product.id);
    const prices = await cli(emulator.current, ['prices', 'list', '--product', product.id]);
    expect(parseTsv(prices.stdout)).toEqual([{ id: price.id, product: product.id, amount: '$20.00 USD', interval: 'month', active: 'true' }]);
  });

  it('creates, lists, searches, updates, archives and deletes', async () => {
    const product = await cliJson<Stripe.Product>(emulator.current, ['products', 'create', '--name', 'Silver plan', '--description', 'For small teams', '--metadata', 'tier=silver']);
    const yearly = await cliJson<Stripe.Price>(emulator.current, ['prices', 'create', '--product', product.id, '--amount', '200.00', '--currency', 'eur', '--interval', 'month', '--interval-count', '12']);
    expect(yearly).toMatchObject({ unit_amount: 20000, currency: 'eur', recurring: { interval: 'month', interval_count: 12 } });
    const oneTime = await cli(emulator.current, ['prices', 'create', '--product', product.id, '--amount', '5000', '--currency', 'jpy']);
    expect(parseTsv(oneTime.stdout)[0]).toMatchObject({ amount: '¥5,000 JPY', interval: '', type: 'one_time' });

    const updated = await cliJson<Stripe.Product>(emulator.current, ['products', 'update', product.id, '--name', 'Silver plan 2027', '--default-price', yearly.id]);
    expect(updated).toMatchObject({ name: 'Silver plan 2027', default_price: yearly.id });
    const searched = await cli(emulator.current, ['products', 'search', "name~'Silver'"]);
    expect(parseTsv(searched.stdout)).toEqual([{ id: product.id, name: 'Silver plan 2027', active: 'true', 'default price': yearly.id }]);

    const refused = await cli(emulator.current, ['products', 'delete', product.id, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^error: product ${product.id} has prices, so Stripe will not delete it: Stripe: .*request=req_\\w+.*\\(archive it instead: atom-stripe products archive ${product.id}\\)\\n$`));

    const archivedPrice = await cliJson<Stripe.Price>(emulator.current, ['prices', 'archive', yearly.id, '--yes']);
    expect(archivedPrice.active).toBe(false);
    const activePrices = await cli(emulator.current, ['prices', 'list', '--product', product.id, '--active']);
    expect(parseTsv(activePrices.stdout).map((row) => row.id)).not.toContain(yearly.id);
    await cli(emulator.current, ['products', 'archive', product.id, '--yes']);
    const archived = await cli(emulator.current, ['products', 'list', '--archived']);
    expect(parseTsv(archived.stdout).map((row) => row.id)).toContain(product.id);
    const active = await cli(emulator.current, ['products', 'list', '--active']);
    expect(parseTsv(active.stdout).map((row) => row.id)).not.toContain(product.id);

    const empty = await cliJson<Stripe.Product>(emulator.current, ['products', 'create', '--name', 'Mistake']);
    const deleted = await cli(emulator.current, ['products', 'delete', empty.id, '--yes', '--json']);
    expect(JSON.parse(deleted.stdout)).toEqual({ id: empty.id, object: 'product', deleted: true });
  });
});

describe('subscriptions', () => {
  async function setup() {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ email: 'sam@example.com', name: 'Sam', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const product = await stripe.products.create({ name: 'Seats' });
    const monthly = await stripe.prices.create({ product: product.id, unit_amount: 1000, currency: 'usd', recurring: { interval: 'month' } });
    const premium = await stripe.prices.create({ product: product.id, unit_amount: 2500, currency: 'usd', recurring: { interval: 'month' } });
    return { stripe, customer, monthly, premium };
  }

  it('says what to do when the customer has no payment method (the subscription is incomplete)', async () => {
    const { stripe, monthly } = await setup();
    const bare = await stripe.customers.create({ email: 'nocard@example.com' });
    const result = await cli(emulator.current, ['subscriptions', 'create', '--customer', bare.id, '--price', monthly.id, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'incomplete' });
    expect(result.stderr).toContain(`Its first invoice is unpaid: give ${bare.id} a payment method`);
  });

  it('creates once per key, lists, swaps the price, changes quantity and cancels', async () => {
    const { stripe, customer, monthly, premium } = await setup();
    const args = ['subscriptions', 'create', '--customer', customer.id, '--price', `${monthly.id}:2`, '--metadata', 'plan=team', '--idempotency-key', 'sub-once', '--json'];
    const first = await cli(emulator.current, args);
    const second = await cli(emulator.current, args);
    const subscription = JSON.parse(first.stdout) as Stripe.Subscription;
    expect(JSON.parse(second.stdout).id).toBe(subscription.id);
    expect(subscription).toMatchObject({ status: 'active', customer: customer.id, metadata: { plan: 'team' } });
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(1);

    const listed = await cli(emulator.current, ['subscriptions', 'list', '--customer', customer.id, '--price', monthly.id]);
    const [row] = parseTsv(listed.stdout);
    expect(row).toMatchObject({ id: subscription.id, customer: customer.id, status: 'active', price: monthly.id, quantity: '2' });
    expect(row['current period end']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const swapped = await cliJson<Stripe.Subscription>(emulator.current, ['subscriptions', 'update', subscription.id, '--price', premium.id, '--proration-behavior', 'none']);
    expect(swapped.items.data.map((item) => [item.price.id, item.quantity])).toEqual([[premium.id, 2]]);
    const more = await cliJson<Stripe.Subscription>(emulator.current, ['subscriptions', 'update', subscription.id, '--quantity', '5']);
    expect(more.items.data[0].quantity).toBe(5);

    const atEnd = await cliJson<Stripe.Subscription>(emulator.current, ['subscriptions', 'cancel', subscription.id, '--at-period-end', '--yes']);
    expect(atEnd).toMatchObject({ status: 'active', cancel_at_period_end: true });
    const keep = await cliJson<Stripe.Subscription>(emulator.current, ['subscriptions', 'update', subscription.id, '--no-cancel-at-period-end']);
    expect(keep.cancel_at_period_end).toBe(false);
    const now = await cliJson<Stripe.Subscription>(emulator.current, ['subscriptions', 'cancel', subscription.id, '--yes']);
    expect(now.status).toBe('canceled');
    const canceled = await cli(emulator.current, ['subscriptions', 'list', '--customer', customer.id, '--status', 'canceled']);
    expect(parseTsv(canceled.stdout).map((entry) => entry.id)).toEqual([subscription.id]);
  });

  it('starts trials, searches, and says which item to change on a multi-item subscription', async () => {
    const { customer, monthly, premium } = await setup();
    const trial = await cliJson<Stripe.Subscription>(emulator.current, [
      'subscriptions', 'create', '--customer', customer.id, '--price', monthly.id, '--price', `${premium.id}:3`, '--trial-days', '14', '--metadata', 'plan=trial',
    ]);
    expect(trial.status).toBe('trialing');
    const got = await cli(emulator.current, ['subscriptions', 'get', trial.id]);
    expect(parseTsv(got.stdout)[0]).toMatchObject({ id: trial.id, status: 'trialing', price: `${monthly.id} ${premium.id}` });
    const ambiguous = await cli(emulator.current, ['subscriptions', 'update', trial.id, '--quantity', '2']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain(`${trial.id} has 2 items; say which to change (pass --item`);
    const item = trial.items.data.find((entry) => entry.price.id === premium.id)!;
    const changed = await cliJson<Stripe.Subscription>(emulator.current, ['subscriptions', 'update', trial.id, '--item', item.id, '--quantity', '4']);
    expect(changed.items.data.find((entry) => entry.id === item.id)?.quantity).toBe(4);
    const found = await cli(emulator.current, ['subscriptions', 'search', "metadata['plan']:'trial'"]);
    expect(parseTsv(found.stdout).map((row) => row.id)).toEqual([trial.id]);
  });

  it('in a terminal: a table, and a cancellation that names the customer and price', async () => {
    const { stripe, customer, monthly } = await setup();
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id, quantity: 2 }] });
    const list = runInPty(['subscriptions', 'list', '--customer', customer.id], { env: emulatorEnv(emulator.current) });
    expect((await list.exit).exitCode).toBe(0);
    expect(list.output()).toMatch(/│ id\s+│ customer\s+│ status\s+│ price\s+│ quantity\s+│ current period end\s+│/);
    expect(list.output()).toContain(`│ ${subscription.id} │ ${customer.id} │ active │ ${monthly.id} │ 2 `);

    const cancel = runInPty(['subscriptions', 'cancel', subscription.id], { env: emulatorEnv(emulator.current) });
    await cancel.answer(new RegExp(`Cancel subscription ${subscription.id} of Sam <sam@example\\.com> \\(\\$10\\.00 USD/month × 2\\) now\\?`), 'y\r');
    expect((await cancel.exit).exitCode).toBe(0);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');

    const product = await stripe.products.create({ name: 'Bronze' });
    const archive = runInPty(['products', 'archive', product.id], { env: emulatorEnv(emulator.current) });
    await archive.answer(/Archive product .* "Bronze"\?/, 'n\r');
    expect((await archive.exit).exitCode).toBe(2);
    expect((await stripe.products.retrieve(product.id)).active).toBe(true);

    const prompted = runInPty(['products', 'create', '--price', '9.00', '--currency', 'usd'], { env: emulatorEnv(emulator.current) });
    await prompted.answer(/Product name/, 'Prompted plan\r');
    expect((await prompted.exit).exitCode).toBe(0);
    expect(prompted.output()).toMatch(/│ name\s+│ Prompted plan/);
  });
});
