/**
 * The SQLite event store, in the same file as the token store. WAL with synchronous=FULL (set by
 * openSqliteDatabase): better-sqlite3 leaves WAL at NORMAL, which can lose the last commits on
 * power loss, and an event we answered 2xx for must not be lost. Throughput comes from group
 * commit (see batcher.ts): one transaction, so one fsync, per batch of concurrent arrivals.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { applySqliteMigrations } from '../store/migrations/index.js';
import { foldAttemptCounts } from './attempt-counts.js';
import { WEBHOOKS_COMPONENT, WEBHOOKS_SQLITE_MIGRATIONS } from './migrations.js';
import {
  EVENT_STATUSES,
  type AttemptKind,
  type AttemptResult,
  type AttemptSummary,
  type Cursor,
  type DeliveryAttempt,
  type EventFilter,
  type EventStatus,
  type EventStore,
  type IncomingEvent,
  type InsertOutcome,
  type StoredEvent,
} from './types.js';

interface EventRow {
  id: number;
  event_id: string;
  account: string;
  type: string;
  livemode: number;
  created: number | null;
  received_at: string;
  source: StoredEvent['source'];
  payload: Buffer;
  signature: string | null;
  status: EventStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  forwarded_at: string | null;
  duplicates: number;
}

const toEvent = (row: EventRow): StoredEvent => ({
  row: row.id,
  event_id: row.event_id,
  type: row.type,
  account: row.account || null,
  livemode: row.livemode === 1,
  created: row.created,
  received_at: row.received_at,
  source: row.source,
  payload: row.payload,
  signature: row.signature,
  status: row.status,
  attempts: row.attempts,
  last_error: row.last_error,
  next_attempt_at: row.next_attempt_at,
  forwarded_at: row.forwarded_at,
  duplicates: row.duplicates,
});

const PAGE = 500;
/** Later than any ISO time we store; `new Date(8.64e15).toISOString()` starts with "+" and sorts first. */
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

/** `payment_intent.*` → GLOB `payment_intent.*`; exact types compare equal. */
function typeClause(types: string[], params: unknown[]): string {
  const parts = types.map((type) => {
    if (type === '*') return '1 = 1';
    params.push(type);
    return type.endsWith('.*') ? 'type GLOB ?' : 'type = ?';
  });
  return `(${parts.join(' OR ')})`;
}

/** The WHERE terms of a list or count (everything in the filter but the order and the limit). */
function filterClause(filter: EventFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.types?.length) where.push(typeClause(filter.types, params));
  if (filter.status?.length) {
    where.push(`status IN (${filter.status.map(() => '?').join(', ')})`);
    params.push(...filter.status);
  }
  if (filter.since) {
    where.push('received_at >= ?');
    params.push(filter.since.toISOString());
  }
  if (filter.until) {
    where.push('received_at <= ?');
    params.push(filter.until.toISOString());
  }
  if (filter.account !== undefined) {
    where.push('account = ?');
    params.push(filter.account);
  }
  if (filter.eventIds?.length) {
    where.push(`event_id IN (${filter.eventIds.map(() => '?').join(', ')})`);
    params.push(...filter.eventIds);
  }
  return { where, params };
}

const whereSql = (where: string[]) => (where.length ? ` WHERE ${where.join(' AND ')}` : '');

export function migrateSqliteWebhooks(db: BetterSqlite3.Database) {
  return applySqliteMigrations(db, WEBHOOKS_COMPONENT, WEBHOOKS_SQLITE_MIGRATIONS);
}

export async function openSqliteEventStore(file: string, options: SqliteEventStoreOptions = {}): Promise<EventStore> {
  const { openSqliteDatabase } = await import('../store/sqlite.js');
  const db = await openSqliteDatabase(file);
  try {
    migrateSqliteWebhooks(db);
  } catch (error) {
    db.close();
    throw error;
  }
  let writer: WriterThread | undefined;
  try {
    writer = options.writerThread ? await startWriterThread(file, options.writerThread === 'background') : undefined;
  } catch (error) {
    db.close();
    throw error;
  }
  return sqliteEventStore(db, file, writer);
}

