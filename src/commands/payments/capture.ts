import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { printRecord } from '../../io/output.js';
import { checkAmountSyntax, parsePartialAmount } from '../../resources/amounts.js';
import { validateId } from '../../resources/ids.js';
import { addExpandOption, parseExpand } from '../../resources/list.js';
import { dropUndefined, requestOptions } from '../../resources/write.js';
import { formatAmount } from '../../stripe/money.js';
import type { App } from '../app.js';
import { describe } from '../help.js';
import { paymentDetailColumns } from './get.js';

export interface CaptureOptions {
  id: string;
  /** As typed; converted with the payment's currency. Omitted: everything authorised. */
  amount?: string;
  expand?: string[];
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('capture')
    .argument('<id>', 'payment id (pi_...) in requires_capture')
    .option('--amount <amount>', 'capture less than authorised: 15.00 or 1500 minor units (the rest is released)');
  addExpandOption(command);
  describe(
    command,
    'Capture an authorised payment (created with --capture-method manual)',
    ['payments capture pi_123', 'payments capture pi_123 --amount 15.00 --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<{ amount?: string; expand?: string[] }>((ctx, [id], flags) =>
      run(
        {
          id: validateId(id, 'payment', 'ID'),
          amount: flags.amount === undefined ? undefined : checkAmountSyntax(flags.amount),
          expand: parseExpand(flags.expand),
        },
        ctx,
      ),
    ),
  );
}

export async function run(options: CaptureOptions, ctx: Context): Promise<void> {
  let amountToCapture: number | undefined;
  if (options.amount !== undefined) {
    // A decimal amount needs the payment's currency: read it, check, and only then write.
    const current = await (await ctx.stripe()).paymentIntents.retrieve(options.id);
    amountToCapture = parsePartialAmount(options.amount, current.currency, current.amount_capturable, '--amount', 'capturable');
  }
  const stripe = await ctx.stripe({ write: true });
  const params: Stripe.PaymentIntentCaptureParams = dropUndefined({ amount_to_capture: amountToCapture, expand: options.expand });
  const payment = await stripe.paymentIntents.capture(options.id, params, requestOptions(ctx));
  ctx.io.err(`Captured ${formatAmount(payment.amount_received, payment.currency)} of payment ${payment.id}: ${payment.status}.`);
  await printRecord(ctx.io, payment, paymentDetailColumns, ctx.output);
}
