/**
 * Realistic sample events for `webhook trigger`: the shapes Stripe sends (API version 2026-10-28),
 * with fresh ids, so an application's handler can be tested offline. Covers the seven types the
 * original integration handled, plus a few common ones.
 */
import { randomBytes } from 'node:crypto';

export const API_VERSION = '2026-10-28.endive';

/** The seven types the original Python integration handled; `endpoints create` subscribes to them. */
export const DEFAULT_EVENT_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
] as const;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function sampleId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${out}`;
}

interface Ids {
  customer: string;
  paymentIntent: string;
  charge: string;
  paymentMethod: string;
  subscription: string;
  subscriptionItem: string;
  price: string;
  product: string;
  invoice: string;
}

function paymentIntent(ids: Ids, created: number, failed: boolean): Record<string, unknown> {
  return {
    id: ids.paymentIntent,
    object: 'payment_intent',
    amount: 2000,
    amount_capturable: 0,
    amount_received: failed ? 0 : 2000,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { allow_redirects: 'always', enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${ids.paymentIntent}_secret_${sampleId('x', 16).slice(2)}`,
    confirmation_method: 'automatic',
    created,
    currency: 'usd',
    customer: ids.customer,
    description: 'atom-stripe trigger sample',
    last_payment_error: failed
      ? {
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          doc_url: 'https://stripe.com/docs/error-codes/card-declined',
          message: 'Your card has insufficient funds.',
          payment_method: { id: ids.paymentMethod, object: 'payment_method', type: 'card' },
          type: 'card_error',
        }
      : null,
    latest_charge: ids.charge,
    livemode: false,
    metadata: { order_id: '6735' },
    next_action: null,
    on_behalf_of: null,
    payment_method: failed ? null : ids.paymentMethod,
    payment_method_types: ['card'],
    receipt_email: null,
    setup_future_usage: null,
    shipping: null,
    statement_descriptor: null,
    status: failed ? 'requires_payment_method' : 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

function subscription(ids: Ids, created: number, status: string, canceled: boolean): Record<string, unknown> {
  const periodEnd = created + 30 * 86_400;
  return {
    id: ids.subscription,
    object: 'subscription',
    application: null,
    billing_cycle_anchor: created,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: canceled ? created + 60 : null,
    collection_method: 'charge_automatically',
    created,
    currency: 'usd',
    customer: ids.customer,
    default_payment_method: ids.paymentMethod,
    ended_at: canceled ? created + 60 : null,
    items: {
      object: 'list',
      data: [
        {
          id: ids.subscriptionItem,
          object: 'subscription_item',
          created,
          current_period_end: periodEnd,
          current_period_start: created,
          metadata: {},
          price: {
            id: ids.price,
            object: 'price',
            active: true,
            currency: 'usd',
            product: ids.product,
            recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
            type: 'recurring',
            unit_amount: 2000,
          },
          quantity: 1,
          subscription: ids.subscription,
        },
      ],
      has_more: false,
      url: `/v1/subscription_items?subscription=${ids.subscription}`,
    },
    latest_invoice: ids.invoice,
    livemode: false,
    metadata: { plan: 'gold' },
    start_date: created,
    status,
    trial_end: null,
    trial_start: null,
  };
}

function invoice(ids: Ids, created: number, paid: boolean): Record<string, unknown> {
  return {
    id: ids.invoice,
    object: 'invoice',
    account_country: 'US',
    amount_due: 2000,
    amount_paid: paid ? 2000 : 0,
    amount_remaining: paid ? 0 : 2000,
    attempt_count: 1,
    attempted: true,
    billing_reason: 'subscription_create',
    collection_method: 'charge_automatically',
    created,
    currency: 'usd',
    customer: ids.customer,
    customer_email: 'jenny.rosen@example.com',
    hosted_invoice_url: `https://invoice.stripe.com/i/${ids.invoice}`,
    lines: {
      object: 'list',
      data: [
        {
          id: sampleId('il'),
          object: 'line_item',
          amount: 2000,
          currency: 'usd',
          description: '1 × Gold (at $20.00 / month)',
          period: { end: created + 30 * 86_400, start: created },
          quantity: 1,
        },
      ],
      has_more: false,
      url: `/v1/invoices/${ids.invoice}/lines`,
    },
    livemode: false,
    metadata: {},
    next_payment_attempt: paid ? null : created + 3 * 86_400,
    number: 'A1B2C3D4-0001',
    parent: { subscription_details: { subscription: ids.subscription, metadata: {} }, type: 'subscription_details' },
    period_end: created,
    period_start: created,
    status: paid ? 'paid' : 'open',
    subtotal: 2000,
    total: 2000,
  };
}

