/**
 * Subscriptions: items of recurring prices, trials, cancel at period end, and the invoice each
 * creation and renewal issues. Periods live on the items, as in API versions since 2025-03-31.
 */
import type { ApiContext } from '../engine.js';
import { invalidParam, invalidRequest, missingParam } from '../errors.js';
import { newId } from '../ids.js';
import { mergeMetadata, nullableString, optionalArray, optionalBoolean, optionalEnum, optionalInteger, optionalString, type Params } from '../params.js';
import type { Router } from '../router.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';
import { create, defined, load, registerList, registerRetrieve, registerSearch, update, type ResourceInfo } from './crud.js';
import { loadCustomer } from './customers.js';
import { issueInvoice, type InvoiceLine } from './invoices.js';
import { attachPaymentMethod, PAYMENT_METHOD, resolvePaymentMethod, type PaymentMethodRecord } from './paymentMethods.js';
import { loadPrice, type PriceRecord, type Recurring } from './prices.js';

export const SUBSCRIPTION: ResourceInfo = { type: 'subscription', prefix: 'sub', collection: 'subscriptions', eventPrefix: 'customer.subscription' };

const DAY = 86_400;
const LIVE_STATUSES = new Set(['active', 'trialing', 'past_due', 'incomplete', 'unpaid']);

export interface SubscriptionItem {
  id: string;
  object: 'subscription_item';
  created: number;
  current_period_start: number;
  current_period_end: number;
  metadata: Record<string, string>;
  price: Record<string, unknown> & { id: string; recurring: Recurring; unit_amount: number | null; product: string; currency: string };
  quantity: number;
  subscription: string;
  [key: string]: unknown;
}

export interface SubscriptionRecord extends StoredObject {
  customer: string;
  status: string;
  currency: string;
  items: { object: 'list'; data: SubscriptionItem[]; has_more: false; total_count: number; url: string };
  cancel_at_period_end?: boolean;
  trial_end?: number | null;
  default_payment_method?: string | null;
  metadata?: Record<string, string>;
  latest_invoice?: string | null;
}

/** Adds whole intervals in UTC, clamping to the month's end as Stripe does (Jan 31 + 1 month = Feb 28). */
export function addInterval(unixSeconds: number, recurring: Pick<Recurring, 'interval' | 'interval_count'>): number {
  const count = recurring.interval_count;
  if (recurring.interval === 'day') return unixSeconds + count * DAY;
  if (recurring.interval === 'week') return unixSeconds + count * 7 * DAY;
  const date = new Date(unixSeconds * 1000);
  const months = recurring.interval === 'month' ? count : count * 12;
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return Math.floor(date.getTime() / 1000);
}

function recurringPrice(ctx: ApiContext, priceId: string, param: string): PriceRecord & { recurring: Recurring } {
  const price = loadPrice(ctx, priceId, param);
  if (price.type !== 'recurring' || !price.recurring) {
    throw invalidParam(param, `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`);
  }
  if (price.active === false) throw invalidParam(param, `The price specified is inactive. This field only accepts active prices.`);
  return price as PriceRecord & { recurring: Recurring };
}

function itemFrom(ctx: ApiContext, subscriptionId: string, price: PriceRecord & { recurring: Recurring }, quantity: number, period: { start: number; end: number }, metadata: Record<string, string> = {}): SubscriptionItem {
  return {
    id: newId('si', 14),
    object: 'subscription_item',
    billing_thresholds: null,
    created: ctx.engine.unixNow(),
    current_period_end: period.end,
    current_period_start: period.start,
    discounts: [],
    metadata,
    price: render(price) as SubscriptionItem['price'],
    quantity,
    subscription: subscriptionId,
    tax_rates: [],
  };
}

function itemsList(subscriptionId: string, data: SubscriptionItem[]): SubscriptionRecord['items'] {
  return { object: 'list', data, has_more: false, total_count: data.length, url: `/v1/subscription_items?subscription=${subscriptionId}` };
}

