/** Subscription inputs: `--price ID[:QTY]` items and describing a subscription in a question. */
import type Stripe from 'stripe';
import { UsageError } from '../errors.js';
import { customerLabel, priceLabel } from './labels.js';
import { validateId } from './ids.js';
import { parsePositiveInteger } from './write.js';

export interface PriceItem {
  price: string;
  quantity?: number;
}

export const MAX_ITEMS = 20;

/** `price_123` or `price_123:3`. */
export function parsePriceItem(value: string, flag = '--price'): PriceItem {
  const [id, quantity, ...rest] = value.split(':');
  if (rest.length) throw new UsageError(`${flag} "${value}" is not PRICE_ID[:QUANTITY]`, { hint: 'for example --price price_123:2' });
  const price = validateId(id, 'price', flag);
  return quantity === undefined ? { price } : { price, quantity: parsePositiveInteger(quantity, `${flag} ${id} quantity`, { max: 1_000_000 }) };
}

export function parsePriceItems(values: string[] | undefined): PriceItem[] {
  const items = (values ?? []).map((value) => parsePriceItem(value));
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.price)) throw new UsageError(`--price ${item.price} is given twice`, { hint: 'use one --price ID:QUANTITY' });
    seen.add(item.price);
  }
  if (items.length > MAX_ITEMS) throw new UsageError(`${items.length} prices; a subscription has at most ${MAX_ITEMS}`);
  return items;
}

/** `sub_123 of Jane <jane@x.com> ($20.00 USD/month × 2)`. */
export function subscriptionPhrase(subscription: Stripe.Subscription): string {
  const who = customerLabel(subscription.customer as Stripe.Customer | string);
  const items = (subscription.items?.data ?? []).map((item) => {
    const label = item.price ? priceLabel(item.price) : '';
    return item.quantity && item.quantity !== 1 ? `${label} × ${item.quantity}` : label;
  });
  return `${subscription.id}${who ? ` of ${who}` : ''}${items.length ? ` (${items.join(', ')})` : ''}`;
}
