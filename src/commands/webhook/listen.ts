import { Option, type Command } from 'commander';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { formatTime, terminalSafe, terminalSafeJson } from '../../io/output.js';
import { maskUrlCredentials, registerSecret } from '../../redact.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { webhookSecrets } from './common.js';
import type { IncomingEvent } from '../../webhooks/types.js';
import { parseDuration } from '../../values.js';

export interface ListenOptions {
  host: string;
  port: number;
  path: string;
  secrets: string[];
  skipVerify: boolean;
  toleranceSeconds: number;
  eventTypes?: string[];
  forwardTo?: string;
  forwardSecret?: string;
  maxBodyBytes: number;
  maxAttempts: number;
  poll: boolean;
  intervalMs: number;
  backoffScale: number;
}

interface ListenFlags {
  host: string;
  port: string;
  path: string;
  secret: string[];
  skipVerify?: boolean;
  tolerance: string;
  events?: string[];
  forwardTo?: string;
  forwardSecret?: string;
  maxBody: string;
  maxAttempts: string;
  poll?: boolean;
  interval: string;
  backoffScale?: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('listen')
    .option('--host <host>', 'address to bind (127.0.0.1 unless you mean to expose it)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '4242')
    .option('--path <path>', 'the webhook path; other paths answer 404', '/webhooks')
    .option('--secret <whsec>', 'signing secret (repeatable, or comma-separated, for rotation); default STRIPE_WEBHOOK_SECRET or the profile', collect, [])
    .option('--skip-verify', 'accept unsigned events when no secret is configured (prints a warning)')
    .option('--tolerance <duration>', 'reject signatures older than this (300, 5m)', '300')
    .option('--events <types>', "only these types, Stripe's syntax: payment_intent.*,invoice.paid (repeatable)", collect)
    .option('--forward-to <url>', 'POST each stored event to this URL, with retries (default: the profile forward_to)')
    .option('--forward-secret <whsec>', 're-sign forwards with this secret (default: the first listen secret)')
    .option('--max-body <size>', 'larger bodies answer 413', '1mb')
    .option('--max-attempts <n>', 'forward attempts before an event is marked dead', '8')
    .option('--poll', "pull from Stripe's Events API instead of opening a port (no public URL needed)")
    .option('--interval <duration>', 'with --poll: time between polls', '5s')
    // For tests: shrinks the forward retry schedule (also ATOM_STRIPE_WEBHOOK_BACKOFF_SCALE).
    .addOption(new Option('--backoff-scale <factor>').hideHelp());
  describe(
    command,
    'Receive webhook events, store each durably before the 2xx, print and forward them with retries',
    [
      'webhook listen --forward-to http://127.0.0.1:3000/stripe/webhook',
      'webhook listen --port 4242 --secret whsec_old --secret whsec_new --events "payment_intent.*"',
      'webhook listen --poll --interval 10s --forward-to http://127.0.0.1:3000/stripe/webhook',
      'webhook listen --format jsonl > events.jsonl',
    ],
    [0, 1, 2, 4, 5],
    [
      "Answers 2xx only after the event is committed to the store (the token store's SQLite file or PostgreSQL database);",
      '400 for a bad signature, stale timestamp or malformed JSON (the reason goes to the log); 413 over --max-body;',
      '405 for other methods; 404 for other paths; 503 while the database is unreachable (one line when it goes, one when it is back)',
      'and 500 when a store write fails otherwise, so Stripe retries.',
      'Duplicates are answered 200 and counted, never stored twice.',
      'Forwards retry with backoff 1 s, 2 s, 4 s ... up to 5 minutes, and survive restarts.',
      'Several listeners may share one PostgreSQL database. Ctrl-C or SIGTERM drains and prints a summary.',
    ].join(' '),
  );
  return command.action(
    app.handle<ListenFlags>(async (ctx, _args, flags) => {
      const { parseDuration, parseEventTypes, parsePort, parsePositiveInt, parseSize, parseTargetUrl } = await import('../../webhooks/parse.js');
      const poll = Boolean(flags.poll);
      const secrets = webhookSecrets(ctx, flags.secret);
      if (!poll && !secrets.length && !flags.skipVerify) {
        throw new UsageError('no webhook signing secret', {
          hint: 'pass --secret whsec_..., set STRIPE_WEBHOOK_SECRET, or pass --skip-verify to accept unsigned events',
        });
      }
      if (!/^\/\S*$/.test(flags.path)) throw new UsageError(`--path must start with /, not "${flags.path}"`);
      const forwardTo = flags.forwardTo ?? ctx.config.get('forward_to');
      if (flags.forwardSecret) registerSecret(flags.forwardSecret);
      const scaleText = flags.backoffScale ?? ctx.env.ATOM_STRIPE_WEBHOOK_BACKOFF_SCALE;
      const backoffScale = scaleText === undefined ? 1 : Number(scaleText);
      if (!Number.isFinite(backoffScale) || backoffScale < 0) throw new UsageError(`--backoff-scale must be a number >= 0, not "${scaleText}"`);
      await run(
        {
          host: flags.host,
          port: parsePort(flags.port),
          path: flags.path,
          secrets,
          skipVerify: Boolean(flags.skipVerify),
          toleranceSeconds: parseDuration(flags.tolerance, '--tolerance', { allowZero: true }) / 1000,
          eventTypes: parseEventTypes(flags.events),
          forwardTo: forwardTo ? parseTargetUrl(forwardTo, flags.forwardTo ? '--forward-to' : 'forward_to') : undefined,
          forwardSecret: flags.forwardSecret ?? secrets[0],
          maxBodyBytes: parseSize(flags.maxBody),
          maxAttempts: parsePositiveInt(flags.maxAttempts, '--max-attempts', 1000),
          poll,
          intervalMs: parseDuration(flags.interval, '--interval'),
          backoffScale,
        },
        ctx,
      );
    }),
  );
}

/**
 * One --format jsonl line. A body JSON.stringify cannot walk (nested thousands deep: it overflows
 * the stack) is printed from the bytes received instead: the event is already committed, and
 * printing it must never fail its acknowledgement.
 */
export function eventJsonLine(event: IncomingEvent, body: unknown): string {
  const head = {
    id: event.eventId,
    type: event.type,
    account: event.account,
    livemode: event.livemode,
    created: event.created,
    received_at: event.receivedAt.toISOString(),
    source: event.source,
    status: 'received',
  };
  try {
    return JSON.stringify({ ...head, event: body });
  } catch {
    // Line breaks in valid JSON are only whitespace between tokens (inside strings they are escaped).
    const raw = event.payload.toString('utf8').replace(/[\r\n]+/g, ' ');
    return `${JSON.stringify(head).slice(0, -1)},"event":${raw}}`;
  }
}

export async function run(options: ListenOptions, ctx: Context): Promise<void> {
  const { startListener } = await import('../../webhooks/listener.js');
  const { describeEvent } = await import('../../webhooks/summary.js');
  const stripe = options.poll ? await ctx.stripe() : undefined;
  const store = await ctx.events({ writerThread: !options.poll });

  if (!options.poll && options.skipVerify) {
    ctx.io.err('warning: --skip-verify: accepting events without checking their signatures; anyone who can reach the port can inject events');
  }
  if (options.forwardTo && !options.forwardSecret) {
    ctx.io.err('warning: forwarding unsigned: no --forward-secret and no listen secret');
  }

  // Lines are written in batches per event-loop turn: one write per event costs more than the event.
  const format = ctx.output.format;
  const jsonLines = format === 'json' || format === 'jsonl';
  const tty = ctx.io.isStdoutTTY;
  let pending = '';
  const flush = () => {
    if (pending) ctx.io.stdout.write(pending);
    pending = '';
  };
  const emit = (line: string) => {
    if (!pending) setImmediate(flush);
    pending += `${line}\n`;
  };

  const listener = await startListener(
    {
      store,
      now: () => ctx.now(),
      log: ctx.log,
      host: options.host,
      port: options.port,
      path: options.path,
      secrets: options.secrets,
      skipVerify: options.skipVerify,
      toleranceSeconds: options.toleranceSeconds,
      maxBodyBytes: options.maxBodyBytes,
      eventTypes: options.eventTypes,
      forwardTo: options.forwardTo,
      forwardSecret: options.forwardSecret,
      maxAttempts: options.maxAttempts,
      backoffScale: options.backoffScale,
      poll: options.poll && stripe ? { stripe, intervalMs: options.intervalMs, cursorName: `poll:${ctx.config.profile}` } : undefined,
      onEvent(event, body) {
        if (jsonLines) {
          const line = eventJsonLine(event, body);
          emit(tty ? terminalSafeJson(line) : line);
          return;
        }
        const cells = [formatTime(event.receivedAt), event.type, event.eventId, event.account ?? '-', describeEvent(body)];
        // The cells are the sender's data: never raw escapes on a terminal, never a tab or newline that splits a row.
        const safe = cells.map((cell) => (tty ? terminalSafe(cell) : cell.replace(/[\t\r\n]+/g, ' ')));
        emit(tty ? `${ctx.io.chalk.dim(safe[0])}  ${ctx.io.chalk.bold(safe[1])}  ${safe.slice(2).join('  ')}` : safe.join('\t'));
      },
      onForward(event, result) {
        if (result.next?.status === 'forwarded') ctx.verbose(`forwarded ${event.event_id} → ${result.statusCode} in ${Math.round(result.durationMs)} ms`);
        else ctx.io.err(`forward of ${event.event_id} failed (${result.error ?? result.statusCode}); ${result.next?.status === 'dead' ? 'marked dead' : `retry at ${formatTime(result.next?.nextAttemptAt)}`}`);
      },
      onWarning: (message) => ctx.io.err(`warning: ${message}`),
    },
    ctx.signal,
  );

  const forwarding = options.forwardTo ? `, forwarding to ${maskUrlCredentials(options.forwardTo)}` : '';
  if (listener.url) {
    ctx.io.err(`Listening on ${listener.url} (store: ${store.kind} ${store.location})${forwarding}. Ctrl-C to stop.`);
  } else {
    ctx.io.err(`Polling the Events API every ${options.intervalMs / 1000} s (store: ${store.kind} ${store.location})${forwarding}. Ctrl-C to stop.`);
  }
  ctx.log.info('webhook.listen.started', { url: listener.url, poll: options.poll, forwardTo: options.forwardTo && maskUrlCredentials(options.forwardTo), store: store.kind });

  const stats = await listener.done;
  flush();
  ctx.io.err(
    `Stopped: received ${stats.received}, duplicates ${stats.duplicates}, rejected ${stats.rejected}, ignored ${stats.ignored}, ` +
      `forwarded ${stats.forwarded}, failed ${stats.failed} (dead ${stats.dead})${stats.errors ? `, store errors ${stats.errors}` : ''}.`,
  );
  ctx.log.info('webhook.listen.stopped', { ...stats });
}
