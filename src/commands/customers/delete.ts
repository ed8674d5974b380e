import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { printRecord } from '../../io/output.js';
import { confirmDestructive } from '../../resources/confirm.js';
import { validateId } from '../../resources/ids.js';
import { customerLabel } from '../../resources/labels.js';
import { requestOptions } from '../../resources/write.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface DeleteOptions {
  id: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('delete').argument('<id>', 'customer id (cus_...)');
  describe(
    command,
    'Delete a customer (its subscriptions are canceled at once); asks first, or needs --yes',
    ['customers delete cus_123', 'customers delete cus_123 --yes --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(app.handle((ctx, [id]) => run({ id: validateId(id, 'customer', 'ID') }, ctx)));
}

export async function run(options: DeleteOptions, ctx: Context): Promise<void> {
  await confirmDestructive(ctx, `delete customer ${options.id}`, async () => {
    const stripe = await ctx.stripe();
    const customer = await stripe.customers.retrieve(options.id);
    const label = customerLabel(customer);
    // Listed (not expanded): the list excludes canceled ones, which is what deleting affects.
    const subscriptions = (await stripe.subscriptions.list({ customer: options.id, limit: 100 })).data.length;
    const consequence = subscriptions ? ` Its ${subscriptions} subscription(s) will be canceled now.` : '';
    return `Delete customer ${options.id}${label !== options.id ? ` ${label}` : ''}?${consequence}`;
  });
  const stripe = await ctx.stripe({ write: true });
  const deleted = await stripe.customers.del(options.id, requestOptions(ctx));
  ctx.io.err(`Deleted customer ${deleted.id}.`);
  await printRecord(ctx.io, deleted, [{ key: 'id' }, { key: 'deleted' }], ctx.output);
}
