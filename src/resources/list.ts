/**
 * Lists and searches: the shared flags (--limit, --all, --starting-after, --created-after/before,
 * --expand) and the streaming loop. `--all` walks every page with stripe-node's auto-pagination and
 * writes each row as it arrives (jsonl, tsv and csv stream; a table prints at the end), so memory
 * stays flat over 100,000 objects. `--limit N` caps the total across pages.
 */
import { parseWholeNumber } from '../values.js';
import { once } from 'node:events';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { InterruptedError, UsageError } from '../errors.js';
import { createRecordWriter, effectiveFormat, type Column } from '../io/output.js';
import { collect } from '../commands/help.js';
import { validateId, type IdKind } from './ids.js';
import { parseCreatedRange, type CreatedRange } from './time.js';

/** Stripe's largest page. */
export const PAGE_SIZE = 100;
export const DEFAULT_LIMIT = 10;

export interface ListFlags {
  limit?: string;
  all?: boolean;
  startingAfter?: string;
  createdAfter?: string;
  createdBefore?: string;
  expand?: string[];
}

export interface PageOptions {
  /** Total cap; undefined with --all means every object. */
  limit?: number;
  all: boolean;
  startingAfter?: string;
  created?: CreatedRange;
  expand?: string[];
}

export function addListOptions(command: Command, options: { created?: boolean; cursor?: IdKind | false } = {}): Command {
  command
    .option('--limit <n>', `at most this many objects in total (default ${DEFAULT_LIMIT}; with --all, a cap)`)
    .option('--all', 'every object, page after page, printed as they arrive');
  if (options.cursor !== false) command.option('--starting-after <id>', 'start after this object (the last id of a previous page)');
  if (options.created !== false) {
    command
      .option('--created-after <date>', 'created at or after: ISO date, date-time or unix seconds')
      .option('--created-before <date>', 'created before: ISO date, date-time or unix seconds');
  }
  return addExpandOption(command);
}

export function addSearchOptions(command: Command): Command {
  command
    .option('--limit <n>', `at most this many objects in total (default ${DEFAULT_LIMIT}; with --all, a cap)`)
    .option('--all', 'every match, page after page, printed as they arrive');
  return addExpandOption(command);
}

export function addExpandOption(command: Command): Command {
  return command.option('--expand <field>', 'expand a field of each object, e.g. customer (repeatable)', collect, []);
}

export function parseLimit(value: string | undefined, flag = '--limit'): number | undefined {
  if (value === undefined) return undefined;
  return parseWholeNumber(value, flag, { hint: 'for example --limit 50' });
}

export function parsePageOptions(flags: ListFlags, cursorKind?: IdKind): PageOptions {
  return {
    limit: parseLimit(flags.limit),
    all: Boolean(flags.all),
    startingAfter: flags.startingAfter !== undefined && cursorKind ? validateId(flags.startingAfter, cursorKind, '--starting-after') : undefined,
    created: parseCreatedRange(flags.createdAfter, flags.createdBefore),
    expand: parseExpand(flags.expand),
  };
}

export function parseExpand(values: string[] | undefined): string[] | undefined {
  if (!values || values.length === 0) return undefined;
  const fields = values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
  for (const field of fields) {
    if (!/^[a-z_][a-z0-9_.]*$/.test(field)) throw new UsageError(`--expand "${field}" is not a field path`, { hint: 'for example --expand customer' });
  }
  return fields.length ? fields : undefined;
}

/** The total this run prints: --limit, or every object with --all, or one default page. */
export function capOf(page: PageOptions): number {
  return page.limit ?? (page.all ? Number.POSITIVE_INFINITY : DEFAULT_LIMIT);
}

/**
 * Stripe list parameters for the first page. A list's objects are expanded through `data.`; the
 * flag takes the object's own field name, as `get` does.
 */
export function pageParams(page: PageOptions, options: { filtered?: boolean } = {}): Record<string, unknown> {
  const cap = capOf(page);
  // A client-side filter may skip rows, so it reads full pages.
  const limit = options.filtered ? PAGE_SIZE : Math.min(cap, PAGE_SIZE);
  const params: Record<string, unknown> = { limit };
  if (page.startingAfter) params.starting_after = page.startingAfter;
  if (page.created) params.created = page.created;
  if (page.expand) params.expand = page.expand.map((field) => (field.startsWith('data.') ? field : `data.${field}`));
  return params;
}

/** What stripe-node's list and search methods return: the first page, iterable across pages. */
export type PagedList<T> = PromiseLike<{ data: T[]; has_more: boolean }> & AsyncIterable<T>;

export interface StreamOptions<T> {
  noun: string;
  /** Rows dropped client-side (a filter Stripe's list endpoint lacks). */
  filter?: (row: T) => boolean;
  /** Whether --starting-after can continue this listing (search pages by token instead). */
  cursor?: boolean;
}

/**
 * Writes every row of a paged list through the record writer, stopping at the cap. Rows are written
 * as pages arrive; stdout's backpressure is honoured so a slow reader never grows memory.
 */
export async function streamList<T extends { id: string }>(
  ctx: Context,
  list: PagedList<T>,
  columns: Column<T>[],
  page: PageOptions,
  options: StreamOptions<T>,
): Promise<number> {
  const cap = capOf(page);
  const writer = createRecordWriter<T>(ctx.io, columns, ctx.output);
  const format = effectiveFormat(ctx.io, ctx.output);
  const spinner = page.all && format === 'table' ? await ctx.io.spinner(`Fetching ${options.noun}…`) : undefined;
  let count = 0;
  let lastId: string | undefined;
  let firstPage: { data: T[]; has_more: boolean } | undefined;
  try {
    firstPage = await list;
    if (cap > 0) {
      for await (const row of list) {
        if (ctx.signal.aborted) throw new InterruptedError();
        if (options.filter && !options.filter(row)) continue;
        writer.write(row);
        lastId = row.id;
        count++;
        if (spinner && count % 100 === 0) spinner.update(`Fetching ${options.noun}… ${count}`);
        if (count >= cap) break;
        if (ctx.io.stdout.writableNeedDrain) await once(ctx.io.stdout, 'drain');
      }
    }
  } finally {
    spinner?.stop();
  }
  await writer.end();
  if (format === 'table' && count > 0) ctx.io.err(`${count} ${options.noun}`);
  const more = count >= cap && !page.all && (firstPage.has_more || firstPage.data.length > count || cap > PAGE_SIZE);
  if (more && lastId) {
    const next = options.cursor === false ? 'pass --all or a larger --limit' : `pass --all, or --starting-after ${lastId} for the next page`;
    ctx.io.err(`More ${options.noun} may exist: ${next}.`);
  }
  return count;
}
