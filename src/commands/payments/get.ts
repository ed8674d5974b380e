import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord, type Column } from '../../io/output.js';
import { idOf, paymentColumns } from '../../resources/columns.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface GetOptions {
  id: string;
  expand?: string[];
}

export const paymentDetailColumns: Column<Stripe.PaymentIntent>[] = [
  ...paymentColumns,
  {
    key: 'amount_received',
    header: 'received',
    get: (payment) => ({ amount: payment.amount_received, currency: payment.currency }),
    kind: 'money',
  },
  { key: 'payment_method', get: (payment) => idOf(payment.payment_method) },
  { key: 'capture_method' },
  { key: 'description' },
  { key: 'metadata' },
];

export function define(noun: Command, app: App): Command {
  const command = noun.command('get').argument('<id>', 'payment id (pi_...)');
  addExpandOption(command);
  describe(command, 'Show one payment (PaymentIntent)', ['payments get pi_123', 'payments get pi_123 --json --expand customer --expand latest_charge'], [0, 1, 2, 3, 4, 5]);
  return command.action(
    app.handle<{ expand?: string[] }>((ctx, [id], flags) => run({ id: validateId(id, 'payment', 'ID'), expand: parseExpand(flags.expand) }, ctx)),
  );
}

export async function run(options: GetOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const payment = await stripe.paymentIntents.retrieve(options.id, options.expand ? { expand: options.expand } : undefined);
  await printRecord(ctx.io, payment, paymentDetailColumns, ctx.output);
}
