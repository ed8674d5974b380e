/**
 * Every validation rule of the resource commands, through the built binary: exit 2, one line on
 * stderr, and not one request reached the emulator (its request counter stays at zero).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { withEmulator } from '../helpers/emulator.js';
import { cli } from '../resources/e2e-helpers.js';

const emulator = withEmulator();
const long = (n: number) => 'x'.repeat(n);
const fiftyOneKeys = Array.from({ length: 51 }, (_, i) => ['--metadata', `k${i}=v`]).flat();

const cases: Array<[string, string[], RegExp]> = [
  // currency: supported, lower-case ISO
  ['upper-case currency', ['payments', 'create', '--amount', '20.00', '--currency', 'USD'], /currency "USD" must be a lower-case ISO code \(use usd\)/],
  ['unsupported currency', ['payments', 'create', '--amount', '20.00', '--currency', 'xyz'], /currency "xyz" is not one Stripe supports/],
  ['unsupported price currency', ['prices', 'create', '--product', 'prod_1', '--amount', '5', '--currency', 'abc'], /not one Stripe supports/],
  // amounts: positive integer minor units or decimal major units, exponent, minimum
  ['negative amount', ['payments', 'create', '--amount', '-5', '--currency', 'usd'], /--amount "-5" is not a positive amount/],
  ['zero amount', ['payments', 'create', '--amount', '0', '--currency', 'usd'], /not a positive amount/],
  ['words for an amount', ['payments', 'create', '--amount', 'twenty', '--currency', 'usd'], /not a positive amount/],
  ['below the USD minimum', ['payments', 'create', '--amount', '0.49', '--currency', 'usd'], /below Stripe's minimum charge of \$0\.50 USD/],
  ['below the USD minimum in minor units', ['payments', 'create', '--amount', '49', '--currency', 'usd'], /minimum charge of \$0\.50 USD/],
  ['below the JPY minimum', ['payments', 'create', '--amount', '49', '--currency', 'jpy'], /minimum charge of ¥50 JPY/],
  ['decimals on a zero-decimal currency', ['payments', 'create', '--amount', '1500.5', '--currency', 'jpy'], /more decimals than JPY allows \(0\)/],
  ['decimals on KRW', ['payments', 'create', '--amount', '1000.1', '--currency', 'krw'], /more decimals than KRW allows/],
  ['three decimals on USD', ['payments', 'create', '--amount', '20.001', '--currency', 'usd'], /more decimals than USD allows \(2\)/],
  ['three-decimal currency not ending in 0', ['payments', 'create', '--amount', '1.235', '--currency', 'kwd'], /must end in 0/],
  ['over the maximum', ['payments', 'create', '--amount', '100000000', '--currency', 'usd'], /exceeds Stripe's maximum/],
  ['bad refund amount', ['payments', 'refund', 'pi_123', '--amount', '5,00', '--yes'], /--amount "5,00" is not a positive amount/],
  ['bad capture amount', ['payments', 'capture', 'pi_123', '--amount', '-1'], /not a positive amount/],
  ['bad default price', ['products', 'create', '--name', 'Gold', '--price', '1.234', '--currency', 'usd'], /more decimals than USD allows/],
  ['price without currency', ['products', 'create', '--name', 'Gold', '--price', '20.00'], /a default price needs --currency/],
  // ids and their prefixes
  ['customer id prefix', ['customers', 'get', 'cust_123'], /ID "cust_123" is not a customer id \(customer ids start with cus_\)/],
  ['payment id prefix', ['payments', 'get', 'ch_123'], /is not a payment id \(payment ids start with pi_\)/],
  ['subscription id prefix', ['subscriptions', 'get', 'si_123'], /not a subscription id \(subscription ids start with sub_\)/],
  ['product id prefix', ['products', 'get', 'price_123'], /not a product id \(product ids start with prod_\)/],
  ['price id prefix', ['prices', 'get', 'prod_123'], /not a price id \(price ids start with price_\)/],
  ['refund list payment prefix', ['payments', 'refunds', 'list', '--payment', 're_123'], /--payment "re_123" is not a payment id/],
  ['refund cursor prefix', ['payments', 'refunds', 'list', '--starting-after', 'pi_123'], /--starting-after "pi_123" is not a refund id \(refund ids start with re_\)/],
  ['customer flag prefix', ['payments', 'create', '--amount', '20.00', '--currency', 'usd', '--customer', 'jane'], /--customer "jane" is not a customer id/],
  ['price flag prefix', ['subscriptions', 'create', '--customer', 'cus_1', '--price', 'prod_1'], /--price "prod_1" is not a price id/],
  ['delete with a wrong id', ['customers', 'delete', 'sub_123', '--yes'], /not a customer id/],
  ['refund with a wrong id', ['payments', 'refund', 'ch_123', '--yes'], /not a payment id/],
  ['archive with a wrong id', ['prices', 'archive', 'price-123', '--yes'], /not a price id/],
  // metadata limits
  ['51 metadata keys', ['customers', 'create', '--email', 'a@b.co', ...fiftyOneKeys], /51 keys; Stripe allows 50/],
  ['41-character metadata key', ['customers', 'create', '--email', 'a@b.co', '--metadata', `${long(41)}=v`], /41 characters; Stripe allows 40/],
  ['501-character metadata value', ['products', 'create', '--name', 'Gold', '--metadata', `k=${long(501)}`], /501 characters; Stripe allows 500/],
  ['metadata without =', ['subscriptions', 'update', 'sub_1', '--metadata', 'plan'], /--metadata "plan" is not key=value/],
  // other inputs
  ['bad email', ['customers', 'create', '--email', 'jane.example.com'], /--email "jane.example.com" is not an email address/],
  ['bad limit', ['customers', 'list', '--limit', '0'], /--limit "0" must be a positive whole number/],
  ['bad date', ['payments', 'list', '--created-after', 'last week'], /--created-after "last week" is not a date/],
  ['reversed dates', ['customers', 'list', '--created-after', '2026-02-01', '--created-before', '2026-01-01'], /earlier than --created-before/],
  ['bad payment status', ['payments', 'list', '--status', 'paid'], /--status "paid" is not one of/],
  ['bad subscription status', ['subscriptions', 'list', '--status', 'live'], /--status "live" is not one of/],
  ['bad interval', ['prices', 'create', '--product', 'prod_1', '--amount', '5.00', '--currency', 'usd', '--interval', 'fortnight'], /--interval "fortnight" is not one of/],
  ['interval count over three years', ['prices', 'create', '--product', 'prod_1', '--amount', '5.00', '--currency', 'usd', '--interval', 'year', '--interval-count', '4'], /between 1 and 3/],
  ['bad quantity', ['subscriptions', 'create', '--customer', 'cus_1', '--price', 'price_1:0'], /quantity "0" must be a whole number/],
  ['trial too long', ['subscriptions', 'create', '--customer', 'cus_1', '--price', 'price_1', '--trial-days', '731'], /--trial-days "731" must be a whole number between 1 and 730/],
  ['bad proration', ['subscriptions', 'update', 'sub_1', '--quantity', '2', '--proration-behavior', 'sometimes'], /--proration-behavior "sometimes" is not one of/],
  ['nothing to update', ['customers', 'update', 'cus_1'], /nothing to update/],
  ['bad refund reason', ['payments', 'refund', 'pi_1', '--reason', 'because', '--yes'], /--reason "because" is not one of duplicate, fraudulent, requested_by_customer/],
  ['bad cancel reason', ['payments', 'cancel', 'pi_1', '--reason', 'because', '--yes'], /--reason "because" is not one of/],
  ['bad capture method', ['payments', 'create', '--amount', '20.00', '--currency', 'usd', '--capture-method', 'later'], /--capture-method "later" is not one of automatic, manual/],
  ['unquoted search value', ['customers', 'search', 'email:jane@example.com'], /search value "jane@example.com" must be quoted/],
  ['active and archived', ['products', 'list', '--active', '--archived'], /--active and --archived exclude each other/],
  // missing fields without a TTY: one error naming every missing flag
  ['missing payment fields', ['payments', 'create'], /missing --currency, --amount/],
  ['missing subscription fields', ['subscriptions', 'create'], /missing --customer, --price/],
  ['missing price fields', ['prices', 'create', '--currency', 'usd'], /missing --product, --amount/],
  ['missing product name', ['products', 'create'], /missing --name/],
  ['missing customer fields', ['customers', 'create'], /missing --email or --name/],
  // destructive verbs without --yes and without a TTY
  ['delete without --yes', ['customers', 'delete', 'cus_1'], /refusing to delete customer cus_1 without confirmation \(pass --yes\)/],
  ['refund without --yes', ['payments', 'refund', 'pi_1'], /refusing to refund payment pi_1 without confirmation/],
  ['cancel payment without --yes', ['payments', 'cancel', 'pi_1'], /refusing to cancel payment pi_1/],
  ['cancel subscription without --yes', ['subscriptions', 'cancel', 'sub_1'], /refusing to cancel subscription sub_1/],
  ['archive product without --yes', ['products', 'archive', 'prod_1'], /refusing to archive product prod_1/],
  ['delete product without --yes', ['products', 'delete', 'prod_1'], /refusing to delete product prod_1/],
  ['archive price without --yes', ['prices', 'archive', 'price_1'], /refusing to archive price price_1/],
  // the live-mode guard
  ['live key without --live', ['customers', 'create', '--email', 'a@b.co', '--api-key', 'sk_live_abcdefghijklmnop'], /this write would use a live-mode key \(sk_live_…mnop\) \(pass --live/],
];

describe('validation before any request', () => {
  beforeAll(() => emulator.current.control.resetRequests());

  it.each(cases)('%s: exit 2, one line, nothing sent', async (_name, args, message) => {
    const before = emulator.current.control.requests().total;
    const result = await cli(emulator.current, args);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stdout).toBe('');
    expect(emulator.current.control.requests().total).toBe(before);
  });

  it('sent nothing across every case', () => {
    expect(emulator.current.control.requests().total).toBe(0);
  });
});
