/**
 * The postgres store, for fleets of cron hosts and CI runners sharing one database. It adopts the
 * original integration's `stripe_oauth_tokens` table in place (migrations/tokens-postgres.ts).
 * Secrets are sealed with crypto.ts; the access-token index is on an HMAC, never on the token.
 *
 * The schema changes only through `atom-stripe db migrate` (explicit, because many hosts share the
 * database); opening the store checks the schema version and says to run it when it is behind.
 *
 * Per-record locks are session advisory locks held on a dedicated pooled connection: if the holder
 * dies, PostgreSQL ends the session and the lock goes with it.
 */
import type { Pool, PoolClient, QueryResult } from 'pg';
import { NotFoundError, OperationError, TemporaryError } from '../errors.js';
import type { Cipher } from './crypto.js';
import { ConflictError, decodeEach } from './errors.js';
import { DatabaseUnavailableError, describeDatabaseUrl, describePool, isConnectionError, pgFailure, query, withClient } from './pg-connection.js';
import { applyPgMigrations, pgMigrationStatus, type AppliedMigration, type MigrationStatus } from './migrations/index.js';
import { encryptPlaintextRows, TOKENS_POSTGRES_MIGRATIONS } from './migrations/tokens-postgres.js';
import { buildRecord, checkChanges, checkRestore, checkUserId, refuseForeignKeys, seal, unseal } from './records.js';
import type { EncryptedTokenStore, LockOptions, LockOutcome, TokenChanges, TokenRecord } from './types.js';

export const DEFAULT_POOL_SIZE = 4;

export { describeDatabaseUrl };

export interface PgPoolOptions {
  /** Connections in the pool; at least 2 (a held record lock occupies one). */
  poolSize?: number;
  connectTimeoutMs?: number;
}

/**
 * `sslmode` as libpq (psql, and the Python service's psycopg2) means it: `require` encrypts without
 * verifying the certificate, `verify-full` verifies it. pg 8 instead treats require, prefer and
 * verify-ca as verify-full, and warns about it on stderr on every run (a cron run would mail its
 * owner); `uselibpqcompat=true` is pg's own switch to libpq's meaning. A URL that sets
 * uselibpqcompat itself is left alone.
 */
export function withLibpqSslModes(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url; // not a URL: pg reports it
  }
  if (!parsed.searchParams.has('sslmode') || parsed.searchParams.has('uselibpqcompat')) return url;
  parsed.searchParams.set('uselibpqcompat', 'true');
  return parsed.toString();
}

/**
 * A pg Pool for atom-stripe's database. The URL is passed to pg as is, so `sslmode`, `sslrootcert`,
 * `options=-c search_path=...` and friends are honoured. Loads pg lazily. For other components:
 * see migrations/index.ts.
 */
export async function openPgPool(url: string, options: PgPoolOptions = {}): Promise<Pool> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: withLibpqSslModes(url),
    max: Math.max(2, options.poolSize ?? DEFAULT_POOL_SIZE),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'atom-stripe',
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  // (A checked-out client is another matter: see withClient in pg-connection.ts.)
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    const where = describeDatabaseUrl(url);
    const message = `cannot connect to PostgreSQL at ${where}: ${(error as Error).message}`;
    if (isConnectionError(error) || /timeout/i.test((error as Error).message)) {
      throw new DatabaseUnavailableError(message, { hint: 'is the server up? retry when it is', cause: error });
    }
    throw new OperationError(message, { hint: 'check DATABASE_URL / --database-url', cause: error });
  }
  return pool;
}

export async function migratePostgresTokens(pool: Pool, cipher: Cipher, onEncrypted?: (userId: string) => void): Promise<AppliedMigration[]> {
  return applyPgMigrations(pool, 'tokens', TOKENS_POSTGRES_MIGRATIONS, { always: encryptPlaintextRows(cipher, onEncrypted) });
}

/** Rows that the adoption renamed because an older row shared their user_id (see tokens-postgres.ts). */
export async function renamedDuplicates(pool: Pool): Promise<string[]> {
  const result = await query(
    pool,
    describePool(pool),
    "SELECT user_id FROM stripe_oauth_tokens WHERE last_error = 'renamed by atom-stripe db migrate: a newer row had the same user_id' ORDER BY user_id",
  );
  return result.rows.map((row: { user_id: string }) => row.user_id);
}

export async function postgresTokensStatus(pool: Pool): Promise<MigrationStatus> {
  return pgMigrationStatus(pool, 'tokens', TOKENS_POSTGRES_MIGRATIONS);
}

