import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { OperationError, UsageError } from '../../errors.js';
import { printRecord } from '../../io/output.js';
import { maskUrlCredentials } from '../../redact.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { webhookSecrets } from './common.js';

export interface TriggerOptions {
  type: string;
  to: string;
  secret?: string;
  account?: string;
}

interface Flags {
  to?: string;
  secret?: string[];
  eventAccount?: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('trigger')
    .argument('<type>', 'the event type, e.g. payment_intent.succeeded')
    .option('--to <url>', 'where to deliver (default: the profile forward_to)')
    .option('--secret <whsec>', 'sign with this secret (default: STRIPE_WEBHOOK_SECRET or the profile)', collect, [])
    .option('--event-account <acct>', 'make it a Connect event of this account (acct_...)');
  describe(
    command,
    'Deliver a realistic signed sample event to a handler, offline',
    [
      'webhook trigger payment_intent.succeeded --to http://127.0.0.1:3000/stripe/webhook',
      'webhook trigger invoice.payment_failed --to http://127.0.0.1:4242/webhooks --secret whsec_...',
      'webhook trigger customer.subscription.deleted --json',
    ],
    [0, 1, 2],
    'Types with samples: payment_intent.succeeded, payment_intent.payment_failed, payment_intent.created,\n' +
      'customer.subscription.created/updated/deleted, invoice.payment_succeeded, invoice.payment_failed,\n' +
      'invoice.paid, customer.created, customer.updated, charge.succeeded.',
  );
  return command.action(
    app.handle<Flags>(async (ctx, [type], flags) => {
      const { SAMPLE_TYPES } = await import('../../webhooks/samples.js');
      const { parseTargetUrl } = await import('../../webhooks/parse.js');
      if (!SAMPLE_TYPES.includes(type!)) {
        throw new UsageError(`no sample for event type "${type}"`, { hint: `use one of ${SAMPLE_TYPES.join(', ')}` });
      }
      const to = flags.to ?? ctx.config.get('forward_to');
      if (!to) throw new UsageError('no target to deliver to', { hint: 'pass --to URL or set forward_to (ATOM_STRIPE_FORWARD_TO)' });
      if (flags.eventAccount && !/^acct_[A-Za-z0-9]+$/.test(flags.eventAccount)) {
        throw new UsageError(`--event-account "${flags.eventAccount}" is not an account id`, { hint: 'account ids look like acct_...' });
      }
      await run({ type: type!, to: parseTargetUrl(to, flags.to ? '--to' : 'forward_to'), secret: webhookSecrets(ctx, flags.secret)[0], account: flags.eventAccount }, ctx);
    }),
  );
}

export async function run(options: TriggerOptions, ctx: Context): Promise<void> {
  const { sampleEvent } = await import('../../webhooks/samples.js');
  const { createDeliverer } = await import('../../webhooks/deliver.js');
  const nowSeconds = () => Math.floor(ctx.now().getTime() / 1000);
  const event = sampleEvent(options.type, { created: nowSeconds(), account: options.account })!;
  const payload = Buffer.from(JSON.stringify(event, null, 2));
  if (!options.secret) ctx.io.err('warning: sending unsigned: no --secret and no STRIPE_WEBHOOK_SECRET');

  const store = await ctx.events();
  const receivedAt = ctx.now();
  const deliverer = await createDeliverer({ nowSeconds, maxSockets: 1 });
  ctx.onClose(() => deliverer.close());
  // Delivered first, stored after: when the target is this machine's own `webhook listen` (same
  // store), the listener must see a new event and forward it, not a duplicate of ours.
  const delivery = await deliverer.deliver(options.to, payload, options.secret, { signal: ctx.signal });
  const ok = delivery.statusCode !== null && delivery.statusCode >= 200 && delivery.statusCode < 300;
  const shownTarget = maskUrlCredentials(options.to);
  // Kept in the store like any other event (source `trigger`), so it can be replayed.
  const [outcome] = await store.insert([
    { eventId: event.id as string, type: options.type, account: options.account ?? null, livemode: false, created: nowSeconds(), source: 'trigger', payload, signature: null, receivedAt },
  ]);
  const stored = (await store.get(event.id as string, options.account ?? null))!;
  // A listener that stored it owns its status (its forwarding decides it); only the attempt is ours.
  const ours = outcome === 'stored';
  await store.recordAttempts([
    {
      row: stored.row,
      kind: 'trigger',
      target: shownTarget,
      statusCode: delivery.statusCode,
      durationMs: delivery.durationMs,
      error: delivery.error,
      attemptedAt: ctx.now(),
      next: !ours
        ? undefined
        : ok
          ? { status: 'forwarded', nextAttemptAt: null, lastError: null, countAttempt: true }
          : { status: 'failed', nextAttemptAt: null, lastError: delivery.error, countAttempt: true },
    },
  ]);
  const result = { id: event.id as string, type: options.type, to: shownTarget, status_code: delivery.statusCode, duration_ms: Math.round(delivery.durationMs), error: delivery.error };
  await printRecord(ctx.io, result, [{ key: 'id' }, { key: 'type' }, { key: 'to' }, { key: 'status_code' }, { key: 'duration_ms' }, { key: 'error' }], ctx.output);
  if (!ok) {
    throw new OperationError(`${shownTarget} answered ${delivery.statusCode ?? delivery.error} to ${options.type}`, { hint: 'check the handler; webhook events show ' + String(event.id) });
  }
}
