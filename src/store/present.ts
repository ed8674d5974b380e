/** How token records are shown: secrets masked, the same columns in every command. */
import type { Column } from '../io/output.js';
import { maskSecret } from '../redact.js';
import type { TokenRecord } from './types.js';

/** A record with its secrets masked: what list, show and json print unless --reveal. */
export function maskedRecord(record: TokenRecord): TokenRecord {
  return { ...record, access_token: maskSecret(record.access_token), refresh_token: record.refresh_token === null ? null : maskSecret(record.refresh_token) };
}

export const TOKEN_LIST_COLUMNS: Column<TokenRecord>[] = [
  { key: 'user_id' },
  { key: 'stripe_user_id' },
  { key: 'livemode' },
  { key: 'status' },
  { key: 'access_token' },
  { key: 'scope' },
  { key: 'expires_at' },
  { key: 'updated_at' },
];

export const TOKEN_DETAIL_COLUMNS: Column<TokenRecord>[] = [
  { key: 'profile' },
  { key: 'user_id' },
  { key: 'stripe_user_id' },
  { key: 'livemode' },
  { key: 'status' },
  { key: 'access_token' },
  { key: 'refresh_token' },
  { key: 'token_type' },
  { key: 'scope' },
  { key: 'stripe_publishable_key' },
  { key: 'expires_at' },
  { key: 'last_verified_at' },
  { key: 'last_refreshed_at' },
  { key: 'last_error' },
  { key: 'key_id' },
  { key: 'version' },
  { key: 'created_at' },
  { key: 'updated_at' },
];

/** The fields that must match after a copy (token migrate's verification). */
export function sameRecord(a: TokenRecord, b: TokenRecord): boolean {
  const fields: Array<keyof TokenRecord> = [
    'user_id', 'access_token', 'refresh_token', 'token_type', 'expires_at', 'stripe_user_id', 'stripe_publishable_key', 'scope',
    'livemode', 'status', 'last_verified_at', 'last_refreshed_at', 'last_error', 'created_at', 'updated_at', 'version',
  ];
  return fields.every((field) => a[field] === b[field]);
}
