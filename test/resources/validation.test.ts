import { describe, it, expect } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { checkAmountSyntax, parseChargeAmount, parsePartialAmount } from '../../src/resources/amounts.js';
import { validateId } from '../../src/resources/ids.js';
import { capOf, pageParams, parseExpand, parseLimit, parsePageOptions } from '../../src/resources/list.js';
import { parseMetadata } from '../../src/resources/metadata.js';
import { parseRecurrence, parseUnitAmount } from '../../src/resources/prices.js';
import { validateQuery } from '../../src/resources/search.js';
import { parsePriceItem, parsePriceItems } from '../../src/resources/subscriptions.js';
import { parseCreatedRange, parseTimestamp } from '../../src/resources/time.js';
import { validateEmail } from '../../src/resources/write.js';

/** Runs `fn` expecting a UsageError (exit 2) whose one-line message matches. */
function usage(fn: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a usage error').toBeInstanceOf(Error);
  expect((thrown as { exitCode?: number }).exitCode).toBe(ExitCode.usage);
  expect((thrown as Error).message).toMatch(message);
  expect((thrown as Error).message).not.toContain('\n');
}

describe('ids', () => {
  it('accepts each noun\'s prefix', () => {
    expect(validateId('cus_123abc', 'customer', 'ID')).toBe('cus_123abc');
    expect(validateId('pi_3Abc', 'payment', 'ID')).toBe('pi_3Abc');
    expect(validateId('sub_1', 'subscription', 'ID')).toBe('sub_1');
    expect(validateId('prod_1', 'product', 'ID')).toBe('prod_1');
    expect(validateId('price_1', 'price', 'ID')).toBe('price_1');
    expect(validateId('re_1', 'refund', 'ID')).toBe('re_1');
    expect(validateId('pm_card_visa', 'paymentMethod', '--payment-method')).toBe('pm_card_visa');
  });

  it('rejects a missing or wrong prefix, naming the input and the expected prefix', () => {
    usage(() => validateId('cus123', 'customer', 'ID'), /ID "cus123" is not a customer id/);
    usage(() => validateId('pi_123', 'customer', '--customer'), /--customer "pi_123" is not a customer id/);
    usage(() => validateId('sub_', 'subscription', 'ID'), /not a subscription id/);
    usage(() => validateId('prod_a/b', 'product', 'ID'), /not a product id/);
    usage(() => validateId('price_1 2', 'price', '--price'), /not a price id/);
    usage(() => validateId('ch_1', 'payment', 'ID'), /not a payment id/);
    usage(() => validateId('', 'refund', 'ID'), /ID is required/);
  });
});

describe('metadata', () => {
  it('parses key=value pairs, keeping = inside values', () => {
    expect(parseMetadata(['plan=gold', 'note=a=b'])).toEqual({ plan: 'gold', note: 'a=b' });
    expect(parseMetadata([])).toBeUndefined();
  });

  it('enforces Stripe\'s limits: 50 keys, 40-character keys, 500-character values', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `k${i}=v`);
    expect(Object.keys(parseMetadata(fifty)!)).toHaveLength(50);
    usage(() => parseMetadata([...fifty, 'k50=v']), /51 keys; Stripe allows 50/);
    expect(parseMetadata([`${'k'.repeat(40)}=v`])).toBeDefined();
    usage(() => parseMetadata([`${'k'.repeat(41)}=v`]), /41 characters; Stripe allows 40/);
    expect(parseMetadata([`k=${'v'.repeat(500)}`])).toBeDefined();
    usage(() => parseMetadata([`k=${'v'.repeat(501)}`]), /501 characters; Stripe allows 500/);
    usage(() => parseMetadata(['novalue']), /is not key=value/);
    usage(() => parseMetadata(['=v']), /is not key=value/);
    usage(() => parseMetadata(['a[b]=v']), /square brackets/);
  });

  it('allows an empty value (removal) only on update', () => {
    usage(() => parseMetadata(['plan=']), /empty value/);
    expect(parseMetadata(['plan='], { allowUnset: true })).toEqual({ plan: '' });
  });
});

describe('created ranges', () => {
  it('reads ISO dates as UTC midnight, date-times, and unix seconds', () => {
    expect(parseTimestamp('2026-01-31', '--created-after')).toBe(Date.UTC(2026, 0, 31) / 1000);
    expect(parseTimestamp('2026-01-31T12:30:00Z', '--created-after')).toBe(Date.UTC(2026, 0, 31, 12, 30) / 1000);
    expect(parseTimestamp('2026-01-31T12:30:00+02:00', '--created-after')).toBe(Date.UTC(2026, 0, 31, 10, 30) / 1000);
    expect(parseTimestamp('1767225600', '--created-after')).toBe(1767225600);
  });

  it('is half-open [after, before) and rejects nonsense', () => {
    expect(parseCreatedRange('2026-01-01', '2026-02-01')).toEqual({ gte: 1767225600, lt: 1769904000 });
    expect(parseCreatedRange(undefined, undefined)).toBeUndefined();
    usage(() => parseCreatedRange('yesterday', undefined), /--created-after "yesterday" is not a date/);
    usage(() => parseCreatedRange(undefined, '2026-13-45'), /--created-before "2026-13-45" is not a date/);
    usage(() => parseCreatedRange('2026-02-01', '2026-01-01'), /earlier than --created-before/);
  });
});

