/**
 * The one entry point to token storage: openTokenStore() picks the store, loads the encryption key
 * for the stores that encrypt, and opens it. Each store module (and its driver: better-sqlite3, pg,
 * keytar) is imported only when that store is chosen, so --help never loads any of them.
 */
import { join } from 'node:path';
import type { Env } from '../config/paths.js';
import type { Config } from '../config/resolve.js';
import { UsageError } from '../errors.js';
import type { IO } from '../io/streams.js';
import type { Logger } from '../log.js';
import { loadKeys, type LoadedKeys } from './keys.js';
import { STORE_KINDS, type StoreKind, type TokenStore } from './types.js';

export type { TokenStore, TokenRecord, NewTokenRecord, TokenChanges, StoreKind, LockOptions, LockOutcome } from './types.js';
export { isEncryptedStore } from './types.js';
export { ConflictError, DecryptError, KeychainUnavailableError } from './errors.js';

export interface OpenTokenStoreOptions {
  kind: StoreKind;
  profile: string;
  env: Env;
  config: Config;
  log: Logger;
  now: () => Date;
  /** For the one-time key-file warning (the Context's IO: stderr, never stdout). */
  io: IO;
  databaseUrl?: string;
  databaseFile?: string;
  /** PostgreSQL pool size; defaults to ATOM_STRIPE_POOL_SIZE, then 4. */
  poolSize?: number;
  keychainTimeoutMs?: number;
  /** Already-loaded keys (token rotate-key); loaded from the key sources otherwise. */
  keys?: LoadedKeys;
}

/** What a command's Context provides; structural, so this module does not import the Context. */
export interface StoreContext {
  env: Env;
  config: Config;
  log: Logger;
  now(): Date;
  io: IO;
}

/** openTokenStore's options from a command's Context, for another store than the configured one. */
export function storeOptionsFrom(ctx: StoreContext, kind?: string): OpenTokenStoreOptions {
  return {
    kind: checkStoreKind(kind ?? ctx.config.get('store')),
    profile: ctx.config.profile,
    env: ctx.env,
    config: ctx.config,
    log: ctx.log,
    now: () => ctx.now(),
    io: ctx.io,
    databaseUrl: ctx.config.get('database_url'),
    databaseFile: ctx.config.get('database_file'),
  };
}

export function checkStoreKind(kind: string | undefined): StoreKind {
  const value = kind ?? 'sqlite';
  if (!(STORE_KINDS as readonly string[]).includes(value)) {
    throw new UsageError(`unknown store "${value}"`, { hint: `use one of ${STORE_KINDS.join(', ')}` });
  }
  return value as StoreKind;
}

/** The configured pool size (flag, environment, .env, profile; checked by settings.ts), for every caller that opens a pool. */
export function configuredPoolSize(config: { get(key: string): string | undefined }): number | undefined {
  const value = config.get('pool_size');
  return value === undefined ? undefined : Number(value);
}

export function poolSizeOf(options: Pick<OpenTokenStoreOptions, 'poolSize' | 'env'>): number | undefined {
  const raw = options.poolSize ?? (options.env.ATOM_STRIPE_POOL_SIZE ? Number(options.env.ATOM_STRIPE_POOL_SIZE) : undefined);
  if (raw === undefined) return undefined;
  if (!Number.isInteger(raw) || raw < 2 || raw > 100) throw new UsageError(`pool size must be an integer from 2 to 100, not ${raw}`);
  return raw;
}

export function requireDatabaseUrl(url: string | undefined): string {
  if (!url) throw new UsageError('the postgres store needs a database URL', { hint: 'set DATABASE_URL or pass --database-url' });
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError('the database URL must start with postgres:// or postgresql://');
  return url;
}

/** The token encryption key ring for the sqlite and postgres stores (see keys.ts for the order). */
export function loadStoreKeys(options: Pick<OpenTokenStoreOptions, 'config' | 'env' | 'log' | 'io' | 'keychainTimeoutMs'>): Promise<LoadedKeys> {
  return loadKeys({
    encryptionKey: options.config.get('encryption_key'),
    secretKey: options.config.get('secret_key'),
    paths: options.config.paths,
    env: options.env,
    log: options.log,
    warn: (line) => options.io.err(line),
    keychainTimeoutMs: options.keychainTimeoutMs,
  });
}

export async function openTokenStore(options: OpenTokenStoreOptions): Promise<TokenStore> {
  const kind = checkStoreKind(options.kind);
  switch (kind) {
    case 'sqlite': {
      const keys = options.keys ?? (await loadStoreKeys(options));
      const { openSqliteTokenStore } = await import('./sqlite.js');
      const file = options.databaseFile || options.config.paths.databaseFile;
      options.log.debug('store.open', { kind, file, key_source: keys.source, key_id: keys.current.id });
      return openSqliteTokenStore({ file, profile: options.profile, cipher: keys.cipher, now: options.now });
    }
    case 'postgres': {
      const url = requireDatabaseUrl(options.databaseUrl);
      const keys = options.keys ?? (await loadStoreKeys(options));
      const { openPostgresTokenStore } = await import('./postgres.js');
      options.log.debug('store.open', { kind, key_source: keys.source, key_id: keys.current.id });
      return openPostgresTokenStore({ url, profile: options.profile, cipher: keys.cipher, now: options.now, poolSize: poolSizeOf(options) });
    }
    case 'keychain': {
      const { openKeychainTokenStore } = await import('./keychain.js');
      options.log.debug('store.open', { kind });
      return openKeychainTokenStore({
        profile: options.profile,
        now: options.now,
        lockDir: join(options.config.paths.stateDir, 'locks'),
        timeoutMs: options.keychainTimeoutMs,
      });
    }
  }
}
