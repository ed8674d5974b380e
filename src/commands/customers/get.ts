import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord, type Column } from '../../io/output.js';
import { customerColumns } from '../../resources/columns.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface GetOptions {
  id: string;
  expand?: string[];
}

export const customerDetailColumns: Column<Stripe.Customer>[] = [
  ...customerColumns,
  { key: 'phone' },
  { key: 'description' },
  { key: 'balance' },
  { key: 'metadata' },
];

export function define(noun: Command, app: App): Command {
  const command = noun.command('get').argument('<id>', 'customer id (cus_...)');
  addExpandOption(command);
  describe(command, 'Show one customer', ['customers get cus_123', 'customers get cus_123 --json --expand invoice_settings.default_payment_method'], [0, 1, 2, 3, 4, 5]);
  return command.action(
    app.handle<{ expand?: string[] }>((ctx, [id], flags) => run({ id: validateId(id, 'customer', 'ID'), expand: parseExpand(flags.expand) }, ctx)),
  );
}

export async function run(options: GetOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const customer = await stripe.customers.retrieve(options.id, options.expand ? { expand: options.expand } : undefined);
  if ('deleted' in customer && customer.deleted) ctx.io.err(`Customer ${customer.id} is deleted.`);
  await printRecord(ctx.io, customer as Stripe.Customer, customerDetailColumns, ctx.output);
}
