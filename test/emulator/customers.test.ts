import { describe, it, expect } from 'vitest';
import { expectStripeError, stripeFor, withEmulator } from '../helpers/emulator.js';

const emulator = withEmulator();

describe('customers', () => {
  it('creates, retrieves, updates and deletes a customer with Stripe-shaped objects and events', async () => {
    const stripe = stripeFor(emulator.current);
    const created = await stripe.customers.create({ email: 'ada@example.com', name: 'Ada', metadata: { plan: 'gold' } });
    expect(created.id).toMatch(/^cus_/);
    expect(created).toMatchObject({ object: 'customer', email: 'ada@example.com', name: 'Ada', livemode: false, metadata: { plan: 'gold' }, balance: 0 });
    expect(created.invoice_settings.default_payment_method).toBeNull();
    expect(typeof created.created).toBe('number');

    const fetched = await stripe.customers.retrieve(created.id);
    expect(fetched).toEqual(created);

    const updated = await stripe.customers.update(created.id, { name: 'Ada Lovelace', metadata: { plan: '', tier: '2' } });
    expect(updated.name).toBe('Ada Lovelace');
    expect(updated.metadata).toEqual({ tier: '2' });

    const events = await stripe.events.list({ type: 'customer.updated', limit: 1 });
    expect(events.data[0].data.object).toMatchObject({ id: created.id, name: 'Ada Lovelace' });
    expect(events.data[0].data.previous_attributes).toEqual({ name: 'Ada', metadata: { plan: 'gold' } });

    const deleted = await stripe.customers.del(created.id);
    expect(deleted).toEqual({ id: created.id, object: 'customer', deleted: true });
    // Stripe still answers for a deleted customer, with the stub.
    expect(await stripe.customers.retrieve(created.id)).toEqual({ id: created.id, object: 'customer', deleted: true });
    const error = await expectStripeError(stripe.customers.update(created.id, { name: 'x' }));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');
    const listed = await stripe.customers.list({ email: 'ada@example.com' });
    expect(listed.data).toEqual([]);
  });

  it('refuses an invalid email with parameter details', async () => {
    const error = await expectStripeError(stripeFor(emulator.current).customers.create({ email: 'not-an-email' }));
    expect(error.type).toBe('StripeInvalidRequestError');
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('email_invalid');
    expect(error.param).toBe('email');
  });
});