function assertOneCurrencyAndInterval(items: SubscriptionItem[]): void {
  const [first] = items;
  for (const item of items) {
    if (item.price.currency !== first.price.currency) throw invalidRequest('All prices on a subscription must have the same `currency`.', { param: 'items' });
    if (item.price.recurring.interval !== first.price.recurring.interval || item.price.recurring.interval_count !== first.price.recurring.interval_count) {
      throw invalidRequest('All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.', { param: 'items' });
    }
  }
}

function readQuantity(item: Params): number | undefined {
  return optionalInteger(item, 'quantity', { min: 0 });
}

/** The method an invoice is charged to: the subscription's default, else the customer's. */
function paymentMethodFor(ctx: ApiContext, subscription: SubscriptionRecord): PaymentMethodRecord | undefined {
  const customer = loadCustomer(ctx, subscription.customer);
  const id = subscription.default_payment_method ?? customer.invoice_settings?.default_payment_method ?? undefined;
  return id ? ctx.engine.store.get<PaymentMethodRecord>(ctx.scope, PAYMENT_METHOD.type, id) : undefined;
}

function invoiceLines(subscription: SubscriptionRecord): InvoiceLine[] {
  return subscription.items.data.map((item) => ({ subscriptionItem: item.id, price: item.price, quantity: item.quantity }));
}

/** Bills a subscription for one period and moves its status according to the payment. */
export function billPeriod(ctx: ApiContext, subscription: SubscriptionRecord, reason: 'subscription_create' | 'subscription_cycle' | 'subscription_update', period: { start: number; end: number }, options: { free: boolean; attemptPayment: boolean; failureStatus: string }): SubscriptionRecord {
  const { invoice, paid } = issueInvoice(ctx, {
    customer: subscription.customer,
    currency: subscription.currency,
    subscription: subscription.id,
    subscriptionMetadata: subscription.metadata ?? {},
    billingReason: reason,
    periodStart: period.start,
    periodEnd: period.end,
    lines: invoiceLines(subscription),
    free: options.free,
    paymentMethod: paymentMethodFor(ctx, subscription),
    attemptPayment: options.attemptPayment,
  });
  const status = options.free ? 'trialing' : paid ? 'active' : options.failureStatus;
  const items = itemsList(subscription.id, subscription.items.data.map((item) => ({ ...item, current_period_start: period.start, current_period_end: period.end })));
  return update(ctx, SUBSCRIPTION, subscription, { latest_invoice: invoice.id, status, items } as Partial<SubscriptionRecord>);
}

export function cancelSubscription(ctx: ApiContext, subscription: StoredObject, reason = 'cancellation_requested', endedAt = ctx.engine.unixNow()): SubscriptionRecord {
  return update(ctx, SUBSCRIPTION, subscription as SubscriptionRecord, {
    status: 'canceled',
    canceled_at: ctx.engine.unixNow(),
    ended_at: endedAt,
    cancellation_details: { comment: null, feedback: null, reason },
  } as Partial<SubscriptionRecord>, { eventType: 'customer.subscription.deleted' });
}

function readTrialEnd(ctx: ApiContext, now: number): number | undefined {
  const days = optionalInteger(ctx.params, 'trial_period_days', { min: 0, max: 730 });
  const trialEnd = ctx.params.trial_end;
  if (trialEnd === 'now') return now;
  if (trialEnd !== undefined) {
    const at = optionalInteger(ctx.params, 'trial_end')!;
    if (at <= now) throw invalidParam('trial_end', 'Invalid timestamp: must be an integer Unix timestamp in the future.', 'parameter_invalid_integer');
    return at;
  }
  return days ? now + days * DAY : undefined;
}

function resolveDefaultPaymentMethod(ctx: ApiContext, customerId: string): string | null | undefined {
  const param = nullableString(ctx.params, 'default_payment_method');
  if (!param) return param;
  const method = resolvePaymentMethod(ctx, param, 'default_payment_method');
  return attachPaymentMethod(ctx, method, customerId).id;
}

