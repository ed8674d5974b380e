/**
 * What every write shares: the request options that carry --idempotency-key (scoped when one
 * command sends several writes), and validators for the common inputs.
 */
import { parseWholeNumber } from '../values.js';
import type Stripe from 'stripe';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

/**
 * Every write carries the run's key (--idempotency-key, or one the run makes, or an interrupted
 * identical run's from the journal: see stripe/writes.ts), the same on each of stripe-node's
 * retries, so re-running a command that ended with exit 5 never writes twice. A command that sends
 * several writes gives each a scope (`KEY:price`). Stripe ignores keys on DELETE, which is
 * idempotent anyway; the run's own key is not sent with one.
 */
export function requestOptions(ctx: Context, scope?: string): Stripe.RequestOptions {
  return { idempotencyKey: ctx.idempotencyKey(scope) };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateEmail(value: string, flag = '--email'): string {
  const email = value.trim();
  if (!EMAIL.test(email) || email.length > 512) {
    throw new UsageError(`${flag} "${value}" is not an email address`, { hint: 'for example --email jane@example.com' });
  }
  return email;
}

export function validateChoice<T extends string>(value: string, choices: readonly T[], flag: string): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} "${value}" is not one of ${choices.join(', ')}`);
  }
  return value as T;
}

/** A quantity or a count of days: the shared whole-number parser in values.ts. */
export const parsePositiveInteger = parseWholeNumber;

/** A text flag Stripe limits in length (name, description). */
export function validateText(value: string, flag: string, maxLength = 5000): string {
  if (value.length > maxLength) throw new UsageError(`${flag} is ${value.length} characters; Stripe allows ${maxLength}`);
  return value;
}

/** Drops undefined values, so a request sends only the flags that were given. */
export function dropUndefined<T extends object>(params: T): T {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) as T;
}
