/** The shared body of `api get|post|delete`: the escape hatch to any Stripe endpoint. */
import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { printRecord, printRecords, type Column } from '../../io/output.js';
import { requestOptions } from '../../resources/write.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface ApiOptions {
  method: Method;
  path: string;
  data: string[];
}

export function parseData(pairs: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const index = pair.indexOf('=');
    if (index <= 0) throw new UsageError(`-d "${pair}" is not key=value`, { hint: 'for example -d limit=3 or -d metadata[plan]=gold' });
    params[pair.slice(0, index)] = pair.slice(index + 1);
  }
  return params;
}

export function validatePath(path: string): string {
  if (!/^\/v[12]\/[A-Za-z0-9_./-]*$/.test(path)) {
    throw new UsageError(`path "${path}" must start with /v1/ (or /v2/) and contain no query string`, {
      hint: 'pass parameters with -d key=value',
    });
  }
  return path;
}

export function defineVerb(noun: Command, app: App, method: Method, examples: string[]): Command {
  const verb = method.toLowerCase();
  const command = noun
    .command(verb)
    .argument('<path>', 'API path, e.g. /v1/customers')
    .option('-d, --data <key=value>', 'a parameter (repeatable; Stripe bracket syntax for nesting)', collect, []);
  describe(
    command,
    `Send a ${method} request to any Stripe endpoint`,
    examples,
    [0, 1, 2, 3, 4, 5],
    'Prints Stripe\'s JSON response as it came, on a terminal or piped, unless --format or --fields asks for ' +
      'rows: then a list or search result prints one row per object, and any other object one record.',
  );
  return command.action(app.handle<{ data: string[] }>((ctx, [path], flags) => run({ method, path, data: flags.data }, ctx)));
}

const listColumns: Column<Record<string, unknown>>[] = [
  { key: 'id' },
  { key: 'object' },
  { key: 'created', kind: 'time' },
];

export async function run(options: ApiOptions, ctx: Context): Promise<void> {
  const path = validatePath(options.path);
  const params = parseData(options.data);
  const stripe = await ctx.stripe({ write: options.method !== 'GET' });
  const query = new URLSearchParams(params).toString();
  const response = (await stripe.rawRequest(
    options.method,
    options.method === 'POST' || !query ? path : `${path}?${query}`,
    options.method === 'POST' ? params : undefined,
    options.method === 'POST' ? requestOptions(ctx) : undefined,
  )) as unknown as Record<string, unknown> & { lastResponse?: unknown };
  const { lastResponse: _lastResponse, ...body } = response;
  const format = ctx.output.format ?? 'json';
  if (body.object === 'list' || body.object === 'search_result') {
    const rows = (body.data as Record<string, unknown>[]) ?? [];
    if (format === 'json' && !ctx.output.fields) {
      ctx.io.out(JSON.stringify(body, null, 2));
    } else {
      await printRecords(ctx.io, rows, listColumns, { ...ctx.output, format });
      if (body.has_more) ctx.io.err('More results: pass -d starting_after=<last id>.');
    }
    return;
  }
  await printRecord(ctx.io, body, Object.keys(body).map((key) => ({ key })), { ...ctx.output, format });
}
