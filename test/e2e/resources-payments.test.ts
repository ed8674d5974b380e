/**
 * payments, end to end: create/confirm/capture/cancel/refund/refunds list through the built binary,
 * safe retries (the same --idempotency-key never charges twice, also through injected 500s and
 * dropped connections), Stripe's card errors, and the refund confirmation in a terminal.
 */
import { describe, it, expect } from 'vitest';
import type Stripe from 'stripe';
import { runInPty } from '../helpers/pty.js';
import { stripeFor, withEmulator } from '../helpers/emulator.js';
import { cli, cliJson, emulatorEnv, parseTsv } from '../resources/e2e-helpers.js';

const emulator = withEmulator();

async function payingCustomer(): Promise<Stripe.Customer> {
  return stripeFor(emulator.current).customers.create({ email: 'jane@example.com', name: 'Jane', payment_method: 'pm_card_visa' });
}

describe('payments without a TTY', () => {
  it('creates and confirms a payment, shows it in TSV and JSON, and lists it by customer and status', async () => {
    const customer = await payingCustomer();
    const created = await cli(emulator.current, ['payments', 'create', '--amount', '20.00', '--currency', 'usd', '--customer', customer.id, '--description', 'Order 8812']);
    expect(created.code).toBe(0);
    const [row] = parseTsv(created.stdout);
    expect(row).toMatchObject({ amount: '$20.00 USD', status: 'requires_payment_method', customer: customer.id, description: 'Order 8812' });
    expect(created.stderr).toContain(`Next: atom-stripe payments confirm ${row.id} --payment-method pm_...`);

    const confirmed = await cliJson<Stripe.PaymentIntent>(emulator.current, ['payments', 'confirm', row.id, '--payment-method', 'pm_card_visa']);
    expect(confirmed).toMatchObject({ id: row.id, status: 'succeeded', amount_received: 2000 });

    const got = await cliJson<Stripe.PaymentIntent>(emulator.current, ['payments', 'get', row.id, '--expand', 'customer']);
    expect((got.customer as Stripe.Customer).email).toBe('jane@example.com');

    const listed = await cli(emulator.current, ['payments', 'list', '--customer', customer.id, '--status', 'succeeded']);
    expect(parseTsv(listed.stdout)).toEqual([{ id: row.id, amount: '$20.00 USD', status: 'succeeded', customer: customer.id, created: row.created }]);
    const jpy = await cliJson<Stripe.PaymentIntent>(emulator.current, ['payments', 'create', '--amount', '1500', '--currency', 'jpy']);
    expect(jpy).toMatchObject({ amount: 1500, currency: 'jpy' });
  });

  it('authorises, captures part, and cancels another', async () => {
    const authorised = await cliJson<Stripe.PaymentIntent>(emulator.current, [
      'payments', 'create', '--amount', '30.00', '--currency', 'eur', '--payment-method', 'pm_card_visa', '--confirm', '--capture-method', 'manual',
    ]);
    expect(authorised.status).toBe('requires_capture');
    const overCapture = await cli(emulator.current, ['payments', 'capture', authorised.id, '--amount', '31.00']);
    expect(overCapture.code).toBe(2);
    expect(overCapture.stderr).toContain('--amount €31.00 EUR is more than the €30.00 EUR capturable');
    const captured = await cliJson<Stripe.PaymentIntent>(emulator.current, ['payments', 'capture', authorised.id, '--amount', '25.00']);
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 2500 });

    const open = await stripeFor(emulator.current).paymentIntents.create({ amount: 900, currency: 'usd' });
    const canceled = await cli(emulator.current, ['payments', 'cancel', open.id, '--reason', 'abandoned', '--yes']);
    expect(canceled.code).toBe(0);
    expect(parseTsv(canceled.stdout)[0]).toMatchObject({ id: open.id, status: 'canceled' });
  });

  it('refunds partly then fully, refuses more than is left, and lists refunds', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await payingCustomer();
    const payment = await stripe.paymentIntents.create({
      amount: 2000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const partial = await cli(emulator.current, ['payments', 'refund', payment.id, '--amount', '5.00', '--reason', 'requested_by_customer', '--yes']);
    expect(partial.code).toBe(0);
    expect(parseTsv(partial.stdout)[0]).toMatchObject({ payment: payment.id, amount: '$5.00 USD', status: 'succeeded' });
    const tooMuch = await cli(emulator.current, ['payments', 'refund', payment.id, '--amount', '15.01', '--yes']);
    expect(tooMuch.code).toBe(2);
    expect(tooMuch.stderr).toContain(`--amount $15.01 USD is more than the $15.00 USD left to refund on ${payment.id}`);
    const rest = await cliJson<Stripe.Refund>(emulator.current, ['payments', 'refund', payment.id, '--yes']);
    expect(rest.amount).toBe(1500);
    const refunds = await cli(emulator.current, ['payments', 'refunds', 'list', '--payment', payment.id]);
    expect(parseTsv(refunds.stdout).map((row) => row.amount)).toEqual(['$15.00 USD', '$5.00 USD']);
  });

  it('shows Stripe\'s card error with its code and request id, exit 1', async () => {
    const result = await cli(emulator.current, ['payments', 'create', '--amount', '20.00', '--currency', 'usd', '--payment-method', 'pm_card_chargeDeclined', '--confirm']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Stripe: Your card was declined\. \(type=card_error, code=card_declined, decline_code=generic_decline, request=req_\w+\)\n$/);
  });
});

