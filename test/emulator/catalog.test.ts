import { describe, it, expect } from 'vitest';
import type Stripe from 'stripe';
import { expectStripeError, stripeFor, withEmulator } from '../helpers/emulator.js';

const emulator = withEmulator();

describe('products and prices', () => {
  it('creates a product with a default price and expands it', async () => {
    const stripe = stripeFor(emulator.current);
    const product = await stripe.products.create({
      name: 'Gold plan', description: 'The good one', metadata: { tier: 'gold' },
      default_price_data: { currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' } }, expand: ['default_price'],
    });
    expect(product).toMatchObject({ object: 'product', name: 'Gold plan', active: true, description: 'The good one', metadata: { tier: 'gold' } });
    const price = product.default_price as Stripe.Price;
    expect(price).toMatchObject({ object: 'price', product: product.id, unit_amount: 1500, currency: 'usd', type: 'recurring', active: true });
    expect(price.recurring).toMatchObject({ interval: 'month', interval_count: 1, usage_type: 'licensed' });

    const oneTime = await stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 999, lookup_key: 'gold_eur', nickname: 'EUR' });
    expect(oneTime).toMatchObject({ type: 'one_time', recurring: null, lookup_key: 'gold_eur' });
    const switched = await stripe.products.update(product.id, { default_price: oneTime.id });
    expect(switched.default_price).toBe(oneTime.id);

    const byProduct = await stripe.prices.list({ product: product.id });
    expect(byProduct.data.map((item) => item.id)).toEqual([oneTime.id, price.id]);
    expect((await stripe.prices.list({ product: product.id, type: 'recurring' })).data.map((item) => item.id)).toEqual([price.id]);
    expect((await stripe.prices.list({ lookup_keys: ['gold_eur'] })).data.map((item) => item.id)).toEqual([oneTime.id]);
    const withProducts = await stripe.prices.list({ product: product.id, expand: ['data.product'] });
    expect((withProducts.data[0].product as Stripe.Product).name).toBe('Gold plan');

    const duplicate = await expectStripeError(stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 1, lookup_key: 'gold_eur' }));
    expect(duplicate.param).toBe('lookup_key');
  });

  it('refuses to delete a product with prices and archives it with active=false instead', async () => {
    const stripe = stripeFor(emulator.current);
    const product = await stripe.products.create({ name: 'Archivable' });
    await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100 });
    const refused = await expectStripeError(stripe.products.del(product.id));
    expect(refused.statusCode).toBe(400);
    expect(refused.message).toBe('This product cannot be deleted because it has one or more user-created prices.');
    const archived = await stripe.products.update(product.id, { active: false });
    expect(archived.active).toBe(false);
    const active = await stripe.products.list({ active: true, limit: 100 });
    expect(active.data.some((item) => item.id === product.id)).toBe(false);
    const inactive = await stripe.products.list({ active: false });
    expect(inactive.data.map((item) => item.id)).toContain(product.id);
  });

  it('deletes a product without prices and emits product events', async () => {
    const stripe = stripeFor(emulator.current);
    const product = await stripe.products.create({ name: 'Short-lived' });
    expect(await stripe.products.del(product.id)).toEqual({ id: product.id, object: 'product', deleted: true });
    const missing = await expectStripeError(stripe.products.retrieve(product.id));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const events = await stripe.events.list({ type: 'product.*', limit: 100 });
    const types = events.data.filter((event) => (event.data.object as Stripe.Product).id === product.id).map((event) => event.type);
    expect(types).toEqual(['product.deleted', 'product.created']);
  });

  it('searches products and prices', async () => {
    const stripe = stripeFor(emulator.current);
    const product = await stripe.products.create({ name: 'Searchable Widget', metadata: { line: 'widgets' } });
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 4200, recurring: { interval: 'year' } });
    expect((await stripe.products.search({ query: `name~'Widget' AND metadata['line']:'widgets'` })).data.map((item) => item.id)).toEqual([product.id]);
    expect((await stripe.products.search({ query: `active:'true' AND name:'Searchable Widget'` })).data).toHaveLength(1);
    expect((await stripe.prices.search({ query: `product:'${product.id}' AND type:'recurring'` })).data.map((item) => item.id)).toEqual([price.id]);
  });

  it('validates prices', async () => {
    const stripe = stripeFor(emulator.current);
    const product = await stripe.products.create({ name: 'Validated' });
    const noAmount = await expectStripeError(stripe.prices.create({ product: product.id, currency: 'usd' }));
    expect(noAmount).toMatchObject({ code: 'parameter_missing', param: 'unit_amount' });
    const noProduct = await expectStripeError(stripe.prices.create({ currency: 'usd', unit_amount: 5 }));
    expect(noProduct.param).toBe('product');
    const badInterval = await expectStripeError(stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 5, recurring: { interval: 'fortnight' as 'week' } }));
    expect(badInterval.statusCode).toBe(400);
    const missingProduct = await expectStripeError(stripe.prices.create({ product: 'prod_missing', currency: 'usd', unit_amount: 5 }));
    expect(missingProduct).toMatchObject({ statusCode: 404, param: 'product' });
  });
});
