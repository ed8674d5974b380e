import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { OperationError, UsageError } from '../../errors.js';
import { checkStoreKind, openTokenStore, storeOptionsFrom, type TokenStore } from '../../store/index.js';
import { sameRecord } from '../../store/present.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface MigrateOptions {
  from: string;
  to: string;
  deleteSource: boolean;
  overwrite: boolean;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('migrate')
    .requiredOption('--from <store>', 'source store: sqlite, postgres or keychain')
    .requiredOption('--to <store>', 'target store: sqlite, postgres or keychain')
    .option('--delete-source', 'delete the source records once every copy is verified')
    .option('--overwrite', 'replace target records that differ from the source');
  describe(
    command,
    "Copy the profile's tokens to another store, verify each by reading it back, then optionally delete the source",
    ['token migrate --from keychain --to sqlite', 'token migrate --from sqlite --to postgres --database-url postgres://... --delete-source'],
    [0, 1, 2, 5],
    'Safe to interrupt at any point and rerun: records already copied are skipped, and nothing is deleted ' +
      'from the source until every record has been copied and read back identical.',
  );
  return command.action(
    app.handle<{ from: string; to: string; deleteSource?: boolean; overwrite?: boolean }>((ctx, _args, flags) =>
      run({ from: flags.from, to: flags.to, deleteSource: Boolean(flags.deleteSource), overwrite: Boolean(flags.overwrite) }, ctx),
    ),
  );
}

export async function run(options: MigrateOptions, ctx: Context): Promise<void> {
  const from = checkStoreKind(options.from);
  const to = checkStoreKind(options.to);
  if (from === to) throw new UsageError('--from and --to must be different stores');
  const source: TokenStore = await openTokenStore(storeOptionsFrom(ctx, from));
  ctx.onClose(() => source.close());
  const target: TokenStore = await openTokenStore(storeOptionsFrom(ctx, to));
  ctx.onClose(() => target.close());

  const records = await source.list();
  // Conflicts are found before anything is written.
  const conflicts: string[] = [];
  for (const record of records) {
    const existing = await target.get(record.user_id);
    if (existing && !sameRecord(existing, record) && !options.overwrite) conflicts.push(record.user_id);
  }
  if (conflicts.length) {
    throw new UsageError(`${conflicts.length} token${conflicts.length > 1 ? 's' : ''} already in ${to} differ from ${from}: ${conflicts.join(', ')}`, {
      hint: 'pass --overwrite to replace them; nothing was changed',
    });
  }

  let copied = 0;
  let skipped = 0;
  for (const [index, record] of records.entries()) {
    const existing = await target.get(record.user_id);
    if (existing && sameRecord(existing, record)) {
      skipped++;
    } else {
      const { profile: _profile, key_id: _keyId, ...rest } = record;
      await target.restore(rest);
      const readBack = await target.get(record.user_id);
      if (!readBack || !sameRecord(readBack, record)) {
        throw new OperationError(`token ${record.user_id} did not read back identical from ${to}`, { hint: `nothing was deleted from ${from}` });
      }
      copied++;
    }
    ctx.verbose(`copied ${record.user_id} (${index + 1}/${records.length})`);
  }

  let deleted = 0;
  if (options.deleteSource) {
    for (const [index, record] of records.entries()) {
      // Deleted only if unchanged since it was copied: a record refreshed meanwhile stays.
      const current = await source.get(record.user_id);
      if (current && !sameRecord(current, record)) {
        ctx.io.err(`kept ${record.user_id} in ${from}: it changed during the migration; rerun to copy it`);
        continue;
      }
      if (await source.delete(record.user_id)) deleted++;
      ctx.verbose(`deleted ${record.user_id} from ${from} (${index + 1}/${records.length})`);
    }
  }
  const summary = { from, to, profile: source.profile, total: records.length, copied, already_present: skipped, deleted_from_source: deleted };
  if (ctx.output.format === 'json') ctx.io.out(JSON.stringify(summary, null, 2));
  ctx.io.err(
    `Migrated ${records.length} token${records.length === 1 ? '' : 's'} from ${from} to ${to}: ${copied} copied, ${skipped} already there` +
      (options.deleteSource ? `, ${deleted} deleted from ${from}.` : `; the source is unchanged (use --delete-source to remove it).`),
  );
}
