/**
 * Bulk data for benchmarks and demos, written straight into the store (no events, no webhooks):
 * 100,000 customers take well under a few seconds and only their set fields' memory.
 */
import type { Engine } from './engine.js';
import { newId } from './ids.js';

export interface SeedOptions {
  customers?: number;
  /** Each product gets one monthly recurring price, set as its default price. */
  products?: number;
}

export interface SeedResult {
  customers: number;
  products: number;
  prices: number;
}

export function seed(engine: Engine, options: SeedOptions, scope = engine.platformScope): SeedResult {
  const customers = Math.max(0, Math.floor(options.customers ?? 0));
  const products = Math.max(0, Math.floor(options.products ?? 0));
  const now = engine.unixNow();
  const { store } = engine;
  store.batch(() => {
    // Creation times count up to now, one second apart, so `created` filters have something to select.
    for (let index = 0; index < customers; index++) {
      store.insert(scope, 'customer', {
        id: newId('cus', 14),
        object: 'customer',
        created: now - (customers - index),
        email: `customer${index + 1}@example.com`,
        name: `Customer ${index + 1}`,
      });
    }
    for (let index = 0; index < products; index++) {
      const productId = newId('prod', 14);
      const priceId = newId('price');
      const created = now - (products - index);
      store.insert(scope, 'product', { id: productId, object: 'product', created, updated: created, name: `Product ${index + 1}`, default_price: priceId });
      store.insert(scope, 'price', {
        id: priceId,
        object: 'price',
        created,
        currency: 'usd',
        product: productId,
        recurring: { interval: 'month', interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed' },
        type: 'recurring',
        unit_amount: 1000 + index,
        unit_amount_decimal: String(1000 + index),
      });
    }
  });
  return { customers, products, prices: products };
}
