/**
 * Refunds, full or partial, never more than the charge's captured amount not yet refunded.
 */
import type { ApiContext } from '../engine.js';
import { invalidRequest } from '../errors.js';
import { mergeMetadata, optionalEnum, optionalInteger, optionalString } from '../params.js';
import type { Router } from '../router.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';
import { CHARGE, loadCharge, refundableAmount, type ChargeRecord } from './charges.js';
import { create, defined, load, registerList, registerRetrieve, update, type ResourceInfo } from './crud.js';
import { PAYMENT_INTENT, type PaymentIntentRecord } from './paymentIntents.js';

export const REFUND: ResourceInfo = { type: 'refund', prefix: 're', collection: 'refunds' };

interface RefundRecord extends StoredObject {
  charge: string;
  payment_intent: string | null;
  metadata?: Record<string, string>;
}

function chargeToRefund(ctx: ApiContext): ChargeRecord {
  const chargeId = optionalString(ctx.params, 'charge');
  const paymentIntentId = optionalString(ctx.params, 'payment_intent');
  if (chargeId && paymentIntentId) throw invalidRequest('You can only pass one of charge or payment_intent.', { param: 'payment_intent' });
  if (chargeId) return loadCharge(ctx, chargeId);
  if (!paymentIntentId) throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', { code: 'parameter_missing' });
  const intent = load<PaymentIntentRecord>(ctx, PAYMENT_INTENT, paymentIntentId, 'payment_intent');
  if (intent.status !== 'succeeded' || !intent.latest_charge) {
    throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { code: 'charge_not_refundable', param: 'payment_intent' });
  }
  return loadCharge(ctx, intent.latest_charge);
}

function currencyAmount(amount: number, currency: string): string {
  return `${amount} ${currency}`;
}

export function registerRefunds(router: Router): void {
  router.post('/v1/refunds', (ctx) => {
    const charge = chargeToRefund(ctx);
    if (!charge.captured || charge.status !== 'succeeded') {
      throw invalidRequest(`Charge ${charge.id} has not been captured and cannot be refunded; cancel its PaymentIntent instead.`, { code: 'charge_not_refundable' });
    }
    const refundable = refundableAmount(charge);
    if (refundable <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
    const amount = optionalInteger(ctx.params, 'amount', { min: 1 }) ?? refundable;
    if (amount > refundable) {
      throw invalidRequest(
        `Refund amount (${currencyAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${currencyAmount(refundable, charge.currency)})`,
        { code: 'amount_too_large', param: 'amount' },
      );
    }
    const refund = create<RefundRecord>(ctx, REFUND, defined({
      amount,
      balance_transaction: `txn_${charge.id.slice(3, 27)}`,
      charge: charge.id,
      currency: charge.currency,
      customer: charge.customer,
      metadata: mergeMetadata(ctx.params),
      payment_intent: charge.payment_intent,
      payment_method: charge.payment_method as string,
      reason: optionalEnum(ctx.params, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const),
      status: 'succeeded',
    }) as RefundRecord);
    const refunded = charge.amount_refunded + amount;
    update(ctx, CHARGE, charge, { amount_refunded: refunded, refunded: refunded >= charge.amount_captured } as Partial<ChargeRecord>, {
      eventType: 'charge.refunded',
    });
    return render(refund);
  });

  registerRetrieve(router, REFUND);

  router.post('/v1/refunds/:id', (ctx) => {
    const refund = load<RefundRecord>(ctx, REFUND, ctx.path.id);
    return render(update(ctx, REFUND, refund, defined({ metadata: mergeMetadata(ctx.params, refund.metadata) }) as Partial<RefundRecord>));
  });

  registerList<RefundRecord>(router, REFUND, (ctx) => {
    const charge = optionalString(ctx.params, 'charge');
    const paymentIntent = optionalString(ctx.params, 'payment_intent');
    return (refund) => (charge === undefined || refund.charge === charge) && (paymentIntent === undefined || refund.payment_intent === paymentIntent);
  });
}
