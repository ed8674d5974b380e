/**
 * Charges: created by PaymentIntents (never directly here), read, updated, and listed.
 */
import type { ApiContext } from '../engine.js';
import { newId, randomAlphanumeric } from '../ids.js';
import { mergeMetadata, nullableString, optionalString } from '../params.js';
import type { Router } from '../router.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';
import { create, defined, load, registerList, registerRetrieve, update, type ResourceInfo } from './crud.js';
import { cardSummary, type PaymentMethodRecord } from './paymentMethods.js';

export const CHARGE: ResourceInfo = { type: 'charge', prefix: 'ch', collection: 'charges', events: false };

export interface ChargeRecord extends StoredObject {
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  currency: string;
  customer: string | null;
  payment_intent: string | null;
  refunded: boolean;
  status: 'succeeded' | 'pending' | 'failed';
  metadata?: Record<string, string>;
}

export interface Decline {
  code: string;
  declineCode: string;
  message: string;
}

export interface ChargeInput {
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  paymentIntent: string;
  paymentMethod: PaymentMethodRecord;
  capture: boolean;
  decline?: Decline;
}

const APPROVED = {
  advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'approved_by_network',
  reason: null, risk_level: 'normal', risk_score: 32, seller_message: 'Payment complete.', type: 'authorized',
};

export function refundableAmount(charge: ChargeRecord): number {
  return charge.amount_captured - charge.amount_refunded;
}

/** Records the charge a PaymentIntent attempt made, and its charge.succeeded / charge.failed event. */
export function createCharge(ctx: ApiContext, input: ChargeInput): ChargeRecord {
  const succeeded = !input.decline;
  const fields = {
    amount: input.amount,
    amount_captured: succeeded && input.capture ? input.amount : 0,
    amount_refunded: 0,
    balance_transaction: succeeded && input.capture ? newId('txn') : null,
    captured: succeeded && input.capture,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    failure_code: input.decline?.code ?? null,
    failure_message: input.decline?.message ?? null,
    outcome: input.decline
      ? { ...APPROVED, network_status: 'declined_by_network', reason: input.decline.declineCode, risk_score: 40, seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' }
      : APPROVED,
    paid: succeeded,
    payment_intent: input.paymentIntent,
    payment_method: input.paymentMethod.id,
    payment_method_details: cardSummary(input.paymentMethod),
    receipt_url: `https://pay.stripe.com/receipts/payment/${randomAlphanumeric(40)}`,
    refunded: false,
    status: succeeded ? 'succeeded' : 'failed',
  } as const;
  const charge = create<ChargeRecord>(ctx, CHARGE, fields as unknown as ChargeRecord);
  ctx.engine.emit(ctx, succeeded ? 'charge.succeeded' : 'charge.failed', charge);
  return charge;
}

export function loadCharge(ctx: ApiContext, id: string, param = 'charge'): ChargeRecord {
  return load<ChargeRecord>(ctx, CHARGE, id, param);
}

export function registerCharges(router: Router): void {
  registerRetrieve(router, CHARGE);
  router.post('/v1/charges/:id', (ctx) => {
    const charge = loadCharge(ctx, ctx.path.id, 'id');
    const changes = defined({ description: nullableString(ctx.params, 'description'), metadata: mergeMetadata(ctx.params, charge.metadata) });
    const updated = update(ctx, CHARGE, charge, changes as Partial<ChargeRecord>, { eventType: 'charge.updated' });
    return render(updated);
  });
  registerList<ChargeRecord>(router, CHARGE, (ctx) => {
    const customer = optionalString(ctx.params, 'customer');
    const paymentIntent = optionalString(ctx.params, 'payment_intent');
    return (charge) => (customer === undefined || charge.customer === customer) && (paymentIntent === undefined || charge.payment_intent === paymentIntent);
  });
}
