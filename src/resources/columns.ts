/**
 * The columns each noun prints in a table, TSV or CSV. JSON prints Stripe's objects unchanged;
 * `--fields` picks columns by key or any dotted path of the object.
 */
import type Stripe from 'stripe';
import type { Cell, Column } from '../io/output.js';

/** An id, whether the field is expanded or not. */
export function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : value.id;
}

const money = (amount: number | null | undefined, currency: string | null | undefined): Cell =>
  typeof amount === 'number' && currency ? { amount, currency } : undefined;

export const customerColumns: Column<Stripe.Customer>[] = [
  { key: 'id' },
  { key: 'email' },
  { key: 'name' },
  { key: 'created', kind: 'time' },
];

export const paymentColumns: Column<Stripe.PaymentIntent>[] = [
  { key: 'id' },
  { key: 'amount', get: (payment) => money(payment.amount, payment.currency), kind: 'money' },
  { key: 'status' },
  { key: 'customer', get: (payment) => idOf(payment.customer) },
  { key: 'created', kind: 'time' },
];

const firstItem = (subscription: Stripe.Subscription): Stripe.SubscriptionItem | undefined => subscription.items?.data?.[0];

export const subscriptionColumns: Column<Stripe.Subscription>[] = [
  { key: 'id' },
  { key: 'customer', get: (subscription) => idOf(subscription.customer) },
  { key: 'status' },
  {
    key: 'price',
    get: (subscription) => {
      const items = subscription.items?.data ?? [];
      return items.map((item) => item.price?.id).filter(Boolean).join(' ');
    },
  },
  { key: 'quantity', get: (subscription) => firstItem(subscription)?.quantity },
  {
    key: 'current_period_end',
    header: 'current period end',
    // Since API 2025-03-31 the period lives on each item; older shapes had it on the subscription.
    get: (subscription) =>
      firstItem(subscription)?.current_period_end ??
      (subscription as unknown as { current_period_end?: number }).current_period_end,
    kind: 'time',
  },
];

export const productColumns: Column<Stripe.Product>[] = [
  { key: 'id' },
  { key: 'name' },
  { key: 'active' },
  { key: 'default_price', header: 'default price', get: (product) => idOf(product.default_price as string | Stripe.Price | null) },
];

/** `month`, or `3 months` for an interval_count of 3; empty for a one-time price. */
export function intervalOf(price: Stripe.Price): string {
  const recurring = price.recurring;
  if (!recurring) return '';
  return recurring.interval_count > 1 ? `${recurring.interval_count} ${recurring.interval}s` : recurring.interval;
}

export const priceColumns: Column<Stripe.Price>[] = [
  { key: 'id' },
  { key: 'product', get: (price) => idOf(price.product as string | { id: string }) },
  { key: 'amount', get: (price) => money(price.unit_amount, price.currency), kind: 'money' },
  { key: 'interval', get: intervalOf },
  { key: 'active' },
];

export const refundColumns: Column<Stripe.Refund>[] = [
  { key: 'id' },
  { key: 'payment', get: (refund) => idOf(refund.payment_intent) },
  { key: 'amount', get: (refund) => money(refund.amount, refund.currency), kind: 'money' },
  { key: 'status' },
  { key: 'created', kind: 'time' },
];