describe('safe retries', () => {
  it('the same --idempotency-key twice creates one payment and --verbose shows the key', async () => {
    const args = ['payments', 'create', '--amount', '20.00', '--currency', 'usd', '--metadata', 'order=idem-1', '--idempotency-key', 'order-idem-1', '--json', '--verbose'];
    const first = await cli(emulator.current, args);
    const second = await cli(emulator.current, args);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).id).toBe(JSON.parse(first.stdout).id);
    expect(first.stderr).toMatch(/POST \/v1\/payment_intents 200 req_\w+ idempotency-key=order-idem-1 /);
    expect(emulator.current.control.idempotencyStats('order-idem-1')).toMatchObject({ executions: 1, replays: 1 });
    const found = await stripeFor(emulator.current).paymentIntents.search({ query: "metadata['order']:'idem-1'" });
    expect(found.data).toHaveLength(1);
  });

  it('charges once through injected 500s and a dropped connection, retried by the client', async () => {
    emulator.current.control.injectFaults([
      { status: 500, count: 2, path: '/v1/payment_intents', method: 'POST' },
      { drop: true, count: 1, path: '/v1/payment_intents', method: 'POST' },
    ]);
    const args = ['payments', 'create', '--amount', '20.00', '--currency', 'usd', '--payment-method', 'pm_card_visa', '--confirm', '--metadata', 'order=faulty-1', '--idempotency-key', 'faulty-1', '--json'];
    const result = await cli(emulator.current, args, { ATOM_STRIPE_MAX_RETRIES: '3' });
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'succeeded', amount_received: 2000 });
    expect(emulator.current.control.idempotencyStats('faulty-1')).toMatchObject({ requests: 4, executions: 1 });
    expect(emulator.current.control.pendingFaults()).toEqual([]);
    // Re-running the whole command after a failure is safe too: the key replays the payment.
    const rerun = await cli(emulator.current, args);
    expect(JSON.parse(rerun.stdout).id).toBe(JSON.parse(result.stdout).id);
    // The same key with different parameters is Stripe's idempotency error, not a second payment.
    const changed = await cli(emulator.current, args.map((arg) => (arg === '20.00' ? '21.00' : arg)));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/idempotency/i);
    expect((await stripeFor(emulator.current).paymentIntents.search({ query: "metadata['order']:'faulty-1'" })).data).toHaveLength(1);
  });

  it('the same key twice refunds once, even through a 500', async () => {
    const stripe = stripeFor(emulator.current);
    const payment = await stripe.paymentIntents.create({
      amount: 5000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    emulator.current.control.injectFaults([{ status: 500, count: 1, path: '/v1/refunds', method: 'POST' }]);
    const args = ['payments', 'refund', payment.id, '--amount', '10.00', '--yes', '--idempotency-key', 'refund-once', '--json'];
    const first = await cli(emulator.current, args);
    const second = await cli(emulator.current, args);
    expect(JSON.parse(second.stdout).id).toBe(JSON.parse(first.stdout).id);
    expect((await stripe.refunds.list({ payment_intent: payment.id })).data).toHaveLength(1);
    expect(emulator.current.control.idempotencyStats('refund-once')).toMatchObject({ executions: 1, replays: 1 });
  });
});

describe('payments in a terminal', () => {
  it('asks before refunding, naming the amount and the customer, and prints a table', async () => {
    const stripe = stripeFor(emulator.current);
    const customer = await stripe.customers.create({ email: 'jane@x.com', name: 'Jane' });
    const payment = await stripe.paymentIntents.create({
      amount: 2000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const declined = runInPty(['payments', 'refund', payment.id], { env: emulatorEnv(emulator.current) });
    await declined.answer(new RegExp(`Refund \\$20\\.00 USD of ${payment.id} to Jane <jane@x\\.com>\\?`), 'n\r');
    expect((await declined.exit).exitCode).toBe(2);
    expect((await stripe.refunds.list({ payment_intent: payment.id })).data).toHaveLength(0);

    const accepted = runInPty(['payments', 'refund', payment.id, '--amount', '2.50'], { env: emulatorEnv(emulator.current) });
    await accepted.answer(new RegExp(`Refund \\$2\\.50 USD of ${payment.id} to Jane`), 'y\r');
    expect((await accepted.exit).exitCode).toBe(0);
    expect(accepted.output()).toMatch(/│ amount\s+│ \$2\.50 USD/);

    const list = runInPty(['payments', 'list', '--customer', customer.id], { env: emulatorEnv(emulator.current) });
    expect((await list.exit).exitCode).toBe(0);
    expect(list.output()).toMatch(/│ id\s+│ amount\s+│ status\s+│ customer\s+│ created\s+│/);
    expect(list.output()).toContain(`│ ${payment.id} │ $20.00 USD │ succeeded │ ${customer.id}`);
  });

  it('asks for the currency and amount when they are missing', async () => {
    const session = runInPty(['payments', 'create', '--metadata', 'order=prompted'], { env: emulatorEnv(emulator.current) });
    await session.answer(/Currency/, 'gbp\r');
    await session.answer(/Amount in GBP/, '0.10\r');
    await session.waitFor(/below Stripe's minimum charge of £0\.30 GBP/);
    session.write('\x7f\x7f\x7f\x7f12.50\r');
    expect((await session.exit).exitCode).toBe(0);
    const found = await stripeFor(emulator.current).paymentIntents.search({ query: "metadata['order']:'prompted'" });
    expect(found.data.map((payment) => [payment.amount, payment.currency])).toEqual([[1250, 'gbp']]);
  });
});