export function registerSubscriptions(router: Router): void {
  registerSearch(router, SUBSCRIPTION, { status: 'string' });

  router.post('/v1/subscriptions', (ctx) => {
    const { params } = ctx;
    const customerId = optionalString(params, 'customer');
    if (!customerId) throw missingParam('customer');
    const customer = loadCustomer(ctx, customerId);
    const itemParams = optionalArray(params, 'items');
    if (!itemParams || itemParams.length === 0) throw missingParam('items');
    const now = ctx.engine.unixNow();
    const trialEnd = readTrialEnd(ctx, now);
    const trialing = trialEnd !== undefined && trialEnd > now;
    const id = newId('sub');
    const items = itemParams.map((raw, index) => {
      if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParam(`items[${index}]`, 'Invalid object', 'parameter_invalid_object');
      const priceId = optionalString(raw, 'price');
      if (!priceId) throw missingParam(`items[${index}][price]`);
      const price = recurringPrice(ctx, priceId, `items[${index}][price]`);
      const periodEnd = trialing ? trialEnd! : addInterval(now, price.recurring);
      return itemFrom(ctx, id, price, readQuantity(raw) ?? 1, { start: now, end: periodEnd }, mergeMetadata(raw) ?? {});
    });
    assertOneCurrencyAndInterval(items);
    const paymentBehavior = optionalEnum(params, 'payment_behavior', ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const);
    const subscription = create<SubscriptionRecord>(ctx, SUBSCRIPTION, defined({
      billing_cycle_anchor: trialing ? trialEnd : now,
      cancel_at_period_end: optionalBoolean(params, 'cancel_at_period_end'),
      currency: items[0].price.currency,
      customer: customer.id,
      default_payment_method: resolveDefaultPaymentMethod(ctx, customer.id),
      description: nullableString(params, 'description'),
      items: itemsList(id, items),
      metadata: mergeMetadata(params),
      start_date: now,
      status: trialing ? 'trialing' : 'incomplete',
      trial_end: trialing ? trialEnd : null,
      trial_start: trialing ? now : null,
    }) as SubscriptionRecord, { id });
    const period = { start: now, end: items[0].current_period_end };
    const billed = billPeriod(ctx, subscription, 'subscription_create', period, {
      free: trialing,
      attemptPayment: paymentBehavior !== 'default_incomplete',
      failureStatus: 'incomplete',
    });
    return render(billed);
  });

  registerRetrieve(router, SUBSCRIPTION);

  router.post('/v1/subscriptions/:id', (ctx) => {
    const subscription = load<SubscriptionRecord>(ctx, SUBSCRIPTION, ctx.path.id);
    const { params } = ctx;
    const metadata = mergeMetadata(params, subscription.metadata);
    if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
      const others = Object.keys(params).filter((key) => !['metadata', 'cancellation_details', 'expand'].includes(key));
      if (others.length > 0) throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
      return render(update(ctx, SUBSCRIPTION, subscription, defined({ metadata }) as Partial<SubscriptionRecord>));
    }
    let items = subscription.items.data;
    const itemParams = optionalArray(params, 'items');
    if (itemParams) {
      items = [...items];
      itemParams.forEach((raw, index) => {
        if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParam(`items[${index}]`, 'Invalid object', 'parameter_invalid_object');
        const itemId = optionalString(raw, 'id');
        const priceId = optionalString(raw, 'price');
        const quantity = readQuantity(raw);
        const period = { start: items[0]?.current_period_start ?? ctx.engine.unixNow(), end: items[0]?.current_period_end ?? ctx.engine.unixNow() };
        if (itemId) {
          const position = items.findIndex((item) => item.id === itemId);
          if (position === -1) throw invalidParam(`items[${index}][id]`, `No such subscription item: '${itemId}'`, 'resource_missing');
          if (optionalBoolean(raw, 'deleted')) {
            items.splice(position, 1);
            return;
          }
          const current = items[position];
          const price = priceId ? recurringPrice(ctx, priceId, `items[${index}][price]`) : undefined;
          items[position] = {
            ...current,
            ...(price ? { price: render(price) as SubscriptionItem['price'] } : {}),
            quantity: quantity ?? current.quantity,
            metadata: mergeMetadata(raw, current.metadata) ?? current.metadata,
          };
        } else {
          if (!priceId) throw missingParam(`items[${index}][price]`);
          items.push(itemFrom(ctx, subscription.id, recurringPrice(ctx, priceId, `items[${index}][price]`), quantity ?? 1, period, mergeMetadata(raw) ?? {}));
        }
      });
      if (items.length === 0) throw invalidRequest('A subscription must have at least one active plan.', { param: 'items' });
      assertOneCurrencyAndInterval(items);
    }
    const cancelAtPeriodEnd = optionalBoolean(params, 'cancel_at_period_end');
    let next = update(ctx, SUBSCRIPTION, subscription, defined({
      cancel_at_period_end: cancelAtPeriodEnd,
      cancel_at: cancelAtPeriodEnd === undefined ? undefined : cancelAtPeriodEnd ? items[0].current_period_end : null,
      canceled_at: cancelAtPeriodEnd === undefined ? undefined : cancelAtPeriodEnd ? ctx.engine.unixNow() : null,
      default_payment_method: resolveDefaultPaymentMethod(ctx, subscription.customer),
      description: nullableString(params, 'description'),
      items: itemParams ? itemsList(subscription.id, items) : undefined,
      metadata,
    }) as Partial<SubscriptionRecord>);
    if (params.trial_end === 'now' && next.status === 'trialing') {
      // Ending a trial now starts a paid period from this moment.
      const now = ctx.engine.unixNow();
      const end = addInterval(now, next.items.data[0].price.recurring);
      next = update(ctx, SUBSCRIPTION, next, { trial_end: now, billing_cycle_anchor: now } as Partial<SubscriptionRecord>, { eventType: null });
      next = billPeriod(ctx, next, 'subscription_update', { start: now, end }, { free: false, attemptPayment: true, failureStatus: 'past_due' });
    }
    return render(next);
  });

  router.delete('/v1/subscriptions/:id', (ctx) => {
    const subscription = load<SubscriptionRecord>(ctx, SUBSCRIPTION, ctx.path.id);
    if (subscription.status === 'canceled') {
      throw invalidRequest(`No such subscription: '${subscription.id}'. This subscription has already been canceled.`, { code: 'resource_missing', param: 'id' });
    }
    return render(cancelSubscription(ctx, subscription));
  });

  registerList<SubscriptionRecord>(router, SUBSCRIPTION, (ctx) => {
    const customer = optionalString(ctx.params, 'customer');
    const price = optionalString(ctx.params, 'price');
    const status = optionalEnum(ctx.params, 'status', ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] as const);
    return (subscription) =>
      (customer === undefined || subscription.customer === customer) &&
      (price === undefined || subscription.items.data.some((item) => item.price.id === price)) &&
      (status === 'all' ||
        (status === undefined && subscription.status !== 'canceled' && subscription.status !== 'incomplete_expired') ||
        (status === 'ended' && (subscription.status === 'canceled' || subscription.status === 'incomplete_expired')) ||
        subscription.status === status);
  });
}

