import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord } from '../../io/output.js';
import { checkAmountSyntax, validateCurrency } from '../../resources/amounts.js';
import { promptCheck, requireFields } from '../../resources/fields.js';
import { validateId } from '../../resources/ids.js';
import { priceLabel } from '../../resources/labels.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import { parseMetadata } from '../../resources/metadata.js';
import { parseRecurrence, parseUnitAmount, type Recurrence } from '../../resources/prices.js';
import { dropUndefined, requestOptions, validateText } from '../../resources/write.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { priceDetailColumns } from './get.js';

export interface CreateOptions {
  product?: string;
  /** As typed; asked for on a TTY when missing. */
  amount?: string;
  currency?: string;
  recurring?: Recurrence;
  nickname?: string;
  metadata?: Record<string, string>;
  expand?: string[];
}

interface CreateFlags {
  product?: string;
  amount?: string;
  currency?: string;
  interval?: string;
  intervalCount?: string;
  nickname?: string;
  metadata: string[];
  expand?: string[];
}

const EXAMPLE = 'prices create --product prod_123 --amount 20.00 --currency usd --interval month';

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('create')
    .option('--product <id>', 'product id (prod_...)')
    .option('--amount <amount>', 'unit amount: 20.00 (major units), 2000 (minor units), or 0 for free')
    .option('--currency <code>', 'lower-case ISO currency code, e.g. usd')
    .option('--interval <unit>', 'recurring: day, week, month or year (default: one-time)')
    .option('--interval-count <n>', 'bill every n intervals (with --interval)')
    .option('--nickname <text>', 'internal name')
    .option('--metadata <key=value>', 'metadata (repeatable)', collect, []);
  addExpandOption(command);
  describe(
    command,
    'Create a price for a product, one-time or recurring',
    ['prices create --product prod_123 --amount 20.00 --currency usd --interval month', 'prices create --product prod_123 --amount 200.00 --currency eur --interval month --interval-count 12', 'prices create --product prod_123 --amount 5000 --currency jpy --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<CreateFlags>((ctx, _args, flags) => {
      const currency = flags.currency === undefined ? undefined : validateCurrency(flags.currency);
      const amount = flags.amount === undefined ? undefined : flags.amount.trim() === '0' ? '0' : checkAmountSyntax(flags.amount);
      if (amount !== undefined && currency !== undefined) parseUnitAmount(amount, currency);
      return run(
        {
          product: flags.product === undefined ? undefined : validateId(flags.product, 'product', '--product'),
          amount,
          currency,
          recurring: parseRecurrence(flags.interval, flags.intervalCount),
          nickname: flags.nickname === undefined ? undefined : validateText(flags.nickname, '--nickname', 250),
          metadata: parseMetadata(flags.metadata),
          expand: parseExpand(flags.expand),
        },
        ctx,
      );
    }),
  );
}

export async function run(options: CreateOptions, ctx: Context): Promise<void> {
  const [product, currencyText, amountText] = await requireFields(
    ctx,
    [
      { flag: '--product', message: 'Product id (prod_...)', value: options.product, validate: promptCheck((value) => validateId(value, 'product', 'product')) },
      { flag: '--currency', message: 'Currency (e.g. usd)', value: options.currency, validate: promptCheck((value) => validateCurrency(value)) },
      {
        flag: '--amount',
        message: 'Unit amount',
        ask: (answers) => `Unit amount in ${answers['--currency'].toUpperCase()} (20.00, or 2000 in minor units)`,
        value: options.amount,
        validate: promptCheck((value, answers) => parseUnitAmount(value, answers['--currency'])),
      },
    ],
    EXAMPLE,
  );
  const currency = validateCurrency(currencyText);
  const params: Stripe.PriceCreateParams = dropUndefined({
    product,
    unit_amount: parseUnitAmount(amountText, currency),
    currency,
    recurring: options.recurring,
    nickname: options.nickname,
    metadata: options.metadata,
    expand: options.expand,
  });
  const stripe = await ctx.stripe({ write: true });
  const price = await stripe.prices.create(params, requestOptions(ctx));
  ctx.io.err(`Created price ${price.id} (${priceLabel(price)}) for ${product}.`);
  await printRecord(ctx.io, price, priceDetailColumns, ctx.output);
}
