/**
 * The `webhooks` component's schema, applied through src/store/migrations (history in
 * schema_migrations, one row per component and version). Never edit a released migration: add one.
 */
import type { PgMigration, SqliteMigration } from '../store/migrations/index.js';

export const WEBHOOKS_COMPONENT = 'webhooks';

export const WEBHOOKS_SQLITE_MIGRATIONS: SqliteMigration[] = [
  {
    version: 1,
    name: 'create stripe_webhook_events, stripe_webhook_attempts and stripe_webhook_cursors',
    up: `
      CREATE TABLE stripe_webhook_events (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        -- '' for the platform's own events, so the unique index treats them as one account.
        account TEXT NOT NULL DEFAULT '',
        type TEXT NOT NULL,
        livemode INTEGER NOT NULL DEFAULT 0,
        created INTEGER,
        received_at TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('push', 'poll', 'trigger', 'replay')),
        payload BLOB NOT NULL,
        signature TEXT,
        status TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'forwarded', 'failed', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at TEXT,
        forwarded_at TEXT,
        duplicates INTEGER NOT NULL DEFAULT 0
      );
      CREATE UNIQUE INDEX stripe_webhook_events_account_event_id ON stripe_webhook_events (account, event_id);
      CREATE INDEX stripe_webhook_events_event_id ON stripe_webhook_events (event_id);
      CREATE INDEX stripe_webhook_events_due ON stripe_webhook_events (status, next_attempt_at);
      CREATE INDEX stripe_webhook_events_received_at ON stripe_webhook_events (received_at);
      CREATE TABLE stripe_webhook_attempts (
        id INTEGER PRIMARY KEY,
        event_row INTEGER NOT NULL REFERENCES stripe_webhook_events (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('forward', 'replay', 'trigger')),
        target TEXT NOT NULL,
        status_code INTEGER,
        duration_ms INTEGER NOT NULL,
        error TEXT,
        attempted_at TEXT NOT NULL
      );
      CREATE INDEX stripe_webhook_attempts_event_row ON stripe_webhook_attempts (event_row);
      CREATE INDEX stripe_webhook_attempts_attempted_at ON stripe_webhook_attempts (attempted_at);
      CREATE TABLE stripe_webhook_cursors (
        name TEXT PRIMARY KEY,
        event_id TEXT,
        event_created INTEGER,
        updated_at TEXT NOT NULL
      );
    `,
  },
];

export const WEBHOOKS_PG_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    name: 'create stripe_webhook_events, stripe_webhook_attempts and stripe_webhook_cursors',
    up: `
      CREATE TABLE stripe_webhook_events (
        id BIGSERIAL PRIMARY KEY,
        event_id VARCHAR(255) NOT NULL,
        account VARCHAR(255) NOT NULL DEFAULT '',
        type VARCHAR(255) NOT NULL,
        livemode BOOLEAN NOT NULL DEFAULT FALSE,
        created BIGINT,
        received_at TIMESTAMPTZ NOT NULL,
        source VARCHAR(16) NOT NULL CHECK (source IN ('push', 'poll', 'trigger', 'replay')),
        payload BYTEA NOT NULL,
        signature TEXT,
        status VARCHAR(16) NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'forwarded', 'failed', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at TIMESTAMPTZ,
        forwarded_at TIMESTAMPTZ,
        duplicates INTEGER NOT NULL DEFAULT 0
      );
      CREATE UNIQUE INDEX stripe_webhook_events_account_event_id ON stripe_webhook_events (account, event_id);
      CREATE INDEX stripe_webhook_events_event_id ON stripe_webhook_events (event_id);
      CREATE INDEX stripe_webhook_events_due ON stripe_webhook_events (next_attempt_at) WHERE status IN ('received', 'failed');
      CREATE INDEX stripe_webhook_events_received_at ON stripe_webhook_events (received_at);
      CREATE TABLE stripe_webhook_attempts (
        id BIGSERIAL PRIMARY KEY,
        event_row BIGINT NOT NULL REFERENCES stripe_webhook_events (id) ON DELETE CASCADE,
        kind VARCHAR(16) NOT NULL CHECK (kind IN ('forward', 'replay', 'trigger')),
        target TEXT NOT NULL,
        status_code INTEGER,
        duration_ms INTEGER NOT NULL,
        error TEXT,
        attempted_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX stripe_webhook_attempts_event_row ON stripe_webhook_attempts (event_row);
      CREATE INDEX stripe_webhook_attempts_attempted_at ON stripe_webhook_attempts (attempted_at);
      CREATE TABLE stripe_webhook_cursors (
        name VARCHAR(255) PRIMARY KEY,
        event_id VARCHAR(255),
        event_created BIGINT,
        updated_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
];
