import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord, type Column } from '../../io/output.js';
import { productColumns } from '../../resources/columns.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface GetOptions {
  id: string;
  expand?: string[];
}

export const productDetailColumns: Column<Stripe.Product>[] = [
  ...productColumns,
  { key: 'description' },
  { key: 'created', kind: 'time' },
  { key: 'metadata' },
];

export function define(noun: Command, app: App): Command {
  const command = noun.command('get').argument('<id>', 'product id (prod_...)');
  addExpandOption(command);
  describe(command, 'Show one product', ['products get prod_123', 'products get prod_123 --json --expand default_price'], [0, 1, 2, 3, 4, 5]);
  return command.action(
    app.handle<{ expand?: string[] }>((ctx, [id], flags) => run({ id: validateId(id, 'product', 'ID'), expand: parseExpand(flags.expand) }, ctx)),
  );
}

export async function run(options: GetOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const product = await stripe.products.retrieve(options.id, options.expand ? { expand: options.expand } : undefined);
  await printRecord(ctx.io, product, productDetailColumns, ctx.output);
}
