import type { Command } from 'commander';
import type Stripe from 'stripe';
import { customerColumns } from '../../resources/columns.js';
import { defineSearch, runSearch, type SearchOptions, type SearchVerb } from '../../resources/search.js';
import type { Context } from '../../context.js';
import type { App } from '../app.js';

export type { SearchOptions };

export const verb: SearchVerb<Stripe.Customer> = {
  noun: 'customers',
  summary: "Search customers with Stripe's query language",
  exampleQuery: "email:'jane@example.com'",
  examples: ["customers search \"email:'jane@example.com'\"", "customers search \"name~'Jane' AND metadata['plan']:'gold'\" --all --format csv"],
  columns: customerColumns,
  search: (stripe, params) => stripe.customers.search(params),
};

export function define(noun: Command, app: App): Command {
  return defineSearch(noun, app, verb);
}

export function run(options: SearchOptions, ctx: Context): Promise<void> {
  return runSearch(verb, options, ctx);
}
