import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { printRecord } from '../../io/output.js';
import { confirmDestructive } from '../../resources/confirm.js';
import type { App } from '../app.js';
import { describe } from '../help.js';
import { validateEndpointId } from './endpoints-update.js';

export interface EndpointsDeleteOptions {
  id: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('delete').argument('<we_id>', 'the endpoint id (we_...)');
  describe(
    command,
    'Delete a webhook endpoint (Stripe stops sending to it at once); asks first, or needs --yes',
    ['webhook endpoints delete we_123', 'webhook endpoints delete we_123 --yes --json'],
    [0, 1, 2, 3, 4, 5],
  );
  return command.action(app.handle((ctx, [id]) => run({ id: validateEndpointId(id) }, ctx)));
}

export async function run(options: EndpointsDeleteOptions, ctx: Context): Promise<void> {
  await confirmDestructive(ctx, `delete webhook endpoint ${options.id}`, async () => {
    const stripe = await ctx.stripe();
    const endpoint = await stripe.webhookEndpoints.retrieve(options.id);
    return `Delete webhook endpoint ${endpoint.id} (${endpoint.url})? Stripe stops sending it events at once.`;
  });
  const stripe = await ctx.stripe({ write: true });
  const deleted = await stripe.webhookEndpoints.del(options.id);
  ctx.io.err(`Deleted webhook endpoint ${deleted.id}.`);
  await printRecord(ctx.io, deleted, [{ key: 'id' }, { key: 'deleted' }], ctx.output);
}
