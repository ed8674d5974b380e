import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { configuredPoolSize, loadStoreKeys, poolSizeOf, requireDatabaseUrl, storeOptionsFrom } from '../../store/index.js';
import type { AppliedMigration } from '../../store/migrations/index.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export type MigrateOptions = Record<string, never>;

export function define(noun: Command, app: App): Command {
  const command = noun.command('migrate');
  describe(
    command,
    'Apply pending schema migrations (versioned, transactional, idempotent) and encrypt plaintext token rows',
    ['db migrate', 'db migrate --store postgres --database-url "postgres://atom@db/atom?sslmode=require"', 'db migrate --store postgres --json   # DATABASE_URL from the environment'],
    [0, 1, 2, 5],
    "On PostgreSQL this adopts the original integration's stripe_oauth_tokens table in place: it adds atom-stripe's " +
      'columns, encrypts rows stored in clear text, and replaces the index on the raw access token with one on an HMAC. ' +
      'Safe to run from several hosts at once. SQLite migrates itself on every open; this command just reports it.',
  );
  return command.action(app.handle((ctx) => run({}, ctx)));
}

export async function run(_options: MigrateOptions, ctx: Context): Promise<void> {
  const options = storeOptionsFrom(ctx);
  let applied: AppliedMigration[];
  let encrypted = 0;
  let renamed: string[] = [];
  let location: string;
  if (options.kind === 'sqlite') {
    const { openSqliteDatabase, migrateSqliteTokens } = await import('../../store/sqlite.js');
    location = options.databaseFile || ctx.config.paths.databaseFile;
    const db = await openSqliteDatabase(location);
    try {
      applied = migrateSqliteTokens(db);
    } finally {
      db.close();
    }
  } else if (options.kind === 'postgres') {
    const url = requireDatabaseUrl(options.databaseUrl);
    const keys = await loadStoreKeys(ctx);
    const { openPgPool, migratePostgresTokens, describeDatabaseUrl, renamedDuplicates } = await import('../../store/postgres.js');
    location = describeDatabaseUrl(url);
    const pool = await openPgPool(url, { poolSize: poolSizeOf({ poolSize: configuredPoolSize(ctx.config), env: ctx.env }) });
    try {
      applied = await migratePostgresTokens(pool, keys.cipher, () => encrypted++);
      if (applied.some((m) => m.component === 'tokens' && m.version === 1)) renamed = await renamedDuplicates(pool);
    } finally {
      await pool.end();
    }
  } else {
    throw new UsageError('db migrate applies to the sqlite and postgres stores', { hint: 'pass --store sqlite or --store postgres' });
  }
  if (ctx.output.format === 'json') {
    ctx.io.out(JSON.stringify({ store: options.kind, location, applied, encrypted_rows: encrypted, renamed_duplicates: renamed }, null, 2));
  }
  for (const migration of applied) ctx.io.err(`applied ${migration.component} ${migration.version}: ${migration.name}`);
  if (renamed.length) {
    ctx.io.err(`renamed ${renamed.length} older row${renamed.length === 1 ? '' : 's'} that shared a user_id with a newer one (kept, not deleted): ${renamed.join(', ')}`);
  }
  if (encrypted) ctx.io.err(`encrypted ${encrypted} token row${encrypted === 1 ? '' : 's'} that were stored in clear text`);
  ctx.io.err(applied.length ? `Migrated ${location}.` : `${location} is up to date.`);
}
