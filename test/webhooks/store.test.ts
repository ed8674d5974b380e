/**
 * The event store contract, run unchanged against SQLite and PostgreSQL: duplicates, claims and
 * leases, attempt recording and state changes, listing filters and paging, cursors, and the read
 * API that metrics and health use. Plus group commit in the batcher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { openPostgresEventStore } from '../../src/webhooks/postgres-store.js';
import { openSqliteEventStore } from '../../src/webhooks/sqlite-store.js';
import type { EventStore, IncomingEvent } from '../../src/webhooks/types.js';

const T0 = new Date('2026-11-26T12:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
let counter = 0;
const incoming = (overrides: Partial<IncomingEvent> = {}): IncomingEvent => {
  const eventId = overrides.eventId ?? `evt_store_${++counter}`;
  return {
    eventId, type: 'payment_intent.succeeded', account: null, livemode: false, created: 1, source: 'push',
    payload: Buffer.from(JSON.stringify({ id: eventId, object: 'event' })), signature: 't=1,v1=x', receivedAt: T0, ...overrides,
  };
};
const collect = async <T>(iterable: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
};

function describeEventStore(name: string, open: () => Promise<EventStore>) {
  describe(`event store: ${name}`, () => {
    let store: EventStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('stores an event once; the same id again is a counted duplicate; accounts are separate', async () => {
      const event = incoming();
      expect(await store.insert([event, { ...event }])).toEqual(['stored', 'duplicate']);
      expect(await store.insert([event])).toEqual(['duplicate']);
      expect(await store.insert([{ ...event, account: 'acct_other' }])).toEqual(['stored']);
      const stored = await store.get(event.eventId, null);
      expect(stored).toMatchObject({ event_id: event.eventId, status: 'received', attempts: 0, duplicates: 2, account: null, source: 'push' });
      expect(stored!.payload.equals(event.payload)).toBe(true);
      expect((await store.get(event.eventId, 'acct_other'))!.account).toBe('acct_other');
    });

    it('claims due events once until the lease runs out, and records attempts with their new state', async () => {
      const event = incoming({ eventId: 'evt_claim_1', receivedAt: at(0) });
      await store.insert([event]);
      const claimed = (await store.claimDue(at(1), 100, 60_000)).filter((e) => e.event_id === 'evt_claim_1');
      expect(claimed).toHaveLength(1);
      expect((await store.claimDue(at(2), 100, 60_000)).some((e) => e.event_id === 'evt_claim_1')).toBe(false);
      // The holder died: after the lease the event is due again.
      expect((await store.claimDue(at(62), 100, 60_000)).some((e) => e.event_id === 'evt_claim_1')).toBe(true);
      await store.recordAttempts([
        { row: claimed[0]!.row, kind: 'forward', target: 'http://app', statusCode: 500, durationMs: 3, error: 'HTTP 500', attemptedAt: at(63),
          next: { status: 'failed', nextAttemptAt: at(65), lastError: 'HTTP 500', countAttempt: true } },
      ]);
      expect(await store.get('evt_claim_1')).toMatchObject({ status: 'failed', attempts: 1, last_error: 'HTTP 500', next_attempt_at: at(65).toISOString() });
      expect((await store.claimDue(at(64), 100, 60_000)).some((e) => e.event_id === 'evt_claim_1')).toBe(false);
      expect((await store.claimDue(at(66), 100, 60_000)).some((e) => e.event_id === 'evt_claim_1')).toBe(true);
      await store.recordAttempts([
        { row: claimed[0]!.row, kind: 'forward', target: 'http://app', statusCode: 204, durationMs: 2, error: null, attemptedAt: at(67),
          next: { status: 'forwarded', nextAttemptAt: null, lastError: null, countAttempt: true } },
      ]);
      expect(await store.get('evt_claim_1')).toMatchObject({ status: 'forwarded', attempts: 2, last_error: null, next_attempt_at: null, forwarded_at: at(67).toISOString() });
      expect((await store.attempts(claimed[0]!.row)).map((a) => [a.kind, a.status_code, a.error])).toEqual([['forward', 500, 'HTTP 500'], ['forward', 204, null]]);
    });

    it('never hands triggered or replayed events to the forwarder', async () => {
      await store.insert([incoming({ eventId: 'evt_trigger_1', source: 'trigger', receivedAt: at(0) })]);
      expect((await store.claimDue(at(1000), 1000, 1)).some((e) => e.event_id === 'evt_trigger_1')).toBe(false);
    });

    it('lists newest first with filters, pages past 500 rows, and caps with a limit', async () => {
      const many = Array.from({ length: 1203 }, (_, index) => incoming({ eventId: `evt_page_${index}`, type: index % 3 ? 'invoice.paid' : 'customer.subscription.updated', receivedAt: at(100 + index) }));
      await store.insert(many);
      const invoices = await collect(store.list({ types: ['invoice.*'] }));
      expect(invoices.filter((e) => e.event_id.startsWith('evt_page_'))).toHaveLength(802);
      const subs = await collect(store.list({ types: ['customer.subscription.updated'], since: at(100) }));
      expect(subs).toHaveLength(401);
      expect(subs[0]!.event_id).toBe('evt_page_1200');
      expect(await collect(store.list({ limit: 3 }))).toHaveLength(3);
      expect((await collect(store.list({ eventIds: ['evt_page_5', 'evt_page_6'] }))).map((e) => e.event_id)).toEqual(['evt_page_6', 'evt_page_5']);
      expect(await collect(store.list({ types: ['customer.*'], status: ['dead'] }))).toEqual([]);
      // `_` is not a wildcard: payment_intent.* must not match paymentXintent.
      await store.insert([incoming({ eventId: 'evt_like', type: 'paymentXintent.succeeded' })]);
      expect((await collect(store.list({ types: ['payment_intent.*'] }))).some((e) => e.event_id === 'evt_like')).toBe(false);
    });

    it('lists oldest first too, bounds by arrival time, and counts what a list would yield', async () => {
      const batch = Array.from({ length: 1005 }, (_, index) => incoming({ eventId: `evt_order_${index}`, type: 'charge.refunded', receivedAt: index < 1000 ? at(5000) : at(5001 + index) }));
      // Inserted out of order, and most with the same arrival time: ties are broken by row id.
      await store.insert([...batch.slice(1000).reverse(), ...batch.slice(0, 1000)]);
      const filter = { types: ['charge.refunded'] };
      const oldest = await collect(store.list({ ...filter, order: 'oldest' }));
      expect(oldest).toHaveLength(1005);
      // The tie in row-id order (PostgreSQL's ids follow lock order, not the batch's), then by time.
      expect(new Set(oldest.slice(0, 1000).map((e) => e.event_id))).toEqual(new Set(batch.slice(0, 1000).map((e) => e.eventId)));
      const tieRows = oldest.slice(0, 1000).map((e) => e.row);
      expect(tieRows).toEqual([...tieRows].sort((a, b) => a - b));
      expect(oldest.slice(1000).map((e) => e.event_id)).toEqual(batch.slice(1000).map((e) => e.eventId));
      const newest = await collect(store.list(filter));
      expect(newest.map((e) => e.row)).toEqual(oldest.map((e) => e.row).reverse());
      expect(await store.count(filter)).toBe(1005);
      const bounded = { ...filter, until: at(6002) };
      expect(await store.count(bounded)).toBe(1002);
      expect((await collect(store.list({ ...bounded, order: 'oldest' }))).at(-1)!.event_id).toBe('evt_order_1001');
      expect(await store.count({ ...bounded, since: at(5001), limit: 1 })).toBe(2);
      expect(await store.count({ types: ['charge.refunded'], status: ['dead'] })).toBe(0);
    });

    it('keeps poll cursors', async () => {
      expect(await store.getCursor('poll:test')).toBeUndefined();
      await store.setCursor('poll:test', 'evt_c1', 100, at(0));
      await store.setCursor('poll:test', 'evt_c2', 200, at(1));
      expect(await store.getCursor('poll:test')).toEqual({ eventId: 'evt_c2', eventCreated: 200, updatedAt: at(1).toISOString() });
    });

    it('answers the metrics read API', async () => {
      const counts = await store.countsByStatus();
      expect(Object.keys(counts).sort()).toEqual(['dead', 'failed', 'forwarded', 'received']);
      expect(counts.forwarded).toBeGreaterThanOrEqual(1);
      const summary = await store.attemptSummary(at(60), at(70));
      expect(summary).toMatchObject({ attempts: 2, succeeded: 1, failed: 1, byKind: { forward: { attempts: 2, succeeded: 1 } } });
      expect((await store.attemptSummary(at(68))).attempts).toBe(0);
      expect((await store.attemptSummary(at(60))).attempts).toBe(2);
      const byType = await store.countsByType(at(100), undefined, 'customer.');
      expect(byType).toEqual({ 'customer.subscription.updated': 401 });
    });
  });
}

describeEventStore('sqlite', () => openSqliteEventStore(join(mkdtempSync(join(tmpdir(), 'atom-stripe-events-')), 'events.db')));

// The store `webhook listen` and `webhook replay` use: every write through the writer thread. The
// thread runs compiled code, so this suite opens the built store (dist/, built by the global setup).
const built = async () => (await import(`${'../../dist/webhooks/sqlite-store.js'}`)) as typeof import('../../src/webhooks/sqlite-store.js');
describeEventStore('sqlite, writer thread', async () => {
  const { openSqliteEventStore: openBuilt } = await built();
  const store = await openBuilt(join(mkdtempSync(join(tmpdir(), 'atom-stripe-events-')), 'events.db'), { writerThread: 'background' });
  // Not the main-thread fallback: inserts commit elsewhere, which is what `pipelined` says.
  expect(store.pipelined).toBe(true);
  return store;
});

describe('sqlite writer thread', () => {
  it('fails only the job that broke when jobs share a transaction', async () => {
    const { openSqliteEventStore: openBuilt } = await built();
    const store = await openBuilt(join(mkdtempSync(join(tmpdir(), 'atom-stripe-events-')), 'events.db'), { writerThread: true });
    try {
      // Posted together, so the thread may merge them into one transaction; the attempt names a row
      // that does not exist (a foreign key violation) and must not take the events down with it.
      const broken = store.recordAttempts([{ row: 987654, kind: 'replay', target: 'http://127.0.0.1:9/x', statusCode: 200, durationMs: 1, error: null, attemptedAt: T0 }]);
      const stored = store.insert([incoming({ eventId: 'evt_isolated_1' }), incoming({ eventId: 'evt_isolated_2' })]);
      await expect(broken).rejects.toThrow(/FOREIGN KEY/i);
      expect(await stored).toEqual(['stored', 'stored']);
      expect((await store.get('evt_isolated_2'))?.status).toBe('received');
    } finally {
      await store.close();
    }
  });

  it('keeps the process alive until a write it waits for has committed', async () => {
    const { spawnSync } = await import('node:child_process');
    const file = join(mkdtempSync(join(tmpdir(), 'atom-stripe-events-')), 'events.db');
    // No server, no socket, no timer: only the pending commit may keep this process running.
    const script = `
      const { openSqliteEventStore } = await import(${JSON.stringify(new URL('../../dist/webhooks/sqlite-store.js', import.meta.url).href)});
      const store = await openSqliteEventStore(${JSON.stringify(file)}, { writerThread: 'background' });
      const event = { eventId: 'evt_alive', type: 'charge.refunded', account: null, livemode: false, created: 1, source: 'replay', payload: Buffer.from('{}'), signature: null, receivedAt: new Date() };
      await store.insert([event]);
      const { row } = await store.get('evt_alive');
      await store.recordAttempts([{ row, kind: 'replay', target: 'http://127.0.0.1:9/x', statusCode: 200, durationMs: 1, error: null, attemptedAt: new Date(), next: { status: 'forwarded', nextAttemptAt: null, lastError: null, countAttempt: false } }]);
      process.stdout.write('recorded');
    `;
    const { writeFileSync } = await import('node:fs');
    const program = join(dirname(file), 'record.mjs');
    writeFileSync(program, script);
    const child = spawnSync(process.execPath, [program], { encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('recorded');
    expect(child.status).toBe(0);
    const check = await openSqliteEventStore(file);
    try {
      const event = await check.get('evt_alive');
      expect(event?.status).toBe('forwarded');
      expect(await check.attempts(event!.row)).toHaveLength(1);
    } finally {
      await check.close();
    }
  });
});

const ADMIN_URL = process.env.ATOM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const database = `atom_events_${process.pid}_${Date.now()}`;
describe('postgres database', () => {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
  });
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  describeEventStore('postgres', () => openPostgresEventStore(url.toString(), database));
});
