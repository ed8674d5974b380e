import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { createRecordWriter } from '../../io/output.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { EVENT_COLUMNS, eventAccountFilter, eventRecord } from './common.js';
import type { EventStatus } from '../../webhooks/types.js';

export interface EventsListOptions {
  types?: string[];
  status?: EventStatus[];
  since?: Date;
  account?: string;
  /** undefined: every event (--all). */
  limit?: number;
}

interface Flags {
  type?: string[];
  status?: string[];
  since?: string;
  limit?: string;
  all?: boolean;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('list')
    .option('--type <type>', 'only this type; payment_intent.* for a family (repeatable)', collect)
    .option('--status <status>', 'received, forwarded, failed or dead (repeatable)', collect)
    .option('--since <time>', 'received at or after: an age (2h, 7d) or an ISO time')
    .option('--limit <n>', 'at most this many (default 20)')
    .option('--all', 'every matching event, no cap');
  describe(
    command,
    'List stored webhook events, newest first',
    ['webhook events list', 'webhook events list --status dead --json', 'webhook events list --account acct_1Connected --since 7d', 'webhook events list --type "invoice.*" --since 24h --all --format tsv'],
    [0, 1, 2],
  );
  return command.action(
    app.handle<Flags>(async (ctx, _args, flags) => {
      const { parseEventTypes, parsePositiveInt, parseSince } = await import('../../webhooks/parse.js');
      const { EVENT_STATUSES } = await import('../../webhooks/types.js');
      const status = (flags.status ?? []).flatMap((s) => s.split(',')).filter(Boolean);
      for (const value of status) {
        if (!(EVENT_STATUSES as readonly string[]).includes(value)) {
          throw new UsageError(`--status "${value}" is not a status`, { hint: `use ${EVENT_STATUSES.join(', ')}` });
        }
      }
      if (flags.all && flags.limit) throw new UsageError('--all and --limit conflict', { hint: 'use one of them' });
      await run(
        {
          types: parseEventTypes(flags.type, '--type'),
          status: status.length ? (status as EventStatus[]) : undefined,
          since: flags.since ? parseSince(flags.since, ctx.now()) : undefined,
          // The global --account (acct_... or a connection's user id) filters by connected account.
          account: await eventAccountFilter(ctx),
          limit: flags.all ? undefined : flags.limit ? parsePositiveInt(flags.limit, '--limit') : 20,
        },
        ctx,
      );
    }),
  );
}

export async function run(options: EventsListOptions, ctx: Context): Promise<void> {
  const store = await ctx.events();
  const writer = createRecordWriter(ctx.io, EVENT_COLUMNS, ctx.output);
  for await (const event of store.list(options)) writer.write(eventRecord(event));
  await writer.end();
}