/** A unit of work for one write transaction: a batch of arrivals, or a batch of attempt records. */
export type WriteJob = { events: IncomingEvent[] } | { results: AttemptResult[] };

export interface WriteStatements {
  /** Stores a batch in one BEGIN IMMEDIATE transaction; a duplicate is counted, not stored. */
  insert(events: IncomingEvent[]): InsertOutcome[];
  /** Records attempts and the events' next state in one BEGIN IMMEDIATE transaction. */
  record(results: AttemptResult[]): void;
  /** Several jobs in ONE transaction (one fsync); each job's outcomes, undefined for records. */
  apply(jobs: WriteJob[]): Array<InsertOutcome[] | undefined>;
}

/** Every write the store makes per event or attempt; shared by the store and the writer thread. */
export function writeStatements(db: BetterSqlite3.Database): WriteStatements {
  const insertEvent = db.prepare(
    `INSERT INTO stripe_webhook_events (event_id, account, type, livemode, created, received_at, source, payload, signature, status, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?) ON CONFLICT (account, event_id) DO NOTHING`,
  );
  const countDuplicate = db.prepare('UPDATE stripe_webhook_events SET duplicates = duplicates + 1 WHERE account = ? AND event_id = ?');
  const insertOne = (event: IncomingEvent): InsertOutcome => {
    const receivedAt = event.receivedAt.toISOString();
    const result = insertEvent.run(
      event.eventId,
      event.account ?? '',
      event.type,
      event.livemode ? 1 : 0,
      event.created,
      receivedAt,
      event.source,
      event.payload,
      event.signature,
      // Pushed and polled events are due for forwarding at once; triggered and replayed ones are
      // delivered by their own command, and a listener must not send them a second time.
      event.source === 'push' || event.source === 'poll' ? receivedAt : null,
    );
    if (result.changes === 1) return 'stored';
    countDuplicate.run(event.account ?? '', event.eventId);
    return 'duplicate';
  };

  const insertAttempt = db.prepare(
    `INSERT INTO stripe_webhook_attempts (event_row, kind, target, status_code, duration_ms, error, attempted_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const updateState = db.prepare(
    `UPDATE stripe_webhook_events SET status = ?, attempts = attempts + ?, last_error = ?, next_attempt_at = ?,
       forwarded_at = CASE WHEN ? = 'forwarded' THEN ? ELSE forwarded_at END WHERE id = ?`,
  );
  const recordOne = (result: AttemptResult) => {
    const attemptedAt = result.attemptedAt.toISOString();
    insertAttempt.run(result.row, result.kind, result.target, result.statusCode, Math.round(result.durationMs), result.error, attemptedAt);
    if (result.next) {
      updateState.run(
        result.next.status,
        result.next.countAttempt ? 1 : 0,
        result.next.lastError,
        result.next.nextAttemptAt?.toISOString() ?? null,
        result.next.status,
        attemptedAt,
        result.row,
      );
    }
  };

  const transaction = db.transaction((jobs: WriteJob[]) =>
    jobs.map((job) => {
      if ('events' in job) return job.events.map(insertOne);
      for (const result of job.results) recordOne(result);
      return undefined;
    }),
  );
  return {
    insert: (events) => transaction.immediate([{ events }])[0]!,
    record: (results) => void transaction.immediate([{ results }]),
    apply: (jobs) => transaction.immediate(jobs),
  };
}

interface WriterThread {
  insert(events: IncomingEvent[]): Promise<InsertOutcome[]>;
  record(results: AttemptResult[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs the store's writes on a worker thread (see sqlite-writer.ts); undefined when the compiled
 * worker is not there (tests on sources). `background` does not wait for the thread to be ready
 * (it takes ~150 ms to load its modules and open the file): writes queue until it is, and a thread
 * that failed to start fails them. For replay, whose first write comes after its first deliveries.
 */
async function startWriterThread(file: string, background: boolean): Promise<WriterThread | undefined> {
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const url = new URL('./sqlite-writer.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) return undefined;
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(url, { workerData: { file } });
  const waiting = new Map<number, { resolve: (outcomes: InsertOutcome[] | undefined) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => {
      worker.off('error', reject);
      resolve();
    });
  });
  if (background) ready.catch(() => undefined);
  else await ready;
  // Unreferenced while idle, so an idle writer never keeps the process alive; referenced while a
  // write is outstanding, so the process cannot end (say, after replay's last delivery) before the
  // commit it is waiting for.
  let holds = 0;
  const settled = () => {
    if (!waiting.size && !holds) worker.unref();
  };
  const hold = () => {
    holds++;
    worker.ref();
  };
  const release = () => {
    holds--;
    settled();
  };
  worker.on('message', (message: { id: number; outcomes?: InsertOutcome[]; error?: { message: string; code?: string } }) => {
    const entry = waiting.get(message.id);
    waiting.delete(message.id);
    settled();
    if (!entry) return;
    if (message.error) entry.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
    else entry.resolve(message.outcomes);
  });
  worker.on('error', (error) => {
    failure = error;
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
    settled();
  });
  worker.unref();
  // Messages posted before the thread is ready wait in its port, in order; only a failed start must be noticed here.
  const send = async (job: WriteJob): Promise<InsertOutcome[] | undefined> => {
    if (background) {
      hold();
      try {
        await ready;
      } finally {
        release();
      }
    }
    if (failure) throw failure;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, job });
    });
  };
  return {
    insert: async (events) => (await send({ events }))!,
    record: async (results) => void (await send({ results })),
    async close() {
      // Referenced until it has exited: its last commits and the file's close must finish.
      hold();
      if (background) await ready.catch(() => undefined);
      if (failure) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      await exited;
    },
  };
}

export interface SqliteEventStoreOptions {
  /**
   * Commit inserts and attempt records on a worker thread, so fsync and SQLite's page writes never
   * stall this one: `true` waits for the thread at open (`webhook listen`: a broken writer should
   * fail the start, not the first event); `'background'` lets it start while the caller works.
   */
  writerThread?: boolean | 'background';
}

export function sqliteEventStore(db: BetterSqlite3.Database, location: string, writer?: WriterThread): EventStore {
  const writes = writeStatements(db);

  const selectDue = db.prepare(
    `SELECT * FROM stripe_webhook_events WHERE status IN ('received', 'failed') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
  );
  const lease = db.prepare('UPDATE stripe_webhook_events SET next_attempt_at = ? WHERE id = ?');
  const claim = db.transaction((now: string, limit: number, until: string) => {
    const rows = selectDue.all(now, limit) as EventRow[];
    for (const row of rows) lease.run(until, row.id);
    return rows.map((row) => ({ ...row, next_attempt_at: until }));
  });

  return {
    kind: 'sqlite',
    location,
    pipelined: writer !== undefined,
    async insert(events) {
      return writer ? writer.insert(events) : writes.insert(events);
    },
    async get(eventId, account) {
      const row = (
        account === undefined
          ? db.prepare('SELECT * FROM stripe_webhook_events WHERE event_id = ? ORDER BY id DESC LIMIT 1').get(eventId)
          : db.prepare('SELECT * FROM stripe_webhook_events WHERE event_id = ? AND account = ?').get(eventId, account ?? '')
      ) as EventRow | undefined;
      return row ? toEvent(row) : undefined;
    },
    async *list(filter: EventFilter) {
      const { where, params } = filterClause(filter);
      const oldest = filter.order === 'oldest';
      // Keyset paging on (received_at, id) keeps memory flat. A row-value bound, not
      // `received_at < ? OR (received_at = ? AND id < ?)`: SQLite walks the received_at index (whose
      // entries end with the rowid) in order from the bound, where the OR form makes it read every
      // remaining row and sort them for each page (quadratic in the count).
      const sql = (bounded: boolean) =>
        `SELECT * FROM stripe_webhook_events${whereSql([...where, ...(bounded ? [`(received_at, id) ${oldest ? '>' : '<'} (?, ?)`] : [])])}
         ORDER BY received_at ${oldest ? 'ASC' : 'DESC'}, id ${oldest ? 'ASC' : 'DESC'} LIMIT ?`;
      const first = db.prepare(sql(false));
      const next = db.prepare(sql(true));
      let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
      let bound: [string, number] | undefined;
      while (remaining > 0) {
        const pageSize = Math.min(PAGE, remaining);
        const rows = (bound ? next.all(...params, bound[0], bound[1], pageSize) : first.all(...params, pageSize)) as EventRow[];
        for (const row of rows) yield toEvent(row);
        remaining -= rows.length;
        if (rows.length < pageSize) return;
        const last = rows[rows.length - 1]!;
        bound = [last.received_at, last.id];
      }
    },
    async count(filter: EventFilter) {
      const { where, params } = filterClause(filter);
      return (db.prepare(`SELECT COUNT(*) AS n FROM stripe_webhook_events${whereSql(where)}`).get(...params) as { n: number }).n;
    },
    async claimDue(now, limit, leaseMs) {
      return (claim.immediate(now.toISOString(), limit, new Date(now.getTime() + leaseMs).toISOString()) as EventRow[]).map(toEvent);
    },
    async nextDue() {
      const row = db
        .prepare(`SELECT MIN(next_attempt_at) AS next FROM stripe_webhook_events WHERE status IN ('received', 'failed')`)
        .get() as { next: string | null };
      return row.next ? new Date(row.next) : undefined;
    },
    async recordAttempts(results) {
      if (!results.length) return;
      if (writer) await writer.record(results);
      else writes.record(results);
    },
    async attempts(row) {
      return db.prepare('SELECT * FROM stripe_webhook_attempts WHERE event_row = ? ORDER BY id').all(row) as DeliveryAttempt[];
    },
    async getCursor(name) {
      const row = db.prepare('SELECT event_id, event_created, updated_at FROM stripe_webhook_cursors WHERE name = ?').get(name) as
        | { event_id: string | null; event_created: number | null; updated_at: string }
        | undefined;
      return row ? { eventId: row.event_id, eventCreated: row.event_created, updatedAt: row.updated_at } satisfies Cursor : undefined;
    },
    async setCursor(name, eventId, eventCreated, now) {
      db.prepare(
        `INSERT INTO stripe_webhook_cursors (name, event_id, event_created, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET event_id = excluded.event_id, event_created = excluded.event_created, updated_at = excluded.updated_at`,
      ).run(name, eventId, eventCreated, now.toISOString());
    },
    async countsByStatus() {
      const counts = Object.fromEntries(EVENT_STATUSES.map((status) => [status, 0])) as Record<EventStatus, number>;
      for (const row of db.prepare('SELECT status, COUNT(*) AS n FROM stripe_webhook_events GROUP BY status').all() as Array<{ status: EventStatus; n: number }>) {
        counts[row.status] = row.n;
      }
      return counts;
    },
    async attemptSummary(since, until) {
      const rows = db
        .prepare(
          `SELECT kind, COALESCE(status_code BETWEEN 200 AND 299, 0) AS ok, COUNT(*) AS n FROM stripe_webhook_attempts
           WHERE attempted_at >= ? AND attempted_at < ? GROUP BY kind, ok`,
        )
        .all(since.toISOString(), until?.toISOString() ?? FAR_FUTURE) as Array<{ kind: AttemptKind; ok: number | boolean; n: number | string }>;
      return foldAttemptCounts(rows);
    },
    async countsByType(since, until, typePrefix) {
      const rows = db
        .prepare(
          `SELECT type, COUNT(*) AS n FROM stripe_webhook_events WHERE received_at >= ? AND received_at < ? AND substr(type, 1, ?) = ? GROUP BY type`,
        )
        .all(since.toISOString(), until?.toISOString() ?? FAR_FUTURE, (typePrefix ?? '').length, typePrefix ?? '') as Array<{ type: string; n: number }>;
      return Object.fromEntries(rows.map((row) => [row.type, row.n]));
    },
    async close() {
      await writer?.close();
      if (db.open) db.close();
    },
  };
}

