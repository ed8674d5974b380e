import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { printRecord, type Column } from '../../io/output.js';
import { DEFAULT_REDIRECT_URI, parsePort, parseTimeoutSeconds } from '../../oauth/authorize.js';
import type { ConnectOptions, ConnectResult } from '../../oauth/connect.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export type { ConnectOptions };

interface Flags {
  userId?: string;
  scope?: string;
  express?: boolean;
  redirectUri?: string;
  port?: string;
  browser?: boolean;
  timeout?: string;
  code?: string;
  force?: boolean;
}

export const COLUMNS: Column<ConnectResult>[] = [
  { key: 'user_id' },
  { key: 'stripe_user_id', header: 'account' },
  { key: 'business_name' },
  { key: 'email' },
  { key: 'livemode' },
  { key: 'scope' },
];

export function define(command: Command, app: App): Command {
  command
    .option('--user-id <name>', 'name to store the connection under (default: the account id)')
    .option('--scope <scope>', 'read_write or read_only')
    .option('--express', 'use the Express authorize page')
    .option('--redirect-uri <uri>', `redirect URI registered with Stripe (env STRIPE_REDIRECT_URI; default ${DEFAULT_REDIRECT_URI})`)
    .option('--port <n>', 'listen on this port instead of the redirect URI\'s (the URI with this port must be registered)')
    .option('--no-browser', 'print the URL instead of opening a browser (SSH, headless hosts)')
    .option('--timeout <seconds>', 'how long to wait for the redirect', '300')
    .option('--code <code>', 'exchange this authorization code (or pasted redirect URL) without a browser or listener')
    .option('--force', 'replace an existing connection with the same --user-id without asking');
  describe(
    command,
    'Connect a Stripe account through Connect OAuth (local callback listener)',
    [
      'connect --user-id acme --scope read_write',
      'connect --user-id acme --scope read_only --no-browser      # on an SSH host: open the URL elsewhere, paste the code',
      'connect --user-id acme --scope read_write --code ac_123    # exchange a code you already have',
      'connect --user-id acme --scope read_write --redirect-uri http://127.0.0.1:9000/oauth/callback',
      'connect --user-id acme --scope read_write --force --json',
    ],
    [0, 1, 2, 4, 5, 130],
    [
      'Opens Stripe\'s authorize page and catches the redirect on a one-shot listener bound to 127.0.0.1 on the',
      'redirect URI\'s port and path. Needs STRIPE_CLIENT_ID and STRIPE_CLIENT_SECRET (the platform secret key),',
      'from the environment or the profile. Prints the connection, never the token.',
    ].join('\n'),
  );
  return command.action(
    app.handle<Flags>((ctx, _args, flags) =>
      run(
        {
          userId: flags.userId,
          scope: flags.scope,
          express: Boolean(flags.express),
          redirectUri: flags.redirectUri,
          port: flags.port === undefined ? undefined : parsePort(flags.port),
          browser: flags.browser !== false,
          timeoutSeconds: parseTimeoutSeconds(flags.timeout ?? '300'),
          code: flags.code,
          force: Boolean(flags.force),
        },
        ctx,
      ),
    ),
  );
}

export async function run(options: ConnectOptions, ctx: Context): Promise<void> {
  const { connectAccount } = await import('../../oauth/connect.js');
  const result = await connectAccount(options, ctx);
  await printRecord(ctx.io, result, COLUMNS, { ...ctx.output, fields: ctx.output.fields ?? COLUMNS.map((column) => column.key) });
}
