/**
 * The keychain store, for operators on a laptop: one keychain entry per record, service
 * `atom-stripe`, account `${profile}/${user_id}`, holding the whole record as JSON. The keychain
 * encrypts it; key_id stays null.
 *
 * Every call times out (keytar.ts). When keytar cannot load or no Secret Service answers, opening
 * the store fails with exit 1 and the fix; it never writes anywhere else.
 *
 * The keychain has no transactions, so writes of one record are serialised with a lock file, and
 * withLock is a second, longer-lived lock file; both live under $XDG_STATE_HOME/atom-stripe/locks.
 */
import { join } from 'node:path';
import { NotFoundError, OperationError } from '../errors.js';
import { ConflictError } from './errors.js';
import { DEFAULT_KEYCHAIN_TIMEOUT_MS, openKeychain } from './keytar.js';
import { acquireLockFile } from './lockfile.js';
import { buildRecord, checkChanges, checkRestore, checkUserId, registerRecordSecrets } from './records.js';
import type { LockOptions, LockOutcome, TokenRecord, TokenStore } from './types.js';

export const KEYCHAIN_SERVICE = 'atom-stripe';

export interface KeychainStoreOptions {
  profile: string;
  now: () => Date;
  /** Where lock files go: paths.stateDir/locks. */
  lockDir: string;
  timeoutMs?: number;
  /** Tests may use their own service; operators never need to. */
  service?: string;
}

export async function openKeychainTokenStore(options: KeychainStoreOptions): Promise<TokenStore> {
  const { profile, now } = options;
  const service = options.service ?? KEYCHAIN_SERVICE;
  const keychain = await openKeychain(options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS);
  // Ask once now, so an unavailable or locked keychain fails before any work starts.
  await keychain.find(service);

  const account = (userId: string) => `${profile}/${userId}`;
  const lockPath = (userId: string, kind: 'write' | 'lease') =>
    join(options.lockDir, encodeURIComponent(service), encodeURIComponent(profile), `${encodeURIComponent(userId)}.${kind}`);

  const parse = (text: string, userId: string): TokenRecord => {
    try {
      return registerRecordSecrets({ ...(JSON.parse(text) as TokenRecord), profile, user_id: userId, key_id: null });
    } catch {
      throw new OperationError(`the keychain entry ${service} ${account(userId)} is not a valid atom-stripe record`, {
        hint: `delete it with: atom-stripe token delete ${userId} --store keychain`,
      });
    }
  };
  const read = async (userId: string) => {
    const text = await keychain.get(service, account(userId));
    return text === null ? undefined : parse(text, userId);
  };
  const write = async (record: TokenRecord) => {
    await keychain.set(service, account(record.user_id), JSON.stringify({ ...record, key_id: null }));
    return registerRecordSecrets({ ...record, key_id: null });
  };
  const serialised = async <T>(userId: string, fn: () => Promise<T>): Promise<T> => {
    const release = await acquireLockFile(lockPath(userId, 'write'), { what: `token ${userId}`, waitMs: 15_000, staleMs: 60_000 });
    try {
      return await fn();
    } finally {
      release?.();
    }
  };

  const store: TokenStore = {
    kind: 'keychain',
    profile,
    location: `keychain service ${service}`,
    async get(userId) {
      return read(userId);
    },
    async list() {
      const prefix = `${profile}/`;
      const entries = (await keychain.find(service)).filter((entry) => entry.account.startsWith(prefix));
      return entries
        .map((entry) => parse(entry.password, entry.account.slice(prefix.length)))
        .sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0));
    },
    async put(input) {
      const userId = checkUserId(input.user_id);
      const nowIso = now().toISOString();
      buildRecord(profile, input, nowIso); // validate before taking the lock
      return serialised(userId, async () => write(buildRecord(profile, input, nowIso, await read(userId))));
    },
    async update(userId, expectedVersion, changes) {
      const checked = checkChanges(changes);
      return serialised(userId, async () => {
        const current = await read(userId);
        if (!current) throw new NotFoundError(`no token named ${userId} in profile ${profile}`);
        if (current.version !== expectedVersion) throw new ConflictError(userId, expectedVersion, current.version);
        return write({ ...current, ...checked, updated_at: now().toISOString(), version: current.version + 1 });
      });
    },
    async updateMany(updates) {
      // No transactions in a keychain: one update after another, each under its own write lock.
      const results: Array<PromiseSettledResult<TokenRecord>> = [];
      for (const item of updates) results.push(...(await Promise.allSettled([store.update(item.userId, item.expectedVersion, item.changes)])));
      return results;
    },
    async delete(userId) {
      return serialised(userId, () => keychain.delete(service, account(userId)));
    },
    async restore(input) {
      const record = checkRestore(profile, input);
      await serialised(record.user_id, () => write(record));
    },
    async withLock<T>(userId: string, fn: () => Promise<T>, lockOptions: LockOptions = {}): Promise<LockOutcome<T>> {
      checkUserId(userId);
      const release = await acquireLockFile(lockPath(userId, 'lease'), {
        what: `token ${userId}`,
        skipIfLocked: lockOptions.skipIfLocked,
        waitMs: lockOptions.waitMs,
      });
      if (!release) return { acquired: false };
      try {
        return { acquired: true, value: await fn() };
      } finally {
        release();
      }
    },
    async schemaStatus() {
      return undefined; // one JSON entry per record: no schema to migrate
    },
    async close() {},
  };
  return store;
}
