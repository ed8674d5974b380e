import type { Command } from 'commander';
import type Stripe from 'stripe';
import type { Context } from '../../context.js';
import { isStripeError, NotFoundError, UsageError } from '../../errors.js';
import { printRecord, type Column } from '../../io/output.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface DisconnectOptions {
  userId: string;
  /** Keep the record, marked revoked, instead of deleting it. */
  keep: boolean;
}

export interface DisconnectResult {
  user_id: string;
  stripe_user_id: string | null;
  /** deleted, or revoked with --keep */
  record: 'deleted' | 'revoked';
  /** Stripe said the account was no longer connected; the record was cleaned up anyway. */
  already_disconnected: boolean;
}

const COLUMNS: Column<DisconnectResult>[] = [{ key: 'user_id' }, { key: 'stripe_user_id', header: 'account' }, { key: 'record' }, { key: 'already_disconnected' }];

export function define(command: Command, app: App): Command {
  command.argument('<user-id>', 'the stored connection to disconnect').option('--keep', 'keep the record, marked revoked, instead of deleting it');
  describe(
    command,
    'Deauthorize a connected account and remove its stored token',
    ['disconnect acme', 'disconnect acme --yes --keep', 'disconnect acme --yes --json'],
    [0, 1, 2, 3, 4, 5],
    'Calls Stripe\'s /oauth/deauthorize, then deletes the stored token (or marks it revoked with --keep). Asks first unless --yes.',
  );
  return command.action(app.handle<{ keep?: boolean }>((ctx, [userId], flags) => run({ userId, keep: Boolean(flags.keep) }, ctx)));
}

/** Stripe's answer when the application is no longer connected to the account. */
function alreadyDisconnected(error: unknown): boolean {
  if (!isStripeError(error)) return false;
  const type = (error as { type?: string }).type;
  if (type !== 'StripeInvalidClientError' && type !== 'StripeOAuthInvalidRequestError' && type !== 'StripeInvalidGrantError') return false;
  return /not connected|no longer connected|already (been )?(disconnected|deauthorized|revoked)|no such (account|user)/i.test(error.message ?? '');
}

export async function run(options: DisconnectOptions, ctx: Context): Promise<void> {
  const { requirePlatformSecret, oauthClient } = await import('../../oauth/client.js');
  const store = await ctx.tokens();
  const record = await store.get(options.userId);
  if (!record) {
    throw new NotFoundError(`no connection named "${options.userId}" in profile ${ctx.config.profile}`, { hint: 'see `atom-stripe token list`' });
  }
  const clientId = ctx.config.get('client_id');
  const secret = requirePlatformSecret(ctx);
  if (!clientId) throw new UsageError('missing STRIPE_CLIENT_ID (the Connect platform client id)', { hint: 'export STRIPE_CLIENT_ID=ca_..., or `atom-stripe config set client_id ca_...`' });
  const account = record.stripe_user_id;
  await ctx.confirm(`Disconnect "${record.user_id}"${account ? ` (${account})` : ''} from the platform?`);

  let already = record.status === 'revoked';
  if (account && !already) {
    const stripe = await oauthClient(ctx, secret.secret);
    try {
      await stripe.oauth.deauthorize({ client_id: clientId, stripe_user_id: account } as Stripe.OAuthDeauthorizeParams);
    } catch (error) {
      if (!alreadyDisconnected(error)) throw error;
      already = true;
      ctx.log.info('oauth.deauthorize.already', { user_id: record.user_id, stripe_user_id: account });
    }
  }
  if (options.keep) {
    await store.update(record.user_id, record.version, { status: 'revoked', last_error: already ? 'already disconnected at Stripe' : 'disconnected' });
  } else {
    await store.delete(record.user_id);
  }
  const result: DisconnectResult = { user_id: record.user_id, stripe_user_id: account, record: options.keep ? 'revoked' : 'deleted', already_disconnected: already };
  ctx.log.info('oauth.disconnected', { ...result });
  ctx.io.err(
    `Disconnected "${record.user_id}"${account ? ` (${account})` : ''}${already ? ' (it was already disconnected at Stripe)' : ''}; ` +
      (options.keep ? 'the record is kept, marked revoked.' : 'the stored token is deleted.'),
  );
  if (ctx.output.format === 'json' || ctx.output.format === 'jsonl' || ctx.globals.verbose) {
    await printRecord(ctx.io, result, COLUMNS, { ...ctx.output, fields: ctx.output.fields ?? COLUMNS.map((column) => column.key) });
  }
}
