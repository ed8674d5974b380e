/**
 * Opens the event store where the token store lives: the same SQLite file, or the same PostgreSQL
 * database. With the keychain token store, events go to the default SQLite file (a keychain is no
 * place for an event log). Commands reach it through `ctx.events()`, which opens it once per run
 * and closes it with the Context; `metrics` and `health` use the read API in types.ts
 * (countsByStatus, attemptSummary, countsByType, list({ status: ['dead'] })).
 */
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { SqliteEventStoreOptions } from './sqlite-store.js';
import type { EventStore } from './types.js';

export interface EventStoreLocation {
  kind: 'sqlite' | 'postgres';
  file?: string;
  databaseUrl?: string;
}

export function eventStoreLocation(ctx: Pick<Context, 'config'>): EventStoreLocation {
  const store = ctx.config.get('store') ?? 'sqlite';
  if (store === 'postgres') {
    const databaseUrl = ctx.config.get('database_url');
    if (!databaseUrl) {
      throw new UsageError('the postgres store needs a database URL', { hint: 'pass --database-url or set DATABASE_URL' });
    }
    return { kind: 'postgres', databaseUrl };
  }
  if (store !== 'sqlite' && store !== 'keychain') {
    throw new UsageError(`unknown store "${store}"`, { hint: 'use --store sqlite, postgres or keychain' });
  }
  return { kind: 'sqlite', file: ctx.config.get('database_file') || ctx.config.paths.databaseFile };
}

/** What the SQLite event store takes at open (postgres takes none): see SqliteEventStoreOptions. */
export type EventStoreOptions = SqliteEventStoreOptions;

export async function openEventStoreAt(location: EventStoreLocation, options: EventStoreOptions = {}): Promise<EventStore> {
  if (location.kind === 'postgres') {
    const { openPostgresEventStore } = await import('./postgres-store.js');
    const url = new URL(location.databaseUrl!);
    return openPostgresEventStore(location.databaseUrl!, `${url.hostname}:${url.port || 5432}${url.pathname}`);
  }
  const { openSqliteEventStore } = await import('./sqlite-store.js');
  return openSqliteEventStore(location.file!, options);
}
