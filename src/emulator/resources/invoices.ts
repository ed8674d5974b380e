/**
 * Invoices, issued by subscriptions (on creation and on each renewal), finalized at once and paid
 * with the subscription's or the customer's default payment method.
 */
import type { ApiContext } from '../engine.js';
import { newId } from '../ids.js';
import { optionalEnum, optionalString } from '../params.js';
import type { Router } from '../router.js';
import type { StoredObject } from '../store.js';
import { create, registerList, registerRetrieve, update, type ResourceInfo } from './crud.js';
import { loadCustomer } from './customers.js';
import type { PaymentMethodRecord } from './paymentMethods.js';

export const INVOICE: ResourceInfo = { type: 'invoice', prefix: 'in', collection: 'invoices' };

export interface InvoiceRecord extends StoredObject {
  customer: string;
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  parent: { type: 'subscription_details'; subscription_details: { subscription: string; metadata: Record<string, string> } } | null;
}

export interface InvoiceLine {
  subscriptionItem: string;
  price: { id: string; product: string; unit_amount: number | null; currency: string; recurring: { interval: string } | null };
  quantity: number;
}

export interface InvoiceInput {
  customer: string;
  currency: string;
  subscription: string;
  subscriptionMetadata: Record<string, string>;
  billingReason: 'subscription_create' | 'subscription_cycle' | 'subscription_update';
  periodStart: number;
  periodEnd: number;
  lines: InvoiceLine[];
  /** Trials bill the items at zero. */
  free: boolean;
  paymentMethod?: PaymentMethodRecord;
  /** `payment_behavior=default_incomplete` leaves the first invoice open for the client to pay. */
  attemptPayment: boolean;
}

function invoicePrefix(customerId: string): string {
  return customerId.slice(4, 12).toUpperCase().replace(/[^A-Z0-9]/g, 'X');
}

function invoiceCount(ctx: ApiContext, customerId: string): number {
  let count = 0;
  for (const invoice of ctx.engine.store.walk<InvoiceRecord>(ctx.scope, INVOICE.type)) if (invoice.customer === customerId) count++;
  return count;
}

/** Creates, finalizes and (when asked) pays an invoice; returns it with whether it was paid. */
export function issueInvoice(ctx: ApiContext, input: InvoiceInput): { invoice: InvoiceRecord; paid: boolean } {
  const customer = loadCustomer(ctx, input.customer);
  const id = newId('in');
  const now = ctx.engine.unixNow();
  const lines = input.lines.map((line) => {
    const amount = input.free ? 0 : (line.price.unit_amount ?? 0) * line.quantity;
    return {
      id: newId('il'),
      object: 'line_item',
      amount,
      currency: input.currency,
      description: input.free ? `Trial period for ${line.quantity} × ${line.price.product}` : `${line.quantity} × ${line.price.product} (at ${line.price.unit_amount} ${input.currency} / ${line.price.recurring?.interval ?? 'one-time'})`,
      discount_amounts: [],
      discountable: true,
      discounts: [],
      invoice: id,
      livemode: ctx.livemode,
      metadata: {},
      parent: {
        type: 'subscription_item_details',
        invoice_item_details: null,
        subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: input.subscription, subscription_item: line.subscriptionItem },
      },
      period: { end: input.periodEnd, start: input.periodStart },
      pretax_credit_amounts: [],
      pricing: { price_details: { price: line.price.id, product: line.price.product }, type: 'price_details', unit_amount_decimal: String(input.free ? 0 : (line.price.unit_amount ?? 0)) },
      quantity: line.quantity,
      taxes: [],
    };
  });
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  let invoice = create<InvoiceRecord>(ctx, INVOICE, {
    account_name: (ctx.engine.account(ctx.accountId)?.business_profile as { name?: string | null } | undefined)?.name ?? null,
    amount_due: total,
    amount_remaining: total,
    billing_reason: input.billingReason,
    currency: input.currency,
    customer: customer.id,
    customer_email: customer.email ?? null,
    customer_name: customer.name ?? null,
    default_payment_method: input.paymentMethod?.id ?? null,
    lines: { object: 'list', data: lines, has_more: false, total_count: lines.length, url: `/v1/invoices/${id}/lines` },
    parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: input.subscriptionMetadata, subscription: input.subscription } },
    period_end: input.periodEnd,
    period_start: input.periodStart,
    status: 'draft',
    subtotal: total,
    subtotal_excluding_tax: total,
    total,
    total_excluding_tax: total,
  } as unknown as InvoiceRecord, { id });

  invoice = update(ctx, INVOICE, invoice, {
    status: 'open',
    number: `${invoicePrefix(customer.id)}-${String(invoiceCount(ctx, customer.id)).padStart(4, '0')}`,
    effective_at: now,
    hosted_invoice_url: `https://invoice.stripe.com/i/${id}`,
    invoice_pdf: `https://pay.stripe.com/invoice/${id}/pdf`,
    status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: null, voided_at: null },
  } as Partial<InvoiceRecord>, { eventType: 'invoice.finalized' });

  if (total > 0 && input.attemptPayment && !input.paymentMethod) {
    // As Stripe: nothing to charge. A first invoice stays open, unattempted (the subscription is
    // incomplete until it is paid); a renewal counts as a failed attempt (past_due).
    if (input.billingReason !== 'subscription_create') {
      invoice = update(ctx, INVOICE, invoice, { attempt_count: 1, attempted: true, next_payment_attempt: now + 3 * 86400 } as Partial<InvoiceRecord>, {
        eventType: 'invoice.payment_failed',
      });
    }
    return { invoice, paid: false };
  }
  if (total === 0 || input.attemptPayment) {
    const declined = total > 0 && (input.paymentMethod?._behavior === 'decline' || input.paymentMethod?._behavior === 'insufficient_funds');
    const authentication = total > 0 && input.paymentMethod?._behavior === 'authentication_required';
    if (declined || authentication) {
      invoice = update(ctx, INVOICE, invoice, { attempt_count: 1, attempted: true, next_payment_attempt: now + 3 * 86400 } as Partial<InvoiceRecord>, {
        eventType: 'invoice.payment_failed',
      });
      return { invoice, paid: false };
    }
    invoice = update(ctx, INVOICE, invoice, {
      amount_paid: total,
      amount_remaining: 0,
      attempt_count: total > 0 ? 1 : 0,
      attempted: total > 0,
      status: 'paid',
      status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: now, voided_at: null },
    } as Partial<InvoiceRecord>, { eventType: 'invoice.paid' });
    ctx.engine.emit(ctx, 'invoice.payment_succeeded', invoice);
    return { invoice, paid: true };
  }
  return { invoice, paid: false };
}

export function registerInvoices(router: Router): void {
  registerRetrieve(router, INVOICE);
  registerList<InvoiceRecord>(router, INVOICE, (ctx) => {
    const customer = optionalString(ctx.params, 'customer');
    const subscription = optionalString(ctx.params, 'subscription');
    const status = optionalEnum(ctx.params, 'status', ['draft', 'open', 'paid', 'uncollectible', 'void'] as const);
    return (invoice) =>
      (customer === undefined || invoice.customer === customer) &&
      (subscription === undefined || invoice.parent?.subscription_details.subscription === subscription) &&
      (status === undefined || invoice.status === status);
  });
}
