import type { ApiContext } from '../engine.js';
import { invalidParam, invalidRequest, missingParam } from '../errors.js';
import { mergeMetadata, nullableString, optionalBoolean, optionalEnum, optionalInteger, optionalObject, optionalString, stringArray, type Params } from '../params.js';
import type { Router } from '../router.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';
import { create, defined, load, registerList, registerRetrieve, registerSearch, update, type ResourceInfo } from './crud.js';
import { readCurrency } from './paymentIntents.js';
import { loadProduct, PRODUCT, type ProductRecord } from './products.js';

export const PRICE: ResourceInfo = { type: 'price', prefix: 'price', collection: 'prices' };

export type Interval = 'day' | 'week' | 'month' | 'year';

export interface Recurring {
  interval: Interval;
  interval_count: number;
  meter: null;
  trial_period_days: null;
  usage_type: 'licensed' | 'metered';
}

export interface PriceRecord extends StoredObject {
  active?: boolean;
  currency: string;
  product: string;
  recurring?: Recurring | null;
  type: 'one_time' | 'recurring';
  unit_amount: number | null;
  lookup_key?: string | null;
  metadata?: Record<string, string>;
}

function readRecurring(params: Params, name: (field: string) => string): Recurring | undefined {
  const recurring = optionalObject(params, 'recurring');
  if (!recurring) return undefined;
  const interval = optionalEnum(recurring, 'interval', ['day', 'week', 'month', 'year'] as const);
  if (!interval) throw missingParam(name('recurring[interval]'));
  const count = optionalInteger(recurring, 'interval_count', { min: 1 }) ?? 1;
  const maximum = { day: 365, week: 52, month: 12, year: 1 }[interval];
  if (count > maximum) throw invalidParam(name('recurring[interval_count]'), `Invalid recurring[interval_count]: must be at most one year (${maximum} ${interval}s).`);
  const usageType = optionalEnum(recurring, 'usage_type', ['licensed', 'metered'] as const) ?? 'licensed';
  return { interval, interval_count: count, meter: null, trial_period_days: null, usage_type: usageType };
}

/** Lookup keys are unique per account; `transfer_lookup_key=true` moves one from its current price. */
function claimLookupKey(ctx: ApiContext, params: Params, lookupKey: string, forPriceId?: string): void {
  for (const other of ctx.engine.store.walk<PriceRecord>(ctx.scope, PRICE.type)) {
    if (other.id === forPriceId || other.lookup_key !== lookupKey) continue;
    if (optionalBoolean(params, 'transfer_lookup_key') !== true) {
      throw invalidRequest(`A price (\`${other.id}\`) already uses that lookup key.`, { param: 'lookup_key' });
    }
    update(ctx, PRICE, other, { lookup_key: null });
  }
}

/** Takes the nested form of `default_price_data` / `price_data` as well as a top-level price body. */
export function createPrice(ctx: ApiContext, params: Params, productId: string, prefix?: string): PriceRecord {
  const name = (field: string) => (prefix ? `${prefix}[${field}]` : field);
  const currency = readCurrency(params, 'currency');
  const unitAmount = optionalInteger(params, 'unit_amount', { min: 0 });
  const unitAmountDecimal = optionalString(params, 'unit_amount_decimal');
  if (unitAmount === undefined && unitAmountDecimal === undefined && !params.custom_unit_amount) throw missingParam(name('unit_amount'));
  const recurring = readRecurring(params, name);
  const lookupKey = nullableString(params, 'lookup_key');
  if (lookupKey) claimLookupKey(ctx, params, lookupKey);
  const amount = unitAmount ?? (unitAmountDecimal !== undefined ? Math.round(Number(unitAmountDecimal)) : null);
  return create<PriceRecord>(ctx, PRICE, defined({
    active: optionalBoolean(params, 'active'),
    currency,
    lookup_key: lookupKey,
    metadata: mergeMetadata(params),
    nickname: nullableString(params, 'nickname'),
    product: productId,
    recurring: recurring ?? null,
    tax_behavior: optionalEnum(params, 'tax_behavior', ['inclusive', 'exclusive', 'unspecified'] as const),
    type: recurring ? 'recurring' : 'one_time',
    unit_amount: amount,
    unit_amount_decimal: amount === null ? null : (unitAmountDecimal ?? String(amount)),
  }) as PriceRecord);
}

export function loadPrice(ctx: ApiContext, id: string, param = 'price'): PriceRecord {
  return load<PriceRecord>(ctx, PRICE, id, param);
}

export function registerPrices(router: Router): void {
  registerSearch(router, PRICE, { active: 'boolean', currency: 'string', lookup_key: 'string', product: 'string', type: 'string' });

  router.post('/v1/prices', (ctx) => {
    const productId = optionalString(ctx.params, 'product');
    const productData = optionalObject(ctx.params, 'product_data');
    let product: ProductRecord;
    if (productId) product = loadProduct(ctx, productId);
    else if (productData) {
      const productName = optionalString(productData, 'name');
      if (!productName) throw missingParam('product_data[name]');
      product = create<ProductRecord>(ctx, PRODUCT, defined({
        name: productName, metadata: mergeMetadata(productData), active: optionalBoolean(productData, 'active'), updated: ctx.engine.unixNow(),
      }) as ProductRecord);
    } else throw missingParam('product');
    return render(createPrice(ctx, ctx.params, product.id));
  });

  registerRetrieve(router, PRICE);

  router.post('/v1/prices/:id', (ctx) => {
    const price = loadPrice(ctx, ctx.path.id, 'id');
    const { params } = ctx;
    const lookupKey = nullableString(params, 'lookup_key');
    if (lookupKey) claimLookupKey(ctx, params, lookupKey, price.id);
    return render(update(ctx, PRICE, price, defined({
      active: optionalBoolean(params, 'active'),
      lookup_key: lookupKey,
      metadata: mergeMetadata(params, price.metadata),
      nickname: nullableString(params, 'nickname'),
      tax_behavior: optionalEnum(params, 'tax_behavior', ['inclusive', 'exclusive', 'unspecified'] as const),
    }) as Partial<PriceRecord>));
  });

  registerList<PriceRecord>(router, PRICE, (ctx) => {
    const { params } = ctx;
    const active = optionalBoolean(params, 'active');
    const currency = optionalString(params, 'currency');
    const product = optionalString(params, 'product');
    const type = optionalEnum(params, 'type', ['one_time', 'recurring'] as const);
    const lookupKeys = params.lookup_keys !== undefined ? new Set(stringArray(params, 'lookup_keys')) : undefined;
    const recurring = optionalObject(params, 'recurring');
    const interval = recurring ? optionalString(recurring, 'interval') : undefined;
    return (price) =>
      (active === undefined || (price.active ?? true) === active) &&
      (currency === undefined || price.currency === currency) &&
      (product === undefined || price.product === product) &&
      (type === undefined || price.type === type) &&
      (lookupKeys === undefined || (price.lookup_key != null && lookupKeys.has(price.lookup_key))) &&
      (interval === undefined || price.recurring?.interval === interval);
  });
}
