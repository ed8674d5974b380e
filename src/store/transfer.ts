/**
 * The formats of `token import` and `token export`.
 *
 * Import takes either a plain JSON array of records with the guide's field names plus livemode
 * (for bootstrapping CI), or an export document. Export writes an export document whose secrets are
 * sealed under the current encryption key (AAD binds them to profile, user_id and field, as in the
 * database), or in clear text with --plaintext. An export document imported on a host with the same
 * key keeps each record's timestamps and version.
 */
import { UsageError } from '../errors.js';
import type { Cipher } from './crypto.js';
import { buildRecord, checkRestore, registerRecordSecrets } from './records.js';
import type { NewTokenRecord, TokenRecord } from './types.js';

export const EXPORT_FORMAT = 'atom-stripe.tokens';

export interface ExportDocument {
  format: typeof EXPORT_FORMAT;
  version: 1;
  profile: string;
  exported_at: string;
  /** The key the secrets are sealed with; null in a --plaintext export. */
  key_id: string | null;
  records: Array<Omit<TokenRecord, 'profile' | 'key_id'>>;
}

const IMPORT_FIELDS = new Set([
  'user_id', 'access_token', 'refresh_token', 'token_type', 'expires_at', 'stripe_user_id', 'stripe_publishable_key', 'scope', 'livemode',
  'status', 'last_verified_at', 'last_refreshed_at', 'last_error',
]);

const exportContext = (profile: string, userId: string, field: string) => ({ profile, userId, field: `export:${field}` });

export function buildExport(records: TokenRecord[], profile: string, exportedAt: string, cipher: Cipher | undefined): ExportDocument {
  return {
    format: EXPORT_FORMAT,
    version: 1,
    profile,
    exported_at: exportedAt,
    key_id: cipher ? cipher.currentKeyId : null,
    records: records.map(({ profile: _profile, key_id: _keyId, ...record }) => ({
      ...record,
      access_token: cipher ? cipher.encrypt(record.access_token, exportContext(profile, record.user_id, 'access_token')) : record.access_token,
      refresh_token:
        cipher && record.refresh_token !== null
          ? cipher.encrypt(record.refresh_token, exportContext(profile, record.user_id, 'refresh_token'))
          : record.refresh_token,
    })),
  };
}

export type ImportPlan =
  | { kind: 'records'; records: NewTokenRecord[] }
  | { kind: 'document'; records: Array<Omit<TokenRecord, 'profile' | 'key_id'>> };

/**
 * Parses and validates the whole input before anything is written: every problem is reported,
 * with the record's position, in one UsageError.
 */
/**
 * Hand-written import records are checked against what Stripe's OAuth returns, so a typo does not
 * land as a connection that only fails at the next refresh. (A `token export` document is trusted:
 * atom-stripe wrote it.) Secrets are never quoted in the message.
 */
export function shapeProblems(record: NewTokenRecord): string[] {
  const problems: string[] = [];
  // Access tokens are kept opaque (older platforms issued other shapes); only whitespace is refused.
  if (typeof record.access_token === 'string' && /\s/.test(record.access_token)) {
    problems.push('access_token contains whitespace (a copy-paste slip?)');
  }
  if (typeof record.refresh_token === 'string' && !/^rt_[A-Za-z0-9_]+$/.test(record.refresh_token)) {
    problems.push('refresh_token is not a Stripe refresh token (rt_..., no spaces)');
  }
  if (typeof record.stripe_user_id === 'string' && !/^acct_[A-Za-z0-9]+$/.test(record.stripe_user_id)) {
    problems.push(`stripe_user_id "${record.stripe_user_id}" is not an account id (acct_...)`);
  }
  if (typeof record.scope === 'string' && !['read_write', 'read_only'].includes(record.scope)) {
    problems.push(`scope "${record.scope}" is not read_write or read_only`);
  }
  return problems;
}

export function parseImport(text: string, profile: string, cipher: () => Cipher): ImportPlan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`stdin is not valid JSON: ${(error as Error).message}`, { hint: 'pipe a JSON array of token records' });
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const checkDuplicate = (userId: unknown, where: string) => {
    if (typeof userId !== 'string') return;
    if (seen.has(userId)) problems.push(`${where}: user_id ${userId} appears twice`);
    seen.add(userId);
  };
  const now = new Date().toISOString();

  if (Array.isArray(data)) {
    const records: NewTokenRecord[] = [];
    data.forEach((item, index) => {
      const where = `record ${index + 1}${item && typeof item === 'object' && typeof (item as { user_id?: unknown }).user_id === 'string' ? ` (${(item as { user_id: string }).user_id})` : ''}`;
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        problems.push(`${where}: not an object`);
        return;
      }
      const unknown = Object.keys(item).filter((key) => !IMPORT_FIELDS.has(key));
      if (unknown.length) problems.push(`${where}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
      try {
        buildRecord(profile, item as NewTokenRecord, now);
        problems.push(...shapeProblems(item as NewTokenRecord).map((problem) => `${where}: ${problem}`));
        records.push(item as NewTokenRecord);
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
      checkDuplicate((item as { user_id?: unknown }).user_id, where);
    });
    if (problems.length) throw new UsageError(`nothing was imported; ${problems.length} problem${problems.length > 1 ? 's' : ''}: ${problems.join('; ')}`);
    for (const record of records) registerRecordSecrets(record as TokenRecord);
    return { kind: 'records', records };
  }

  const document = data as Partial<ExportDocument>;
  if (!document || document.format !== EXPORT_FORMAT || !Array.isArray(document.records)) {
    throw new UsageError('stdin must be a JSON array of token records, or a `token export` document');
  }
  const source = document.profile ?? profile;
  const keyId = document.key_id ?? null;
  const records: Array<Omit<TokenRecord, 'profile' | 'key_id'>> = [];
  document.records.forEach((item, index) => {
    const where = `record ${index + 1}${typeof item?.user_id === 'string' ? ` (${item.user_id})` : ''}`;
    try {
      const open = (value: string | null, field: string) =>
        value === null || keyId === null ? value : cipher().decrypt(value, exportContext(source, item.user_id, field), keyId);
      const record = { ...item, access_token: open(item.access_token, 'access_token')!, refresh_token: open(item.refresh_token, 'refresh_token') };
      const { profile: _profile, key_id: _keyId, ...checked } = checkRestore(profile, record);
      records.push(checked);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
    checkDuplicate(item?.user_id, where);
  });
  if (problems.length) throw new UsageError(`nothing was imported; ${problems.length} problem${problems.length > 1 ? 's' : ''}: ${problems.join('; ')}`);
  for (const record of records) registerRecordSecrets(record as TokenRecord);
  return { kind: 'document', records };
}
