import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { loadStoreKeys } from '../../store/index.js';
import { parseImport } from '../../store/transfer.js';
import type { Cipher } from '../../store/crypto.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export type ImportOptions = Record<string, never>;

export function define(noun: Command, app: App): Command {
  const command = noun.command('import');
  describe(
    command,
    'Import tokens from JSON on stdin (validates every record before writing any)',
    [
      'token import < tokens.json',
      `token import --store postgres <<< '[{"user_id":"acme","access_token":"sk_test_...","livemode":false}]'`,
      'token export | ssh other-host atom-stripe token import',
    ],
    [0, 1, 2, 5],
    'stdin holds a JSON array of records with the fields user_id, access_token, refresh_token, token_type, expires_at, ' +
      'stripe_user_id, stripe_publishable_key, scope and livemode (status, last_verified_at, last_refreshed_at and last_error ' +
      'are accepted too), or a document written by `token export`. A record whose user_id exists replaces it.',
  );
  return command.action(app.handle((ctx) => run({}, ctx)));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk;
  return text;
}

export async function run(_options: ImportOptions, ctx: Context): Promise<void> {
  if (ctx.io.isStdinTTY) throw new UsageError('token import reads JSON from stdin', { hint: 'atom-stripe token import < tokens.json' });
  const text = await readAll(ctx.io.stdin);
  let cipher: Cipher | undefined;
  const keys = async () => (cipher ??= (await loadStoreKeys(ctx)).cipher);
  // An encrypted export needs the key; load it first only if the input is one.
  if (text.includes('"atom-stripe.tokens"')) await keys();
  const plan = parseImport(text, ctx.config.profile, () => cipher!);
  const store = await ctx.tokens();
  let imported = 0;
  try {
    for (const record of plan.records) {
      if (plan.kind === 'records') await store.put(record as never);
      else await store.restore(record as never);
      imported += 1;
    }
  } catch (error) {
    // Records are written one by one (the keychain has no transactions); say how far it got.
    if (imported > 0) {
      ctx.io.err(`Imported ${imported} of ${plan.records.length} before the error below; an import replaces by user_id, so run it again once that is fixed.`);
    }
    throw error;
  }
  ctx.io.err(`Imported ${plan.records.length} token${plan.records.length === 1 ? '' : 's'} into ${store.kind} (profile ${store.profile}).`);
}
