import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { effectiveFormat, printRecord, printRecords, type Column } from '../../io/output.js';
import type { App } from '../app.js';
import { describe } from '../help.js';
import { eventAccountFilter, eventRecord, prettyPayload, stringifyWithPayload } from './common.js';
import type { DeliveryAttempt } from '../../webhooks/types.js';
import { maskUrlCredentials } from '../../redact.js';

export interface EventsShowOptions {
  eventId: string;
  account?: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('show')
    .argument('<evt_id>', 'the Stripe event id (evt_...)');
  describe(command, 'Show a stored event: its state, pretty-printed payload and every delivery attempt', [
    'webhook events show evt_1Q2w3E4r5T6y7U8i',
    'webhook events show evt_1Q2w3E4r5T6y7U8i --json',
  ], [0, 1, 2, 3]);
  return command.action(
    app.handle(async (ctx, [eventId]) => {
      if (!/^evt_[A-Za-z0-9_]+$/.test(eventId!)) throw new UsageError(`"${eventId}" is not an event id`, { hint: 'event ids look like evt_...' });
      // The global --account picks the account when the same id was stored for two.
      return run({ eventId: eventId!, account: await eventAccountFilter(ctx) }, ctx);
    }),
  );
}

const STATE_COLUMNS: Column<Record<string, unknown>>[] = [
  { key: 'id' },
  { key: 'type' },
  { key: 'account' },
  { key: 'livemode' },
  { key: 'created', kind: 'time' },
  { key: 'received_at', kind: 'time' },
  { key: 'source' },
  { key: 'status' },
  { key: 'attempts' },
  { key: 'last_error' },
  { key: 'next_attempt_at', kind: 'time' },
  { key: 'forwarded_at', kind: 'time' },
  { key: 'duplicates' },
];

const ATTEMPT_COLUMNS: Column<DeliveryAttempt>[] = [
  { key: 'attempted_at', kind: 'time' },
  { key: 'kind' },
  { key: 'target' },
  { key: 'status_code' },
  { key: 'duration_ms' },
  { key: 'error' },
];

export async function run(options: EventsShowOptions, ctx: Context): Promise<void> {
  const store = await ctx.events();
  const event = await store.get(options.eventId, options.account);
  if (!event) {
    throw new NotFoundError(`event ${options.eventId} is not in the store (${store.kind} ${store.location})`, {
      hint: 'see webhook events list, or fetch it with webhook replay --from-stripe',
    });
  }
  // Rows stored before targets were masked may still hold a password in the URL.
  const attempts = (await store.attempts(event.row)).map((attempt) => ({ ...attempt, target: maskUrlCredentials(attempt.target) }));
  const record = eventRecord(event);
  const format = effectiveFormat(ctx.io, ctx.output);
  if (format === 'json' || format === 'jsonl') {
    const document = { ...record, attempts };
    ctx.io.out(stringifyWithPayload(document, event, format === 'json' ? 2 : undefined));
    return;
  }
  await printRecord(ctx.io, record, STATE_COLUMNS, ctx.output);
  ctx.io.out('');
  ctx.io.out(prettyPayload(record.event, event));
  ctx.io.out('');
  if (attempts.length) await printRecords(ctx.io, attempts, ATTEMPT_COLUMNS, ctx.output);
  else ctx.io.err('No delivery attempts.');
}
