import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { InterruptedError, NotFoundError, OperationError, UsageError } from '../../errors.js';
import { createRecordWriter, type Column } from '../../io/output.js';
import { maskUrlCredentials } from '../../redact.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { webhookSecrets } from './common.js';
import type { EventFilter, EventStatus, StoredEvent } from '../../webhooks/types.js';

export interface ReplayOptions {
  eventIds: string[];
  failed: boolean;
  dead: boolean;
  types?: string[];
  since?: Date;
  to: string;
  secret?: string;
  concurrency: number;
  ratePerSecond?: number;
  dryRun: boolean;
  fromStripe: boolean;
}

interface Flags {
  failed?: boolean;
  dead?: boolean;
  type?: string[];
  since?: string;
  to?: string;
  secret?: string[];
  concurrency: string;
  rate?: string;
  dryRun?: boolean;
  fromStripe?: boolean;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('replay')
    .argument('[evt_id...]', 'events to replay (evt_...)')
    .option('--failed', 'events whose forwarding is failing (still retrying)')
    .option('--dead', 'events that ran out of forward attempts')
    .option('--type <type>', 'events of this type; payment_intent.* for a family (repeatable)', collect)
    .option('--since <time>', 'events received at or after: an age (2h, 7d) or an ISO time')
    .option('--to <url>', 'where to deliver (default: the profile forward_to)')
    .option('--secret <whsec>', 'sign with this secret (default: STRIPE_WEBHOOK_SECRET or the profile)', collect, [])
    .option('--concurrency <n>', 'deliveries in flight at once', '8')
    .option('--rate <n/s>', 'at most this many deliveries per second, e.g. 20/s')
    .option('--dry-run', 'list what would be replayed, deliver nothing')
    .option('--from-stripe', "fetch events missing from the store from Stripe's Events API (kept 30 days)");
  describe(
    command,
    'Deliver stored events again, re-signed with a fresh timestamp; exit 0 only if every delivery got a 2xx',
    [
      'webhook replay --failed --to http://127.0.0.1:3000/stripe/webhook',
      'webhook replay evt_1Q2w3E4r5T6y7U8i evt_9O8i7U6y5T4r3E2w',
      'webhook replay --dead --type "invoice.*" --since 7d --rate 10/s',
      'webhook replay evt_1Q2w3E4r5T6y7U8i --from-stripe --dry-run',
    ],
    [0, 1, 2, 3, 4, 5, 130],
  );
  return command.action(
    app.handle<Flags>(async (ctx, eventIds, flags) => {
      const { parseEventTypes, parsePositiveInt, parseRate, parseSince, parseTargetUrl } = await import('../../webhooks/parse.js');
      for (const id of eventIds) {
        if (!/^evt_[A-Za-z0-9_]+$/.test(id)) throw new UsageError(`"${id}" is not an event id`, { hint: 'event ids look like evt_...' });
      }
      const types = parseEventTypes(flags.type, '--type');
      if (!eventIds.length && !flags.failed && !flags.dead && !types && !flags.since) {
        throw new UsageError('choose the events to replay', { hint: 'pass event ids, --failed, --dead, --type or --since' });
      }
      const to = flags.to ?? ctx.config.get('forward_to');
      if (!to) throw new UsageError('no target to replay to', { hint: 'pass --to URL or set forward_to (ATOM_STRIPE_FORWARD_TO)' });
      await run(
        {
          eventIds,
          failed: Boolean(flags.failed),
          dead: Boolean(flags.dead),
          types,
          since: flags.since ? parseSince(flags.since, ctx.now()) : undefined,
          to: parseTargetUrl(to, flags.to ? '--to' : 'forward_to'),
          secret: webhookSecrets(ctx, flags.secret)[0],
          concurrency: parsePositiveInt(flags.concurrency, '--concurrency', 256),
          ratePerSecond: flags.rate ? parseRate(flags.rate) : undefined,
          dryRun: Boolean(flags.dryRun),
          fromStripe: Boolean(flags.fromStripe),
        },
        ctx,
      );
    }),
  );
}

interface Row {
  id: string;
  type: string;
  status_code: number | null;
  duration_ms: number | null;
  result: string;
  error: string | null;
}

const COLUMNS: Column<Row>[] = [{ key: 'id' }, { key: 'type' }, { key: 'status_code' }, { key: 'duration_ms' }, { key: 'result' }, { key: 'error' }];

/** Fetches the named events (or those matching the filter) from the Events API and stores them (source `replay`), so the replay that follows finds them. */
async function fetchFromStripe(ctx: Context, store: import('../../webhooks/types.js').EventStore, ids: string[], filter: EventFilter): Promise<void> {
  const stripe = await ctx.stripe();
  const fetched: import('stripe').Stripe.Event[] = [];
  for (const id of ids) fetched.push(await stripe.events.retrieve(id));
  if (!ids.length) {
    const created = filter.since ? { gte: Math.floor(filter.since.getTime() / 1000) } : undefined;
    const exact = filter.types?.filter((type) => !type.endsWith('*'));
    for await (const event of stripe.events.list({ limit: 100, ...(created ? { created } : {}), ...(exact?.length && exact.length === filter.types?.length ? { types: exact } : {}) })) {
      fetched.push(event);
    }
  }
  const { typeMatcher } = await import('../../webhooks/parse.js');
  const matches = typeMatcher(filter.types);
  const events = fetched.filter((event) => matches(event.type));
  if (!events.length) return;
  const now = ctx.now();
  const outcomes = await store.insert(
    events.map((event) => ({
      eventId: event.id,
      type: event.type,
      account: (event as { account?: string }).account ?? null,
      livemode: event.livemode,
      created: event.created,
      source: 'replay' as const,
      payload: Buffer.from(JSON.stringify(event)),
      signature: null,
      receivedAt: now,
    })),
  );
  const stored = outcomes.filter((outcome) => outcome === 'stored').length;
  if (stored) ctx.io.err(`Fetched ${stored} event(s) from Stripe into the store.`);
}

