import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord } from '../../io/output.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import { dropUndefined, requestOptions } from '../../resources/write.js';
import { formatAmount } from '../../stripe/money.js';
import type { App } from '../app.js';
import { describe } from '../help.js';
import { nextStep } from './create.js';
import { paymentDetailColumns } from './get.js';

export interface ConfirmOptions {
  id: string;
  paymentMethod?: string;
  expand?: string[];
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('confirm')
    .argument('<id>', 'payment id (pi_...)')
    .option('--payment-method <id>', 'payment method to charge (pm_..., or a test token such as pm_card_visa)');
  addExpandOption(command);
  describe(
    command,
    'Confirm a payment: charge (or, with manual capture, authorise) its payment method',
    ['payments confirm pi_123 --payment-method pm_card_visa', 'payments confirm pi_123 --idempotency-key order-8812-confirm --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<{ paymentMethod?: string; expand?: string[] }>((ctx, [id], flags) =>
      run(
        {
          id: validateId(id, 'payment', 'ID'),
          paymentMethod: flags.paymentMethod === undefined ? undefined : validateId(flags.paymentMethod, 'paymentMethod', '--payment-method'),
          expand: parseExpand(flags.expand),
        },
        ctx,
      ),
    ),
  );
}

export async function run(options: ConfirmOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe({ write: true });
  const params: Stripe.PaymentIntentConfirmParams = dropUndefined({ payment_method: options.paymentMethod, expand: options.expand });
  const payment = await stripe.paymentIntents.confirm(options.id, params, requestOptions(ctx));
  ctx.io.err(`Confirmed payment ${payment.id} for ${formatAmount(payment.amount, payment.currency)}: ${payment.status}.${nextStep(payment)}`);
  await printRecord(ctx.io, payment, paymentDetailColumns, ctx.output);
}
