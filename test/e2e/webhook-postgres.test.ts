/**
 * Two `webhook listen` processes sharing one PostgreSQL database, both receiving the same events
 * (as when Stripe retries to a load balancer): each event is stored once, and each forward is sent
 * by exactly one of them (FOR UPDATE SKIP LOCKED).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { SECRET, eventBody, postSigned, spawnListener, startReceiver, waitFor } from '../webhooks/helpers.js';

const ADMIN_URL = process.env.ATOM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('webhook listen on a shared PostgreSQL database (e2e)', () => {
  const database = `atom_webhooks_${process.pid}_${Date.now()}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();

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

  it('stores each event once and forwards each exactly once across two listeners', async () => {
    const receiver = await startReceiver(() => 200);
    const args = ['--secret', SECRET, '--forward-to', receiver.url, '--store', 'postgres', '--database-url', databaseUrl];
    const first = await spawnListener(args, isolatedEnv());
    const second = await spawnListener(args, isolatedEnv());
    const bodies = Array.from({ length: 100 }, () => eventBody());
    const ids = bodies.map((body) => JSON.parse(body).id as string);
    try {
      const responses = await Promise.all(bodies.flatMap((body) => [postSigned(first.url, body), postSigned(second.url, body)]));
      expect(responses.filter((r) => r.status !== 200)).toEqual([]);
      expect(responses.filter((r) => JSON.parse(r.body).duplicate === true)).toHaveLength(100);
      await waitFor(() => receiver.received.length >= 100, 'every event to be forwarded', 30_000);

      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const stored = await client.query('SELECT event_id, status, duplicates FROM stripe_webhook_events');
        expect(stored.rows.map((row) => row.event_id).sort()).toEqual([...ids].sort());
        expect(stored.rows.every((row) => row.duplicates === 1)).toBe(true);
        await waitFor(async () => (await client.query("SELECT COUNT(*)::int AS n FROM stripe_webhook_events WHERE status = 'forwarded'")).rows[0].n === 100, 'all forwarded').catch((error) => {
          throw new Error(`${error.message}\n${first.stderr()}\n${second.stderr()}`);
        });
        const attempts = await client.query("SELECT COUNT(*)::int AS n FROM stripe_webhook_attempts WHERE kind = 'forward'");
        expect(attempts.rows[0].n).toBe(100);
      } finally {
        await client.end();
      }
    } finally {
      expect((await first.stop()).code).toBe(0);
      expect((await second.stop()).code).toBe(0);
      await receiver.close();
    }
    const counts = new Map<string, number>();
    for (const delivery of receiver.received) counts.set(JSON.parse(delivery.body).id, (counts.get(JSON.parse(delivery.body).id) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.size).toBe(100);
    // Both did a share of the work.
    const forwarded = [first, second].map((l) => Number(/forwarded (\d+)/.exec(l.stderr())?.[1] ?? 0));
    expect(forwarded[0]! + forwarded[1]!).toBe(100);
    for (const listener of [first, second]) expect(listener.stderr()).not.toMatch(/could not record/);

    const list = await runCli(['webhook', 'events', 'list', '--all', '--json', '--store', 'postgres', '--database-url', databaseUrl], { env: isolatedEnv() });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toHaveLength(100);
    expect(list.stderr).not.toContain('postgres@');
  });
});
