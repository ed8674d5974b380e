import type { Command } from 'commander';
import type Stripe from 'stripe';
import { productColumns } from '../../resources/columns.js';
import { defineSearch, runSearch, type SearchOptions, type SearchVerb } from '../../resources/search.js';
import type { Context } from '../../context.js';
import type { App } from '../app.js';

export type { SearchOptions };

export const verb: SearchVerb<Stripe.Product> = {
  noun: 'products',
  summary: "Search products with Stripe's query language",
  exampleQuery: "name~'Gold' AND active:'true'",
  examples: ["products search \"name~'Gold'\"", "products search \"active:'true'\" --all --json"],
  columns: productColumns,
  search: (stripe, params) => stripe.products.search(params),
};

export function define(noun: Command, app: App): Command {
  return defineSearch(noun, app, verb);
}

export function run(options: SearchOptions, ctx: Context): Promise<void> {
  return runSearch(verb, options, ctx);
}
