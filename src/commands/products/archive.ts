import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { printRecord } from '../../io/output.js';
import { confirmDestructive } from '../../resources/confirm.js';
import { validateId } from '../../resources/ids.js';
import { requestOptions } from '../../resources/write.js';
import type { App } from '../app.js';
import { describe } from '../help.js';
import { productDetailColumns } from './get.js';

export interface ArchiveOptions {
  id: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('archive').argument('<id>', 'product id (prod_...)');
  describe(
    command,
    'Archive a product: no new purchases, existing subscriptions continue; asks first, or needs --yes',
    ['products archive prod_123', 'products archive prod_123 --yes', 'products update prod_123 --active   # undo'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(app.handle((ctx, [id]) => run({ id: validateId(id, 'product', 'ID') }, ctx)));
}

export async function run(options: ArchiveOptions, ctx: Context): Promise<void> {
  await confirmDestructive(ctx, `archive product ${options.id}`, async () => {
    const product = await (await ctx.stripe()).products.retrieve(options.id);
    return `Archive product ${product.id} "${product.name}"? It can no longer be bought; existing subscriptions continue.`;
  });
  const stripe = await ctx.stripe({ write: true });
  const product = await stripe.products.update(options.id, { active: false }, requestOptions(ctx));
  ctx.io.err(`Archived product ${product.id}.`);
  await printRecord(ctx.io, product, productDetailColumns, ctx.output);
}
