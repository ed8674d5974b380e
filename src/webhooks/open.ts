/**
 * Opens the event store where the token store lives: the same SQLite file, or the same PostgreSQL
 * database. With the keychain token store, events go to the default SQLite file (a keychain is no
 * place for an event log). For `metrics` and `health`: `openEventStore(ctx)` and the read API in
 * types.ts (countsByStatus, attemptSummary, countsByType, list({ status: ['dead'] })).
 */
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
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

export async function openEventStoreAt(location: EventStoreLocation, options: { writerThread?: boolean | 'background' } = {}): Promise<EventStore> {
  if (location.kind === 'postgres') {
    const { openPostgresEventStore } = await import('./postgres-store.js');
    const url = new URL(location.databaseUrl!);
    return openPostgresEventStore(location.databaseUrl!, `${url.hostname}:${url.port || 5432}${url.pathname}`);
  }
  const { openSqliteEventStore } = await import('./sqlite-store.js');
  return openSqliteEventStore(location.file!, options);
}

/** Opens the store once per run and closes it with the Context. */
export async function openEventStore(ctx: Context, options: { writerThread?: boolean | 'background' } = {}): Promise<EventStore> {
  const store = await openEventStoreAt(eventStoreLocation(ctx), options);
  ctx.onClose(() => store.close());
  return store;
}
