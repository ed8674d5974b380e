/** Reading a payment before acting on it: who paid, how much was received and how much is left to refund. */
import type Stripe from 'stripe';
import type { Context } from '../context.js';
import { formatAmount } from '../stripe/money.js';
import { customerLabel } from './labels.js';

/** The payment with its customer and latest charge expanded, for questions and amount checks. */
export async function retrievePayment(ctx: Context, id: string): Promise<Stripe.PaymentIntent> {
  const stripe = await ctx.stripe();
  return stripe.paymentIntents.retrieve(id, { expand: ['customer', 'latest_charge'] });
}

/** What can still be refunded: received minus already refunded on the latest charge. */
export function refundable(payment: Stripe.PaymentIntent): number {
  const charge = payment.latest_charge;
  const refunded = charge && typeof charge === 'object' ? charge.amount_refunded : 0;
  return Math.max(0, payment.amount_received - refunded);
}

/** `$20.00 USD of pi_123 to Jane <jane@x.com>` (or `from`, for a cancellation). */
export function paymentPhrase(payment: Stripe.PaymentIntent, amount: number, preposition: 'to' | 'from'): string {
  const who = customerLabel(payment.customer as Stripe.Customer | string | null);
  return `${formatAmount(amount, payment.currency)} of ${payment.id}${who ? ` ${preposition} ${who}` : ''}`;
}
