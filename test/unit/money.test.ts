import { describe, expect, it } from 'vitest';
import { assertChargeable, formatAmount, parseAmount, validateCurrency } from '../../src/stripe/money.js';
import { formatError, UsageError } from '../../src/errors.js';

describe('money', () => {
  it('reads integers as minor units and decimals as major units', () => {
    expect(parseAmount('2000', 'usd')).toBe(2000);
    expect(parseAmount('20.00', 'usd')).toBe(2000);
    expect(parseAmount('20.5', 'usd')).toBe(2050);
    expect(parseAmount('1500', 'jpy')).toBe(1500);
    expect(parseAmount('1.234', 'kwd')).toBe(1234);
  });

  it('rejects bad amounts with a usage error', () => {
    for (const bad of ['-5', '0', 'abc', '1e3', '20.001', '']) {
      expect(() => parseAmount(bad, 'usd'), bad).toThrow(UsageError);
    }
    expect(() => parseAmount('15.5', 'jpy')).toThrow(/more decimals than JPY allows \(0\)/);
  });

  it('enforces Stripe minimum charge amounts per currency', () => {
    expect(() => assertChargeable(49, 'usd')).toThrow(/below Stripe's minimum charge of \$0\.50 USD/);
    expect(() => assertChargeable(50, 'usd')).not.toThrow();
    expect(() => assertChargeable(29, 'gbp')).toThrow(UsageError);
    expect(() => assertChargeable(49, 'jpy')).toThrow(/¥50 JPY/);
  });

  it('accepts only lower-case currencies Stripe supports', () => {
    expect(validateCurrency('eur')).toBe('eur');
    let error: unknown;
    try {
      validateCurrency('USD');
    } catch (caught) {
      error = caught;
    }
    expect(formatError(error)).toBe('currency "USD" must be a lower-case ISO code (use usd)');
    expect(() => validateCurrency('xyz')).toThrow(/not one Stripe supports/);
  });

  it('prints amounts with their currency', () => {
    expect(formatAmount(2000, 'usd')).toBe('$20.00 USD');
    expect(formatAmount(150000, 'jpy')).toBe('¥150,000 JPY');
    expect(formatAmount(1234, 'kwd')).toBe('1.234 KWD');
    expect(formatAmount(-505, 'eur')).toBe('-€5.05 EUR');
  });
});
