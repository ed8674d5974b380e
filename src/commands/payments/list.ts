import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { paymentColumns } from '../../resources/columns.js';
import { validateId } from '../../resources/ids.js';
import { addListOptions, pageParams, parsePageOptions, streamList, type ListFlags, type PageOptions } from '../../resources/list.js';
import { validateChoice } from '../../resources/write.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export const PAYMENT_STATUSES = [
  'requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'canceled', 'succeeded',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface ListOptions {
  customer?: string;
  status?: PaymentStatus;
  page: PageOptions;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('list')
    .option('--customer <id>', 'only this customer\'s payments (cus_...)')
    .option('--status <status>', `only payments in this status: ${PAYMENT_STATUSES.join(', ')}`);
  addListOptions(command, { cursor: 'payment' });
  describe(
    command,
    'List payments (PaymentIntents), newest first',
    [
      'payments list --customer cus_123',
      'payments list --status requires_capture --all',
      'payments list --created-after 2026-11-01 --format csv > november.csv',
      'payments list --limit 5 --json --expand customer',
    ],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<ListFlags & { customer?: string; status?: string }>((ctx, _args, flags) =>
      run(
        {
          customer: flags.customer === undefined ? undefined : validateId(flags.customer, 'customer', '--customer'),
          status: flags.status === undefined ? undefined : validateChoice(flags.status, PAYMENT_STATUSES, '--status'),
          page: parsePageOptions(flags, 'payment'),
        },
        ctx,
      ),
    ),
  );
}

export async function run(options: ListOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  // Stripe's list endpoint has no status filter: pages are read in full and filtered here.
  const params: Stripe.PaymentIntentListParams = pageParams(options.page, { filtered: Boolean(options.status) });
  if (options.customer) params.customer = options.customer;
  await streamList(ctx, stripe.paymentIntents.list(params), paymentColumns, options.page, {
    noun: 'payments',
    filter: options.status ? (payment) => payment.status === options.status : undefined,
  });
}
