import { describe, it, expect } from 'vitest';
import type Stripe from 'stripe';
import { expectStripeError, stripeFor, withEmulator } from '../helpers/emulator.js';

const emulator = withEmulator();

describe('payment intents', () => {
  it('succeeds with pm_card_visa, creating the charge and latest_charge', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ email: 'pay@example.com' });
    const intent = await stripe.paymentIntents.create({
      amount: 2000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true, metadata: { order: '42' },
      expand: ['latest_charge', 'customer'],
    });
    expect(intent).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount: 2000, amount_received: 2000, currency: 'usd', metadata: { order: '42' } });
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));
    const charge = intent.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ object: 'charge', amount: 2000, amount_captured: 2000, captured: true, paid: true, status: 'succeeded', payment_intent: intent.id });
    expect(charge.payment_method_details?.card?.last4).toBe('4242');
    expect((intent.customer as Stripe.Customer).email).toBe('pay@example.com');
    const paymentMethod = await stripe.paymentMethods.retrieve(intent.payment_method as string);
    expect(paymentMethod.card?.brand).toBe('visa');

    const charges = await stripe.charges.list({ payment_intent: intent.id });
    expect(charges.data.map((item) => item.id)).toEqual([charge.id]);
    const events = await stripe.events.list({ types: ['payment_intent.succeeded', 'charge.succeeded'], limit: 10 });
    expect(events.data.map((event) => event.type)).toEqual(expect.arrayContaining(['payment_intent.succeeded', 'charge.succeeded']));
  });

  it('walks create → confirm with pm_card_mastercard', async () => {
    const stripe = stripeFor(emulator.current);
    const intent = await stripe.paymentIntents.create({ amount: 1500, currency: 'eur' });
    expect(intent.status).toBe('requires_payment_method');
    const updated = await stripe.paymentIntents.update(intent.id, { payment_method: 'pm_card_mastercard', description: 'two steps' });
    expect(updated.status).toBe('requires_confirmation');
    const confirmed = await stripe.paymentIntents.confirm(intent.id);
    expect(confirmed.status).toBe('succeeded');
    const charge = await stripe.charges.retrieve(confirmed.latest_charge as string);
    expect(charge.payment_method_details?.card?.brand).toBe('mastercard');
  });

  it('leaves a declined card in requires_payment_method with last_payment_error and a 402', async () => {
    const stripe = stripeFor(emulator.current);
    const intent = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd' });
    const error = await expectStripeError(stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_chargeDeclined' }));
    expect(error.type).toBe('StripeCardError');
    expect(error.statusCode).toBe(402);
    expect(error.code).toBe('card_declined');
    expect(error.decline_code).toBe('generic_decline');
    expect(error.payment_intent?.id).toBe(intent.id);
    const after = await stripe.paymentIntents.retrieve(intent.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error).toMatchObject({ type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' });
    const failedEvents = await stripe.events.list({ type: 'payment_intent.payment_failed' });
    expect(failedEvents.data.some((event) => (event.data.object as Stripe.PaymentIntent).id === intent.id)).toBe(true);
    const failedCharge = await stripe.charges.retrieve(after.latest_charge as string);
    expect(failedCharge.status).toBe('failed');
  });

  it('asks for authentication with pm_card_authenticationRequired', async () => {
    const stripe = stripeFor(emulator.current);
    const intent = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true });
    expect(intent.status).toBe('requires_action');
    expect(intent.next_action?.type).toBe('use_stripe_sdk');
    const canceled = await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    const again = await expectStripeError(stripe.paymentIntents.cancel(intent.id));
    expect(again.code).toBe('payment_intent_unexpected_state');
  });

  it('authorizes with capture_method=manual and captures part of it', async () => {
    const stripe = stripeFor(emulator.current);
    const intent = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true });
    expect(intent).toMatchObject({ status: 'requires_capture', amount_capturable: 3000, amount_received: 0 });
    const tooMuch = await expectStripeError(stripe.paymentIntents.capture(intent.id, { amount_to_capture: 4000 }));
    expect(tooMuch.param).toBe('amount_to_capture');
    const captured = await stripe.paymentIntents.capture(intent.id, { amount_to_capture: 2500 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 2500, amount_capturable: 0 });
    const charge = await stripe.charges.retrieve(captured.latest_charge as string);
    expect(charge).toMatchObject({ captured: true, amount_captured: 2500 });
  });

  it('enforces per-currency minimums and supported currencies', async () => {
    const stripe = stripeFor(emulator.current);
    const usd = await expectStripeError(stripe.paymentIntents.create({ amount: 49, currency: 'usd' }));
    expect(usd).toMatchObject({ statusCode: 400, code: 'amount_too_small', param: 'amount' });
    expect(usd.message).toBe('Amount must be at least 0.50 usd');
    const gbp = await stripe.paymentIntents.create({ amount: 30, currency: 'gbp' });
    expect(gbp.amount).toBe(30);
    const jpy = await expectStripeError(stripe.paymentIntents.create({ amount: 49, currency: 'jpy' }));
    expect(jpy.message).toBe('Amount must be at least 50 jpy');
    const huf = await expectStripeError(stripe.paymentIntents.create({ amount: 17499, currency: 'huf' }));
    expect(huf.code).toBe('amount_too_small');
    const currency = await expectStripeError(stripe.paymentIntents.create({ amount: 1000, currency: 'xyz' }));
    expect(currency.param).toBe('currency');
    const missing = await expectStripeError(stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams));
    expect(missing).toMatchObject({ code: 'parameter_missing', param: 'amount' });
  });

  it('lists by customer and searches by amount, status and metadata', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ name: 'Searcher' });
    const small = await stripe.paymentIntents.create({ amount: 777, currency: 'usd', customer: customer.id, metadata: { batch: 'b7' } });
    const large = await stripe.paymentIntents.create({ amount: 77700, currency: 'usd', customer: customer.id, metadata: { batch: 'b7' }, payment_method: 'pm_card_visa', confirm: true });
    const listed = await stripe.paymentIntents.list({ customer: customer.id });
    expect(listed.data.map((intent) => intent.id)).toEqual([large.id, small.id]);
    const ids = async (query: string) => (await stripe.paymentIntents.search({ query })).data.map((intent) => intent.id);
    expect(await ids(`metadata['batch']:'b7' AND amount>1000`)).toEqual([large.id]);
    expect(await ids(`metadata['batch']:'b7' AND amount<=777`)).toEqual([small.id]);
    expect(await ids(`metadata['batch']:'b7' AND status:'succeeded'`)).toEqual([large.id]);
    expect(await ids(`customer:'${customer.id}' AND -status:'succeeded'`)).toEqual([small.id]);
  });
});

