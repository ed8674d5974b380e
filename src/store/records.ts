/**
 * Record helpers shared by the stores: validation and normalisation of what callers pass in, and
 * sealing/unsealing of the secret fields for the stores that encrypt at rest.
 */
import { OperationError, UsageError } from '../errors.js';
import { registerSecret } from '../redact.js';
import type { Cipher } from './crypto.js';
import { TOKEN_STATUSES, type NewTokenRecord, type TokenChanges, type TokenRecord, type TokenStatus } from './types.js';

const TIME_FIELDS = ['expires_at', 'last_verified_at', 'last_refreshed_at', 'created_at', 'updated_at'] as const;

export function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || userId.trim() === '') throw new UsageError('user_id must be a non-empty string');
  if (userId.length > 255) throw new UsageError(`user_id "${userId.slice(0, 40)}..." is longer than 255 characters`);
  if (/[\u0000-\u001f\u007f]/.test(userId)) throw new UsageError(`user_id ${JSON.stringify(userId)} must not contain control characters`);
  return userId;
}

/** ISO 8601 in UTC with milliseconds, or null. Accepts ISO strings, Dates and unix seconds. */
export function normalizeTime(value: unknown, field: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  const date =
    value instanceof Date ? value : typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new UsageError(`${field} "${String(value)}" is not a valid time`);
  return date.toISOString();
}

function optionalString(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new UsageError(`${field} must be a string`);
  return value;
}

function checkStatus(value: unknown): TokenStatus {
  if (value === undefined || value === null) return 'active';
  if (!TOKEN_STATUSES.includes(value as TokenStatus)) {
    throw new UsageError(`status "${String(value)}" is not one of ${TOKEN_STATUSES.join(', ')}`);
  }
  return value as TokenStatus;
}

/** A full record from a NewTokenRecord, as put() stores it. */
export function buildRecord(
  profile: string,
  input: NewTokenRecord,
  now: string,
  existing?: Pick<TokenRecord, 'created_at' | 'version'>,
): TokenRecord {
  const userId = checkUserId(input.user_id);
  if (typeof input.access_token !== 'string' || input.access_token === '') throw new UsageError(`access_token of ${userId} is missing`);
  if (input.livemode !== undefined && typeof input.livemode !== 'boolean') throw new UsageError(`livemode of ${userId} must be true or false`);
  return {
    profile,
    user_id: userId,
    access_token: input.access_token,
    refresh_token: optionalString(input.refresh_token, 'refresh_token'),
    token_type: optionalString(input.token_type, 'token_type'),
    expires_at: normalizeTime(input.expires_at, 'expires_at'),
    stripe_user_id: optionalString(input.stripe_user_id, 'stripe_user_id'),
    stripe_publishable_key: optionalString(input.stripe_publishable_key, 'stripe_publishable_key'),
    scope: optionalString(input.scope, 'scope'),
    livemode: input.livemode ?? false,
    status: checkStatus(input.status),
    last_verified_at: normalizeTime(input.last_verified_at, 'last_verified_at'),
    last_refreshed_at: normalizeTime(input.last_refreshed_at, 'last_refreshed_at'),
    last_error: optionalString(input.last_error, 'last_error'),
    key_id: null,
    created_at: existing?.created_at ?? now,
    updated_at: now,
    version: existing ? existing.version + 1 : 1,
  };
}

/** Checks and normalises a CAS change set. */
export function checkChanges(changes: TokenChanges): TokenChanges {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    switch (key) {
      case 'access_token':
        if (typeof value !== 'string' || value === '') throw new UsageError('access_token must be a non-empty string');
        out[key] = value;
        break;
      case 'livemode':
        if (typeof value !== 'boolean') throw new UsageError('livemode must be true or false');
        out[key] = value;
        break;
      case 'status':
        out[key] = checkStatus(value);
        break;
      case 'expires_at':
      case 'last_verified_at':
      case 'last_refreshed_at':
        out[key] = normalizeTime(value, key);
        break;
      case 'refresh_token':
      case 'token_type':
      case 'stripe_user_id':
      case 'stripe_publishable_key':
      case 'scope':
      case 'last_error':
      case 'roll_attempt':
        out[key] = optionalString(value, key);
        break;
      default:
        throw new UsageError(`"${key}" cannot be changed`);
    }
  }
  return out as TokenChanges;
}

