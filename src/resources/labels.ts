/** Short human descriptions for confirmation questions: `Jane <jane@x.com>`, `$20.00 USD/month`. */
import type Stripe from 'stripe';
import { formatAmount } from '../stripe/money.js';
import { intervalOf } from './columns.js';

export function customerLabel(customer: string | Stripe.Customer | Stripe.DeletedCustomer | null | undefined): string | undefined {
  if (!customer) return undefined;
  if (typeof customer === 'string') return customer;
  if ('deleted' in customer && customer.deleted) return `${customer.id} (deleted)`;
  const { name, email } = customer as Stripe.Customer;
  if (name && email) return `${name} <${email}>`;
  return name || email || customer.id;
}

export function priceLabel(price: Stripe.Price): string {
  const amount = price.unit_amount !== null ? formatAmount(price.unit_amount, price.currency) : `custom ${price.currency.toUpperCase()}`;
  const interval = intervalOf(price);
  return interval ? `${amount}/${interval}` : amount;
}
