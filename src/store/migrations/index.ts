/**
 * Versioned, transactional schema migrations, shared by every component that keeps tables in
 * atom-stripe's database (the SQLite file, or the PostgreSQL database):
 *
 *   component  owns                     migrations
 *   tokens     stripe_oauth_tokens,     src/store/migrations/tokens-sqlite.ts, tokens-postgres.ts
 *              token_locks (sqlite)
 *   webhooks   stripe_webhook_events    (later: src/webhooks/...)
 *
 * History lives in one table, `schema_migrations(component, version, name, applied_at)`, with a row
 * per applied migration; each component counts its own versions from 1. A migration is never edited
 * once released: add the next version.
 *
 * For another component (the webhook inbox), in SQLite:
 *
 *   const { openSqliteDatabase } = await import('../store/sqlite.js');
 *   const db = await openSqliteDatabase(file);          // 0600 file, 0700 dir, WAL, busy timeout
 *   applySqliteMigrations(db, 'webhooks', [
 *     { version: 1, name: 'create stripe_webhook_events', up: 'CREATE TABLE stripe_webhook_events (...)' },
 *   ]);
 *
 * and in PostgreSQL:
 *
 *   const { openPgPool } = await import('../store/postgres.js');
 *   const pool = await openPgPool(url, { poolSize: 4 }); // sslmode in the URL honoured
 *   await applyPgMigrations(pool, 'webhooks', [{ version: 1, name: '...', up: 'CREATE TABLE ...' }]);
 *
 * SQLite applies each pending migration in its own BEGIN IMMEDIATE transaction (so two processes
 * opening the same file at once apply it once). PostgreSQL applies all pending migrations of a
 * component in one transaction under a transaction-scoped advisory lock, so `db migrate` run by two
 * hosts at once applies each version exactly once, and a failure leaves the schema as it was.
 *
 * This module imports driver types only; it never loads a driver.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { AtomError, OperationError } from '../../errors.js';
import { describePool, pgFailure, withClient } from '../pg-connection.js';

export interface SqliteMigration {
  version: number;
  name: string;
  /** SQL (several statements allowed), or a synchronous function for data changes. */
  up: string | ((db: BetterSqlite3.Database) => void);
}

export interface PgMigration {
  version: number;
  name: string;
  up: string | ((client: PoolClient) => Promise<void>);
}

export interface AppliedMigration {
  component: string;
  version: number;
  name: string;
}

export interface MigrationStatus {
  component: string;
  current: number;
  latest: number;
  pending: Array<{ version: number; name: string }>;
}

function checkList(component: string, migrations: Array<{ version: number }>): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migrations of ${component} must be numbered 1, 2, 3...; found ${migration.version} at position ${index + 1}`);
    }
  });
}

const SQLITE_HISTORY = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  PRIMARY KEY (component, version)
)`;

function sqliteCurrent(db: BetterSqlite3.Database, component: string): number {
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations WHERE component = ?').get(component) as
    | { version: number | null }
    | undefined;
  return row?.version ?? 0;
}

export function applySqliteMigrations(db: BetterSqlite3.Database, component: string, migrations: SqliteMigration[]): AppliedMigration[] {
  checkList(component, migrations);
  db.exec(SQLITE_HISTORY);
  const applied: AppliedMigration[] = [];
  for (const migration of migrations) {
    if (sqliteCurrent(db, component) >= migration.version) continue;
    // BEGIN IMMEDIATE takes the write lock before reading the version, so two openers never both apply it.
    const apply = db.transaction(() => {
      if (sqliteCurrent(db, component) >= migration.version) return false;
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      db.prepare('INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)').run(
        component,
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
      return true;
    });
    try {
      if (apply.immediate()) applied.push({ component, version: migration.version, name: migration.name });
    } catch (error) {
      throw new OperationError(`migration ${component} ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, {
        hint: 'nothing was changed by it',
        cause: error,
      });
    }
  }
  return applied;
}

export function sqliteMigrationStatus(db: BetterSqlite3.Database, component: string, migrations: SqliteMigration[]): MigrationStatus {
  db.exec(SQLITE_HISTORY);
  const current = sqliteCurrent(db, component);
  return {
    component,
    current,
    latest: migrations.length,
    pending: migrations.filter((m) => m.version > current).map(({ version, name }) => ({ version, name })),
  };
}

const PG_HISTORY = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component VARCHAR(64) NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version)
)`;

/** One advisory lock key for all migrations of all components in this database. */
const PG_MIGRATION_LOCK = "hashtextextended('atom-stripe:migrations', 0)";

async function pgCurrent(client: PoolClient | Pool, component: string): Promise<number> {
  const exists = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!exists.rows[0].present) return 0;
  const result = await client.query('SELECT MAX(version) AS version FROM schema_migrations WHERE component = $1', [component]);
  return Number(result.rows[0]?.version ?? 0);
}

export interface PgMigrationOptions {
  /** Runs last, in the same transaction, on every call: for data fix-ups that must hold after any migrate. */
  always?: (client: PoolClient) => Promise<void>;
}

export async function applyPgMigrations(
  pool: Pool,
  component: string,
  migrations: PgMigration[],
  options: PgMigrationOptions = {},
): Promise<AppliedMigration[]> {
  checkList(component, migrations);
  const where = describePool(pool);
  let current: PgMigration | undefined;
  try {
    return await withClient(pool, where, async (client) => {
      await client.query('BEGIN');
      try {
        const applied: AppliedMigration[] = [];
        await client.query(`SELECT pg_advisory_xact_lock(${PG_MIGRATION_LOCK})`);
        await client.query(PG_HISTORY);
        const version = await pgCurrent(client, component);
        for (const migration of migrations) {
          if (migration.version <= version) continue;
          current = migration;
          if (typeof migration.up === 'string') await client.query(migration.up);
          else await migration.up(client);
          await client.query('INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)', [component, migration.version, migration.name]);
          applied.push({ component, version: migration.version, name: migration.name });
        }
        current = undefined;
        if (options.always) await options.always(client);
        await client.query('COMMIT');
        return applied;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  } catch (error) {
    // A lost connection is temporary (exit 5); the session ending rolled the transaction back.
    if (error instanceof AtomError) throw error;
    const what = current ? `migration ${component} ${current.version} (${current.name})` : `migrating ${component}`;
    throw new OperationError(`${what} failed: ${(error as Error).message}`, { hint: 'the transaction was rolled back; nothing was changed', cause: error });
  }
}

export async function pgMigrationStatus(pool: Pool, component: string, migrations: PgMigration[]): Promise<MigrationStatus> {
  const current = await pgCurrent(pool, component).catch((error: unknown) => {
    throw pgFailure(error, describePool(pool));
  });
  return {
    component,
    current,
    latest: migrations.length,
    pending: migrations.filter((m) => m.version > current).map(({ version, name }) => ({ version, name })),
  };
}
