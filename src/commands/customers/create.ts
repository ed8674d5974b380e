import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { printRecord } from '../../io/output.js';
import { promptCheck } from '../../resources/fields.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import { parseMetadata } from '../../resources/metadata.js';
import { dropUndefined, requestOptions, validateEmail, validateText } from '../../resources/write.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { customerDetailColumns } from './get.js';

export interface CreateOptions {
  email?: string;
  name?: string;
  phone?: string;
  description?: string;
  metadata?: Record<string, string>;
  paymentMethod?: string;
  expand?: string[];
}

interface CreateFlags {
  paymentMethod?: string;
  email?: string;
  name?: string;
  phone?: string;
  description?: string;
  metadata: string[];
  expand?: string[];
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('create')
    .option('--email <email>', 'email address')
    .option('--name <name>', 'full name or business name')
    .option('--phone <phone>', 'phone number')
    .option('--description <text>', 'internal description')
    .option('--metadata <key=value>', 'metadata (repeatable; 50 keys, 40-character keys, 500-character values)', collect, [])
    .option('--payment-method <id>', 'attach this payment method (pm_..., or a test token such as pm_card_visa) as the default for invoices');
  addExpandOption(command);
  describe(
    command,
    'Create a customer (needs --email or --name)',
    [
      'customers create --email jane@example.com --name "Jane Doe"',
      'customers create --email jane@example.com --metadata plan=gold --metadata crm_id=8812',
      'customers create --email jane@example.com --payment-method pm_card_visa',
      'customers create --name "Acme Ltd" --idempotency-key import-acme-1 --json',
    ],
    [0, 1, 2, 4, 5],
  );
  return command.action(
    app.handle<CreateFlags>((ctx, _args, flags) =>
      run(
        {
          email: flags.email === undefined ? undefined : validateEmail(flags.email),
          name: flags.name === undefined ? undefined : validateText(flags.name, '--name', 256),
          phone: flags.phone === undefined ? undefined : validateText(flags.phone, '--phone', 20),
          description: flags.description === undefined ? undefined : validateText(flags.description, '--description', 350),
          metadata: parseMetadata(flags.metadata),
          paymentMethod: flags.paymentMethod === undefined ? undefined : validateId(flags.paymentMethod, 'paymentMethod', '--payment-method'),
          expand: parseExpand(flags.expand),
        },
        ctx,
      ),
    ),
  );
}

export async function run(options: CreateOptions, ctx: Context): Promise<void> {
  let { email, name } = options;
  if (!email && !name) {
    if (!ctx.prompter.enabled) {
      throw new UsageError('missing --email or --name', { hint: 'for example: atom-stripe customers create --email jane@example.com --name "Jane Doe"' });
    }
    email = (await ctx.prompter.input('Email', { validate: promptCheck((value) => value === '' || validateEmail(value)) })).trim() || undefined;
    name = (await ctx.prompter.input('Name', { validate: (value) => (email || value.trim() ? true : 'an email or a name is required') })).trim() || undefined;
  }
  const stripe = await ctx.stripe({ write: true });
  const params: Stripe.CustomerCreateParams = { email, name, phone: options.phone, description: options.description, metadata: options.metadata };
  if (options.paymentMethod) {
    params.payment_method = options.paymentMethod;
    params.invoice_settings = { default_payment_method: options.paymentMethod };
  }
  if (options.expand) params.expand = options.expand;
  const customer = await stripe.customers.create(dropUndefined(params), requestOptions(ctx));
  ctx.io.err(`Created customer ${customer.id}.`);
  await printRecord(ctx.io, customer, customerDetailColumns, ctx.output);
}
