/**
 * The sqlite store (the default): one file, mode 0600 in a 0700 directory, WAL, a busy timeout, and
 * versioned migrations applied on open. Secrets are sealed with crypto.ts.
 *
 * Writers serialise on SQLite's write lock: every read-modify-write runs in BEGIN IMMEDIATE, which
 * takes the lock before reading, and waits up to the busy timeout for another process to finish.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { NotFoundError, OperationError, TemporaryError } from '../errors.js';
import type { Cipher } from './crypto.js';
import { ConflictError, decodeEach } from './errors.js';
import { prepareSqliteFile } from './sqlite-file.js';
import { applySqliteMigrations, sqliteMigrationStatus, type AppliedMigration, type MigrationStatus } from './migrations/index.js';
import { TOKENS_SQLITE_MIGRATIONS } from './migrations/tokens-sqlite.js';
import { buildRecord, checkChanges, checkRestore, checkUserId, refuseForeignKeys, seal, settle, unseal } from './records.js';
import type { EncryptedTokenStore, LockOptions, LockOutcome, NewTokenRecord, TokenChanges, TokenRecord } from './types.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

export interface SqliteOpenOptions {
  busyTimeoutMs?: number;
  readonly?: boolean;
}

/**
 * Opens (creating if needed) an atom-stripe SQLite database: the directory is made 0700 when this
 * call creates it, the file is 0600 (SQLite gives -wal and -shm the file's mode), WAL, FULL sync
 * (a refreshed token must survive a power cut: the old refresh token no longer works), busy timeout.
 * Loads better-sqlite3 lazily. For other components: see migrations/index.ts.
 */
export async function openSqliteDatabase(file: string, options: SqliteOpenOptions = {}): Promise<BetterSqlite3.Database> {
  const { default: Database } = await import('better-sqlite3');
  // Never open()/close() the file here: see sqlite-file.ts (a closed descriptor drops this process's locks).
  if (!options.readonly) prepareSqliteFile(file);
  let db: BetterSqlite3.Database;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new OperationError(`cannot open the SQLite database ${file}: ${(error as Error).message}`, { cause: error });
  }
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
  db.pragma('foreign_keys = ON');
  return db;
}

export function migrateSqliteTokens(db: BetterSqlite3.Database): AppliedMigration[] {
  return applySqliteMigrations(db, 'tokens', TOKENS_SQLITE_MIGRATIONS);
}

export function sqliteTokensStatus(db: BetterSqlite3.Database): MigrationStatus {
  return sqliteMigrationStatus(db, 'tokens', TOKENS_SQLITE_MIGRATIONS);
}

interface Row {
  id: number;
  profile: string;
  user_id: string;
  access_token: string;
  refresh_token: string | null;
  token_type: string | null;
  expires_at: string | null;
  stripe_user_id: string | null;
  stripe_publishable_key: string | null;
  scope: string | null;
  livemode: number;
  status: TokenRecord['status'];
  last_verified_at: string | null;
  last_refreshed_at: string | null;
  last_error: string | null;
  key_id: string | null;
  access_token_lookup: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  roll_attempt: string | null;
}

const COLUMNS = `profile, user_id, access_token, refresh_token, token_type, expires_at, stripe_user_id, stripe_publishable_key, scope,
  livemode, status, last_verified_at, last_refreshed_at, last_error, key_id, access_token_lookup, version, created_at, updated_at, roll_attempt`;

export interface SqliteStoreOptions {
  file: string;
  profile: string;
  cipher: Cipher;
  now: () => Date;
  busyTimeoutMs?: number;
  /** How long a lock lease lasts if its holder dies without releasing it. */
  leaseMs?: number;
}

function busy(error: unknown): never {
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    throw new TemporaryError('the SQLite database is locked by another run', { hint: 'retry; it is safe', cause: error });
  }
  throw error;
}

/** A lease's owner is `host:pid:uuid`; the holder it names to people is `host:pid`. */
function leaseHolder(owner: string): string {
  return owner.split(':').slice(0, 2).join(':');
}

/**
 * True when the lease's holder is a process on this host that no longer exists (SIGKILL, a crash):
 * its leases are taken over at once instead of blocking its tokens until they expire. A holder on
 * another host, or one that cannot be probed, keeps its lease until it expires.
 */
