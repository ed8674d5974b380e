import type { Command } from 'commander';
import type Stripe from 'stripe';
import { paymentColumns } from '../../resources/columns.js';
import { defineSearch, runSearch, type SearchOptions, type SearchVerb } from '../../resources/search.js';
import type { Context } from '../../context.js';
import type { App } from '../app.js';

export type { SearchOptions };

export const verb: SearchVerb<Stripe.PaymentIntent> = {
  noun: 'payments',
  summary: "Search payments with Stripe's query language",
  exampleQuery: "status:'succeeded' AND amount>1000",
  examples: ["payments search \"status:'succeeded' AND amount>1000\"", "payments search \"customer:'cus_123'\" --all --format jsonl"],
  columns: paymentColumns,
  search: (stripe, params) => stripe.paymentIntents.search(params),
};

export function define(noun: Command, app: App): Command {
  return defineSearch(noun, app, verb);
}

export function run(options: SearchOptions, ctx: Context): Promise<void> {
  return runSearch(verb, options, ctx);
}
