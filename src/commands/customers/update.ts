import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { printRecord } from '../../io/output.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import { parseMetadata } from '../../resources/metadata.js';
import { dropUndefined, requestOptions, validateEmail, validateText } from '../../resources/write.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { customerDetailColumns } from './get.js';

export interface UpdateOptions {
  id: string;
  changes: Stripe.CustomerUpdateParams;
}

interface UpdateFlags {
  email?: string;
  name?: string;
  phone?: string;
  description?: string;
  metadata: string[];
  expand?: string[];
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('update')
    .argument('<id>', 'customer id (cus_...)')
    .option('--email <email>', 'new email address')
    .option('--name <name>', 'new name')
    .option('--phone <phone>', 'new phone number')
    .option('--description <text>', 'new description')
    .option('--metadata <key=value>', 'set metadata (repeatable); key= removes the key', collect, []);
  addExpandOption(command);
  describe(
    command,
    'Change a customer\'s email, name, phone, description or metadata',
    ['customers update cus_123 --email jane@new.example.com', 'customers update cus_123 --metadata plan=platinum --metadata trial=', 'customers update cus_123 --name "Jane Roe" --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<UpdateFlags>((ctx, [id], flags) => {
      const changes: Stripe.CustomerUpdateParams = dropUndefined({
        email: flags.email === undefined ? undefined : validateEmail(flags.email),
        name: flags.name === undefined ? undefined : validateText(flags.name, '--name', 256),
        phone: flags.phone === undefined ? undefined : validateText(flags.phone, '--phone', 20),
        description: flags.description === undefined ? undefined : validateText(flags.description, '--description', 350),
        metadata: parseMetadata(flags.metadata, { allowUnset: true }),
      });
      const customerId = validateId(id, 'customer', 'ID');
      if (Object.keys(changes).length === 0) {
        throw new UsageError('nothing to update', { hint: 'pass --email, --name, --phone, --description or --metadata' });
      }
      const expand = parseExpand(flags.expand);
      return run({ id: customerId, changes: expand ? { ...changes, expand } : changes }, ctx);
    }),
  );
}

export async function run(options: UpdateOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe({ write: true });
  const customer = await stripe.customers.update(options.id, options.changes, requestOptions(ctx));
  ctx.io.err(`Updated customer ${customer.id}.`);
  await printRecord(ctx.io, customer, customerDetailColumns, ctx.output);
}
