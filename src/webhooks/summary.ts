/** The short human summary of an event for `webhook listen` lines and `events list`. */
import { formatAmount } from '../stripe/money.js';

export interface EventFields {
  id: string;
  type: string;
  account: string | null;
  livemode: boolean;
  created: number | null;
}

/** Reads what the store needs from a body; undefined when it is not a Stripe event. */
export function eventFields(body: unknown): EventFields | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const event = body as Record<string, unknown>;
  if (typeof event.id !== 'string' || !event.id || typeof event.type !== 'string' || !event.type) return undefined;
  if (event.object !== undefined && event.object !== 'event') return undefined;
  return {
    id: event.id,
    type: event.type,
    account: typeof event.account === 'string' && event.account ? event.account : null,
    livemode: event.livemode === true,
    created: typeof event.created === 'number' ? event.created : null,
  };
}

function money(object: Record<string, unknown>, field: string): string | undefined {
  const amount = object[field];
  const currency = object.currency;
  if (typeof amount !== 'number' || typeof currency !== 'string') return undefined;
  try {
    return formatAmount(amount, currency);
  } catch {
    return `${amount} ${currency}`;
  }
}

export function describeEvent(body: unknown): string {
  const object = ((body as { data?: { object?: Record<string, unknown> } })?.data?.object ?? {}) as Record<string, unknown>;
  const parts: Array<string | undefined> = [];
  switch (object.object) {
    case 'payment_intent':
      parts.push(money(object, 'amount'), String(object.status ?? ''));
      if ((object.last_payment_error as { code?: string } | null)?.code) parts.push((object.last_payment_error as { code: string }).code);
      break;
    case 'charge':
    case 'refund':
      parts.push(money(object, 'amount'), String(object.status ?? ''));
      break;
    case 'invoice':
      parts.push(money(object, 'amount_due'), String(object.status ?? ''));
      break;
    case 'subscription':
      parts.push(String(object.status ?? ''), typeof object.customer === 'string' ? object.customer : undefined);
      break;
    case 'customer':
      parts.push(typeof object.email === 'string' ? object.email : undefined);
      break;
    case 'checkout.session':
      parts.push(money(object, 'amount_total'), String(object.payment_status ?? ''));
      break;
    default:
      if (typeof object.id === 'string') parts.push(object.id);
  }
  return parts.filter((part) => part).join(' ');
}
