import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord } from '../../io/output.js';
import { confirmDestructive } from '../../resources/confirm.js';
import { validateId } from '../../resources/ids.js';
import { paymentPhrase, retrievePayment } from '../../resources/payments.js';
import { dropUndefined, requestOptions, validateChoice } from '../../resources/write.js';
import type { App } from '../app.js';
import { describe } from '../help.js';
import { paymentDetailColumns } from './get.js';

export const CANCEL_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const;

export interface CancelOptions {
  id: string;
  reason?: (typeof CANCEL_REASONS)[number];
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('cancel')
    .argument('<id>', 'payment id (pi_...) not yet succeeded')
    .option('--reason <reason>', `why: ${CANCEL_REASONS.join(', ')}`);
  describe(
    command,
    'Cancel a payment that has not succeeded (releases an authorisation); asks first, or needs --yes',
    ['payments cancel pi_123', 'payments cancel pi_123 --reason abandoned --yes'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<{ reason?: string }>((ctx, [id], flags) =>
      run(
        {
          id: validateId(id, 'payment', 'ID'),
          reason: flags.reason === undefined ? undefined : validateChoice(flags.reason, CANCEL_REASONS, '--reason'),
        },
        ctx,
      ),
    ),
  );
}

export async function run(options: CancelOptions, ctx: Context): Promise<void> {
  await confirmDestructive(ctx, `cancel payment ${options.id}`, async () => {
    const payment = await retrievePayment(ctx, options.id);
    return `Cancel payment ${paymentPhrase(payment, payment.amount, 'from')} (${payment.status})?`;
  });
  const stripe = await ctx.stripe({ write: true });
  const params: Stripe.PaymentIntentCancelParams = dropUndefined({ cancellation_reason: options.reason });
  const payment = await stripe.paymentIntents.cancel(options.id, params, requestOptions(ctx));
  ctx.io.err(`Canceled payment ${payment.id}.`);
  await printRecord(ctx.io, payment, paymentDetailColumns, ctx.output);
}
