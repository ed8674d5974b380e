import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { refundColumns } from '../../resources/columns.js';
import { validateId } from '../../resources/ids.js';
import { addListOptions, pageParams, parsePageOptions, streamList, type ListFlags, type PageOptions } from '../../resources/list.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface RefundsListOptions {
  payment?: string;
  page: PageOptions;
}

/** `payments refunds list`: the refunds noun lives under payments, as refunds belong to one. */
export function define(noun: Command, app: App): Command {
  const refunds = noun.command('refunds');
  describe(refunds, 'Refunds of payments: refunds list', ['payments refunds list --payment pi_123'], [0, 1, 2, 3, 4, 5]);
  const command = refunds.command('list').option('--payment <id>', 'only refunds of this payment (pi_...)');
  addListOptions(command, { cursor: 'refund' });
  describe(
    command,
    'List refunds, newest first',
    ['payments refunds list --payment pi_123', 'payments refunds list --created-after 2026-11-01 --all --format csv'],
    [0, 1, 2, 3, 4, 5],
  );
  command.action(
    app.handle<ListFlags & { payment?: string }>((ctx, _args, flags) =>
      run({ payment: flags.payment === undefined ? undefined : validateId(flags.payment, 'payment', '--payment'), page: parsePageOptions(flags, 'refund') }, ctx),
    ),
  );
  return refunds;
}

export async function run(options: RefundsListOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const params: Stripe.RefundListParams = pageParams(options.page);
  if (options.payment) params.payment_intent = options.payment;
  await streamList(ctx, stripe.refunds.list(params), refundColumns, options.page, { noun: 'refunds' });
}
