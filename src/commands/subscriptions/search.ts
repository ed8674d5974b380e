import type { Command } from 'commander';
import type Stripe from 'stripe';
import { subscriptionColumns } from '../../resources/columns.js';
import { defineSearch, runSearch, type SearchOptions, type SearchVerb } from '../../resources/search.js';
import type { Context } from '../../context.js';
import type { App } from '../app.js';

export type { SearchOptions };

export const verb: SearchVerb<Stripe.Subscription> = {
  noun: 'subscriptions',
  summary: "Search subscriptions with Stripe's query language",
  exampleQuery: "status:'active' AND metadata['plan']:'gold'",
  examples: ["subscriptions search \"status:'active'\"", "subscriptions search \"metadata['plan']:'gold'\" --all --format jsonl"],
  columns: subscriptionColumns,
  search: (stripe, params) => stripe.subscriptions.search(params),
};

export function define(noun: Command, app: App): Command {
  return defineSearch(noun, app, verb);
}

export function run(options: SearchOptions, ctx: Context): Promise<void> {
  return runSearch(verb, options, ctx);
}
