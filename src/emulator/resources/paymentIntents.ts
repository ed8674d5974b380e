/**
 * PaymentIntents and their state machine: requires_payment_method → requires_confirmation →
 * (requires_action | requires_capture | succeeded), with cancel from any unfinished state.
 * The test PaymentMethod's card decides the outcome of a confirmation.
 */
import { currencyExponent, MINIMUM_CHARGE, SUPPORTED_CURRENCIES } from '../../stripe/money.js';
import type { ApiContext } from '../engine.js';
import { ApiError, invalidParam, invalidRequest, unexpectedState } from '../errors.js';
import { newId, randomAlphanumeric } from '../ids.js';
import { mergeMetadata, nullableString, optionalBoolean, optionalEnum, optionalInteger, optionalString, requiredInteger, requiredString, type Params } from '../params.js';
import type { Router } from '../router.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';
import { CHARGE, createCharge, loadCharge, type ChargeRecord, type Decline } from './charges.js';
import { create, defined, load, registerList, registerRetrieve, registerSearch, update, type ResourceInfo } from './crud.js';
import { loadCustomer } from './customers.js';
import { resolvePaymentMethod, type CardBehavior, type PaymentMethodRecord } from './paymentMethods.js';

export const PAYMENT_INTENT: ResourceInfo = { type: 'payment_intent', prefix: 'pi', collection: 'payment_intents' };

export interface PaymentIntentRecord extends StoredObject {
  amount: number;
  currency: string;
  status: string;
  capture_method?: 'automatic' | 'automatic_async' | 'manual';
  customer?: string | null;
  description?: string | null;
  payment_method?: string | null;
  latest_charge?: string | null;
  amount_capturable?: number;
  amount_received?: number;
  metadata?: Record<string, string>;
}

const MAXIMUM_AMOUNT = 99_999_999;
const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];
const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

const DECLINES: Partial<Record<CardBehavior, Decline>> = {
  decline: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  insufficient_funds: { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
};

function majorUnits(amount: number, currency: string): string {
  const exponent = currencyExponent(currency);
  return (amount / 10 ** exponent).toFixed(exponent);
}

export function readCurrency(params: Params, name = 'currency'): string {
  const currency = requiredString(params, name).toLowerCase();
  if (!SUPPORTED_CURRENCIES.has(currency)) throw invalidParam(name, `Invalid currency: ${currency}. Stripe currently supports these currencies: usd, eur, gbp, ...`);
  return currency;
}

/** Stripe's per-currency minimum and its overall maximum for a charge. */
export function assertChargeableAmount(amount: number, currency: string, param = 'amount'): void {
  const minimum = MINIMUM_CHARGE[currency] ?? 1;
  if (amount < minimum) {
    throw invalidRequest(`Amount must be at least ${majorUnits(minimum, currency)} ${currency}`, { code: 'amount_too_small', param });
  }
  if (amount > MAXIMUM_AMOUNT) {
    throw invalidRequest(`Amount must be no more than ${majorUnits(MAXIMUM_AMOUNT, currency)} ${currency}`, { code: 'amount_too_large', param });
  }
}

function stateError(intent: PaymentIntentRecord, action: string): ApiError {
  return unexpectedState(`This PaymentIntent's ${action} could not be performed because it has a status of ${intent.status}.`, {
    payment_intent: render(intent),
  });
}

/**
 * Runs a confirmation. A declined card leaves the intent in requires_payment_method with
 * last_payment_error, and the request itself fails with a 402 card_error, as in Stripe.
 */
function confirm(ctx: ApiContext, intent: PaymentIntentRecord, paymentMethodParam?: string): PaymentIntentRecord {
  if (!CONFIRMABLE.includes(intent.status)) {
    throw unexpectedState(`You cannot confirm this PaymentIntent because it has a status of ${intent.status}.`, { payment_intent: render(intent) });
  }
  const paymentMethodId = paymentMethodParam ?? intent.payment_method ?? undefined;
  if (!paymentMethodId) {
    throw unexpectedState(
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with cus_xxx, specify a payment method attached to this customer along with the customer ID.",
      { payment_intent: render(intent) },
    );
  }
  const method: PaymentMethodRecord = resolvePaymentMethod(ctx, paymentMethodId);
  const capture = intent.capture_method !== 'manual';
  const base = { payment_method: method.id, last_payment_error: null, next_action: null };

  if (method._behavior === 'authentication_required') {
    return update(ctx, PAYMENT_INTENT, intent, {
      ...base,
      status: 'requires_action',
      next_action: { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: 'https://hooks.stripe.com/3d_secure_2/hosted', source: method.id } },
    } as Partial<PaymentIntentRecord>, { eventType: 'payment_intent.requires_action' });
  }

  const decline = DECLINES[method._behavior];
  const charge = createCharge(ctx, {
    amount: intent.amount, currency: intent.currency, customer: intent.customer ?? null, description: intent.description ?? null,
    paymentIntent: intent.id, paymentMethod: method, capture, decline,
  });
  if (decline) {
    const lastPaymentError = {
      charge: charge.id, code: decline.code, decline_code: decline.declineCode,
      doc_url: 'https://stripe.com/docs/error-codes/card-declined', message: decline.message,
      payment_method: render(method), type: 'card_error',
    };
    const failed = update(ctx, PAYMENT_INTENT, intent, {
      ...base, payment_method: null, status: 'requires_payment_method', latest_charge: charge.id, last_payment_error: lastPaymentError,
    } as Partial<PaymentIntentRecord>, { eventType: 'payment_intent.payment_failed' });
    throw new ApiError(402, 'card_error', decline.message, {
      code: decline.code,
      extra: { decline_code: decline.declineCode, charge: charge.id, payment_intent: render(failed), payment_method: render(method) },
    });
  }
  return update(ctx, PAYMENT_INTENT, intent, {
    ...base,
    status: capture ? 'succeeded' : 'requires_capture',
    latest_charge: charge.id,
    amount_received: capture ? intent.amount : 0,
    amount_capturable: capture ? 0 : intent.amount,
  } as Partial<PaymentIntentRecord>, { eventType: capture ? 'payment_intent.succeeded' : 'payment_intent.amount_capturable_updated' });
}

