import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { printRecord } from '../../io/output.js';
import { checkAmountSyntax, parsePartialAmount } from '../../resources/amounts.js';
import { refundColumns } from '../../resources/columns.js';
import { confirmDestructive } from '../../resources/confirm.js';
import { validateId } from '../../resources/ids.js';
import { paymentPhrase, refundable, retrievePayment } from '../../resources/payments.js';
import { dropUndefined, requestOptions, validateChoice } from '../../resources/write.js';
import { formatAmount } from '../../stripe/money.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

export interface RefundOptions {
  id: string;
  /** As typed; converted with the payment's currency. Omitted: everything still refundable. */
  amount?: string;
  reason?: (typeof REFUND_REASONS)[number];
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('refund')
    .argument('<id>', 'payment id (pi_...)')
    .option('--amount <amount>', 'partial refund: 5.00 or 500 minor units (default: all that is left)')
    .option('--reason <reason>', `why: ${REFUND_REASONS.join(', ')}`);
  describe(
    command,
    'Refund a payment, fully or partly; asks first, or needs --yes',
    ['payments refund pi_123', 'payments refund pi_123 --amount 5.00 --reason requested_by_customer --yes', 'payments refund pi_123 --yes --idempotency-key refund-8812 --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<{ amount?: string; reason?: string }>((ctx, [id], flags) =>
      run(
        {
          id: validateId(id, 'payment', 'ID'),
          amount: flags.amount === undefined ? undefined : checkAmountSyntax(flags.amount),
          reason: flags.reason === undefined ? undefined : validateChoice(flags.reason, REFUND_REASONS, '--reason'),
        },
        ctx,
      ),
    ),
  );
}

export async function run(options: RefundOptions, ctx: Context): Promise<void> {
  let payment: Stripe.PaymentIntent | undefined;
  let amount: number | undefined;
  // The amount is checked against what is left before asking, and before any write.
  const resolveAmount = async () => {
    payment ??= await retrievePayment(ctx, options.id);
    const left = refundable(payment);
    if (options.amount !== undefined) {
      amount = parsePartialAmount(options.amount, payment.currency, left, '--amount', `left to refund on ${payment.id}`);
    } else if (left === 0 && payment.status === 'succeeded') {
      throw new UsageError(`payment ${payment.id} has nothing left to refund`);
    }
    return { payment, amount: amount ?? left };
  };
  await confirmDestructive(ctx, `refund payment ${options.id}`, async () => {
    const resolved = await resolveAmount();
    return `Refund ${paymentPhrase(resolved.payment, resolved.amount, 'to')}?`;
  });
  if (options.amount !== undefined && amount === undefined) await resolveAmount();
  const stripe = await ctx.stripe({ write: true });
  const params: Stripe.RefundCreateParams = dropUndefined({ payment_intent: options.id, amount, reason: options.reason });
  const refund = await stripe.refunds.create(params, requestOptions(ctx));
  ctx.io.err(`Refunded ${formatAmount(refund.amount, refund.currency)} of ${options.id} (${refund.id}, ${refund.status}).`);
  await printRecord(ctx.io, refund, refundColumns, ctx.output);
}
