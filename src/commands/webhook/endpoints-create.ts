import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { writeProfileFile } from '../../config/profiles.js';
import { printRecord } from '../../io/output.js';
import { requestOptions } from '../../resources/write.js';
import { maskSecret, registerSecret } from '../../redact.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { ENDPOINT_COLUMNS } from './endpoints-list.js';

export interface EndpointsCreateOptions {
  url: string;
  events: string[];
  description?: string;
  connect: boolean;
  save: boolean;
}

interface Flags {
  url?: string;
  events?: string[];
  description?: string;
  connect?: boolean;
  save?: boolean;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('create')
    .option('--url <url>', 'where Stripe sends events (https in live mode)')
    .option('--events <types>', 'event types (repeatable or comma-separated; default: the seven the integration handles)', collect)
    .option('--description <text>', 'a note shown in the Dashboard')
    .option('--connect', "receive events from connected accounts, not the platform's own")
    .option('--save', 'store the signing secret in the profile (webhook_secret), for webhook listen');
  describe(
    command,
    'Create a webhook endpoint; prints its signing secret once (--save keeps it in the profile)',
    [
      'webhook endpoints create --url https://example.com/stripe/webhook --save',
      'webhook endpoints create --url https://example.com/hooks --events "payment_intent.*,charge.refunded"',
    ],
    [0, 1, 2, 4, 5],
    'Default events: payment_intent.succeeded, payment_intent.payment_failed,\ncustomer.subscription.created/updated/deleted, invoice.payment_succeeded, invoice.payment_failed.',
  );
  return command.action(
    app.handle<Flags>(async (ctx, _args, flags) => {
      const { parseEventTypes, parseTargetUrl } = await import('../../webhooks/parse.js');
      const { DEFAULT_EVENT_TYPES } = await import('../../webhooks/samples.js');
      const { UsageError } = await import('../../errors.js');
      if (!flags.url) throw new UsageError('missing --url', { hint: 'pass --url https://example.com/stripe/webhook' });
      await run(
        {
          url: parseTargetUrl(flags.url, '--url'),
          events: parseEventTypes(flags.events) ?? [...DEFAULT_EVENT_TYPES],
          description: flags.description,
          connect: Boolean(flags.connect),
          save: Boolean(flags.save),
        },
        ctx,
      );
    }),
  );
}

export async function run(options: EndpointsCreateOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe({ write: true });
  const endpoint = await stripe.webhookEndpoints.create(
    {
      url: options.url,
      enabled_events: options.events as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
      ...(options.description ? { description: options.description } : {}),
      ...(options.connect ? { connect: true } : {}),
    },
    requestOptions(ctx),
  );
  const secret = endpoint.secret ?? '';
  // Shown once, on purpose: Stripe never returns it again. It is data, so it goes to stdout unmasked;
  // it stays masked in every log line and error.
  await printRecord(ctx.io, endpoint, [...ENDPOINT_COLUMNS, { key: 'secret' }], ctx.output);
  registerSecret(secret);
  if (options.save && secret) {
    const file = ctx.config.file;
    const profile = file.profiles[ctx.config.profile] ?? {};
    const existing = (profile.webhook_secret ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    // Appended, not replaced: a listener may serve several endpoints, or be mid-rotation.
    profile.webhook_secret = [...existing.filter((s) => s !== secret), secret].join(',');
    file.profiles[ctx.config.profile] = profile;
    writeProfileFile(ctx.config.paths.configFile, file);
    ctx.io.err(`Saved the signing secret ${maskSecret(secret)} to webhook_secret in profile ${ctx.config.profile}.`);
  } else {
    ctx.io.err('This is the only time the signing secret is shown: keep it, or recreate with --save.');
  }
}
