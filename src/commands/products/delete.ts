import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { formatError, isStripeError, OperationError } from '../../errors.js';
import { printRecord } from '../../io/output.js';
import { confirmDestructive } from '../../resources/confirm.js';
import { validateId } from '../../resources/ids.js';
import { requestOptions } from '../../resources/write.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface DeleteOptions {
  id: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('delete').argument('<id>', 'product id (prod_...)');
  describe(
    command,
    'Delete a product that has no prices (otherwise archive it); asks first, or needs --yes',
    ['products delete prod_123', 'products delete prod_123 --yes --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(app.handle((ctx, [id]) => run({ id: validateId(id, 'product', 'ID') }, ctx)));
}

export async function run(options: DeleteOptions, ctx: Context): Promise<void> {
  await confirmDestructive(ctx, `delete product ${options.id}`, async () => {
    const product = await (await ctx.stripe()).products.retrieve(options.id);
    return `Delete product ${product.id} "${product.name}"? This cannot be undone.`;
  });
  const stripe = await ctx.stripe({ write: true });
  let deleted;
  try {
    deleted = await stripe.products.del(options.id, requestOptions(ctx));
  } catch (error) {
    // Stripe refuses (400) to delete a product that has prices; say what to do instead.
    if (isStripeError(error) && error.statusCode === 400 && /price/i.test(error.message)) {
      throw new OperationError(`product ${options.id} has prices, so Stripe will not delete it: ${formatError(error)}`, {
        hint: `archive it instead: atom-stripe products archive ${options.id}`,
        cause: error,
      });
    }
    throw error;
  }
  ctx.io.err(`Deleted product ${deleted.id}.`);
  await printRecord(ctx.io, deleted, [{ key: 'id' }, { key: 'deleted' }], ctx.output);
}