describe('lists and pagination', () => {
  const fixed = new Date('2030-01-01T00:00:00Z');
  let clockSeconds = Math.floor(fixed.getTime() / 1000);
  const paged = withEmulator({ now: () => new Date(clockSeconds * 1000) });

  async function createTen(): Promise<string[]> {
    const stripe = stripeFor(paged.current);
    const ids: string[] = [];
    for (let index = 0; index < 10; index++) {
      clockSeconds += 10;
      ids.push((await stripe.customers.create({ name: `Customer ${index}` })).id);
    }
    return ids;
  }

  it('pages newest first with limit, starting_after, ending_before and created filters', async () => {
    const stripe = stripeFor(paged.current);
    const ids = await createTen();
    const newestFirst = [...ids].reverse();

    const first = await stripe.customers.list({ limit: 3 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/customers' });
    expect(first.data.map((customer) => customer.id)).toEqual(newestFirst.slice(0, 3));

    const second = await stripe.customers.list({ limit: 3, starting_after: first.data[2].id });
    expect(second.data.map((customer) => customer.id)).toEqual(newestFirst.slice(3, 6));

    const last = await stripe.customers.list({ limit: 5, starting_after: newestFirst[5] });
    expect(last.data.map((customer) => customer.id)).toEqual(newestFirst.slice(6));
    expect(last.has_more).toBe(false);

    const before = await stripe.customers.list({ limit: 2, ending_before: newestFirst[5] });
    expect(before.data.map((customer) => customer.id)).toEqual(newestFirst.slice(3, 5));
    expect(before.has_more).toBe(true);

    const all = await stripe.customers.list({ limit: 100 });
    expect(all.data).toHaveLength(10);
    expect(all.has_more).toBe(false);

    const createdTimes = all.data.map((customer) => customer.created).sort();
    const middle = createdTimes[5];
    const gte = await stripe.customers.list({ limit: 100, created: { gte: middle } });
    expect(gte.data).toHaveLength(5);
    const lt = await stripe.customers.list({ limit: 100, created: { lt: middle } });
    expect(lt.data).toHaveLength(5);
    const exact = await stripe.customers.list({ created: middle });
    expect(exact.data.map((customer) => customer.created)).toEqual([middle]);
    const window = await stripe.customers.list({ limit: 100, created: { gt: createdTimes[1], lte: createdTimes[4] } });
    expect(window.data).toHaveLength(3);
  });

  it('walks every page with autoPagingEach and autoPagingToArray', async () => {
    const stripe = stripeFor(paged.current);
    const seen: string[] = [];
    await stripe.customers.list({ limit: 4 }).autoPagingEach((customer) => {
      seen.push(customer.id);
    });
    expect(seen).toHaveLength(10);
    expect(new Set(seen).size).toBe(10);
    const array = await stripe.customers.list({ limit: 3 }).autoPagingToArray({ limit: 100 });
    expect(array.map((customer) => customer.id)).toEqual(seen);
  });

  it('rejects a bad limit and an unknown cursor as Stripe does', async () => {
    const stripe = stripeFor(paged.current);
    const tooBig = await expectStripeError(stripe.customers.list({ limit: 101 }));
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.param).toBe('limit');
    const zero = await expectStripeError(stripe.customers.list({ limit: 0 }));
    expect(zero.param).toBe('limit');
    const cursor = await expectStripeError(stripe.customers.list({ starting_after: 'cus_missing' }));
    expect(cursor.statusCode).toBe(404);
    expect(cursor.code).toBe('resource_missing');
    expect(cursor.param).toBe('starting_after');
  });
});

describe('customer search', () => {
  it('matches exact, substring, metadata, AND/OR, negation and created comparisons', async () => {
    const stripe = stripeFor(emulator.current);
    const tag = `s${Date.now()}`;
    const ana = await stripe.customers.create({ email: `ana.${tag}@example.com`, name: 'Ana Search', metadata: { segment: tag, tier: 'gold' } });
    const bob = await stripe.customers.create({ email: `bob.${tag}@example.com`, name: 'Bob Search', metadata: { segment: tag, tier: 'silver' } });
    const ids = async (query: string) => (await stripe.customers.search({ query, limit: 100 })).data.map((customer) => customer.id).sort();

    expect(await ids(`email:'ana.${tag}@example.com'`)).toEqual([ana.id]);
    expect(await ids(`email~'${tag}'`)).toEqual([ana.id, bob.id].sort());
    expect(await ids(`metadata['segment']:'${tag}' AND metadata['tier']:'gold'`)).toEqual([ana.id]);
    expect(await ids(`metadata['tier']:'gold' OR metadata['tier']:'silver'`)).toEqual(expect.arrayContaining([ana.id, bob.id]));
    expect(await ids(`metadata['segment']:'${tag}' AND -name:'Ana Search'`)).toEqual([bob.id]);
    expect(await ids(`metadata['segment']:'${tag}' AND created>=${ana.created}`)).toEqual([ana.id, bob.id].sort());
    expect(await ids(`metadata['segment']:'${tag}' AND created<${ana.created}`)).toEqual([]);

    const result = await stripe.customers.search({ query: `metadata['segment']:'${tag}'`, limit: 1 });
    expect(result).toMatchObject({ object: 'search_result', has_more: true, url: '/v1/customers/search' });
    expect(result.next_page).toEqual(expect.any(String));
    const next = await stripe.customers.search({ query: `metadata['segment']:'${tag}'`, limit: 1, page: result.next_page! });
    expect(next.has_more).toBe(false);
    expect([result.data[0].id, next.data[0].id].sort()).toEqual([ana.id, bob.id].sort());

    const all: string[] = [];
    await stripe.customers.search({ query: `metadata['segment']:'${tag}'`, limit: 1 }).autoPagingEach((customer) => {
      all.push(customer.id);
    });
    expect(all.sort()).toEqual([ana.id, bob.id].sort());
  });

  it('refuses mixed AND/OR, unknown fields and unquoted values', async () => {
    const stripe = stripeFor(emulator.current);
    for (const query of [`name:'a' AND email:'b' OR phone:'c'`, `favourite_colour:'blue'`, `name:bob`]) {
      const error = await expectStripeError(stripe.customers.search({ query }));
      expect(error.statusCode).toBe(400);
      expect(error.param).toBe('query');
    }
  });
});
