import { chmodSync, existsSync, statSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { OperationError, UsageError } from '../../errors.js';
import { storeOptionsFrom } from '../../store/index.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface BackupOptions {
  file: string;
  force: boolean;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('backup')
    .argument('<file>', 'where to write the copy (mode 0600)')
    .option('--force', 'replace FILE if it exists');
  describe(
    command,
    'Copy the SQLite database consistently, even while other runs use it',
    ['db backup ~/backups/atom-stripe-$(date +%F).db', 'db backup /tmp/tokens.db --force'],
    [0, 1, 2],
    'Uses SQLite\'s online backup API. The copy stays encrypted with the same key; keep the key backed up too. ' +
      'For PostgreSQL use pg_dump.',
  );
  return command.action(app.handle<{ force?: boolean }>((ctx, [file], flags) => run({ file, force: Boolean(flags.force) }, ctx)));
}

export async function run(options: BackupOptions, ctx: Context): Promise<void> {
  const storeOptions = storeOptionsFrom(ctx);
  if (storeOptions.kind !== 'sqlite') throw new UsageError(`db backup copies the sqlite store; for ${storeOptions.kind} use its own tools (pg_dump)`);
  const source = storeOptions.databaseFile || ctx.config.paths.databaseFile;
  if (!existsSync(source)) throw new UsageError(`there is no database at ${source} yet`);
  const target = resolve(ctx.cwd, options.file);
  if (target === resolve(source)) throw new UsageError('the backup file must not be the database itself');
  if (existsSync(target) && statSync(target).size > 0 && !options.force) {
    throw new UsageError(`${target} exists`, { hint: 'pass --force to replace it' });
  }
  const { openSqliteDatabase } = await import('../../store/sqlite.js');
  const { prepareSqliteFile } = await import('../../store/sqlite-file.js');
  const db = await openSqliteDatabase(source);
  try {
    // Create the file 0600 first: the copy holds the same (encrypted) tokens as the original.
    if (existsSync(target)) unlinkSync(target);
    prepareSqliteFile(target);
    await db.backup(target);
    chmodSync(target, 0o600);
  } catch (error) {
    throw new OperationError(`backup to ${target} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    db.close();
  }
  if (ctx.output.format === 'json') ctx.io.out(JSON.stringify({ source, backup: target, bytes: statSync(target).size }, null, 2));
  ctx.io.err(`Backed up ${source} to ${target}.`);
}
