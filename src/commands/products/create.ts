import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { ExitCode, exitCodeFor, formatError, OperationError, TemporaryError, UsageError } from '../../errors.js';
import { printRecord } from '../../io/output.js';
import { validateCurrency } from '../../resources/amounts.js';
import { requireFields } from '../../resources/fields.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import { priceLabel } from '../../resources/labels.js';
import { parseMetadata } from '../../resources/metadata.js';
import { parseRecurrence, parseUnitAmount, type Recurrence } from '../../resources/prices.js';
import { dropUndefined, requestOptions, validateText } from '../../resources/write.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { productDetailColumns } from './get.js';

export interface DefaultPrice {
  unitAmount: number;
  currency: string;
  recurring?: Recurrence;
}

export interface CreateOptions {
  name?: string;
  description?: string;
  metadata?: Record<string, string>;
  price?: DefaultPrice;
  expand?: string[];
}

interface CreateFlags {
  name?: string;
  description?: string;
  metadata: string[];
  price?: string;
  currency?: string;
  interval?: string;
  intervalCount?: string;
  expand?: string[];
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('create')
    .option('--name <name>', 'product name shown to customers')
    .option('--description <text>', 'description shown to customers')
    .option('--metadata <key=value>', 'metadata (repeatable)', collect, [])
    .option('--price <amount>', 'also create its default price: 20.00 (major units) or 2000 (minor units)')
    .option('--currency <code>', 'the default price\'s currency (with --price)')
    .option('--interval <unit>', 'make the default price recurring: day, week, month or year')
    .option('--interval-count <n>', 'bill every n intervals (with --interval)');
  addExpandOption(command);
  describe(
    command,
    'Create a product, optionally with its default price in the same command',
    [
      'products create --name "Gold plan"',
      'products create --name "Gold plan" --price 20.00 --currency usd --interval month',
      'products create --name "Setup fee" --price 5000 --currency jpy --idempotency-key setup-fee-1 --json',
    ],
    [0, 1, 2, 4, 5],
  );
  return command.action(
    app.handle<CreateFlags>((ctx, _args, flags) => {
      let price: DefaultPrice | undefined;
      if (flags.price !== undefined || flags.currency !== undefined || flags.interval !== undefined || flags.intervalCount !== undefined) {
        const missing = [flags.price === undefined && '--price', flags.currency === undefined && '--currency'].filter(Boolean);
        if (missing.length) throw new UsageError(`a default price needs ${missing.join(' and ')}`, { hint: 'for example --price 20.00 --currency usd --interval month' });
        const currency = validateCurrency(flags.currency);
        price = { unitAmount: parseUnitAmount(flags.price!, currency, '--price'), currency, recurring: parseRecurrence(flags.interval, flags.intervalCount) };
      }
      return run(
        {
          name: flags.name === undefined ? undefined : validateText(flags.name, '--name', 250),
          description: flags.description === undefined ? undefined : validateText(flags.description, '--description', 40_000),
          metadata: parseMetadata(flags.metadata),
          price,
          expand: parseExpand(flags.expand),
        },
        ctx,
      );
    }),
  );
}

/**
 * Up to three writes: the product, its price, and the product's default_price. Each has its own
 * idempotency scope under the run's one key (--idempotency-key, or the run's own: see
 * stripe/writes.ts), so a run that fails half-way can be re-run and finishes without a second
 * product or price. A step that got no answer keeps exit 5, so the plain re-run reuses the key.
 */
export async function run(options: CreateOptions, ctx: Context): Promise<void> {
  const [name] = await requireFields(ctx, [{ flag: '--name', message: 'Product name', value: options.name }], 'products create --name "Gold plan"');
  validateText(name, '--name', 250);
  const keyFor = (scope: string): Stripe.RequestOptions => requestOptions(ctx, scope);
  const stripe = await ctx.stripe({ write: true });

  let product = await stripe.products.create(
    dropUndefined({ name, description: options.description, metadata: options.metadata, expand: options.price ? undefined : options.expand }),
    keyFor('product'),
  );
  ctx.io.err(`Created product ${product.id}.`);
  if (options.price) {
    const step = { price: undefined as Stripe.Price | undefined };
    try {
      step.price = await stripe.prices.create(
        dropUndefined({ product: product.id, unit_amount: options.price.unitAmount, currency: options.price.currency, recurring: options.price.recurring }),
        keyFor('price'),
      );
      product = await stripe.products.update(
        product.id,
        dropUndefined({ default_price: step.price.id, expand: options.expand }),
        keyFor('default_price'),
      );
    } catch (error) {
      const done = step.price ? `product ${product.id} and price ${step.price.id} were created, but setting the default price failed` : `product ${product.id} was created, but its price was not`;
      const Failure = exitCodeFor(error) === ExitCode.temporary ? TemporaryError : OperationError;
      throw new Failure(`${done}: ${formatError(error)}`, {
        hint: `re-run the same command with --idempotency-key ${ctx.writes.sentKey ?? ctx.idempotencyKey()} to finish without duplicates`,
        cause: error,
      });
    }
    ctx.io.err(`Created its default price ${step.price.id} (${priceLabel(step.price)}).`);
  }
  await printRecord(ctx.io, product, productDetailColumns, ctx.output);
}
