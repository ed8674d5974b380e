/**
 * Wire shapes: each object type's fields with their default values, in Stripe's order. The store
 * keeps only the fields that were set; `render` lays them over these defaults on the way out.
 */
import type { StoredObject } from './store.js';

type Template = Record<string, unknown>;

const TEMPLATES: Record<string, Template> = {
  customer: {
    address: null, balance: 0, created: 0, currency: null, default_source: null, delinquent: false, description: null,
    discount: null, email: null, invoice_prefix: null,
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false, metadata: {}, name: null, next_invoice_sequence: 1, phone: null, preferred_locales: [],
    shipping: null, tax_exempt: 'none', test_clock: null,
  },
  product: {
    active: true, attributes: [], created: 0, default_price: null, description: null, images: [], livemode: false,
    marketing_features: [], metadata: {}, name: '', package_dimensions: null, shippable: null, statement_descriptor: null,
    tax_code: null, type: 'service', unit_label: null, updated: 0, url: null,
  },
  price: {
    active: true, billing_scheme: 'per_unit', created: 0, currency: 'usd', custom_unit_amount: null, livemode: false,
    lookup_key: null, metadata: {}, nickname: null, product: '', recurring: null, tax_behavior: 'unspecified',
    tiers_mode: null, transform_quantity: null, type: 'one_time', unit_amount: null, unit_amount_decimal: null,
  },
  payment_method: {
    allow_redisplay: 'unspecified',
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    card: null, created: 0, customer: null, livemode: false, metadata: {}, type: 'card',
  },
  payment_intent: {
    amount: 0, amount_capturable: 0, amount_details: { tip: {} }, amount_received: 0, application: null,
    application_fee_amount: null, automatic_payment_methods: null, canceled_at: null, cancellation_reason: null,
    capture_method: 'automatic', client_secret: null, confirmation_method: 'automatic', created: 0, currency: 'usd',
    customer: null, description: null, excluded_payment_method_types: null, last_payment_error: null,
    latest_charge: null, livemode: false, metadata: {}, next_action: null, on_behalf_of: null, payment_method: null,
    payment_method_configuration_details: null, payment_method_options: {}, payment_method_types: ['card'],
    processing: null, receipt_email: null, review: null, setup_future_usage: null, shipping: null, source: null,
    statement_descriptor: null, statement_descriptor_suffix: null, status: 'requires_payment_method',
    transfer_data: null, transfer_group: null,
  },
  charge: {
    amount: 0, amount_captured: 0, amount_refunded: 0, application: null, application_fee: null,
    application_fee_amount: null, balance_transaction: null,
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'ATOM-STRIPE', captured: false, created: 0, currency: 'usd', customer: null,
    description: null, disputed: false, failure_balance_transaction: null, failure_code: null, failure_message: null,
    fraud_details: {}, livemode: false, metadata: {}, on_behalf_of: null, outcome: null, paid: false,
    payment_intent: null, payment_method: null, payment_method_details: null, receipt_email: null,
    receipt_number: null, receipt_url: null, refunded: false, review: null, shipping: null, source: null,
    source_transfer: null, statement_descriptor: null, statement_descriptor_suffix: null, status: 'pending',
    transfer_data: null, transfer_group: null,
  },
  refund: {
    amount: 0, balance_transaction: null, charge: null, created: 0, currency: 'usd', customer: null, metadata: {},
    payment_intent: null, payment_method: null, reason: null, receipt_number: null, source_transfer_reversal: null,
    status: 'succeeded', transfer_reversal: null,
  },
  subscription: {
    application: null, application_fee_percent: null, automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: 0, billing_cycle_anchor_config: null, billing_mode: { type: 'flexible' },
    billing_thresholds: null, cancel_at: null, cancel_at_period_end: false, canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null }, collection_method: 'charge_automatically',
    created: 0, currency: 'usd', customer: '', days_until_due: null, default_payment_method: null, default_source: null,
    default_tax_rates: [], description: null, discounts: [], ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } }, items: null, latest_invoice: null,
    livemode: false, metadata: {}, next_pending_invoice_item_invoice: null, on_behalf_of: null, pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null, pending_setup_intent: null, pending_update: null, schedule: null,
    start_date: 0, status: 'active', test_clock: null, transfer_data: null, trial_end: null,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } }, trial_start: null,
  },
  subscription_item: {
    billing_thresholds: null, created: 0, current_period_end: 0, current_period_start: 0, discounts: [], metadata: {},
    price: null, quantity: 1, subscription: '', tax_rates: [],
  },
  invoice: {
    account_country: 'US', account_name: null, account_tax_ids: null, amount_due: 0, amount_overpaid: 0, amount_paid: 0,
    amount_remaining: 0, amount_shipping: 0, application: null, attempt_count: 0, attempted: false, auto_advance: false,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null, billing_reason: 'manual', collection_method: 'charge_automatically', created: 0,
    currency: 'usd', custom_fields: null, customer: '', customer_address: null, customer_email: null,
    customer_name: null, customer_phone: null, customer_shipping: null, customer_tax_exempt: 'none',
    default_payment_method: null, default_source: null, default_tax_rates: [], description: null, discounts: [],
    due_date: null, effective_at: null, ending_balance: 0, footer: null, from_invoice: null, hosted_invoice_url: null,
    invoice_pdf: null, issuer: { type: 'self' }, last_finalization_error: null, latest_revision: null, lines: null,
    livemode: false, metadata: {}, next_payment_attempt: null, number: null, on_behalf_of: null, parent: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: 0, period_start: 0, post_payment_credit_notes_amount: 0, pre_payment_credit_notes_amount: 0,
    receipt_number: null, rendering: null, shipping_cost: null, shipping_details: null, starting_balance: 0,
    statement_descriptor: null, status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0, subtotal_excluding_tax: 0, test_clock: null, total: 0, total_discount_amounts: [],
    total_excluding_tax: 0, total_pretax_credit_amounts: [], total_taxes: [], webhooks_delivered_at: null,
  },
  event: {
    api_version: null, created: 0, data: null, livemode: false, pending_webhooks: 0, request: { id: null, idempotency_key: null },
    type: '',
  },
  webhook_endpoint: {
    api_version: null, application: null, created: 0, description: null, enabled_events: [], livemode: false,
    metadata: {}, status: 'enabled', url: '',
  },
  account: {
    business_profile: { mcc: null, name: null, support_email: null, support_phone: null, support_url: null, url: null },
    business_type: 'company', capabilities: { card_payments: 'active', transfers: 'active' }, charges_enabled: true,
    controller: { type: 'account' }, country: 'US', created: 0, default_currency: 'usd', details_submitted: true,
    email: null, metadata: {}, payouts_enabled: true,
    settings: { dashboard: { display_name: null, timezone: 'Etc/UTC' } }, type: 'standard',
  },
};

/** Fields the emulator keeps for itself; never sent on the wire. */
const INTERNAL_PREFIX = '_';

export function render(record: StoredObject): Record<string, unknown> {
  const template = TEMPLATES[record.object];
  const out: Record<string, unknown> = { id: record.id, object: record.object };
  if (record.deleted === true) return { ...out, deleted: true };
  if (template) Object.assign(out, template);
  for (const [key, value] of Object.entries(record)) {
    if (!key.startsWith(INTERNAL_PREFIX)) out[key] = value;
  }
  return out;
}

/** One field as it would render, without building the whole object (search scans every record). */
export function renderedField(record: StoredObject, field: string): unknown {
  const value = record[field];
  return value !== undefined ? value : TEMPLATES[record.object]?.[field];
}
