/**
 * PaymentMethods, and Stripe's test tokens: `pm_card_visa` and friends are not objects but recipes;
 * each use creates a fresh `pm_…` whose card decides how a payment goes.
 */
import type { ApiContext } from '../engine.js';
import { invalidRequest, noSuch } from '../errors.js';
import { newId, randomAlphanumeric } from '../ids.js';
import { listObjects } from '../list.js';
import { optionalString, requiredString } from '../params.js';
import type { Router } from '../router.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';
import { loadCustomer } from './customers.js';
import { load, update, type ResourceInfo } from './crud.js';

export const PAYMENT_METHOD: ResourceInfo = { type: 'payment_method', prefix: 'pm', collection: 'payment_methods', events: false };

/** What happens when a card is charged. */
export type CardBehavior = 'succeed' | 'decline' | 'insufficient_funds' | 'authentication_required';

interface TestCard {
  brand: string;
  last4: string;
  behavior: CardBehavior;
}

const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: 'visa', last4: '4242', behavior: 'succeed' },
  pm_card_visa_debit: { brand: 'visa', last4: '5556', behavior: 'succeed' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', behavior: 'succeed' },
  pm_card_amex: { brand: 'amex', last4: '8431', behavior: 'succeed' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', behavior: 'decline' },
  pm_card_chargeDeclinedInsufficientFunds: { brand: 'visa', last4: '9995', behavior: 'insufficient_funds' },
  pm_card_authenticationRequired: { brand: 'visa', last4: '3184', behavior: 'authentication_required' },
};

export interface PaymentMethodRecord extends StoredObject {
  customer?: string | null;
  card: { brand: string; last4: string; [key: string]: unknown };
  _behavior: CardBehavior;
}

function createFromTestCard(ctx: ApiContext, card: TestCard): PaymentMethodRecord {
  const record: PaymentMethodRecord = {
    id: newId('pm'),
    object: 'payment_method',
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'unchecked' },
      country: 'US',
      display_brand: card.brand,
      exp_month: 12,
      exp_year: ctx.engine.now().getUTCFullYear() + 3,
      fingerprint: randomAlphanumeric(16),
      funding: 'credit',
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: ctx.engine.unixNow(),
    livemode: ctx.livemode,
    _behavior: card.behavior,
  };
  return ctx.engine.store.insert(ctx.scope, PAYMENT_METHOD.type, record);
}

/** A `pm_…` id in this account, or a test token turned into a new PaymentMethod. */
export function resolvePaymentMethod(ctx: ApiContext, idOrToken: string, param = 'payment_method'): PaymentMethodRecord {
  const testCard = TEST_CARDS[idOrToken];
  if (testCard) return createFromTestCard(ctx, testCard);
  const record = ctx.engine.store.get<PaymentMethodRecord>(ctx.scope, PAYMENT_METHOD.type, idOrToken);
  if (!record) throw noSuch('PaymentMethod', idOrToken, param);
  return record;
}

export function attachPaymentMethod(ctx: ApiContext, method: PaymentMethodRecord, customerId: string): PaymentMethodRecord {
  if (method.customer && method.customer !== customerId) {
    throw invalidRequest(`The payment method you provided has already been attached to a customer.`, { param: 'payment_method', code: 'payment_method_unexpected_state' });
  }
  if (method.customer === customerId) return method;
  const attached = update(ctx, PAYMENT_METHOD, method, { customer: customerId });
  ctx.engine.emit(ctx, 'payment_method.attached', attached);
  return attached;
}

export function cardSummary(method: PaymentMethodRecord): Record<string, unknown> {
  return { type: 'card', card: { brand: method.card.brand, last4: method.card.last4, exp_month: method.card.exp_month, exp_year: method.card.exp_year, country: 'US', funding: 'credit', network: method.card.brand } };
}

export function registerPaymentMethods(router: Router): void {
  router.get('/v1/payment_methods/:id', (ctx) => render(load(ctx, PAYMENT_METHOD, ctx.path.id)));

  router.get('/v1/payment_methods', (ctx) => {
    const customer = optionalString(ctx.params, 'customer');
    const type = optionalString(ctx.params, 'type');
    return listObjects<PaymentMethodRecord>(ctx, {
      type: PAYMENT_METHOD.type,
      url: '/v1/payment_methods',
      objectName: 'PaymentMethod',
      filter: (method) => (customer === undefined || method.customer === customer) && (type === undefined || type === 'card'),
    });
  });

  router.post('/v1/payment_methods/:id/attach', (ctx) => {
    const customer = loadCustomer(ctx, requiredString(ctx.params, 'customer'));
    return render(attachPaymentMethod(ctx, load<PaymentMethodRecord>(ctx, PAYMENT_METHOD, ctx.path.id), customer.id));
  });

  router.post('/v1/payment_methods/:id/detach', (ctx) => {
    const method = load<PaymentMethodRecord>(ctx, PAYMENT_METHOD, ctx.path.id);
    if (!method.customer) throw invalidRequest('The payment method you provided is not attached to a customer so detachment is impossible.', { code: 'payment_method_unexpected_state' });
    const detached = update(ctx, PAYMENT_METHOD, method, { customer: null });
    ctx.engine.emit(ctx, 'payment_method.detached', detached);
    return render(detached);
  });
}