/**
 * Takes the session advisory lock `key` on `client`: at once or not at all with skipIfLocked (false
 * when another session holds it), else waiting up to waitMs (then a TemporaryError, exit 5).
 */
async function acquireAdvisoryLock(client: PoolClient, key: string, userId: string, options: LockOptions, discard: () => void): Promise<boolean> {
  if (options.skipIfLocked) {
    const result = await client.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]);
    return Boolean(result.rows[0].locked);
  }
  const waitMs = Math.max(1, Math.trunc(options.waitMs ?? 30_000));
  try {
    await client.query(`SET lock_timeout = ${waitMs}`);
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') {
      throw new TemporaryError(`token ${userId} is locked by another run`, { hint: 'retry later; it is safe' });
    }
    throw error;
  } finally {
    await client.query('RESET lock_timeout').catch(discard);
  }
}

/** Runs one statement: on the pool, or on a checked-out client inside a transaction. */
type Run = (sql: string, params?: unknown[]) => Promise<QueryResult>;

/**
 * Runs `work` inside a savepoint of the client's open transaction and reports its outcome: an error
 * rolls back only what `work` wrote. A lost connection is no outcome of `work`: it ends the whole
 * transaction, so it is thrown.
 */
async function inSavepoint<T>(client: PoolClient, work: () => Promise<T>): Promise<PromiseSettledResult<T>> {
  await client.query('SAVEPOINT token_update');
  try {
    const value = await work();
    await client.query('RELEASE SAVEPOINT token_update');
    return { status: 'fulfilled', value };
  } catch (reason) {
    if (isConnectionError(reason)) throw reason;
    await client.query('ROLLBACK TO SAVEPOINT token_update');
    return { status: 'rejected', reason };
  }
}

const iso = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;
const SELECT = `SELECT id, profile, user_id, access_token, refresh_token, token_type, ${iso('expires_at')}, stripe_user_id,
  stripe_publishable_key, scope, livemode, status, ${iso('last_verified_at')}, ${iso('last_refreshed_at')}, last_error, key_id,
  version, ${iso('created_at')}, ${iso('updated_at')}, roll_attempt FROM stripe_oauth_tokens`;
/** ISO 8601 (with Z) into the guide's TIMESTAMP columns, which hold UTC. */
const utc = (placeholder: string) => `(${placeholder}::timestamptz AT TIME ZONE 'UTC')`;

interface Row extends Omit<TokenRecord, 'key_id'> {
  id: number;
  key_id: string | null;
  roll_attempt: string | null;
}

export interface PostgresStoreOptions {
  url: string;
  profile: string;
  cipher: Cipher;
  now: () => Date;
  poolSize?: number;
  /** An existing pool (tests, db commands); the store then does not end it on close. */
  pool?: Pool;
}

