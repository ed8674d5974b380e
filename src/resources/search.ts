/** Stripe's search query language: checked for the mistakes a shell makes before it is sent. */
import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { App } from '../commands/app.js';
import { describe } from '../commands/help.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { Column } from '../io/output.js';
import { addSearchOptions, pageParams, parseExpand, parseLimit, streamList, type PagedList, type PageOptions } from './list.js';

export function validateQuery(query: string | undefined): string {
  const text = (query ?? '').trim();
  if (!text) throw new UsageError('the search query is empty', { hint: "for example \"email:'jane@example.com'\"" });
  if (text.length > 10_000) throw new UsageError('the search query is longer than Stripe allows (10000 characters)');
  // A shell that ate the quotes leaves `email:jane@example.com`; Stripe needs the value quoted.
  const unquoted = /(^|\s)([a-z_]+(\[['"][^'"]+['"]\])?)(:|~|>=|<=|>|<)(?![='"\d-])(\S+)/i.exec(text);
  if (unquoted && !/^(AND|OR|null)$/i.test(unquoted[5])) {
    throw new UsageError(`search value "${unquoted[5]}" must be quoted`, { hint: `write ${unquoted[2]}${unquoted[4]}'${unquoted[5]}' and wrap the whole query in double quotes` });
  }
  return text;
}

/**
 * The `search` verb, the same for every noun: a query, --limit/--all/--expand, rows streamed as
 * Stripe's search pages arrive. Each noun's search.ts names its columns, examples and endpoint.
 */
export interface SearchVerb<T extends { id: string }> {
  noun: string;
  /** `customers` → "Search customers with Stripe's query language". */
  summary: string;
  exampleQuery: string;
  examples: string[];
  columns: Column<T>[];
  search(stripe: Stripe, params: { query: string; limit?: number; expand?: string[] }): PagedList<T>;
}

export interface SearchOptions {
  query: string;
  page: PageOptions;
}

export function defineSearch<T extends { id: string }>(noun: Command, app: App, verb: SearchVerb<T>): Command {
  const command = noun.command('search').argument('<query>', `Stripe search query, e.g. "${verb.exampleQuery}"`);
  addSearchOptions(command);
  describe(command, verb.summary, verb.examples, [0, 1, 2, 4, 5]);
  return command.action(
    app.handle<{ limit?: string; all?: boolean; expand?: string[] }>((ctx, [query], flags) =>
      runSearch(
        verb,
        { query: validateQuery(query), page: { limit: parseLimit(flags.limit), all: Boolean(flags.all), expand: parseExpand(flags.expand) } },
        ctx,
      ),
    ),
  );
}

export async function runSearch<T extends { id: string }>(verb: SearchVerb<T>, options: SearchOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  await streamList(ctx, verb.search(stripe, { ...pageParams(options.page), query: options.query }), verb.columns, options.page, {
    noun: verb.noun,
    cursor: false,
  });
}
