import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { loadStoreKeys } from '../../store/index.js';
import { buildExport } from '../../store/transfer.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface ExportOptions {
  plaintext: boolean;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('export').option('--plaintext', 'write the tokens in clear text (asks on a TTY; needs --yes without one)');
  describe(
    command,
    "Export the profile's tokens as JSON on stdout, secrets encrypted unless --plaintext",
    ['token export > tokens.enc.json', 'token export --store keychain | atom-stripe token import --store sqlite', 'token export --plaintext --yes > tokens.json'],
    [0, 1, 2, 5],
    'The encrypted form can be imported where the same encryption key is configured (ATOM_STRIPE_ENCRYPTION_KEY, ' +
      'SECRET_KEY, the keychain key or the key file); it keeps timestamps and versions.',
  );
  return command.action(app.handle<{ plaintext?: boolean }>((ctx, _args, flags) => run({ plaintext: Boolean(flags.plaintext) }, ctx)));
}

export async function run(options: ExportOptions, ctx: Context): Promise<void> {
  if (options.plaintext) await ctx.confirm('Write every token of this profile in clear text?');
  const store = await ctx.tokens();
  const records = await store.list();
  const cipher = options.plaintext ? undefined : (await loadStoreKeys(ctx)).cipher;
  ctx.io.out(JSON.stringify(buildExport(records, store.profile, ctx.now().toISOString(), cipher), null, 2));
  ctx.io.err(`Exported ${records.length} token${records.length === 1 ? '' : 's'}${options.plaintext ? ' in clear text' : ''}.`);
}
