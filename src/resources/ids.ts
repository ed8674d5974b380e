/**
 * Stripe object ids, checked before any request: a typo such as `cus123` or a payment id passed
 * where a customer belongs is a usage error (exit 2), not a 404 from Stripe.
 */
import { UsageError } from '../errors.js';

export const ID_PREFIXES = {
  customer: 'cus_',
  payment: 'pi_',
  subscription: 'sub_',
  product: 'prod_',
  price: 'price_',
  refund: 're_',
  paymentMethod: 'pm_',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

const LABELS: Record<IdKind, string> = {
  customer: 'customer',
  payment: 'payment',
  subscription: 'subscription',
  product: 'product',
  price: 'price',
  refund: 'refund',
  paymentMethod: 'payment method',
};

/** Stripe ids are the prefix then letters and digits; nothing else reaches a URL path. */
const ID_BODY = /^[A-Za-z0-9]+$/;

/**
 * Validates an id's prefix and characters. `what` names where it came from (`--customer`, `ID`)
 * so the one-line error says which input to fix.
 */
export function validateId(value: string | undefined, kind: IdKind, what: string): string {
  const prefix = ID_PREFIXES[kind];
  const label = LABELS[kind];
  if (value === undefined || value === '') throw new UsageError(`${what} is required`, { hint: `a ${label} id such as ${prefix}123` });
  const text = value.trim();
  // Payment methods also come as test tokens (pm_card_visa): underscores are allowed there.
  const body = text.slice(prefix.length);
  const bodyOk = kind === 'paymentMethod' ? /^[A-Za-z0-9_]+$/.test(body) : ID_BODY.test(body);
  if (!text.startsWith(prefix) || !bodyOk) {
    throw new UsageError(`${what} "${value}" is not a ${label} id`, { hint: `${label} ids start with ${prefix}` });
  }
  return text;
}