export async function run(options: ReplayOptions, ctx: Context): Promise<void> {
  // Attempt records commit on a writer thread (SQLite): history writes then cost deliveries nothing.
  const store = await ctx.events({ writerThread: options.dryRun ? undefined : 'background' });
  const status: EventStatus[] = [...(options.failed ? (['failed'] as const) : []), ...(options.dead ? (['dead'] as const) : [])];
  const filter: EventFilter = {
    eventIds: options.eventIds.length ? options.eventIds : undefined,
    status: status.length ? status : undefined,
    types: options.types,
    since: options.since,
  };

  if (options.fromStripe) {
    const missing: string[] = [];
    for (const id of options.eventIds) if (!(await store.get(id))) missing.push(id);
    if (missing.length || !options.eventIds.length) await fetchFromStripe(ctx, store, missing, filter);
  }

  // Oldest first, as Stripe would have sent them. The selection is what was received up to now
  // (a listener storing events meanwhile adds none) and is streamed from the store page by page, so
  // the first delivery does not wait for the whole selection to be read, nor memory for its size.
  // Named events are few: they are read first, to refuse the run when one is missing.
  const selection: EventFilter = { ...filter, until: ctx.now(), order: 'oldest' };
  let events: AsyncIterable<StoredEvent> | StoredEvent[];
  let total: number;
  if (options.eventIds.length) {
    const named: StoredEvent[] = [];
    for await (const event of store.list(selection)) named.push(event);
    const found = new Set(named.map((event) => event.event_id));
    const missing = options.eventIds.filter((id) => !found.has(id));
    if (missing.length) {
      throw new NotFoundError(`not in the store: ${missing.join(', ')}`, { hint: 'pass --from-stripe to fetch them from the Events API' });
    }
    events = named;
    total = named.length;
  } else {
    total = await store.count(selection);
    events = store.list(selection);
  }
  if (!total) {
    ctx.io.err('No stored events match; nothing to replay.');
    return;
  }

  const writer = createRecordWriter(ctx.io, COLUMNS, ctx.output);
  if (options.dryRun) {
    let listed = 0;
    for await (const event of events) {
      writer.write({ id: event.event_id, type: event.type, status_code: null, duration_ms: null, result: 'dry-run', error: null });
      listed++;
    }
    await writer.end();
    ctx.io.err(`Dry run: would replay ${listed} event(s) to ${maskUrlCredentials(options.to)}.`);
    return;
  }
  if (!options.secret) ctx.io.err('warning: replaying unsigned: no --secret and no STRIPE_WEBHOOK_SECRET');

  const { createDeliverer } = await import('../../webhooks/deliver.js');
  const { replayEvents } = await import('../../webhooks/replay.js');
  const deliverer = await createDeliverer({ nowSeconds: () => Math.floor(ctx.now().getTime() / 1000), maxSockets: options.concurrency });
  ctx.onClose(() => deliverer.close());
  const progress = ctx.io.progress(total);
  let done = 0;
  let failed = 0;
  const outcome = await replayEvents(events, {
    store,
    deliverer,
    target: options.to,
    secret: options.secret,
    concurrency: options.concurrency,
    ratePerSecond: options.ratePerSecond,
    now: () => ctx.now(),
    signal: ctx.signal,
    onResult(event, delivery) {
      done++;
      const ok = delivery.statusCode !== null && delivery.statusCode >= 200 && delivery.statusCode < 300;
      if (!ok) failed++;
      writer.write({
        id: event.event_id,
        type: event.type,
        status_code: delivery.statusCode,
        duration_ms: Math.round(delivery.durationMs),
        result: ok ? 'delivered' : 'failed',
        error: delivery.error,
      });
      progress.update(done, failed);
    },
  });
  progress.finish();
  await writer.end();
  ctx.io.err(`Replayed ${outcome.delivered + outcome.failed} event(s) to ${maskUrlCredentials(options.to)}: ${outcome.delivered} delivered, ${outcome.failed} failed${outcome.skipped ? `, ${outcome.skipped} skipped (interrupted)` : ''}.`);
  const selected = outcome.delivered + outcome.failed + outcome.skipped;
  if (ctx.signal.aborted) throw new InterruptedError(`interrupted after ${done} of ${selected} deliveries`);
  if (outcome.failed || outcome.skipped) {
    throw new OperationError(`${outcome.failed + outcome.skipped} of ${selected} deliveries did not get a 2xx`, {
      hint: 'see webhook events show EVT_ID for each attempt',
    });
  }
}
