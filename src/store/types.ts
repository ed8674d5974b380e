/**
 * The TokenStore contract: one interface, three stores (sqlite, postgres, keychain), one contract
 * test suite (test/contract/token-store.contract.ts) that every store passes unchanged.
 */

export const STORE_KINDS = ['sqlite', 'postgres', 'keychain'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export type TokenStatus = 'active' | 'needs_reconnect' | 'revoked';

/** The original integration's stripe_oauth_tokens record, plus what atom-stripe adds. Times are ISO 8601 strings. */
export interface TokenRecord {
  profile: string;
  /** The operator-chosen name of the connection, unique per profile. */
  user_id: string;
  access_token: string;
  refresh_token: string | null;
  token_type: string | null;
  expires_at: string | null;
  /** The connected account id, acct_... */
  stripe_user_id: string | null;
  stripe_publishable_key: string | null;
  scope: string | null;
  livemode: boolean;
  status: TokenStatus;
  last_verified_at: string | null;
  last_refreshed_at: string | null;
  last_error: string | null;
  /** The encryption key version the secret fields were written under. */
  key_id: string | null;
  created_at: string;
  updated_at: string;
  /** Incremented on every write; the compare-and-set token. */
  version: number;
  /**
   * A roll in progress: a random id written before the refresh_token grant is sent and cleared when
   * its answer is stored. The grant's idempotency key is derived from it, so a rerun after a crash
   * replays the same grant (see oauth/refresh.ts). Absent when no roll is pending.
   */
  roll_attempt?: string | null;
}

/** What a caller provides to create or replace a record. */
export type NewTokenRecord = Pick<TokenRecord, 'user_id' | 'access_token'> &
  Partial<Omit<TokenRecord, 'profile' | 'user_id' | 'access_token' | 'created_at' | 'updated_at' | 'version' | 'key_id'>>;

/** Fields a caller may change with compare-and-set. */
export type TokenChanges = Partial<
  Pick<
    TokenRecord,
    | 'access_token'
    | 'refresh_token'
    | 'token_type'
    | 'expires_at'
    | 'stripe_user_id'
    | 'stripe_publishable_key'
    | 'scope'
    | 'livemode'
    | 'status'
    | 'last_verified_at'
    | 'last_refreshed_at'
    | 'last_error'
    | 'roll_attempt'
  >
>;

export interface ListOptions {
  /**
   * Without it, a record that does not decrypt fails the whole list (a clear error naming the row).
   * With it, such a record is reported here and left out, so one bad row cannot stop a fleet's
   * refresh or hide every other connection.
   */
  onUnreadable?: (error: import('./errors.js').DecryptError) => void;
}

/** The fields that are secret: encrypted at rest in sqlite and postgres, masked in every output. */
export const SECRET_FIELDS = ['access_token', 'refresh_token'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

export const TOKEN_STATUSES: readonly TokenStatus[] = ['active', 'needs_reconnect', 'revoked'];

/**
 * What withLock returns: the callback's value, or `acquired: false` when skipIfLocked found it taken,
 * with the holder when the store knows it (sqlite: `host:pid`).
 */
export type LockOutcome<T> = { acquired: true; value: T } | { acquired: false; holder?: string };

export interface LockOptions {
  /**
   * `skipIfLocked: true`: return `{ acquired: false }` at once when another run holds the lock (what a
   * cron refresh over many tokens wants). Otherwise wait up to `waitMs` (default 30 s), then throw a
   * TemporaryError (exit 5, safe to retry).
   */
  skipIfLocked?: boolean;
  waitMs?: number;
}

/** One compare-and-set of updateMany: the arguments of update(). */
export interface TokenUpdate {
  userId: string;
  expectedVersion: number;
  changes: TokenChanges;
}

/**
 * One interface, three stores. Every store behaves the same; test/contract/token-store.contract.ts
 * is the definition of "the same".
 *
 * A store is bound to one profile: every method reads and writes that profile's records only.
 * Records come back decrypted; every secret is registered with redact.registerSecret, so it can
 * never be printed by accident.
 */
export interface TokenStore {
  readonly kind: StoreKind;
  readonly profile: string;
  /** Where the records live, without secrets: a file path, `host:port/db`, or the keychain service. */
  readonly location: string;

  get(userId: string): Promise<TokenRecord | undefined>;
  /** Ordered by user_id. */
  list(options?: ListOptions): Promise<TokenRecord[]>;
  /**
   * Create, or replace the record with this user_id (upsert). On replace, created_at is kept and
   * version goes up by one; fields not given are reset to their defaults.
   */
  put(record: NewTokenRecord): Promise<TokenRecord>;
  /**
   * Compare-and-set: applies `changes` only if the stored version is still `expectedVersion`, and
   * returns the new record (version + 1). Throws ConflictError when another writer got there first,
   * NotFoundError when the record is gone.
   */
  update(userId: string, expectedVersion: number, changes: TokenChanges): Promise<TokenRecord>;
  /**
   * Several updates in one commit (sqlite: one BEGIN IMMEDIATE transaction, one fsync; postgres: one
   * transaction; keychain, which has no transactions: one after another). Each is its own
   * compare-and-set, reported in its slot: a lost CAS (ConflictError), a missing record or invalid
   * changes rolls back only itself. The promise rejects, with nothing written, only when the
   * transaction as a whole fails (sqlite busy: TemporaryError; postgres connection lost).
   */
  updateMany(updates: readonly TokenUpdate[]): Promise<Array<PromiseSettledResult<TokenRecord>>>;
  /** True when a record was deleted. */
  delete(userId: string): Promise<boolean>;
  /**
   * Writes a record exactly as given (timestamps, version, status), replacing any record with the
   * same user_id. For `token migrate` and `token import`: rerunning it is harmless.
   */
  restore(record: Omit<TokenRecord, 'profile' | 'key_id'>): Promise<void>;
  /**
   * Runs `fn` holding a per-record lock that other processes and hosts respect (postgres: advisory
   * lock; sqlite: a lease row taken under BEGIN IMMEDIATE; keychain: a lock file). The lock is for
   * the read-refresh-write of `token refresh`; writes inside `fn` still use update() and its CAS.
   */
  withLock<T>(userId: string, fn: () => Promise<T>, options?: LockOptions): Promise<LockOutcome<T>>;
  /** The token schema's version against what this atom-stripe needs; undefined for a store without one (keychain). */
  schemaStatus(): Promise<import('./migrations/index.js').MigrationStatus | undefined>;
  close(): Promise<void>;
}

/** Stores that encrypt at rest (sqlite, postgres) can re-encrypt every row under a new key. */
export interface EncryptedTokenStore extends TokenStore {
  readonly encrypted: true;
  /** Re-encrypts every row of every profile under `cipher`'s current key, in one transaction. Returns the row count. */
  reencryptAll(cipher: import('./crypto.js').Cipher): Promise<number>;
  /** Finds a record of this profile by its access token, through the HMAC lookup column. */
  findByAccessToken(accessToken: string): Promise<TokenRecord | undefined>;
}

export function isEncryptedStore(store: TokenStore): store is EncryptedTokenStore {
  return (store as Partial<EncryptedTokenStore>).encrypted === true;
}
