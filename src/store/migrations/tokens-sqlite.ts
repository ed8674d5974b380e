import type { SqliteMigration } from './index.js';

/** The tokens component in SQLite. Times are ISO 8601 UTC text; secrets are sealed (see crypto.ts). */
export const TOKENS_SQLITE_MIGRATIONS: SqliteMigration[] = [
  {
    version: 1,
    name: 'create stripe_oauth_tokens and token_locks',
    up: `
      CREATE TABLE stripe_oauth_tokens (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        user_id TEXT NOT NULL,
        access_token TEXT NOT NULL,
        refresh_token TEXT,
        token_type TEXT,
        expires_at TEXT,
        stripe_user_id TEXT,
        stripe_publishable_key TEXT,
        scope TEXT,
        livemode INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reconnect', 'revoked')),
        last_verified_at TEXT,
        last_refreshed_at TEXT,
        last_error TEXT,
        key_id TEXT,
        access_token_lookup TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX stripe_oauth_tokens_profile_user_id ON stripe_oauth_tokens (profile, user_id);
      CREATE INDEX idx_stripe_user_id ON stripe_oauth_tokens (user_id);
      -- An HMAC of the access token, never the token: an index on a secret is a copy of it.
      CREATE INDEX stripe_oauth_tokens_access_token_lookup ON stripe_oauth_tokens (access_token_lookup);
      -- Per-record leases for token refresh: taken under BEGIN IMMEDIATE, expire if the holder dies.
      CREATE TABLE token_locks (
        profile TEXT NOT NULL,
        user_id TEXT NOT NULL,
        owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (profile, user_id)
      );
    `,
  },
  {
    version: 2,
    name: 'add stripe_oauth_tokens.roll_attempt',
    // The roll in progress (a random id, not a secret): its grant's idempotency key survives a crash.
    up: `ALTER TABLE stripe_oauth_tokens ADD COLUMN roll_attempt TEXT`,
  },
];
