import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { printRecord } from '../../io/output.js';
import { idOf } from '../../resources/columns.js';
import { confirmDestructive } from '../../resources/confirm.js';
import { validateId } from '../../resources/ids.js';
import { priceLabel } from '../../resources/labels.js';
import { requestOptions } from '../../resources/write.js';
import type { App } from '../app.js';
import { describe } from '../help.js';
import { priceDetailColumns } from './get.js';

export interface ArchiveOptions {
  id: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('archive').argument('<id>', 'price id (price_...)');
  describe(
    command,
    'Archive a price: no new purchases, existing subscriptions keep it; asks first, or needs --yes',
    ['prices archive price_123', 'prices archive price_123 --yes --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(app.handle((ctx, [id]) => run({ id: validateId(id, 'price', 'ID') }, ctx)));
}

export async function run(options: ArchiveOptions, ctx: Context): Promise<void> {
  await confirmDestructive(ctx, `archive price ${options.id}`, async () => {
    const price = await (await ctx.stripe()).prices.retrieve(options.id);
    return `Archive price ${price.id} (${priceLabel(price)} of ${idOf(price.product as string)})? Existing subscriptions keep it.`;
  });
  const stripe = await ctx.stripe({ write: true });
  const price = await stripe.prices.update(options.id, { active: false }, requestOptions(ctx));
  ctx.io.err(`Archived price ${price.id}.`);
  await printRecord(ctx.io, price, priceDetailColumns, ctx.output);
}
