/**
 * Every noun, in one place. Only names and summaries live here, so `--help` and `--version` load
 * nothing heavy; a noun's module is imported only when that noun runs.
 */
import type { Command } from 'commander';
import type { App } from './app.js';

export interface NounModule {
  register(noun: Command, app: App): void;
}

export interface NounEntry {
  name: string;
  summary: string;
  load: () => Promise<NounModule>;
}

export const NOUNS: NounEntry[] = [
  { name: 'connect', summary: 'Connect a Stripe account through Connect OAuth (local callback listener)', load: () => import('./connect/index.js') },
  { name: 'disconnect', summary: 'Deauthorize a connected account and remove its stored token', load: () => import('./disconnect/index.js') },
  { name: 'token', summary: 'List, inspect, import, export, migrate and refresh stored OAuth tokens', load: () => import('./token/index.js') },
  { name: 'customers', summary: 'List, search, create, update and delete customers', load: () => import('./customers/index.js') },
  { name: 'payments', summary: 'PaymentIntents: create, confirm, capture, cancel, refund, list and search', load: () => import('./payments/index.js') },
  { name: 'subscriptions', summary: 'Create, update, cancel, list and search subscriptions', load: () => import('./subscriptions/index.js') },
  { name: 'products', summary: 'Maintain the product catalogue', load: () => import('./products/index.js') },
  { name: 'prices', summary: 'Create, list and archive prices', load: () => import('./prices/index.js') },
  { name: 'webhook', summary: 'Receive, store, forward, replay and trigger webhook events; manage endpoints', load: () => import('./webhook/index.js') },
  { name: 'health', summary: 'Check configuration, token store, Stripe and connections', load: () => import('./health/index.js') },
  { name: 'smoke', summary: 'Post-deployment smoke checks for CI (JUnit or JSON), never prompts', load: () => import('./smoke/index.js') },
  { name: 'metrics', summary: 'Delivery, refresh and payment metrics from the local stores (Prometheus format too)', load: () => import('./metrics/index.js') },
  { name: 'db', summary: 'Database migrations and backups for the sqlite and postgres stores', load: () => import('./db/index.js') },
  { name: 'emulator', summary: 'Run a local stateful Stripe emulator for offline work and tests', load: () => import('./emulator/index.js') },
  { name: 'config', summary: 'Show and change profiles and settings', load: () => import('./config/index.js') },
  { name: 'api', summary: 'Call any Stripe API endpoint: api get|post|delete /v1/...', load: () => import('./api/index.js') },
  { name: 'completion', summary: 'Print a shell completion script: bash, zsh or fish', load: () => import('./completion/index.js') },
];
