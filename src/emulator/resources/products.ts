import type { ApiContext } from '../engine.js';
import { invalidRequest } from '../errors.js';
import { mergeMetadata, nullableString, optionalBoolean, optionalObject, optionalString, requiredString, stringArray } from '../params.js';
import type { Router } from '../router.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';
import { create, defined, load, registerList, registerRetrieve, registerSearch, update, type ResourceInfo } from './crud.js';
import { createPrice, PRICE, type PriceRecord } from './prices.js';

export const PRODUCT: ResourceInfo = { type: 'product', prefix: 'prod', collection: 'products' };

export interface ProductRecord extends StoredObject {
  name: string;
  active?: boolean;
  default_price?: string | null;
  metadata?: Record<string, string>;
  url?: string | null;
  shippable?: boolean | null;
}

function productFields(ctx: ApiContext, current?: ProductRecord): Partial<ProductRecord> {
  const { params } = ctx;
  const name = current ? optionalString(params, 'name') : requiredString(params, 'name');
  if (current && name === '') throw invalidRequest('You must provide a non-empty name.', { param: 'name' });
  const fields: Record<string, unknown> = defined({
    name,
    active: optionalBoolean(params, 'active'),
    description: nullableString(params, 'description'),
    metadata: mergeMetadata(params, current?.metadata),
    shippable: optionalBoolean(params, 'shippable'),
    statement_descriptor: nullableString(params, 'statement_descriptor'),
    tax_code: nullableString(params, 'tax_code'),
    unit_label: nullableString(params, 'unit_label'),
    url: nullableString(params, 'url'),
  });
  if (params.images !== undefined) fields.images = stringArray(params, 'images');
  return fields as Partial<ProductRecord>;
}

export function loadProduct(ctx: ApiContext, id: string, param = 'product'): ProductRecord {
  return load<ProductRecord>(ctx, PRODUCT, id, param);
}

export function registerProducts(router: Router): void {
  registerSearch(router, PRODUCT, { name: 'string', active: 'boolean', description: 'string', shippable: 'boolean', url: 'string' });

  router.post('/v1/products', (ctx) => {
    const customId = optionalString(ctx.params, 'id');
    if (customId && ctx.engine.store.has(ctx.scope, PRODUCT.type, customId)) {
      throw invalidRequest(`Product already exists.`, { code: 'resource_already_exists', param: 'id' });
    }
    const now = ctx.engine.unixNow();
    let product = create<ProductRecord>(ctx, PRODUCT, { ...productFields(ctx), updated: now } as ProductRecord, { id: customId });
    const priceData = optionalObject(ctx.params, 'default_price_data');
    if (priceData) {
      const price = createPrice(ctx, priceData, product.id, 'default_price_data');
      product = update(ctx, PRODUCT, product, { default_price: price.id } as Partial<ProductRecord>, { eventType: null });
    }
    return render(product);
  });

  registerRetrieve(router, PRODUCT);

  router.post('/v1/products/:id', (ctx) => {
    const product = loadProduct(ctx, ctx.path.id, 'id');
    const fields = productFields(ctx, product);
    const defaultPrice = nullableString(ctx.params, 'default_price');
    if (defaultPrice) {
      const price = load<PriceRecord>(ctx, PRICE, defaultPrice, 'default_price');
      if (price.product !== product.id) throw invalidRequest(`The price ${price.id} belongs to a different product.`, { param: 'default_price' });
      if (price.active === false) throw invalidRequest(`The price ${price.id} is archived and cannot be the default price.`, { param: 'default_price' });
    }
    if (defaultPrice !== undefined) fields.default_price = defaultPrice;
    return render(update(ctx, PRODUCT, product, { ...fields, updated: ctx.engine.unixNow() }));
  });

  router.delete('/v1/products/:id', (ctx) => {
    const product = loadProduct(ctx, ctx.path.id, 'id');
    for (const price of ctx.engine.store.walk<PriceRecord>(ctx.scope, PRICE.type)) {
      if (price.product === product.id) {
        // Stripe refuses, and points people at `active=false` instead.
        throw invalidRequest('This product cannot be deleted because it has one or more user-created prices.');
      }
    }
    ctx.engine.store.remove(ctx.scope, PRODUCT.type, product.id);
    ctx.engine.emit(ctx, 'product.deleted', product);
    return { id: product.id, object: 'product', deleted: true };
  });

  registerList<ProductRecord>(router, PRODUCT, (ctx) => {
    const active = optionalBoolean(ctx.params, 'active');
    const shippable = optionalBoolean(ctx.params, 'shippable');
    const url = optionalString(ctx.params, 'url');
    const ids = ctx.params.ids !== undefined ? new Set(stringArray(ctx.params, 'ids')) : undefined;
    return (product) =>
      (active === undefined || (product.active ?? true) === active) &&
      (shippable === undefined || (product.shippable ?? null) === shippable) &&
      (url === undefined || product.url === url) &&
      (ids === undefined || ids.has(product.id));
  });
}
