import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { printRecords } from '../../io/output.js';
import { configuredPoolSize, poolSizeOf, requireDatabaseUrl, storeOptionsFrom } from '../../store/index.js';
import type { MigrationStatus } from '../../store/migrations/index.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export type StatusOptions = Record<string, never>;

interface StatusRow {
  component: string;
  current: number;
  latest: number;
  pending: string;
  rows: number;
  plaintext_rows: number;
  key_ids: string;
}

export function define(noun: Command, app: App): Command {
  const command = noun.command('status');
  describe(
    command,
    'Show the schema version, pending migrations, and how the stored tokens are encrypted',
    ['db status', 'db status --store postgres --json'],
    [0, 1, 2, 5],
  );
  return command.action(app.handle((ctx) => run({}, ctx)));
}

export async function run(_options: StatusOptions, ctx: Context): Promise<void> {
  const options = storeOptionsFrom(ctx);
  let status: MigrationStatus;
  let counts: Array<{ key_id: string | null; rows: number; plaintext: number }> = [];
  const COUNT_SQL = `SELECT key_id, COUNT(*) AS rows,
      SUM(CASE WHEN key_id IS NULL OR access_token NOT LIKE 'v1.%' OR (refresh_token IS NOT NULL AND refresh_token NOT LIKE 'v1.%') THEN 1 ELSE 0 END) AS plaintext
    FROM stripe_oauth_tokens GROUP BY key_id ORDER BY key_id`;
  if (options.kind === 'sqlite') {
    const { openSqliteDatabase, sqliteTokensStatus } = await import('../../store/sqlite.js');
    const db = await openSqliteDatabase(options.databaseFile || ctx.config.paths.databaseFile);
    try {
      status = sqliteTokensStatus(db);
      if (status.current > 0) counts = db.prepare(COUNT_SQL).all() as typeof counts;
    } finally {
      db.close();
    }
  } else if (options.kind === 'postgres') {
    const { openPgPool, postgresTokensStatus } = await import('../../store/postgres.js');
    const { describePool, pgFailure, query } = await import('../../store/pg-connection.js');
    const pool = await openPgPool(requireDatabaseUrl(options.databaseUrl), { poolSize: poolSizeOf({ poolSize: configuredPoolSize(ctx.config), env: ctx.env }) });
    // A connection lost mid-way is exit 5 with one line naming the database, as for every other db verb.
    const ask = (sql: string) => query(pool, describePool(pool), sql);
    try {
      status = await postgresTokensStatus(pool).catch((error: unknown) => {
        throw pgFailure(error, describePool(pool));
      });
      const table = await ask("SELECT to_regclass('stripe_oauth_tokens') IS NOT NULL AS present");
      const hasKeyColumn = await ask(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'stripe_oauth_tokens' AND column_name = 'key_id' AND table_schema = current_schema()",
      );
      if (table.rows[0].present) {
        counts = hasKeyColumn.rowCount
          ? (await ask(COUNT_SQL)).rows
          : (await ask('SELECT NULL AS key_id, COUNT(*) AS rows, COUNT(*) AS plaintext FROM stripe_oauth_tokens')).rows;
      }
    } finally {
      await pool.end().catch(() => {});
    }
  } else {
    throw new UsageError('db status applies to the sqlite and postgres stores');
  }
  const row: StatusRow = {
    component: status.component,
    current: status.current,
    latest: status.latest,
    pending: status.pending.map((m) => `${m.version} ${m.name}`).join('; '),
    rows: counts.reduce((sum, c) => sum + Number(c.rows), 0),
    plaintext_rows: counts.reduce((sum, c) => sum + Number(c.plaintext), 0),
    key_ids: counts.filter((c) => c.key_id).map((c) => `${c.key_id}:${c.rows}`).join(' '),
  };
  await printRecords(ctx.io, [row], [
    { key: 'component' }, { key: 'current' }, { key: 'latest' }, { key: 'pending' }, { key: 'rows' }, { key: 'plaintext_rows' }, { key: 'key_ids' },
  ], ctx.output);
  if (row.plaintext_rows) ctx.io.err(`${row.plaintext_rows} row(s) hold plaintext tokens: run \`atom-stripe db migrate\``);
}