function customer(ids: Ids, created: number): Record<string, unknown> {
  return {
    id: ids.customer,
    object: 'customer',
    balance: 0,
    created,
    currency: 'usd',
    default_source: null,
    delinquent: false,
    description: null,
    email: 'jenny.rosen@example.com',
    invoice_settings: { custom_fields: null, default_payment_method: ids.paymentMethod, footer: null },
    livemode: false,
    metadata: {},
    name: 'Jenny Rosen',
    phone: null,
  };
}

function charge(ids: Ids, created: number): Record<string, unknown> {
  return {
    id: ids.charge,
    object: 'charge',
    amount: 2000,
    amount_captured: 2000,
    amount_refunded: 0,
    captured: true,
    created,
    currency: 'usd',
    customer: ids.customer,
    livemode: false,
    paid: true,
    payment_intent: ids.paymentIntent,
    payment_method: ids.paymentMethod,
    refunded: false,
    status: 'succeeded',
  };
}

type Builder = (ids: Ids, created: number) => { object: Record<string, unknown>; previous?: Record<string, unknown> };

const BUILDERS: Record<string, Builder> = {
  'payment_intent.succeeded': (ids, created) => ({ object: paymentIntent(ids, created, false) }),
  'payment_intent.payment_failed': (ids, created) => ({ object: paymentIntent(ids, created, true) }),
  'payment_intent.created': (ids, created) => ({ object: { ...paymentIntent(ids, created, false), status: 'requires_payment_method', amount_received: 0, latest_charge: null } }),
  'customer.subscription.created': (ids, created) => ({ object: subscription(ids, created, 'active', false) }),
  'customer.subscription.updated': (ids, created) => ({
    object: { ...subscription(ids, created, 'active', false), cancel_at_period_end: true, cancel_at: created + 30 * 86_400 },
    previous: { cancel_at_period_end: false, cancel_at: null },
  }),
  'customer.subscription.deleted': (ids, created) => ({ object: subscription(ids, created, 'canceled', true) }),
  'invoice.payment_succeeded': (ids, created) => ({ object: invoice(ids, created, true) }),
  'invoice.payment_failed': (ids, created) => ({ object: invoice(ids, created, false) }),
  'invoice.paid': (ids, created) => ({ object: invoice(ids, created, true) }),
  'customer.created': (ids, created) => ({ object: customer(ids, created) }),
  'customer.updated': (ids, created) => ({ object: customer(ids, created), previous: { name: null } }),
  'charge.succeeded': (ids, created) => ({ object: charge(ids, created) }),
};

export const SAMPLE_TYPES = Object.keys(BUILDERS).sort();

export interface SampleOptions {
  /** Unix seconds. */
  created: number;
  account?: string;
}

/** A complete Event object of this type, or undefined when there is no sample for it. */
export function sampleEvent(type: string, options: SampleOptions): Record<string, unknown> | undefined {
  const build = BUILDERS[type];
  if (!build) return undefined;
  const ids: Ids = {
    customer: sampleId('cus', 14),
    paymentIntent: sampleId('pi'),
    charge: sampleId('ch'),
    paymentMethod: sampleId('pm'),
    subscription: sampleId('sub'),
    subscriptionItem: sampleId('si', 14),
    price: sampleId('price'),
    product: sampleId('prod', 14),
    invoice: sampleId('in'),
  };
  const { object, previous } = build(ids, options.created);
  return {
    id: sampleId('evt'),
    object: 'event',
    ...(options.account ? { account: options.account } : {}),
    api_version: API_VERSION,
    created: options.created,
    data: previous ? { object, previous_attributes: previous } : { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: sampleId('req', 14), idempotency_key: null },
    type,
  };
}
