import { describe, it, expect } from 'vitest';
import type Stripe from 'stripe';
import { expectStripeError, stripeFor, withEmulator } from '../helpers/emulator.js';

const start = new Date('2031-01-31T12:00:00Z');
const emulator = withEmulator({ now: () => start });
const DAY = 86_400;

async function monthlyPrice(stripe: Stripe, amount = 1000): Promise<Stripe.Price> {
  return stripe.prices.create({ currency: 'usd', unit_amount: amount, recurring: { interval: 'month' }, product_data: { name: `Plan ${amount}` } });
}

function invoiceSubscription(invoice: Stripe.Invoice): string | undefined {
  const subscription = invoice.parent?.subscription_details?.subscription;
  return typeof subscription === 'string' ? subscription : subscription?.id;
}

describe('subscriptions', () => {
  it('creates a subscription that issues and pays its first invoice', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ email: 'sub@example.com', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const price = await monthlyPrice(stripe, 1200);
    const subscription = await stripe.subscriptions.create({
      customer: customer.id, items: [{ price: price.id, quantity: 2 }], metadata: { source: 'test' }, expand: ['latest_invoice'],
    });
    expect(subscription).toMatchObject({ object: 'subscription', status: 'active', customer: customer.id, currency: 'usd', cancel_at_period_end: false, metadata: { source: 'test' } });
    const item = subscription.items.data[0];
    expect(item).toMatchObject({ object: 'subscription_item', quantity: 2, price: { id: price.id } });
    expect(item.current_period_end - item.current_period_start).toBe(28 * DAY);
    const invoice = subscription.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ object: 'invoice', status: 'paid', amount_due: 2400, amount_paid: 2400, billing_reason: 'subscription_create', customer: customer.id });
    expect(invoiceSubscription(invoice)).toBe(subscription.id);
    expect(invoice.lines.data[0]).toMatchObject({ amount: 2400, quantity: 2 });

    const invoices = await stripe.invoices.list({ customer: customer.id });
    expect(invoices.data.map((entry) => entry.id)).toEqual([invoice.id]);
    expect((await stripe.invoices.retrieve(invoice.id)).status).toBe('paid');
    const succeeded = await stripe.events.list({ type: 'invoice.payment_succeeded' });
    expect(succeeded.data.some((event) => (event.data.object as Stripe.Invoice).id === invoice.id)).toBe(true);
    const created = await stripe.events.list({ type: 'customer.subscription.created' });
    expect(created.data.some((event) => (event.data.object as Stripe.Subscription).id === subscription.id)).toBe(true);
  });

  it('starts a trial with a zero invoice and bills when the trial ends', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'Trial', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const price = await monthlyPrice(stripe, 900);
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14, expand: ['latest_invoice'] });
    expect(subscription.status).toBe('trialing');
    expect(subscription.trial_end! - subscription.trial_start!).toBe(14 * DAY);
    expect((subscription.latest_invoice as Stripe.Invoice)).toMatchObject({ amount_due: 0, status: 'paid' });

    emulator.current.control.advanceClock(15 * DAY);
    const after = await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice'] });
    expect(after.status).toBe('active');
    expect(after.latest_invoice as Stripe.Invoice).toMatchObject({ amount_paid: 900, billing_reason: 'subscription_cycle', status: 'paid' });
  });

  it('swaps the price, changes quantity, and cancels at period end on renewal', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'Swapper', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const basic = await monthlyPrice(stripe, 500);
    const pro = await monthlyPrice(stripe, 2500);
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    const itemId = subscription.items.data[0].id;
    const swapped = await stripe.subscriptions.update(subscription.id, { items: [{ id: itemId, price: pro.id, quantity: 3 }] });
    expect(swapped.items.data).toHaveLength(1);
    expect(swapped.items.data[0]).toMatchObject({ id: itemId, quantity: 3, price: { id: pro.id } });
    const updatedEvents = await stripe.events.list({ type: 'customer.subscription.updated', limit: 100 });
    const swapEvent = updatedEvents.data.find((event) => (event.data.object as Stripe.Subscription).id === subscription.id && event.data.previous_attributes && 'items' in event.data.previous_attributes);
    expect(swapEvent).toBeDefined();

    expect((await stripe.subscriptions.list({ price: pro.id })).data.map((entry) => entry.id)).toEqual([subscription.id]);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'active' })).data).toHaveLength(1);

    const pending = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    expect(pending).toMatchObject({ cancel_at_period_end: true, status: 'active' });
    expect(pending.cancel_at).toBe(pending.items.data[0].current_period_end);

    emulator.current.control.advanceClock(40 * DAY);
    const ended = await stripe.subscriptions.retrieve(subscription.id);
    expect(ended.status).toBe('canceled');
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'canceled' })).data).toHaveLength(1);
    const deletedEvents = await stripe.events.list({ type: 'customer.subscription.deleted', limit: 100 });
    expect(deletedEvents.data.some((event) => (event.data.object as Stripe.Subscription).id === subscription.id)).toBe(true);
  });

  it('without a payment method: incomplete, its first invoice open and unpaid, nothing charged', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'No card' });
    const price = await monthlyPrice(stripe, 700);
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], expand: ['latest_invoice'] });
    expect(subscription.status).toBe('incomplete');
    expect(subscription.latest_invoice).toMatchObject({ status: 'open', amount_paid: 0, amount_remaining: 700, attempted: false });
    expect((await stripe.charges.list({ customer: customer.id })).data).toHaveLength(0);
  });

  it('renews monthly with an invoice per period', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'Renewer', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const price = await monthlyPrice(stripe, 700);
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const periodEnd = subscription.items.data[0].current_period_end;
    const { renewed } = emulator.current.control.advanceClock(periodEnd - Math.floor(emulator.current.control.now().getTime() / 1000) + 1);
    expect(renewed).toBeGreaterThanOrEqual(1);
    const invoices = await stripe.invoices.list({ subscription: subscription.id });
    expect(invoices.data.map((invoice) => invoice.billing_reason)).toEqual(['subscription_cycle', 'subscription_create']);
    const renewedSubscription = await stripe.subscriptions.retrieve(subscription.id);
    expect(renewedSubscription.items.data[0].current_period_start).toBe(periodEnd);
  });

  it('cancels immediately, and searches by status and metadata', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'Canceler', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const price = await monthlyPrice(stripe, 300);
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], metadata: { cohort: 'c9' } });
    expect((await stripe.subscriptions.search({ query: `metadata['cohort']:'c9' AND status:'active'` })).data.map((entry) => entry.id)).toEqual([subscription.id]);
    const canceled = await stripe.subscriptions.cancel(subscription.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.canceled_at).toEqual(expect.any(Number));
    expect((await stripe.subscriptions.search({ query: `metadata['cohort']:'c9' AND status:'canceled'` })).data).toHaveLength(1);
    const again = await expectStripeError(stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true }));
    expect(again.statusCode).toBe(400);
  });

  it('marks the first invoice failed and the subscription incomplete for a declining card', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'Decliner' });
    const price = await monthlyPrice(stripe, 800);
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: 'pm_card_chargeDeclined', expand: ['latest_invoice'] });
    expect(subscription.status).toBe('incomplete');
    expect(subscription.latest_invoice as Stripe.Invoice).toMatchObject({ status: 'open', amount_paid: 0, attempted: true });
    const failed = await stripe.events.list({ type: 'invoice.payment_failed' });
    expect(failed.data.some((event) => (event.data.object as Stripe.Invoice).id === (subscription.latest_invoice as Stripe.Invoice).id)).toBe(true);
  });

  it('refuses one-time prices and missing items', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'Refused' });
    const oneTime = await stripe.prices.create({ currency: 'usd', unit_amount: 100, product_data: { name: 'One-off' } });
    const error = await expectStripeError(stripe.subscriptions.create({ customer: customer.id, items: [{ price: oneTime.id }] }));
    expect(error).toMatchObject({ statusCode: 400, param: 'items[0][price]' });
    const noItems = await expectStripeError(stripe.subscriptions.create({ customer: customer.id } as Stripe.SubscriptionCreateParams));
    expect(noItems).toMatchObject({ code: 'parameter_missing', param: 'items' });
  });

  it('cancels subscriptions when their customer is deleted', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'Leaving' });
    const price = await monthlyPrice(stripe, 100);
    const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    await stripe.customers.del(customer.id);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');
  });
});
