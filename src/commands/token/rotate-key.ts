import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { isEncryptedStore, loadStoreKeys, openTokenStore, storeOptionsFrom } from '../../store/index.js';
import { prepareRotation } from '../../store/keys.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export type RotateKeyOptions = Record<string, never>;

export function define(noun: Command, app: App): Command {
  const command = noun.command('rotate-key');
  describe(
    command,
    'Re-encrypt every stored token under a new encryption key, in one transaction',
    ['token rotate-key', 'token rotate-key --store postgres   # with ATOM_STRIPE_NEW_ENCRYPTION_KEY=$(openssl rand -base64 32)'],
    [0, 1, 2, 5],
    'With a key file or a keychain key, a new key is generated and stored next to the old one before any row ' +
      'changes, so an interrupted rotation leaves every row readable. When the key comes from ATOM_STRIPE_ENCRYPTION_KEY ' +
      'or SECRET_KEY, give the new key in ATOM_STRIPE_NEW_ENCRYPTION_KEY and update the environment afterwards ' +
      '(ATOM_STRIPE_ENCRYPTION_KEY=new,old lets hosts read both while they roll). Applies to every profile in the database.',
  );
  return command.action(app.handle((ctx) => run({}, ctx)));
}

export async function run(_options: RotateKeyOptions, ctx: Context): Promise<void> {
  const storeOptions = storeOptionsFrom(ctx);
  if (storeOptions.kind === 'keychain') {
    throw new UsageError('keychain entries are encrypted by the keychain itself; there is no atom-stripe key to rotate');
  }
  const keys = await loadStoreKeys(ctx);
  const store = await openTokenStore({ ...storeOptions, keys });
  ctx.onClose(() => store.close());
  if (!isEncryptedStore(store)) throw new UsageError(`the ${store.kind} store is not encrypted by atom-stripe`);
  const plan = await prepareRotation(keys, {
    encryptionKey: ctx.config.get('encryption_key'),
    secretKey: ctx.config.get('secret_key'),
    paths: ctx.config.paths,
    env: ctx.env,
    log: ctx.log,
    warn: (line) => ctx.io.err(line),
    newKey: ctx.env.ATOM_STRIPE_NEW_ENCRYPTION_KEY,
  });
  const count = await store.reencryptAll(plan.cipher);
  await plan.commit();
  ctx.log.info('tokens.rotated', { from: keys.current.id, to: plan.next.id, rows: count });
  if (ctx.output.format === 'json') ctx.io.out(JSON.stringify({ previous_key_id: keys.current.id, key_id: plan.next.id, rows: count, source: keys.source }, null, 2));
  ctx.io.err(`Re-encrypted ${count} token${count === 1 ? '' : 's'} from key ${keys.current.id} to ${plan.next.id} (${keys.location}).`);
  if (plan.afterwards) ctx.io.err(`Next: ${plan.afterwards}.`);
}
