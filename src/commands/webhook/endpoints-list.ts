import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { createRecordWriter, type Column } from '../../io/output.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface EndpointsListOptions {
  limit?: number;
}

export const ENDPOINT_COLUMNS: Column<Stripe.WebhookEndpoint>[] = [
  { key: 'id' },
  { key: 'url' },
  { key: 'status' },
  { key: 'enabled_events', get: (endpoint) => endpoint.enabled_events.join(',') },
  { key: 'description' },
  { key: 'created', kind: 'time' },
];

export function define(noun: Command, app: App): Command {
  const command = noun.command('list').option('--limit <n>', 'at most this many (default: all)');
  describe(command, "List the account's webhook endpoints", ['webhook endpoints list', 'webhook endpoints list --json'], [0, 1, 2, 4, 5]);
  return command.action(
    app.handle<{ limit?: string }>(async (ctx, _args, flags) => {
      const { parsePositiveInt } = await import('../../webhooks/parse.js');
      await run({ limit: flags.limit ? parsePositiveInt(flags.limit, '--limit') : undefined }, ctx);
    }),
  );
}

export async function run(options: EndpointsListOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe();
  const writer = createRecordWriter(ctx.io, ENDPOINT_COLUMNS, ctx.output);
  let count = 0;
  for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) {
    writer.write(endpoint);
    if (options.limit !== undefined && ++count >= options.limit) break;
  }
  await writer.end();
}
