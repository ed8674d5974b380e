import type { ApiContext } from '../engine.js';
import { invalidParam, noSuch } from '../errors.js';
import { mergeMetadata, nullableString, optionalInteger, optionalObject, optionalString, stringArray, type Params } from '../params.js';
import type { Router } from '../router.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';
import { create, defined, load, registerList, registerSearch, update, type ResourceInfo } from './crud.js';
import { attachPaymentMethod, resolvePaymentMethod, type PaymentMethodRecord } from './paymentMethods.js';
import { cancelSubscription, SUBSCRIPTION } from './subscriptions.js';

export const CUSTOMER: ResourceInfo = { type: 'customer', prefix: 'cus', collection: 'customers' };

export interface CustomerRecord extends StoredObject {
  email?: string | null;
  name?: string | null;
  invoice_settings?: { default_payment_method: string | null; [key: string]: unknown };
  metadata?: Record<string, string>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function readEmail(params: Params): string | null | undefined {
  const email = nullableString(params, 'email');
  if (email && !EMAIL.test(email)) throw invalidParam('email', `Invalid email address: ${email}`, 'email_invalid');
  return email;
}

function customerFields(ctx: ApiContext, current?: CustomerRecord): Partial<CustomerRecord> {
  const { params } = ctx;
  const fields: Record<string, unknown> = defined({
    email: readEmail(params),
    name: nullableString(params, 'name'),
    description: nullableString(params, 'description'),
    phone: nullableString(params, 'phone'),
    balance: optionalInteger(params, 'balance'),
    address: optionalObject(params, 'address'),
    shipping: optionalObject(params, 'shipping'),
    metadata: mergeMetadata(params, current?.metadata),
  });
  if (params.preferred_locales !== undefined) fields.preferred_locales = stringArray(params, 'preferred_locales');
  const invoiceSettings = optionalObject(params, 'invoice_settings');
  const defaultPaymentMethod = invoiceSettings ? optionalString(invoiceSettings, 'default_payment_method') : undefined;
  if (defaultPaymentMethod !== undefined) {
    fields.invoice_settings = {
      custom_fields: null, footer: null, rendering_options: null,
      ...current?.invoice_settings,
      default_payment_method: defaultPaymentMethod || null,
    };
  }
  return fields as Partial<CustomerRecord>;
}

/** A customer that exists and isn't deleted, for resources that take `customer=`. */
export function loadCustomer(ctx: ApiContext, id: string, param = 'customer'): CustomerRecord {
  return load<CustomerRecord>(ctx, CUSTOMER, id, param);
}

export function registerCustomers(router: Router): void {
  registerSearch(router, CUSTOMER, { email: 'string', name: 'string', phone: 'string' });

  router.post('/v1/customers', (ctx) => {
    const fields = customerFields(ctx);
    // Test tokens such as pm_card_visa become real PaymentMethods attached to the new customer.
    const attach: PaymentMethodRecord[] = [];
    const paymentMethod = optionalString(ctx.params, 'payment_method');
    if (paymentMethod) attach.push(resolvePaymentMethod(ctx, paymentMethod));
    const defaultPaymentMethod = fields.invoice_settings?.default_payment_method;
    if (defaultPaymentMethod) {
      const resolved = resolvePaymentMethod(ctx, defaultPaymentMethod, 'invoice_settings[default_payment_method]');
      attach.push(resolved);
      fields.invoice_settings = { ...fields.invoice_settings!, default_payment_method: resolved.id };
    }
    const customer = create<CustomerRecord>(ctx, CUSTOMER, fields);
    for (const method of attach) attachPaymentMethod(ctx, method, customer.id);
    return render(customer);
  });

  router.get('/v1/customers/:id', (ctx) => {
    // Stripe still answers for a deleted customer, with the `deleted: true` stub.
    const record = ctx.engine.store.get<CustomerRecord>(ctx.scope, 'customer', ctx.path.id);
    if (!record) throw noSuch('customer', ctx.path.id);
    return render(record);
  });

  router.post('/v1/customers/:id', (ctx) => {
    const customer = loadCustomer(ctx, ctx.path.id, 'id');
    const fields = customerFields(ctx, customer);
    const defaultPaymentMethod = fields.invoice_settings?.default_payment_method;
    if (defaultPaymentMethod) {
      const resolved = resolvePaymentMethod(ctx, defaultPaymentMethod, 'invoice_settings[default_payment_method]');
      attachPaymentMethod(ctx, resolved, customer.id);
      fields.invoice_settings = { ...fields.invoice_settings!, default_payment_method: resolved.id };
    }
    return render(update(ctx, CUSTOMER, customer, fields));
  });

  router.delete('/v1/customers/:id', (ctx) => {
    const customer = loadCustomer(ctx, ctx.path.id, 'id');
    // Deleting a customer cancels its subscriptions immediately, as Stripe does.
    for (const subscription of ctx.engine.store.walk<StoredObject>(ctx.scope, SUBSCRIPTION.type)) {
      if (subscription.customer === customer.id && subscription.status !== 'canceled' && subscription.status !== 'incomplete_expired') {
        cancelSubscription(ctx, subscription);
      }
    }
    ctx.engine.store.replace(ctx.scope, 'customer', { id: customer.id, object: 'customer', deleted: true });
    ctx.engine.emit(ctx, 'customer.deleted', customer);
    return { id: customer.id, object: 'customer', deleted: true };
  });

  registerList<CustomerRecord>(router, CUSTOMER, (ctx) => {
    const email = optionalString(ctx.params, 'email');
    return email === undefined ? undefined : (customer) => customer.email === email;
  });
}