/**
 * Renews every subscription whose period has ended by the emulator's clock: ends trials,
 * applies cancel_at_period_end, and issues one invoice per elapsed period.
 */
export function renewDueSubscriptions(contextFor: (scope: string) => ApiContext, scopes: string[]): number {
  let renewed = 0;
  for (const scope of scopes) {
    const ctx = contextFor(scope);
    const now = ctx.engine.unixNow();
    const due = [...ctx.engine.store.walk<SubscriptionRecord>(scope, SUBSCRIPTION.type, 'newer')].filter(
      (subscription) => LIVE_STATUSES.has(subscription.status) && subscription.items.data[0]?.current_period_end <= now,
    );
    for (let subscription of due) {
      // A long clock jump bills each elapsed period, bounded so a typo can't loop for ages.
      for (let periods = 0; periods < 120; periods++) {
        const end = subscription.items.data[0].current_period_end;
        if (end > now || !LIVE_STATUSES.has(subscription.status)) break;
        if (subscription.cancel_at_period_end) {
          subscription = cancelSubscription(ctx, subscription, 'cancellation_requested', end);
          break;
        }
        const next = { start: end, end: addInterval(end, subscription.items.data[0].price.recurring) };
        subscription = billPeriod(ctx, subscription, 'subscription_cycle', next, { free: false, attemptPayment: true, failureStatus: 'past_due' });
        renewed++;
      }
    }
  }
  return renewed;
}
