import type { Router } from '../router.js';
import { registerAccount } from './account.js';
import { registerCharges } from './charges.js';
import { registerCustomers } from './customers.js';
import { registerEvents } from './events.js';
import { registerInvoices } from './invoices.js';
import { registerPaymentIntents } from './paymentIntents.js';
import { registerPaymentMethods } from './paymentMethods.js';
import { registerPrices } from './prices.js';
import { registerProducts } from './products.js';
import { registerRefunds } from './refunds.js';
import { registerSubscriptions } from './subscriptions.js';
import { registerWebhookEndpoints } from './webhookEndpoints.js';

export function registerResources(router: Router): Router {
  for (const register of [
    registerAccount, registerCustomers, registerPaymentMethods, registerPaymentIntents, registerCharges, registerRefunds,
    registerProducts, registerPrices, registerSubscriptions, registerInvoices, registerEvents, registerWebhookEndpoints,
  ]) {
    register(router);
  }
  return router;
}
