/**
 * The PostgreSQL event store, in the token store's database. Several `webhook listen` processes on
 * several hosts may share it: the unique (account, event_id) index stores each event once, and
 * claimDue takes pending forwards with FOR UPDATE SKIP LOCKED, so each is handled by one process.
 */
import type { Pool, PoolClient } from 'pg';
import { applyPgMigrations } from '../store/migrations/index.js';
import { DatabaseUnavailableError, pgFailure, withClient } from '../store/pg-connection.js';
import { WEBHOOKS_COMPONENT, WEBHOOKS_PG_MIGRATIONS } from './migrations.js';
import { foldAttemptCounts } from './attempt-counts.js';
import {
  EVENT_STATUSES,
  type AttemptKind,
  type AvailabilityChange,
  type DeliveryAttempt,
  type EventFilter,
  type EventStatus,
  type EventStore,
  type InsertOutcome,
  type StoredEvent,
} from './types.js';

interface EventRow {
  id: string | number;
  event_id: string;
  account: string;
  type: string;
  livemode: boolean;
  created: string | number | null;
  received_at: Date;
  source: StoredEvent['source'];
  payload: Buffer;
  signature: string | null;
  status: EventStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  forwarded_at: Date | null;
  duplicates: number;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

const toEvent = (row: EventRow): StoredEvent => ({
  row: Number(row.id),
  event_id: row.event_id,
  type: row.type,
  account: row.account || null,
  livemode: row.livemode,
  created: row.created === null ? null : Number(row.created),
  received_at: row.received_at.toISOString(),
  source: row.source,
  payload: row.payload,
  signature: row.signature,
  status: row.status,
  attempts: row.attempts,
  last_error: row.last_error,
  next_attempt_at: iso(row.next_attempt_at),
  forwarded_at: iso(row.forwarded_at),
  duplicates: row.duplicates,
});

const PAGE = 500;
const FAR_FUTURE = new Date('9999-12-31T23:59:59.999Z');

/** `payment_intent.*` → LIKE 'payment\_intent.%' (underscores are LIKE wildcards). */
function typeClause(types: string[], params: unknown[]): string {
  const parts = types.map((type) => {
    if (type === '*') return 'TRUE';
    if (type.endsWith('.*')) {
      params.push(`${type.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      return `type LIKE $${params.length}`;
    }
    params.push(type);
    return `type = $${params.length}`;
  });
  return `(${parts.join(' OR ')})`;
}

/** The WHERE terms of a list or count (everything in the filter but the order and the limit). */
function filterClause(filter: EventFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.types?.length) where.push(typeClause(filter.types, params));
  if (filter.status?.length) {
    params.push(filter.status);
    where.push(`status = ANY($${params.length})`);
  }
  if (filter.since) {
    params.push(filter.since);
    where.push(`received_at >= $${params.length}`);
  }
  if (filter.until) {
    params.push(filter.until);
    where.push(`received_at <= $${params.length}`);
  }
  if (filter.account !== undefined) {
    params.push(filter.account);
    where.push(`account = $${params.length}`);
  }
  if (filter.eventIds?.length) {
    params.push(filter.eventIds);
    where.push(`event_id = ANY($${params.length})`);
  }
  return { where, params };
}

const whereSql = (where: string[]) => (where.length ? ` WHERE ${where.join(' AND ')}` : '');

export async function openPostgresEventStore(url: string, location: string): Promise<EventStore> {
  // The token store's pool: sslmode in the URL honoured, every idle client's error handled.
  const { openPgPool } = await import('../store/postgres.js');
  const pool = await openPgPool(url, { poolSize: 8 });
  try {
    await applyPgMigrations(pool, WEBHOOKS_COMPONENT, WEBHOOKS_PG_MIGRATIONS);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return postgresEventStore(pool, location);
}

/**
 * One transaction, retried when PostgreSQL aborts it as a deadlock victim or serialization failure.
 * Listeners sharing the database touch the same rows (a duplicate arriving at both, a forward
 * recorded while the other counts a duplicate); rows are locked in a stable order to make that rare,
 * and the retry makes it harmless. A lost connection is not retried here: the caller answers 503.
 */
async function transaction<T>(pool: Pool, where: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withClient(pool, where, async (client) => {
        await client.query('BEGIN');
        try {
          const value = await fn(client);
          await client.query('COMMIT');
          return value;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code === '40P01' || code === '40001') && attempt < 5) continue;
      throw error;
    }
  }
}

/**
 * Whether the database answers, judged from the store's own statements (it never probes). One
 * change is reported per outage, however many statements fail during it: a statement that started
 * before the latest change says nothing about the database now, and is ignored.
 */
function availabilityTracker() {
  const watchers = new Set<(change: AvailabilityChange) => void>();
  let downSince: number | undefined;
  let upSince = 0;
  const notify = (change: AvailabilityChange) => {
    for (const watcher of watchers) watcher(change);
  };
  return {
    failed(startedAt: number, error: Error) {
      if (downSince !== undefined || startedAt < upSince) return;
      downSince = performance.now();
      notify({ available: false, error });
    },
    answered(startedAt: number) {
      if (downSince === undefined || startedAt < downSince) return;
      const downMs = performance.now() - downSince;
      downSince = undefined;
      upSince = performance.now();
      notify({ available: true, downMs });
    },
    watch(watcher: (change: AvailabilityChange) => void) {
      watchers.add(watcher);
    },
  };
}

export function postgresEventStore(pool: Pool, location: string): EventStore {
  const availability = availabilityTracker();
  /** Runs one store operation; a lost connection leaves as a DatabaseUnavailableError (exit 5, answered 503). */
  const guard = async <T>(operation: () => Promise<T>): Promise<T> => {
    const startedAt = performance.now();
    try {
      const value = await operation();
      availability.answered(startedAt);
      return value;
    } catch (error) {
      const failure = pgFailure(error, location);
      if (failure instanceof DatabaseUnavailableError) availability.failed(startedAt, failure);
      else availability.answered(startedAt); // the server answered, with an error of the statement's own
      throw failure;
    }
  };
  const q = (sql: string, params?: unknown[]) => guard(() => pool.query(sql, params));
  const tx = <T>(fn: (client: PoolClient) => Promise<T>) => guard(() => transaction(pool, location, fn));
  return {
    kind: 'postgres',
    location,
    pipelined: true,
    insert(events) {
      // A stable lock order (account, event id) across processes: two listeners inserting the same
      // events in different arrival orders would otherwise wait on each other.
      const order = events.map((_, index) => index).sort((a, b) => {
        const left = `${events[a]!.account ?? ''}\u0000${events[a]!.eventId}`;
        const right = `${events[b]!.account ?? ''}\u0000${events[b]!.eventId}`;
        return left < right ? -1 : left > right ? 1 : a - b;
      });
      return tx(async (client) => {
        const outcomes: InsertOutcome[] = new Array(events.length);
        for (const index of order) {
          const event = events[index]!;
          const result = await client.query(
            `INSERT INTO stripe_webhook_events (event_id, account, type, livemode, created, received_at, source, payload, signature, status, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'received', $10) ON CONFLICT (account, event_id) DO NOTHING`,
            [
              event.eventId, event.account ?? '', event.type, event.livemode, event.created, event.receivedAt, event.source, event.payload, event.signature,
              event.source === 'push' || event.source === 'poll' ? event.receivedAt : null,
            ],
          );
          if (result.rowCount === 1) {
            outcomes[index] = 'stored';
          } else {
            await client.query('UPDATE stripe_webhook_events SET duplicates = duplicates + 1 WHERE account = $1 AND event_id = $2', [
              event.account ?? '',
              event.eventId,
            ]);
            outcomes[index] = 'duplicate';
          }
        }
        return outcomes;
      });
    },
    async get(eventId, account) {
      const result =
        account === undefined
          ? await q('SELECT * FROM stripe_webhook_events WHERE event_id = $1 ORDER BY id DESC LIMIT 1', [eventId])
          : await q('SELECT * FROM stripe_webhook_events WHERE event_id = $1 AND account = $2', [eventId, account ?? '']);
      return result.rows[0] ? toEvent(result.rows[0] as EventRow) : undefined;
    },
    async *list(filter: EventFilter) {
      const { where, params } = filterClause(filter);
      const oldest = filter.order === 'oldest';
      // By arrival time, then row id (a batch's ids follow its lock order, not arrival); keyset paging.
      let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
      let bound: [Date, number] | undefined;
      const n = params.length;
      while (remaining > 0) {
        const pageSize = Math.min(PAGE, remaining);
        const keyset = bound ? [`(received_at, id) ${oldest ? '>' : '<'} ($${n + 1}::timestamptz, $${n + 2}::bigint)`] : [];
        const sql = `SELECT * FROM stripe_webhook_events${whereSql([...where, ...keyset])}
          ORDER BY received_at ${oldest ? 'ASC' : 'DESC'}, id ${oldest ? 'ASC' : 'DESC'} LIMIT $${n + keyset.length * 2 + 1}`;
        const rows = (await q(sql, [...params, ...(bound ?? []), pageSize])).rows as EventRow[];
        for (const row of rows) yield toEvent(row);
        remaining -= rows.length;
        if (rows.length < pageSize) return;
        const last = rows[rows.length - 1]!;
        bound = [last.received_at, Number(last.id)];
      }
    },
    async count(filter: EventFilter) {
      const { where, params } = filterClause(filter);
      return Number((await q(`SELECT COUNT(*) AS n FROM stripe_webhook_events${whereSql(where)}`, params)).rows[0].n);
    },
    async claimDue(now, limit, leaseMs) {
      // One statement: the subquery locks due rows other listeners have not locked, the UPDATE moves
      // them out of the due window. A row another listener just claimed fails the recheck of
      // next_attempt_at <= now and is not taken twice.
      const result = await q(
        `UPDATE stripe_webhook_events SET next_attempt_at = $3
         WHERE id IN (
           SELECT id FROM stripe_webhook_events
           WHERE status IN ('received', 'failed') AND next_attempt_at <= $1
           ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
         ) AND status IN ('received', 'failed') AND next_attempt_at <= $1
         RETURNING *`,
        [now, limit, new Date(now.getTime() + leaseMs)],
      );
      return (result.rows as EventRow[]).map(toEvent).sort((a, b) => a.row - b.row);
    },
    async nextDue() {
      const result = await q(`SELECT MIN(next_attempt_at) AS next FROM stripe_webhook_events WHERE status IN ('received', 'failed')`);
      return result.rows[0]?.next ?? undefined;
    },
    async recordAttempts(results) {
      if (!results.length) return;
      const ordered = [...results].sort((a, b) => a.row - b.row);
      await tx(async (client) => {
        for (const result of ordered) {
          await client.query(
            `INSERT INTO stripe_webhook_attempts (event_row, kind, target, status_code, duration_ms, error, attempted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [result.row, result.kind, result.target, result.statusCode, Math.round(result.durationMs), result.error, result.attemptedAt],
          );
          if (result.next) {
            await client.query(
              `UPDATE stripe_webhook_events SET status = $1::varchar, attempts = attempts + $2::int, last_error = $3::text, next_attempt_at = $4::timestamptz,
                 forwarded_at = CASE WHEN $1::varchar = 'forwarded' THEN $5::timestamptz ELSE forwarded_at END WHERE id = $6::bigint`,
              [result.next.status, result.next.countAttempt ? 1 : 0, result.next.lastError, result.next.nextAttemptAt, result.attemptedAt, result.row],
            );
          }
        }
      });
    },
    async attempts(row) {
      const result = await q('SELECT * FROM stripe_webhook_attempts WHERE event_row = $1 ORDER BY id', [row]);
      return result.rows.map(
        (r): DeliveryAttempt => ({
          id: Number(r.id),
          event_row: Number(r.event_row),
          kind: r.kind,
          target: r.target,
          status_code: r.status_code,
          duration_ms: r.duration_ms,
          error: r.error,
          attempted_at: (r.attempted_at as Date).toISOString(),
        }),
      );
    },
    async getCursor(name) {
      const result = await q('SELECT event_id, event_created, updated_at FROM stripe_webhook_cursors WHERE name = $1', [name]);
      const row = result.rows[0];
      return row
        ? { eventId: row.event_id, eventCreated: row.event_created === null ? null : Number(row.event_created), updatedAt: (row.updated_at as Date).toISOString() }
        : undefined;
    },
    async setCursor(name, eventId, eventCreated, now) {
      await q(
        `INSERT INTO stripe_webhook_cursors (name, event_id, event_created, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET event_id = EXCLUDED.event_id, event_created = EXCLUDED.event_created, updated_at = EXCLUDED.updated_at`,
        [name, eventId, eventCreated, now],
      );
    },
    async countsByStatus() {
      const counts = Object.fromEntries(EVENT_STATUSES.map((status) => [status, 0])) as Record<EventStatus, number>;
      const result = await q('SELECT status, COUNT(*) AS n FROM stripe_webhook_events GROUP BY status');
      for (const row of result.rows as Array<{ status: EventStatus; n: string }>) counts[row.status] = Number(row.n);
      return counts;
    },
    async attemptSummary(since, until) {
      const result = await q(
        `SELECT kind, COALESCE(status_code BETWEEN 200 AND 299, FALSE) AS ok, COUNT(*) AS n FROM stripe_webhook_attempts
         WHERE attempted_at >= $1 AND attempted_at < $2 GROUP BY kind, ok`,
        [since, until ?? FAR_FUTURE],
      );
      return foldAttemptCounts(result.rows as Array<{ kind: AttemptKind; ok: boolean; n: string }>);
    },
    async countsByType(since, until, typePrefix) {
      const result = await q(
        `SELECT type, COUNT(*) AS n FROM stripe_webhook_events WHERE received_at >= $1 AND received_at < $2 AND left(type, $3) = $4 GROUP BY type`,
        [since, until ?? FAR_FUTURE, (typePrefix ?? '').length, typePrefix ?? ''],
      );
      return Object.fromEntries((result.rows as Array<{ type: string; n: string }>).map((row) => [row.type, Number(row.n)]));
    },
    watchAvailability(watcher) {
      availability.watch(watcher);
    },
    async close() {
      await pool.end();
    },
  };
}
