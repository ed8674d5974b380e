import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord } from '../../io/output.js';
import { promptCheck, requireFields } from '../../resources/fields.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import { parseMetadata } from '../../resources/metadata.js';
import { parsePriceItem, parsePriceItems, type PriceItem } from '../../resources/subscriptions.js';
import { dropUndefined, parsePositiveInteger, requestOptions } from '../../resources/write.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { subscriptionDetailColumns } from './get.js';

export interface CreateOptions {
  customer?: string;
  items: PriceItem[];
  trialDays?: number;
  defaultPaymentMethod?: string;
  metadata?: Record<string, string>;
  expand?: string[];
}

interface CreateFlags {
  customer?: string;
  price: string[];
  trialDays?: string;
  defaultPaymentMethod?: string;
  metadata: string[];
  expand?: string[];
}

const EXAMPLE = 'subscriptions create --customer cus_123 --price price_123';

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('create')
    .option('--customer <id>', 'customer id (cus_...)')
    .option('--price <id[:qty]>', 'a price to subscribe to, with an optional quantity (repeatable)', collect, [])
    .option('--trial-days <n>', 'free trial length in days (1-730)')
    .option('--default-payment-method <id>', 'payment method for this subscription (pm_...); default: the customer\'s')
    .option('--metadata <key=value>', 'metadata (repeatable)', collect, []);
  addExpandOption(command);
  describe(
    command,
    'Subscribe a customer to one or more prices',
    [
      'subscriptions create --customer cus_123 --price price_123',
      'subscriptions create --customer cus_123 --price price_seats:5 --price price_support --trial-days 14',
      'subscriptions create --customer cus_123 --price price_123 --idempotency-key signup-8812 --json',
    ],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<CreateFlags>((ctx, _args, flags) =>
      run(
        {
          customer: flags.customer === undefined ? undefined : validateId(flags.customer, 'customer', '--customer'),
          items: parsePriceItems(flags.price),
          trialDays: flags.trialDays === undefined ? undefined : parsePositiveInteger(flags.trialDays, '--trial-days', { max: 730 }),
          defaultPaymentMethod:
            flags.defaultPaymentMethod === undefined ? undefined : validateId(flags.defaultPaymentMethod, 'paymentMethod', '--default-payment-method'),
          metadata: parseMetadata(flags.metadata),
          expand: parseExpand(flags.expand),
        },
        ctx,
      ),
    ),
  );
}

export async function run(options: CreateOptions, ctx: Context): Promise<void> {
  const [customer, price] = await requireFields(
    ctx,
    [
      { flag: '--customer', message: 'Customer id (cus_...)', value: options.customer, validate: promptCheck((value) => validateId(value, 'customer', 'customer')) },
      { flag: '--price', message: 'Price id (price_..., optionally :quantity)', value: options.items[0] ? 'given' : undefined, validate: promptCheck((value) => parsePriceItem(value)) },
    ],
    EXAMPLE,
  );
  const items = options.items.length ? options.items : [parsePriceItem(price)];
  const params: Stripe.SubscriptionCreateParams = dropUndefined({
    customer,
    items: items.map((item) => dropUndefined({ price: item.price, quantity: item.quantity })),
    trial_period_days: options.trialDays,
    default_payment_method: options.defaultPaymentMethod,
    metadata: options.metadata,
    expand: options.expand,
  });
  const stripe = await ctx.stripe({ write: true });
  const subscription = await stripe.subscriptions.create(params, requestOptions(ctx));
  ctx.io.err(`Created subscription ${subscription.id} for ${customer}: ${subscription.status}.`);
  if (subscription.status === 'incomplete') {
    ctx.io.err(
      `Its first invoice is unpaid: give ${customer} a payment method (or pass --default-payment-method pm_...); ` +
        'Stripe expires an incomplete subscription after 23 hours.',
    );
  }
  await printRecord(ctx.io, subscription, subscriptionDetailColumns, ctx.output);
}