describe('refunds', () => {
  it('refunds partially then fully, never more than is refundable', async () => {
    const stripe = stripeFor(emulator.current);
    const intent = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const partial = await stripe.refunds.create({ payment_intent: intent.id, amount: 2000, reason: 'requested_by_customer' });
    expect(partial).toMatchObject({ object: 'refund', amount: 2000, status: 'succeeded', payment_intent: intent.id, charge: intent.latest_charge, reason: 'requested_by_customer' });
    const tooMuch = await expectStripeError(stripe.refunds.create({ charge: intent.latest_charge as string, amount: 3001 }));
    expect(tooMuch).toMatchObject({ statusCode: 400, code: 'amount_too_large', param: 'amount' });
    const rest = await stripe.refunds.create({ charge: intent.latest_charge as string });
    expect(rest.amount).toBe(3000);
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 5000, refunded: true });
    const again = await expectStripeError(stripe.refunds.create({ payment_intent: intent.id }));
    expect(again.code).toBe('charge_already_refunded');
    const refunds = await stripe.refunds.list({ payment_intent: intent.id });
    expect(refunds.data.map((refund) => refund.id)).toEqual([rest.id, partial.id]);
    expect((await stripe.refunds.retrieve(partial.id)).amount).toBe(2000);
  });

  it('refuses to refund a payment that has not succeeded', async () => {
    const stripe = stripeFor(emulator.current);
    const intent = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd' });
    const error = await expectStripeError(stripe.refunds.create({ payment_intent: intent.id }));
    expect(error.code).toBe('charge_not_refundable');
  });
});

describe('balance and account', () => {
  it('reports captured money less refunds, per currency', async () => {
    const stripe = stripeFor(emulator.current);
    const before = await stripe.balance.retrieve();
    const amountOf = (balance: Stripe.Balance, currency: string) => balance.available.find((entry) => entry.currency === currency)?.amount ?? 0;
    const intent = await stripe.paymentIntents.create({ amount: 1234, currency: 'sek', payment_method: 'pm_card_visa', confirm: true });
    await stripe.refunds.create({ payment_intent: intent.id, amount: 234 });
    const after = await stripe.balance.retrieve();
    expect(after.object).toBe('balance');
    expect(amountOf(after, 'sek') - amountOf(before, 'sek')).toBe(1000);
  });

  it("answers GET /v1/account for the key's account", async () => {
    const account = await stripeFor(emulator.current).accounts.retrieveCurrent();
    expect(account).toMatchObject({ id: emulator.current.platformAccountId, object: 'account', email: 'platform@example.com', charges_enabled: true });
    expect(account.business_profile?.name).toBe('Emulator Platform');
  });
});