function loadIntent(ctx: ApiContext): PaymentIntentRecord {
  return load<PaymentIntentRecord>(ctx, PAYMENT_INTENT, ctx.path.id);
}

export function registerPaymentIntents(router: Router): void {
  registerSearch(router, PAYMENT_INTENT, { amount: 'number', currency: 'string', customer: 'string', status: 'string' });

  router.post('/v1/payment_intents', (ctx) => {
    const { params } = ctx;
    const amount = requiredInteger(params, 'amount', { min: 1 });
    const currency = readCurrency(params);
    assertChargeableAmount(amount, currency);
    const customer = optionalString(params, 'customer');
    if (customer) loadCustomer(ctx, customer);
    const paymentMethodParam = optionalString(params, 'payment_method');
    const paymentMethod = paymentMethodParam ? resolvePaymentMethod(ctx, paymentMethodParam) : undefined;
    const id = newId('pi');
    const intent = create<PaymentIntentRecord>(ctx, PAYMENT_INTENT, defined({
      amount,
      currency,
      capture_method: optionalEnum(params, 'capture_method', ['automatic', 'automatic_async', 'manual'] as const) ?? 'automatic_async',
      client_secret: `${id}_secret_${randomAlphanumeric(25)}`,
      customer: customer ?? null,
      description: nullableString(params, 'description'),
      metadata: mergeMetadata(params),
      payment_method: paymentMethod?.id ?? null,
      receipt_email: nullableString(params, 'receipt_email'),
      statement_descriptor: nullableString(params, 'statement_descriptor'),
      status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    }) as PaymentIntentRecord, { id });
    const result = optionalBoolean(params, 'confirm') ? confirm(ctx, intent) : intent;
    return render(result);
  });

  registerRetrieve(router, PAYMENT_INTENT);

  router.post('/v1/payment_intents/:id', (ctx) => {
    const intent = loadIntent(ctx);
    const { params } = ctx;
    const finished = intent.status === 'succeeded' || intent.status === 'canceled';
    const amount = optionalInteger(params, 'amount', { min: 1 });
    const currencyParam = params.currency !== undefined ? readCurrency(params) : undefined;
    const paymentMethodParam = optionalString(params, 'payment_method');
    if (finished && (amount !== undefined || currencyParam !== undefined || paymentMethodParam !== undefined)) throw stateError(intent, 'update');
    if (amount !== undefined || currencyParam !== undefined) assertChargeableAmount(amount ?? intent.amount, currencyParam ?? intent.currency);
    const customer = optionalString(params, 'customer');
    if (customer) loadCustomer(ctx, customer);
    const paymentMethod = paymentMethodParam ? resolvePaymentMethod(ctx, paymentMethodParam) : undefined;
    const changes = defined({
      amount,
      currency: currencyParam,
      customer,
      description: nullableString(params, 'description'),
      metadata: mergeMetadata(params, intent.metadata),
      receipt_email: nullableString(params, 'receipt_email'),
      payment_method: paymentMethod?.id,
      status: paymentMethod && intent.status === 'requires_payment_method' ? 'requires_confirmation' : undefined,
    });
    return render(update(ctx, PAYMENT_INTENT, intent, changes as Partial<PaymentIntentRecord>));
  });

  router.post('/v1/payment_intents/:id/confirm', (ctx) => render(confirm(ctx, loadIntent(ctx), optionalString(ctx.params, 'payment_method'))));

  router.post('/v1/payment_intents/:id/capture', (ctx) => {
    const intent = loadIntent(ctx);
    if (intent.status !== 'requires_capture') throw stateError(intent, 'capture');
    const capturable = intent.amount_capturable ?? 0;
    const amountToCapture = optionalInteger(ctx.params, 'amount_to_capture', { min: 1 }) ?? capturable;
    if (amountToCapture > capturable) {
      throw invalidRequest(`The amount to capture (${amountToCapture}) cannot be greater than the amount capturable (${capturable}).`, { param: 'amount_to_capture', code: 'amount_too_large' });
    }
    const charge = loadCharge(ctx, intent.latest_charge!);
    update(ctx, CHARGE, charge, {
      captured: true, amount_captured: amountToCapture, balance_transaction: `txn_${randomAlphanumeric(24)}`,
    } as Partial<ChargeRecord>, { eventType: 'charge.captured' });
    return render(update(ctx, PAYMENT_INTENT, intent, {
      status: 'succeeded', amount_received: amountToCapture, amount_capturable: 0,
      metadata: mergeMetadata(ctx.params, intent.metadata) ?? intent.metadata,
    } as Partial<PaymentIntentRecord>, { eventType: 'payment_intent.succeeded' }));
  });

  router.post('/v1/payment_intents/:id/cancel', (ctx) => {
    const intent = loadIntent(ctx);
    if (!CANCELABLE.includes(intent.status)) throw stateError(intent, 'cancel');
    const reason = optionalEnum(ctx.params, 'cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const);
    if (intent.status === 'requires_capture' && intent.latest_charge) {
      // Canceling an authorized payment releases the hold: the uncaptured charge is refunded in full.
      const charge = loadCharge(ctx, intent.latest_charge);
      update(ctx, CHARGE, charge, { refunded: true, amount_refunded: charge.amount } as Partial<ChargeRecord>, {
        eventType: 'charge.refunded',
      });
    }
    return render(update(ctx, PAYMENT_INTENT, intent, {
      status: 'canceled', canceled_at: ctx.engine.unixNow(), cancellation_reason: reason ?? null, amount_capturable: 0, next_action: null,
    } as Partial<PaymentIntentRecord>, { eventType: 'payment_intent.canceled' }));
  });

  registerList<PaymentIntentRecord>(router, PAYMENT_INTENT, (ctx) => {
    const customer = optionalString(ctx.params, 'customer');
    return customer === undefined ? undefined : (intent) => intent.customer === customer;
  });
}