/** A full record for restore(), checked as strictly as put(). */
export function checkRestore(profile: string, record: Omit<TokenRecord, 'profile' | 'key_id'>): TokenRecord {
  const built = buildRecord(profile, record, normalizeTime(record.updated_at, 'updated_at') ?? new Date().toISOString());
  built.created_at = normalizeTime(record.created_at, 'created_at') ?? built.updated_at;
  if (!Number.isInteger(record.version) || record.version < 1) throw new UsageError(`version of ${built.user_id} must be a positive integer`);
  built.version = record.version;
  return built;
}

export function registerRecordSecrets(record: TokenRecord): TokenRecord {
  registerSecret(record.access_token);
  registerSecret(record.refresh_token);
  return record;
}

/** The stored form of the secret fields. */
export interface SealedSecrets {
  access_token: string;
  refresh_token: string | null;
  access_token_lookup: string;
  key_id: string;
}

export function seal(cipher: Cipher, profile: string, userId: string, accessToken: string, refreshToken: string | null): SealedSecrets {
  return {
    access_token: cipher.encrypt(accessToken, { profile, userId, field: 'access_token' }),
    refresh_token: refreshToken === null ? null : cipher.encrypt(refreshToken, { profile, userId, field: 'refresh_token' }),
    access_token_lookup: cipher.lookupKey(accessToken),
    key_id: cipher.currentKeyId,
  };
}

export function isSealed(value: string | null): boolean {
  return value === null || value.startsWith('v1.');
}

export function unseal(
  cipher: Cipher,
  row: { profile: string; user_id: string; access_token: string; refresh_token: string | null; key_id: string | null },
): { access_token: string; refresh_token: string | null } {
  if (!row.key_id) {
    throw new UsageError(`token ${row.user_id} (profile ${row.profile}) is stored as plaintext, written by another program`, {
      hint: 'run `atom-stripe db migrate` to encrypt it',
    });
  }
  const context = { profile: row.profile, userId: row.user_id };
  const accessToken = cipher.decrypt(row.access_token, { ...context, field: 'access_token' }, row.key_id);
  const refreshToken = row.refresh_token === null ? null : cipher.decrypt(row.refresh_token, { ...context, field: 'refresh_token' }, row.key_id);
  registerSecret(accessToken);
  registerSecret(refreshToken);
  return { access_token: accessToken, refresh_token: refreshToken };
}

/**
 * A write under a key that cannot read the store would leave rows no correctly configured host can
 * read, and make the next rotate-key abort for everyone. A key id is the key's fingerprint, so a
 * row whose key id is not in the ring is a row this host cannot read: refuse before writing.
 * (A row that is merely corrupt carries a loaded key id and stays replaceable with --force.)
 */
export class WrongKeyError extends OperationError {}

export function refuseForeignKeys(cipher: Cipher, storedKeyIds: ReadonlyArray<string | null>, location: string): void {
  const foreign = [...new Set(storedKeyIds)].filter((keyId): keyId is string => keyId !== null && !cipher.hasKey(keyId));
  if (!foreign.length) return;
  throw new WrongKeyError(
    `refusing to write to ${location}: its tokens are sealed under key id ${foreign.join(', ')}, and this host's key ` +
      `(key id ${cipher.keyIds.join(', ')}) cannot read them; nothing was changed`,
    { hint: 'set ATOM_STRIPE_ENCRYPTION_KEY (or SECRET_KEY) to the key the store was written with; a ring "new,old" reads both' },
  );
}

export { TIME_FIELDS };

/** `fn`'s value or its error, as Promise.allSettled reports them: updateMany's outcome for one update. */
export function settle<T>(fn: () => T): PromiseSettledResult<T> {
  try {
    return { status: 'fulfilled', value: fn() };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}
