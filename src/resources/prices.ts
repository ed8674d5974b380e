/** Price inputs: unit amounts (zero allowed: free tiers exist), intervals and their Stripe limits. */
import { UsageError } from '../errors.js';
import { parseAmount } from '../stripe/money.js';
import { validateChoice, parsePositiveInteger } from './write.js';

export const INTERVALS = ['day', 'week', 'month', 'year'] as const;
export type Interval = (typeof INTERVALS)[number];

/** Stripe allows at most three years between charges. */
const MAX_INTERVAL_COUNT: Record<Interval, number> = { day: 1095, week: 156, month: 36, year: 3 };

export interface Recurrence {
  interval: Interval;
  interval_count?: number;
}

/** A price's unit amount: like a charge amount, but a free (0) price is allowed and no minimum applies. */
export function parseUnitAmount(input: string, currency: string, flag = '--amount'): number {
  if (/^0*(\.0*)?$/.test(input.trim()) && input.trim() !== '' && input.trim() !== '.') return 0;
  return parseAmount(input, currency, flag);
}

export function parseRecurrence(interval: string | undefined, intervalCount: string | undefined): Recurrence | undefined {
  if (interval === undefined) {
    if (intervalCount !== undefined) throw new UsageError('--interval-count needs --interval', { hint: 'for example --interval month --interval-count 3' });
    return undefined;
  }
  const unit = validateChoice(interval, INTERVALS, '--interval');
  if (intervalCount === undefined) return { interval: unit };
  return { interval: unit, interval_count: parsePositiveInteger(intervalCount, '--interval-count', { max: MAX_INTERVAL_COUNT[unit] }) };
}
