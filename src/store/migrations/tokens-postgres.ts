import type { PoolClient } from 'pg';
import type { Cipher } from '../crypto.js';
import { isSealed, refuseForeignKeys, seal } from '../records.js';
import type { PgMigration } from './index.js';

/**
 * The tokens component in PostgreSQL. Version 1 adopts the original integration's table in place:
 * it creates it with the guide's exact columns only if it is missing, adds atom-stripe's columns,
 * renames (never drops) older duplicate user_ids so (profile, user_id) can be unique, and replaces
 * the guide's index on the raw access token with an index on an HMAC of it.
 *
 * Times stay TIMESTAMP (without time zone), as the guide made them, and hold UTC.
 */
export const TOKENS_POSTGRES_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    name: 'adopt stripe_oauth_tokens',
    up: `
      CREATE TABLE IF NOT EXISTS stripe_oauth_tokens (
        id SERIAL PRIMARY KEY,
        user_id VARCHAR(255) NOT NULL,
        access_token TEXT NOT NULL,
        refresh_token TEXT,
        token_type VARCHAR(50),
        expires_at TIMESTAMP,
        stripe_user_id VARCHAR(255),
        stripe_publishable_key VARCHAR(255),
        scope TEXT,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
      );
      ALTER TABLE stripe_oauth_tokens
        ADD COLUMN IF NOT EXISTS profile VARCHAR(255) NOT NULL DEFAULT 'default',
        ADD COLUMN IF NOT EXISTS livemode BOOLEAN NOT NULL DEFAULT false,
        ADD COLUMN IF NOT EXISTS status VARCHAR(32) NOT NULL DEFAULT 'active',
        ADD COLUMN IF NOT EXISTS last_verified_at TIMESTAMP,
        ADD COLUMN IF NOT EXISTS last_refreshed_at TIMESTAMP,
        ADD COLUMN IF NOT EXISTS last_error TEXT,
        ADD COLUMN IF NOT EXISTS key_id VARCHAR(64),
        ADD COLUMN IF NOT EXISTS access_token_lookup VARCHAR(64),
        ADD COLUMN IF NOT EXISTS version INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE stripe_oauth_tokens
        ADD CONSTRAINT stripe_oauth_tokens_status_check CHECK (status IN ('active', 'needs_reconnect', 'revoked'));
      UPDATE stripe_oauth_tokens
        SET created_at = COALESCE(created_at, timezone('UTC', now())), updated_at = COALESCE(updated_at, created_at, timezone('UTC', now()))
        WHERE created_at IS NULL OR updated_at IS NULL;
      -- The guide's table allowed several rows per user_id. The newest keeps the name; older ones are
      -- renamed, not deleted, so no token is lost and the operator can look at them.
      WITH ranked AS (
        SELECT id, row_number() OVER (PARTITION BY profile, user_id ORDER BY updated_at DESC NULLS LAST, id DESC) AS rank
        FROM stripe_oauth_tokens
      )
      UPDATE stripe_oauth_tokens AS t
        SET user_id = left(t.user_id, 230) || '.dup-' || t.id,
            last_error = 'renamed by atom-stripe db migrate: a newer row had the same user_id'
        FROM ranked WHERE ranked.id = t.id AND ranked.rank > 1;
      DROP INDEX IF EXISTS idx_stripe_access_token;
      CREATE INDEX IF NOT EXISTS idx_stripe_user_id ON stripe_oauth_tokens (user_id);
      CREATE UNIQUE INDEX stripe_oauth_tokens_profile_user_id ON stripe_oauth_tokens (profile, user_id);
      CREATE INDEX stripe_oauth_tokens_access_token_lookup ON stripe_oauth_tokens (access_token_lookup);
    `,
  },
  {
    version: 2,
    name: 'add stripe_oauth_tokens.roll_attempt',
    // The roll in progress (a random id, not a secret): its grant's idempotency key survives a crash.
    up: `ALTER TABLE stripe_oauth_tokens ADD COLUMN IF NOT EXISTS roll_attempt VARCHAR(64)`,
  },
];

/**
 * Encrypts every row that holds a plaintext secret: the original service's rows, or rows it wrote
 * since the last migrate if it still runs. Runs inside db migrate's transaction, row by row with
 * UPDATE ... WHERE id, so no row is added or removed. A row whose sealed fields do not decrypt makes
 * the whole migrate fail and roll back.
 */
export function encryptPlaintextRows(cipher: Cipher, onRow?: (userId: string) => void) {
  return async (client: PoolClient): Promise<void> => {
    const result = await client.query(
      `SELECT id, profile, user_id, access_token, refresh_token, key_id FROM stripe_oauth_tokens
        WHERE key_id IS NULL OR access_token NOT LIKE 'v1.%' OR (refresh_token IS NOT NULL AND refresh_token NOT LIKE 'v1.%')
        ORDER BY id FOR UPDATE`,
    );
    for (const row of result.rows as Array<{ id: number; profile: string; user_id: string; access_token: string; refresh_token: string | null; key_id: string | null }>) {
      const context = { profile: row.profile, userId: row.user_id };
      const open = (value: string | null, field: string) =>
        value === null ? null : row.key_id && isSealed(value) ? cipher.decrypt(value, { ...context, field }, row.key_id) : value;
      const sealed = seal(cipher, row.profile, row.user_id, open(row.access_token, 'access_token')!, open(row.refresh_token, 'refresh_token'));
      await client.query(
        `UPDATE stripe_oauth_tokens SET access_token = $1, refresh_token = $2, access_token_lookup = $3, key_id = $4, version = version + 1
          WHERE id = $5`,
        [sealed.access_token, sealed.refresh_token, sealed.access_token_lookup, sealed.key_id, row.id],
      );
      onRow?.(row.user_id);
    }
    if (result.rows.length) {
      // Sealing the adopted rows under a key that cannot read the rest would split the table between
      // two keys. Checked last, inside the same transaction, so a row that fails to decrypt is named first.
      const keyIds = await client.query('SELECT DISTINCT key_id FROM stripe_oauth_tokens');
      refuseForeignKeys(cipher, keyIds.rows.map((row: { key_id: string | null }) => row.key_id), 'the token table');
    }
  };
}