describe('amounts', () => {
  it('converts major units with the currency exponent and keeps integers as minor units', () => {
    expect(parseChargeAmount('20.00', 'usd')).toBe(2000);
    expect(parseChargeAmount('2000', 'usd')).toBe(2000);
    expect(parseChargeAmount('1500', 'jpy')).toBe(1500);
    expect(parseChargeAmount('1.230', 'kwd')).toBe(1230);
  });

  it('enforces the per-currency minimum, zero-decimal and three-decimal rules', () => {
    usage(() => parseChargeAmount('0.49', 'usd'), /below Stripe's minimum charge of \$0\.50 USD/);
    expect(parseChargeAmount('0.50', 'usd')).toBe(50);
    usage(() => parseChargeAmount('0.29', 'gbp'), /minimum charge of £0\.30 GBP/);
    usage(() => parseChargeAmount('49', 'jpy'), /minimum charge of ¥50 JPY/);
    usage(() => parseChargeAmount('10.5', 'jpy'), /more decimals than JPY allows \(0\)/);
    usage(() => parseChargeAmount('1.5', 'krw'), /more decimals than KRW allows/);
    usage(() => parseChargeAmount('1.235', 'kwd'), /must end in 0/);
    usage(() => parseChargeAmount('-5', 'usd'), /not an amount/);
    usage(() => parseChargeAmount('0', 'usd'), /positive amount/);
    usage(() => parseChargeAmount('20,00', 'usd'), /not an amount/);
  });

  it('checks an amount\'s shape before the currency is known, and a partial amount against what is left', () => {
    expect(checkAmountSyntax('5.00')).toBe('5.00');
    usage(() => checkAmountSyntax('five'), /not a positive amount/);
    usage(() => checkAmountSyntax('0.00'), /not a positive amount/);
    expect(parsePartialAmount('5.00', 'usd', 2000, '--amount', 'left to refund')).toBe(500);
    usage(() => parsePartialAmount('21.00', 'usd', 2000, '--amount', 'left to refund'), /\$21\.00 USD is more than the \$20\.00 USD left to refund/);
  });

  it('allows a free price but no negative or malformed unit amount', () => {
    expect(parseUnitAmount('0', 'usd')).toBe(0);
    expect(parseUnitAmount('0.00', 'usd')).toBe(0);
    expect(parseUnitAmount('0.10', 'usd')).toBe(10);
    usage(() => parseUnitAmount('abc', 'usd', '--price'), /--price "abc" is not an amount/);
  });
});

describe('prices and items', () => {
  it('parses intervals within Stripe\'s three-year limit', () => {
    expect(parseRecurrence('month', undefined)).toEqual({ interval: 'month' });
    expect(parseRecurrence('month', '3')).toEqual({ interval: 'month', interval_count: 3 });
    usage(() => parseRecurrence('fortnight', undefined), /--interval "fortnight" is not one of day, week, month, year/);
    usage(() => parseRecurrence('month', '37'), /between 1 and 36/);
    usage(() => parseRecurrence(undefined, '2'), /--interval-count needs --interval/);
  });

  it('parses --price ID[:QTY] and refuses duplicates', () => {
    expect(parsePriceItem('price_1')).toEqual({ price: 'price_1' });
    expect(parsePriceItem('price_1:3')).toEqual({ price: 'price_1', quantity: 3 });
    usage(() => parsePriceItem('price_1:0'), /quantity/);
    usage(() => parsePriceItem('price_1:x'), /quantity/);
    usage(() => parsePriceItem('prod_1'), /not a price id/);
    usage(() => parsePriceItems(['price_1', 'price_1:2']), /given twice/);
  });
});

describe('list flags', () => {
  it('caps totals and reads whole pages only when needed', () => {
    const page = parsePageOptions({ limit: '250', all: false, startingAfter: 'cus_9', createdAfter: '2026-01-01', expand: ['customer'] }, 'customer');
    expect(capOf(page)).toBe(250);
    expect(pageParams(page)).toEqual({ limit: 100, starting_after: 'cus_9', created: { gte: 1767225600 }, expand: ['data.customer'] });
    expect(pageParams(parsePageOptions({ limit: '5' }))).toEqual({ limit: 5 });
    expect(pageParams(parsePageOptions({ limit: '5' }), { filtered: true })).toEqual({ limit: 100 });
    expect(capOf(parsePageOptions({ all: true }))).toBe(Number.POSITIVE_INFINITY);
    expect(capOf(parsePageOptions({}))).toBe(10);
  });

  it('rejects bad limits, cursors and expansions', () => {
    usage(() => parseLimit('0'), /--limit "0" must be a positive whole number/);
    usage(() => parseLimit('ten'), /positive whole number/);
    usage(() => parsePageOptions({ startingAfter: 'pi_1' }, 'customer'), /--starting-after "pi_1" is not a customer id/);
    usage(() => parseExpand(['customer;drop']), /not a field path/);
  });
});

describe('search queries and emails', () => {
  it('accepts Stripe queries and catches values a shell unquoted', () => {
    expect(validateQuery("email:'jane@example.com'")).toBe("email:'jane@example.com'");
    expect(validateQuery("status:'succeeded' AND amount>=1000")).toContain('amount>=1000');
    expect(validateQuery("metadata['plan']:'gold'")).toContain('gold');
    usage(() => validateQuery('email:jane@example.com'), /search value "jane@example.com" must be quoted/);
    usage(() => validateQuery('   '), /search query is empty/);
  });

  it('validates emails', () => {
    expect(validateEmail('jane@example.com')).toBe('jane@example.com');
    usage(() => validateEmail('jane.example.com'), /--email "jane.example.com" is not an email address/);
  });
});
