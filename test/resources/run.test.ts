/**
 * The verbs' run() in-process against the in-process emulator, with buffered IO: exact stdout for
 * a TTY table, piped TSV and --json, pagination caps, and the no-TTY rules (missing fields, --yes).
 */
import { describe, it, expect } from 'vitest';
import type Stripe from 'stripe';
import { run as listCustomers } from '../../src/commands/customers/list.js';
import { run as createCustomer } from '../../src/commands/customers/create.js';
import { run as deleteCustomer } from '../../src/commands/customers/delete.js';
import { run as createPayment } from '../../src/commands/payments/create.js';
import { run as listPayments } from '../../src/commands/payments/list.js';
import { run as createPrice } from '../../src/commands/prices/create.js';
import type { GlobalOptions } from '../../src/context.js';
import { parsePageOptions } from '../../src/resources/list.js';
import { isolatedEnv } from '../helpers/cli.js';
import { testContext } from '../helpers/context.js';
import { stripeFor, withEmulator } from '../helpers/emulator.js';

const SEEDED = 250;
const emulator = withEmulator({ seed: { customers: SEEDED }, now: () => new Date('2026-11-26T12:00:00Z') });

function context(options: { tty?: boolean; globals?: GlobalOptions } = {}) {
  const env = isolatedEnv({ STRIPE_API_BASE: emulator.current.url, STRIPE_API_KEY: emulator.current.secretKey });
  return testContext({ tty: options.tty, env, globals: options.globals });
}

async function newestCustomers(count: number): Promise<Stripe.Customer[]> {
  const stripe = stripeFor(emulator.current);
  return stripe.customers.list({ limit: count }).autoPagingToArray({ limit: count });
}

const iso = (unix: number) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');

describe('customers list', () => {
  it('prints TSV with one header line and ISO times when piped, and says how to get more', async () => {
    const { ctx, io } = context();
    await listCustomers({ page: parsePageOptions({ limit: '3' }) }, ctx);
    const expected = (await newestCustomers(3)).map((c) => [c.id, c.email, c.name, iso(c.created)].join('\t'));
    expect(io.stdoutText()).toBe(['id\temail\tname\tcreated', ...expected, ''].join('\n'));
    expect(io.stderrText()).toContain(`--starting-after ${(await newestCustomers(3))[2].id}`);
  });

  it('prints a table on a TTY with a row count on stderr', async () => {
    const { ctx, io } = context({ tty: true });
    await listCustomers({ page: parsePageOptions({ limit: '2' }) }, ctx);
    const [first, second] = await newestCustomers(2);
    const lines = io.stdoutText().trimEnd().split('\n');
    expect(lines[1]).toMatch(/│ id\s+│ email\s+│ name\s+│ created\s+│/);
    const rows = lines.filter((line) => line.startsWith('│ cus_'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain(`│ ${first.id} │ ${first.email} │ ${first.name}`);
    expect(rows[1]).toContain(`│ ${second.id} │ ${second.email} │ ${second.name}`);
    expect(io.stderrText()).toContain('2 customers');
  });

  it('prints Stripe\'s objects unchanged with --json', async () => {
    const { ctx, io } = context({ globals: { json: true } });
    ctx.output.format = 'json';
    await listCustomers({ page: parsePageOptions({ limit: '2' }) }, ctx);
    expect(JSON.parse(io.stdoutText())).toEqual(await newestCustomers(2));
  });

  it('--all streams every page; --limit caps the total across pages', async () => {
    const all = context();
    all.ctx.output.format = 'jsonl';
    emulator.current.control.resetRequests();
    await listCustomers({ page: parsePageOptions({ all: true }) }, all.ctx);
    const ids = all.io.stdoutText().trimEnd().split('\n').map((line) => JSON.parse(line).id);
    expect(ids.length).toBeGreaterThanOrEqual(SEEDED);
    expect(new Set(ids).size).toBe(ids.length);
    // 100 per page: three requests for 250 objects.
    expect(emulator.current.control.requestCount('GET', '/v1/customers')).toBe(Math.ceil(ids.length / 100));

    const capped = context();
    capped.ctx.output.format = 'jsonl';
    emulator.current.control.resetRequests();
    await listCustomers({ page: parsePageOptions({ all: true, limit: '150' }) }, capped.ctx);
    expect(capped.io.stdoutText().trimEnd().split('\n')).toHaveLength(150);
    expect(emulator.current.control.requestCount('GET', '/v1/customers')).toBe(2);
  });

  it('filters by created range as a half-open interval', async () => {
    const [newest, second] = await newestCustomers(2);
    const { ctx, io } = context();
    ctx.output.format = 'jsonl';
    await listCustomers({ page: parsePageOptions({ createdAfter: String(second.created), createdBefore: String(newest.created), all: true }) }, ctx);
    const ids = io.stdoutText().trimEnd().split('\n').map((line) => JSON.parse(line).id);
    expect(ids).toContain(second.id);
    expect(ids).not.toContain(newest.id);
  });
});

describe('without a TTY', () => {
  it('lists every missing flag in one usage error and sends nothing', async () => {
    const { ctx } = context();
    emulator.current.control.resetRequests();
    await expect(createPayment({ confirm: false }, ctx)).rejects.toMatchObject({ exitCode: 2, message: 'missing --currency, --amount' });
    await expect(createPrice({}, ctx)).rejects.toMatchObject({ exitCode: 2, message: 'missing --product, --currency, --amount' });
    await expect(createCustomer({}, ctx)).rejects.toMatchObject({ exitCode: 2, message: 'missing --email or --name' });
    expect(emulator.current.control.requests().total).toBe(0);
  });

  it('refuses a destructive verb without --yes before reading anything, and deletes with it', async () => {
    const customer = await stripeFor(emulator.current).customers.create({ email: 'gone@example.com' });
    emulator.current.control.resetRequests();
    const refused = context();
    await expect(deleteCustomer({ id: customer.id }, refused.ctx)).rejects.toMatchObject({
      exitCode: 2,
      message: `refusing to delete customer ${customer.id} without confirmation`,
      hint: 'pass --yes',
    });
    expect(emulator.current.control.requests().total).toBe(0);

    const confirmed = context({ globals: { yes: true } });
    confirmed.ctx.output.format = 'json';
    await deleteCustomer({ id: customer.id }, confirmed.ctx);
    expect(JSON.parse(confirmed.io.stdoutText())).toEqual({ id: customer.id, object: 'customer', deleted: true });
  });
});

describe('payments list --status', () => {
  it('filters client-side across pages and stops at the cap', async () => {
    const stripe = stripeFor(emulator.current);
    const succeeded = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } });
    for (let i = 0; i < 3; i++) await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const { ctx, io } = context();
    ctx.output.format = 'jsonl';
    await listPayments({ status: 'succeeded', page: parsePageOptions({ limit: '1' }) }, ctx);
    expect(io.stdoutText().trimEnd().split('\n').map((line) => JSON.parse(line).id)).toEqual([succeeded.id]);
  });
});
