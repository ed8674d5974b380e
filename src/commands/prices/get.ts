import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord, type Column } from '../../io/output.js';
import { priceColumns } from '../../resources/columns.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface GetOptions {
  id: string;
  expand?: string[];
}

export const priceDetailColumns: Column<Stripe.Price>[] = [
  ...priceColumns,
  { key: 'type' },
  { key: 'nickname' },
  { key: 'created', kind: 'time' },
  { key: 'metadata' },
];

export function define(noun: Command, app: App): Command {
  const command = noun.command('get').argument('<id>', 'price id (price_...)');
  addExpandOption(command);
  describe(command, 'Show one price', ['prices get price_123', 'prices get price_123 --json --expand product'], [0, 1, 2, 3, 4, 5]);
  return command.action(
    app.handle<{ expand?: string[] }>((ctx, [id], flags) => run({ id: validateId(id, 'price', 'ID'), expand: parseExpand(flags.expand) }, ctx)),
  );
}

export async function run(options: GetOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const price = await stripe.prices.retrieve(options.id, options.expand ? { expand: options.expand } : undefined);
  await printRecord(ctx.io, price, priceDetailColumns, ctx.output);
}
