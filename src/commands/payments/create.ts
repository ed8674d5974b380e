import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord } from '../../io/output.js';
import { checkAmountSyntax, parseChargeAmount, validateCurrency } from '../../resources/amounts.js';
import { promptCheck, requireFields } from '../../resources/fields.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import { parseMetadata } from '../../resources/metadata.js';
import { dropUndefined, requestOptions, validateChoice, validateText } from '../../resources/write.js';
import { formatAmount } from '../../stripe/money.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { paymentDetailColumns } from './get.js';

export interface CreateOptions {
  /** As typed: an integer in minor units or a decimal in major units; asked for on a TTY when missing. */
  amount?: string;
  currency?: string;
  customer?: string;
  description?: string;
  paymentMethod?: string;
  confirm: boolean;
  captureMethod?: 'automatic' | 'manual';
  metadata?: Record<string, string>;
  expand?: string[];
}

interface CreateFlags {
  amount?: string;
  currency?: string;
  customer?: string;
  description?: string;
  paymentMethod?: string;
  confirm?: boolean;
  captureMethod?: string;
  metadata: string[];
  expand?: string[];
}

const EXAMPLE = 'payments create --amount 20.00 --currency usd';

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('create')
    .option('--amount <amount>', '20.00 (major units) or 2000 (minor units); at least Stripe\'s minimum for the currency')
    .option('--currency <code>', 'lower-case ISO currency code, e.g. usd, eur, jpy')
    .option('--customer <id>', 'customer id (cus_...)')
    .option('--description <text>', 'description shown in the Dashboard')
    .option('--payment-method <id>', 'payment method (pm_..., or a test token such as pm_card_visa)')
    .option('--confirm', 'confirm at once (charges the payment method)')
    .option('--capture-method <method>', 'automatic (default) or manual (authorise now, capture later)')
    .option('--metadata <key=value>', 'metadata (repeatable)', collect, []);
  addExpandOption(command);
  describe(
    command,
    'Create a payment (PaymentIntent); with --confirm, charge it now',
    [
      'payments create --amount 20.00 --currency usd --customer cus_123 --payment-method pm_card_visa --confirm',
      'payments create --amount 1500 --currency jpy --capture-method manual --metadata order=8812',
      'payments create --amount 20.00 --currency usd --idempotency-key order-8812 --json',
    ],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<CreateFlags>((ctx, _args, flags) => {
      // Everything given is checked before anything is asked or sent.
      const currency = flags.currency === undefined ? undefined : validateCurrency(flags.currency);
      const amount = flags.amount === undefined ? undefined : checkAmountSyntax(flags.amount);
      if (amount !== undefined && currency !== undefined) parseChargeAmount(amount, currency);
      return run(
        {
          amount,
          currency,
          customer: flags.customer === undefined ? undefined : validateId(flags.customer, 'customer', '--customer'),
          description: flags.description === undefined ? undefined : validateText(flags.description, '--description', 1000),
          paymentMethod: flags.paymentMethod === undefined ? undefined : validateId(flags.paymentMethod, 'paymentMethod', '--payment-method'),
          confirm: Boolean(flags.confirm),
          captureMethod: flags.captureMethod === undefined ? undefined : validateChoice(flags.captureMethod, ['automatic', 'manual'] as const, '--capture-method'),
          metadata: parseMetadata(flags.metadata),
          expand: parseExpand(flags.expand),
        },
        ctx,
      );
    }),
  );
}

export async function run(options: CreateOptions, ctx: Context): Promise<void> {
  const [currencyText, amountText] = await requireFields(
    ctx,
    [
      { flag: '--currency', message: 'Currency (e.g. usd)', value: options.currency, validate: promptCheck((value) => validateCurrency(value)) },
      {
        flag: '--amount',
        message: 'Amount',
        ask: (answers) => `Amount in ${answers['--currency'].toUpperCase()} (20.00, or 2000 in minor units)`,
        value: options.amount,
        validate: promptCheck((value, answers) => parseChargeAmount(value, answers['--currency'])),
      },
    ],
    EXAMPLE,
  );
  const currency = validateCurrency(currencyText);
  const amount = parseChargeAmount(amountText, currency);

  const params: Stripe.PaymentIntentCreateParams = dropUndefined({
    amount,
    currency,
    customer: options.customer,
    description: options.description,
    payment_method: options.paymentMethod,
    capture_method: options.captureMethod,
    metadata: options.metadata,
    expand: options.expand,
  });
  if (options.confirm) {
    params.confirm = true;
    // Confirming server-side with no return_url: only payment methods that never redirect.
    params.automatic_payment_methods = { enabled: true, allow_redirects: 'never' };
  }
  const stripe = await ctx.stripe({ write: true });
  const payment = await stripe.paymentIntents.create(params, requestOptions(ctx));
  ctx.io.err(`Created payment ${payment.id} for ${formatAmount(payment.amount, payment.currency)}: ${payment.status}.${nextStep(payment)}`);
  await printRecord(ctx.io, payment, paymentDetailColumns, ctx.output);
}

export function nextStep(payment: Stripe.PaymentIntent): string {
  switch (payment.status) {
    case 'requires_payment_method':
      return ` Next: atom-stripe payments confirm ${payment.id} --payment-method pm_...`;
    case 'requires_confirmation':
      return ` Next: atom-stripe payments confirm ${payment.id}`;
    case 'requires_capture':
      return ` Next: atom-stripe payments capture ${payment.id}`;
    case 'requires_action':
      return ' The customer must complete an action (e.g. 3-D Secure) before it can succeed.';
    default:
      return '';
  }
}