export function holderIsDead(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '') || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function openSqliteTokenStore(options: SqliteStoreOptions): Promise<EncryptedTokenStore & { readonly db: BetterSqlite3.Database }> {
  const db = await openSqliteDatabase(options.file, { busyTimeoutMs: options.busyTimeoutMs });
  try {
    migrateSqliteTokens(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const { profile, now } = options;
  let cipher = options.cipher;
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;

  const toRecord = (row: Row): TokenRecord => ({
    profile: row.profile,
    user_id: row.user_id,
    ...unseal(cipher, row),
    token_type: row.token_type,
    expires_at: row.expires_at,
    stripe_user_id: row.stripe_user_id,
    stripe_publishable_key: row.stripe_publishable_key,
    scope: row.scope,
    livemode: row.livemode === 1,
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

  const selectOne = db.prepare(`SELECT * FROM stripe_oauth_tokens WHERE profile = ? AND user_id = ?`);
  const selectAll = db.prepare(`SELECT * FROM stripe_oauth_tokens WHERE profile = ? ORDER BY user_id`);
  const upsert = db.prepare(
    `INSERT INTO stripe_oauth_tokens (${COLUMNS}) VALUES (@profile, @user_id, @access_token, @refresh_token, @token_type, @expires_at,
       @stripe_user_id, @stripe_publishable_key, @scope, @livemode, @status, @last_verified_at, @last_refreshed_at, @last_error, @key_id,
       @access_token_lookup, @version, @created_at, @updated_at, @roll_attempt)
     ON CONFLICT (profile, user_id) DO UPDATE SET access_token = excluded.access_token, refresh_token = excluded.refresh_token,
       token_type = excluded.token_type, expires_at = excluded.expires_at, stripe_user_id = excluded.stripe_user_id,
       stripe_publishable_key = excluded.stripe_publishable_key, scope = excluded.scope, livemode = excluded.livemode,
       status = excluded.status, last_verified_at = excluded.last_verified_at, last_refreshed_at = excluded.last_refreshed_at,
       last_error = excluded.last_error, key_id = excluded.key_id, access_token_lookup = excluded.access_token_lookup,
       version = excluded.version, created_at = excluded.created_at, updated_at = excluded.updated_at, roll_attempt = excluded.roll_attempt`,
  );
  const remove = db.prepare(`DELETE FROM stripe_oauth_tokens WHERE profile = ? AND user_id = ?`);
  // Every profile's rows: rotate-key re-encrypts them all, so one foreign row stops it for everyone.
  const selectKeyIds = db.prepare('SELECT DISTINCT key_id FROM stripe_oauth_tokens').pluck();
  const storedKeyIds = () => selectKeyIds.all() as Array<string | null>;

  const rowParams = (record: TokenRecord) => ({
    ...record,
    ...seal(cipher, record.profile, record.user_id, record.access_token, record.refresh_token),
    livemode: record.livemode ? 1 : 0,
    roll_attempt: record.roll_attempt ?? null,
  });
  const write = (record: TokenRecord): TokenRecord => {
    const params = rowParams(record);
    upsert.run(params);
    return { ...record, key_id: params.key_id };
  };
  const immediate = <T>(fn: () => T): T => {
    try {
      return db.transaction(fn).immediate();
    } catch (error) {
      return busy(error);
    }
  };
  /** The compare-and-set of update(), inside a transaction the caller holds. */
  const compareAndSet = (userId: string, expectedVersion: number, checked: TokenChanges): TokenRecord => {
    const row = selectOne.get(profile, userId) as Row | undefined;
    if (!row) throw new NotFoundError(`no token named ${userId} in profile ${profile}`);
    if (row.version !== expectedVersion) throw new ConflictError(userId, expectedVersion, row.version);
    return write({ ...toRecord(row), ...checked, updated_at: now().toISOString(), version: row.version + 1 });
  };

  /** Takes the lease, or names the live holder: `host:pid`. A lease whose holder died is taken over at once. */
  const tryLease = (userId: string): { holder?: string } =>
    immediate(() => {
      const held = db.prepare('SELECT owner, expires_at FROM token_locks WHERE profile = ? AND user_id = ?').get(profile, userId) as
        | { owner: string; expires_at: number }
        | undefined;
      // Leases use the wall clock, not the injected one: they coordinate real processes.
      if (held && held.expires_at > Date.now() && held.owner !== owner && !holderIsDead(held.owner)) return { holder: leaseHolder(held.owner) };
      db.prepare(
        `INSERT INTO token_locks (profile, user_id, owner, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (profile, user_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
      ).run(profile, userId, owner, Date.now() + leaseMs);
      return {};
    });
  const heldLeases = new Set<string>();

  const store: EncryptedTokenStore & { readonly db: BetterSqlite3.Database } = {
    kind: 'sqlite',
    profile,
    location: options.file,
    encrypted: true,
    db,

    async get(userId) {
      const row = selectOne.get(profile, userId) as Row | undefined;
      return row ? toRecord(row) : undefined;
    },
    async list(listOptions) {
      return decodeEach(selectAll.all(profile) as Row[], toRecord, listOptions?.onUnreadable);
    },
    async put(input) {
      return immediate(() => {
        refuseForeignKeys(cipher, storedKeyIds(), options.file);
        const existing = selectOne.get(profile, checkUserId(input.user_id)) as Row | undefined;
        return write(buildRecord(profile, input, now().toISOString(), existing));
      });
    },
    async update(userId, expectedVersion, changes) {
      const checked = checkChanges(changes);
      return immediate(() => compareAndSet(userId, expectedVersion, checked));
    },
    async updateMany(updates) {
      // One IMMEDIATE transaction, one fsync; each update is a savepoint (a nested transaction),
      // so one that fails rolls back only itself.
      return immediate(() =>
        updates.map((item) => settle(() => db.transaction(() => compareAndSet(item.userId, item.expectedVersion, checkChanges(item.changes)))())),
      );
    },
    async delete(userId) {
      return immediate(() => {
        db.prepare('DELETE FROM token_locks WHERE profile = ? AND user_id = ?').run(profile, userId);
        return remove.run(profile, userId).changes > 0;
      });
    },
    async restore(record) {
      const checked = checkRestore(profile, record);
      immediate(() => {
        refuseForeignKeys(cipher, storedKeyIds(), options.file);
        write(checked);
      });
    },
    async withLock<T>(userId: string, fn: () => Promise<T>, lockOptions: LockOptions = {}): Promise<LockOutcome<T>> {
      checkUserId(userId);
      if (heldLeases.has(userId)) throw new OperationError(`the lock on ${userId} is already held by this run`);
      const deadline = Date.now() + (lockOptions.waitMs ?? 30_000);
      let delay = 25;
      for (let taken = tryLease(userId); taken.holder; taken = tryLease(userId)) {
        if (lockOptions.skipIfLocked) return { acquired: false, holder: taken.holder };
        if (Date.now() >= deadline) {
          throw new TemporaryError(`token ${userId} is locked by another run`, { hint: 'retry later; it is safe' });
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 500);
      }
      heldLeases.add(userId);
      // A refresh that outlives the lease must not lose it: renew while fn runs.
      const renew = setInterval(() => {
        try {
          db.prepare('UPDATE token_locks SET expires_at = ? WHERE profile = ? AND user_id = ? AND owner = ?').run(Date.now() + leaseMs, profile, userId, owner);
        } catch {
          // Busy: the next tick retries, well before the lease ends.
        }
      }, Math.max(250, Math.floor(leaseMs / 4)));
      renew.unref();
      try {
        return { acquired: true, value: await fn() };
      } finally {
        clearInterval(renew);
        heldLeases.delete(userId);
        immediate(() => db.prepare('DELETE FROM token_locks WHERE profile = ? AND user_id = ? AND owner = ?').run(profile, userId, owner));
      }
    },
    async reencryptAll(next) {
      // One transaction: readers see all rows under the old key or all under the new one; a row
      // that does not decrypt aborts it with nothing changed.
      const count = immediate(() => {
        const rows = db.prepare('SELECT * FROM stripe_oauth_tokens ORDER BY id').all() as Row[];
        const update = db.prepare(
          'UPDATE stripe_oauth_tokens SET access_token = ?, refresh_token = ?, access_token_lookup = ?, key_id = ?, version = version + 1 WHERE id = ?',
        );
        for (const row of rows) {
          const open = unseal(next, row);
          const sealed = seal(next, row.profile, row.user_id, open.access_token, open.refresh_token);
          update.run(sealed.access_token, sealed.refresh_token, sealed.access_token_lookup, sealed.key_id, row.id);
        }
        return rows.length;
      });
      cipher = next;
      return count;
    },
    async findByAccessToken(accessToken) {
      const lookups = cipher.lookupKeys(accessToken);
      const rows = db
        .prepare(`SELECT * FROM stripe_oauth_tokens WHERE profile = ? AND access_token_lookup IN (${lookups.map(() => '?').join(', ')})`)
        .all(profile, ...lookups) as Row[];
      return rows.map(toRecord).find((record) => record.access_token === accessToken);
    },
    async schemaStatus() {
      return sqliteTokensStatus(db);
    },
    async close() {
      if (db.open) db.close();
    },
  };
  return store;
}
