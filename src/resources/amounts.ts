/**
 * Amounts as typed on the command line, on top of src/stripe/money.ts: a charge must reach Stripe's
 * per-currency minimum, and three-decimal currencies (BHD, JOD, KWD, OMR, TND) must end in 0
 * because Stripe rounds their charges to two decimals.
 */
import { UsageError } from '../errors.js';
import { assertChargeable, formatAmount, parseAmount, THREE_DECIMAL, validateCurrency } from '../stripe/money.js';

/** A charge: parsed, at least Stripe's minimum, and a whole hundredth for three-decimal currencies. */
export function parseChargeAmount(input: string, currency: string, flag = '--amount'): number {
  const amount = parseAmount(input, currency, flag);
  assertChargeable(amount, currency, flag);
  assertChargeRounding(amount, currency, flag);
  return amount;
}

export function assertChargeRounding(amount: number, currency: string, flag = '--amount'): void {
  if (THREE_DECIMAL.has(currency.toLowerCase()) && amount % 10 !== 0) {
    throw new UsageError(`${flag} ${formatAmount(amount, currency)} must end in 0: Stripe charges ${currency.toUpperCase()} in multiples of 10 minor units`);
  }
}

/**
 * Checks an amount's shape before the currency is known (capture and refund take the currency from
 * the payment): the full conversion happens once the payment has been read, before any write.
 */
export function checkAmountSyntax(input: string, flag = '--amount'): string {
  const text = input.trim();
  if (!/^(\d+|\d*\.\d+)$/.test(text) || Number(text) <= 0) {
    throw new UsageError(`${flag} "${input}" is not a positive amount`, { hint: 'use 2000 (minor units) or 20.00' });
  }
  return text;
}

/** A partial amount (capture, refund): parsed in the payment's currency and no more than is available. */
export function parsePartialAmount(input: string, currency: string, available: number, flag: string, what: string): number {
  const amount = parseAmount(input, currency, flag);
  if (amount > available) {
    throw new UsageError(`${flag} ${formatAmount(amount, currency)} is more than the ${formatAmount(available, currency)} ${what}`);
  }
  return amount;
}

export { validateCurrency };
