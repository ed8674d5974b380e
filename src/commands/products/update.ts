import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { printRecord } from '../../io/output.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import { parseMetadata } from '../../resources/metadata.js';
import { dropUndefined, requestOptions, validateText } from '../../resources/write.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { productDetailColumns } from './get.js';

export interface UpdateOptions {
  id: string;
  changes: Stripe.ProductUpdateParams;
}

interface UpdateFlags {
  name?: string;
  description?: string;
  defaultPrice?: string;
  active?: boolean;
  metadata: string[];
  expand?: string[];
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('update')
    .argument('<id>', 'product id (prod_...)')
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .option('--default-price <id>', 'make this price (price_...) the default')
    .option('--active', 'reactivate an archived product')
    .option('--metadata <key=value>', 'set metadata (repeatable); key= removes the key', collect, []);
  addExpandOption(command);
  describe(
    command,
    'Change a product\'s name, description, default price or metadata',
    ['products update prod_123 --name "Gold plan (2027)"', 'products update prod_123 --default-price price_456', 'products update prod_123 --active --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<UpdateFlags>((ctx, [id], flags) => {
      const productId = validateId(id, 'product', 'ID');
      const changes: Stripe.ProductUpdateParams = dropUndefined({
        name: flags.name === undefined ? undefined : validateText(flags.name, '--name', 250),
        description: flags.description === undefined ? undefined : validateText(flags.description, '--description', 40_000),
        default_price: flags.defaultPrice === undefined ? undefined : validateId(flags.defaultPrice, 'price', '--default-price'),
        active: flags.active ? true : undefined,
        metadata: parseMetadata(flags.metadata, { allowUnset: true }),
      });
      if (Object.keys(changes).length === 0) {
        throw new UsageError('nothing to update', { hint: 'pass --name, --description, --default-price, --active or --metadata' });
      }
      const expand = parseExpand(flags.expand);
      return run({ id: productId, changes: expand ? { ...changes, expand } : changes }, ctx);
    }),
  );
}

export async function run(options: UpdateOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe({ write: true });
  const product = await stripe.products.update(options.id, options.changes, requestOptions(ctx));
  ctx.io.err(`Updated product ${product.id}.`);
  await printRecord(ctx.io, product, productDetailColumns, ctx.output);
}