export async function openPostgresTokenStore(options: PostgresStoreOptions): Promise<EncryptedTokenStore & { readonly pool: Pool }> {
  const ownPool = !options.pool;
  const pool = options.pool ?? (await openPgPool(options.url, { poolSize: options.poolSize }));
  const location = describeDatabaseUrl(options.url);
  try {
    const status = await postgresTokensStatus(pool).catch((error: unknown) => {
      throw pgFailure(error, location);
    });
    if (status.current < status.latest) {
      throw new OperationError(
        `the token table in ${location} is at schema version ${status.current}, this atom-stripe needs ${status.latest}`,
        { hint: 'run `atom-stripe db migrate --store postgres` once' },
      );
    }
  } catch (error) {
    if (ownPool) await pool.end().catch(() => {});
    throw error;
  }
  const { profile, now } = options;
  let cipher = options.cipher;

  const toRecord = (row: Row): TokenRecord => ({
    profile: row.profile,
    user_id: row.user_id,
    ...unseal(cipher, row),
    token_type: row.token_type,
    expires_at: row.expires_at,
    stripe_user_id: row.stripe_user_id,
    stripe_publishable_key: row.stripe_publishable_key,
    scope: row.scope,
    livemode: row.livemode,
    status: row.status,
    last_verified_at: row.last_verified_at,
    last_refreshed_at: row.last_refreshed_at,
    last_error: row.last_error,
    key_id: row.key_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    version: row.version,
    ...(row.roll_attempt ? { roll_attempt: row.roll_attempt } : {}),
  });

  /** Every statement outside a checked-out client: a lost connection is a DatabaseUnavailableError (exit 5). */
  const q: Run = (sql, params) => query(pool, location, sql, params);
  const readRow = async (userId: string, run: Run = q): Promise<Row | undefined> =>
    (await run(`${SELECT} WHERE profile = $1 AND user_id = $2`, [profile, userId])).rows[0] as Row | undefined;

  const values = (record: TokenRecord) => {
    const sealed = seal(cipher, profile, record.user_id, record.access_token, record.refresh_token);
    return [
      profile, record.user_id, sealed.access_token, sealed.refresh_token, record.token_type, record.expires_at, record.stripe_user_id,
      record.stripe_publishable_key, record.scope, record.livemode, record.status, record.last_verified_at, record.last_refreshed_at,
      record.last_error, sealed.key_id, sealed.access_token_lookup, record.version, record.created_at, record.updated_at,
      record.roll_attempt ?? null,
    ];
  };
  const INSERT_VALUES = `($1, $2, $3, $4, $5, ${utc('$6')}, $7, $8, $9, $10, $11, ${utc('$12')}, ${utc('$13')}, $14, $15, $16, $17, ${utc('$18')}, ${utc('$19')}, $20)`;
  const COLUMNS = `profile, user_id, access_token, refresh_token, token_type, expires_at, stripe_user_id, stripe_publishable_key, scope,
    livemode, status, last_verified_at, last_refreshed_at, last_error, key_id, access_token_lookup, version, created_at, updated_at,
    roll_attempt`;
  const SET_ALL = `access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token, token_type = EXCLUDED.token_type,
    expires_at = EXCLUDED.expires_at, stripe_user_id = EXCLUDED.stripe_user_id, stripe_publishable_key = EXCLUDED.stripe_publishable_key,
    scope = EXCLUDED.scope, livemode = EXCLUDED.livemode, status = EXCLUDED.status, last_verified_at = EXCLUDED.last_verified_at,
    last_refreshed_at = EXCLUDED.last_refreshed_at, last_error = EXCLUDED.last_error, key_id = EXCLUDED.key_id,
    access_token_lookup = EXCLUDED.access_token_lookup, updated_at = EXCLUDED.updated_at, roll_attempt = EXCLUDED.roll_attempt`;
  // Every profile's rows: rotate-key re-encrypts them all, so one foreign row stops it for everyone.
  const refuseUnreadableStore = async () => {
    const result = await q('SELECT DISTINCT key_id FROM stripe_oauth_tokens');
    refuseForeignKeys(cipher, result.rows.map((row: { key_id: string | null }) => row.key_id), location);
  };
  const lockKey = (userId: string) => `atom-stripe:token:${profile}/${userId}`;

  /** The compare-and-set of update(), through `run`: the pool, or a client inside updateMany's transaction. */
  const compareAndSet = async (run: Run, userId: string, expectedVersion: number, checked: TokenChanges): Promise<TokenRecord> => {
    const row = await readRow(userId, run);
    if (!row) throw new NotFoundError(`no token named ${userId} in profile ${profile}`);
    if (row.version !== expectedVersion) throw new ConflictError(userId, expectedVersion, row.version);
    const next: TokenRecord = { ...toRecord(row), ...checked, updated_at: now().toISOString(), version: expectedVersion + 1 };
    const [, , accessToken, refreshToken, tokenType, expiresAt, stripeUserId, publishableKey, scope, livemode, status, lastVerifiedAt,
      lastRefreshedAt, lastError, keyId, lookup, version, , updatedAt, rollAttempt] = values(next);
    const result = await run(
      `UPDATE stripe_oauth_tokens SET access_token = $3, refresh_token = $4, token_type = $5, expires_at = ${utc('$6')},
         stripe_user_id = $7, stripe_publishable_key = $8, scope = $9, livemode = $10, status = $11, last_verified_at = ${utc('$12')},
         last_refreshed_at = ${utc('$13')}, last_error = $14, key_id = $15, access_token_lookup = $16, version = $17,
         updated_at = ${utc('$18')}, roll_attempt = $20
       WHERE profile = $1 AND user_id = $2 AND version = $19`,
      [profile, userId, accessToken, refreshToken, tokenType, expiresAt, stripeUserId, publishableKey, scope, livemode, status,
        lastVerifiedAt, lastRefreshedAt, lastError, keyId, lookup, version, updatedAt, expectedVersion, rollAttempt],
    );
    if (result.rowCount === 0) {
      const current = await readRow(userId, run);
      if (!current) throw new NotFoundError(`no token named ${userId} in profile ${profile}`);
      throw new ConflictError(userId, expectedVersion, current.version);
    }
    return { ...next, key_id: cipher.currentKeyId };
  };

  const store: EncryptedTokenStore & { readonly pool: Pool } = {
    kind: 'postgres',
    profile,
    location,
    encrypted: true,
    pool,

    async get(userId) {
      const row = await readRow(userId);
      return row ? toRecord(row) : undefined;
    },
    async list(listOptions) {
      const result = await q(`${SELECT} WHERE profile = $1 ORDER BY user_id COLLATE "C"`, [profile]);
      return decodeEach(result.rows as Row[], toRecord, listOptions?.onUnreadable);
    },
    async put(input) {
      checkUserId(input.user_id);
      const record = buildRecord(profile, input, now().toISOString());
      await refuseUnreadableStore();
      // One statement: a concurrent put of the same user_id becomes an update, never a duplicate.
      const result = await q(
        `INSERT INTO stripe_oauth_tokens (${COLUMNS}) VALUES ${INSERT_VALUES}
         ON CONFLICT (profile, user_id) DO UPDATE SET ${SET_ALL}, version = stripe_oauth_tokens.version + 1
         RETURNING user_id`,
        values(record),
      );
      return toRecord((await readRow(result.rows[0].user_id))!);
    },
    async update(userId, expectedVersion, changes) {
      return compareAndSet(q, userId, expectedVersion, checkChanges(changes));
    },
    async updateMany(updates) {
      return withClient(pool, location, async (client) => {
        const run: Run = (sql, params) => client.query(sql, params);
        await client.query('BEGIN');
        try {
          const results: Array<PromiseSettledResult<TokenRecord>> = [];
          for (const item of updates) results.push(await inSavepoint(client, () => compareAndSet(run, item.userId, item.expectedVersion, checkChanges(item.changes))));
          await client.query('COMMIT');
          return results;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      });
    },
    async delete(userId) {
      const result = await q('DELETE FROM stripe_oauth_tokens WHERE profile = $1 AND user_id = $2', [profile, userId]);
      return (result.rowCount ?? 0) > 0;
    },
    async restore(input) {
      const record = checkRestore(profile, input);
      await refuseUnreadableStore();
      await q(
        `INSERT INTO stripe_oauth_tokens (${COLUMNS}) VALUES ${INSERT_VALUES}
         ON CONFLICT (profile, user_id) DO UPDATE SET ${SET_ALL}, version = EXCLUDED.version, created_at = EXCLUDED.created_at`,
        values(record),
      );
    },
    async withLock<T>(userId: string, fn: () => Promise<T>, lockOptions: LockOptions = {}): Promise<LockOutcome<T>> {
      checkUserId(userId);
      // fn's own errors (Stripe's, say) are boxed past withClient, which would read a network error as the database's.
      const boxed = await withClient(pool, location, async (client, discard): Promise<{ value: T } | { error: unknown } | undefined> => {
        if (!(await acquireAdvisoryLock(client, lockKey(userId), userId, lockOptions, discard))) return undefined;
        try {
          return { value: await fn() };
        } catch (error) {
          return { error };
        } finally {
          // A connection that may still hold the lock is closed, not pooled: closing releases it.
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey(userId)]).catch(discard);
        }
      });
      if (!boxed) return { acquired: false };
      if ('error' in boxed) throw boxed.error;
      return { acquired: true, value: boxed.value };
    },
    async reencryptAll(next) {
      // One transaction: a connection lost half-way rolls every row back (PostgreSQL does, when the session ends).
      const count = await withClient(pool, location, async (client) => {
        await client.query('BEGIN');
        try {
          const rows = (await client.query(`${SELECT} ORDER BY id FOR UPDATE`)).rows as Row[];
          for (const row of rows) {
            const open = unseal(next, row);
            const sealed = seal(next, row.profile, row.user_id, open.access_token, open.refresh_token);
            // version + 1: a writer holding the old ciphertext must re-read before its CAS succeeds.
            await client.query(
              'UPDATE stripe_oauth_tokens SET access_token = $1, refresh_token = $2, access_token_lookup = $3, key_id = $4, version = version + 1 WHERE id = $5',
              [sealed.access_token, sealed.refresh_token, sealed.access_token_lookup, sealed.key_id, row.id],
            );
          }
          await client.query('COMMIT');
          return rows.length;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      });
      cipher = next;
      return count;
    },
    async findByAccessToken(accessToken) {
      const result = await q(`${SELECT} WHERE profile = $1 AND access_token_lookup = ANY($2::text[])`, [profile, cipher.lookupKeys(accessToken)]);
      return (result.rows as Row[]).map(toRecord).find((record) => record.access_token === accessToken);
    },
    async schemaStatus() {
      return postgresTokensStatus(pool);
    },
    async close() {
      if (ownPool && !pool.ended) await pool.end();
    },
  };
  return store;
}
