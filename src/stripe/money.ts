/**
 * Money: Stripe amounts are integers in the currency's minor unit. This module converts between
 * what people type (`20.00`, `1500 jpy`) and what Stripe takes, and prints `$20.00 USD`.
 */
import { UsageError } from '../errors.js';

/** Stripe's presentment currencies (lower-case ISO 4217), from Stripe's supported-currencies page. */
export const SUPPORTED_CURRENCIES = new Set(
  (
    'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd cad cdf chf clp ' +
    'cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk ' +
    'jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn ' +
    'nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std ' +
    'szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw'
  ).split(' '),
);

/** Currencies with no minor unit: the amount is in whole units. */
export const ZERO_DECIMAL = new Set('bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '));
/** Currencies with three decimals (Stripe requires the last digit to be 0 for charges). */
export const THREE_DECIMAL = new Set('bhd jod kwd omr tnd'.split(' '));

/**
 * Stripe's published minimum charge amounts, in minor units. Currencies not listed here are
 * charged as their USD equivalent of 0.50, which needs an exchange rate: only > 0 is enforced.
 */
export const MINIMUM_CHARGE: Record<string, number> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250, eur: 50, gbp: 30,
  hkd: 400, huf: 17500, inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50, pln: 200, ron: 200,
  sek: 300, sgd: 50, thb: 1000,
};

const SYMBOLS: Record<string, string> = {
  usd: '$', eur: '€', gbp: '£', jpy: '¥', cad: 'CA$', aud: 'A$', chf: 'CHF ', inr: '₹', krw: '₩', cny: 'CN¥',
  brl: 'R$', mxn: 'MX$', nzd: 'NZ$', hkd: 'HK$', sgd: 'S$', sek: 'SEK ', nok: 'NOK ', dkk: 'DKK ', pln: 'PLN ',
};

export function currencyExponent(currency: string): number {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL.has(c)) return 0;
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

export function validateCurrency(currency: string | undefined, flag = '--currency'): string {
  if (!currency) throw new UsageError(`${flag} is required`, { hint: 'for example --currency usd' });
  if (currency !== currency.toLowerCase()) {
    throw new UsageError(`currency "${currency}" must be a lower-case ISO code`, { hint: `use ${currency.toLowerCase()}` });
  }
  if (!SUPPORTED_CURRENCIES.has(currency)) {
    throw new UsageError(`currency "${currency}" is not one Stripe supports`, { hint: 'see https://stripe.com/docs/currencies' });
  }
  return currency;
}

/**
 * Parses an amount typed by a person. An integer is minor units (`2000` usd = $20.00); a decimal is
 * major units converted with the currency's exponent (`20.00` usd = 2000; `1500` jpy = ¥1500).
 */
export function parseAmount(input: string | number | undefined, currency: string, flag = '--amount'): number {
  if (input === undefined || input === '') throw new UsageError(`${flag} is required`, { hint: 'for example --amount 20.00' });
  const text = String(input).trim();
  const exponent = currencyExponent(currency);
  let minor: number;
  if (/^\d+$/.test(text)) {
    minor = Number(text);
  } else if (/^\d*\.\d+$/.test(text)) {
    const [whole, fraction] = text.split('.');
    if (fraction.length > exponent) {
      throw new UsageError(`${flag} ${text} has more decimals than ${currency.toUpperCase()} allows (${exponent})`);
    }
    minor = Number(whole || '0') * 10 ** exponent + Number(fraction.padEnd(exponent, '0') || '0');
  } else {
    throw new UsageError(`${flag} "${text}" is not an amount`, { hint: 'use a positive number such as 2000 (minor units) or 20.00' });
  }
  if (!Number.isSafeInteger(minor) || minor <= 0) {
    throw new UsageError(`${flag} must be a positive amount`, { hint: `got ${text}` });
  }
  if (minor > 99_999_999) throw new UsageError(`${flag} ${text} exceeds Stripe's maximum of 99999999 minor units`);
  return minor;
}

/** Enforces Stripe's minimum charge for PaymentIntents and one-time charges. */
export function assertChargeable(amount: number, currency: string, flag = '--amount'): void {
  const minimum = MINIMUM_CHARGE[currency.toLowerCase()];
  if (minimum !== undefined && amount < minimum) {
    throw new UsageError(
      `${flag} ${formatAmount(amount, currency)} is below Stripe's minimum charge of ${formatAmount(minimum, currency)}`,
    );
  }
}

/** `$20.00 USD`, `¥1,500 JPY`, `12.345 KWD`. */
export function formatAmount(amount: number, currency: string): string {
  const c = (currency || '').toLowerCase();
  const exponent = currencyExponent(c);
  const negative = amount < 0;
  const abs = Math.abs(amount);
  const whole = Math.floor(abs / 10 ** exponent).toLocaleString('en-US');
  const fraction = exponent ? `.${String(abs % 10 ** exponent).padStart(exponent, '0')}` : '';
  return `${negative ? '-' : ''}${SYMBOLS[c] ?? ''}${whole}${fraction} ${c.toUpperCase()}`;
}
