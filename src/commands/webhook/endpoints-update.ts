import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { printRecord } from '../../io/output.js';
import { requestOptions } from '../../resources/write.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';
import { ENDPOINT_COLUMNS } from './endpoints-list.js';

export interface EndpointsUpdateOptions {
  id: string;
  params: Stripe.WebhookEndpointUpdateParams;
}

interface Flags {
  url?: string;
  events?: string[];
  description?: string;
  disable?: boolean;
  enable?: boolean;
}

export function validateEndpointId(id: string | undefined): string {
  if (!id || !/^we_[A-Za-z0-9]+$/.test(id)) throw new UsageError(`"${id ?? ''}" is not a webhook endpoint id`, { hint: 'endpoint ids look like we_...; see webhook endpoints list' });
  return id;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('update')
    .argument('<we_id>', 'the endpoint id (we_...)')
    .option('--url <url>', 'a new URL')
    .option('--events <types>', 'replace the event types (repeatable or comma-separated)', collect)
    .option('--description <text>', 'a new description')
    .option('--disable', 'stop deliveries')
    .option('--enable', 'resume deliveries');
  describe(
    command,
    'Change a webhook endpoint: URL, events, description, enabled or disabled',
    ['webhook endpoints update we_123 --url https://example.com/new', 'webhook endpoints update we_123 --events "invoice.*" --disable'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(
    app.handle<Flags>(async (ctx, [id], flags) => {
      const { parseEventTypes, parseTargetUrl } = await import('../../webhooks/parse.js');
      const endpointId = validateEndpointId(id);
      if (flags.disable && flags.enable) throw new UsageError('--enable and --disable conflict', { hint: 'use one of them' });
      const params: Stripe.WebhookEndpointUpdateParams = {};
      if (flags.url) params.url = parseTargetUrl(flags.url, '--url');
      const events = parseEventTypes(flags.events);
      if (events) params.enabled_events = events as Stripe.WebhookEndpointUpdateParams.EnabledEvent[];
      if (flags.description !== undefined) params.description = flags.description;
      if (flags.disable) params.disabled = true;
      if (flags.enable) params.disabled = false;
      if (!Object.keys(params).length) {
        throw new UsageError('nothing to change', { hint: 'pass --url, --events, --description, --enable or --disable' });
      }
      await run({ id: endpointId, params }, ctx);
    }),
  );
}

export async function run(options: EndpointsUpdateOptions, ctx: Context): Promise<void> {
  const stripe = await ctx.stripe({ write: true });
  const endpoint = await stripe.webhookEndpoints.update(options.id, options.params, requestOptions(ctx));
  ctx.io.err(`Updated webhook endpoint ${endpoint.id}.`);
  await printRecord(ctx.io, endpoint, ENDPOINT_COLUMNS, ctx.output);
}
