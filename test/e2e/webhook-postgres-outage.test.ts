/**
 * `webhook listen` on PostgreSQL when the connection drops under load (issue #12, finding 2). A TCP
 * proxy between the listener and the server is killed (every connection reset, new ones refused)
 * and started again while signed events keep arriving. The listener must survive: nothing answered
 * 2xx while the database was away, every event answered 2xx is in the database, one outage line on
 * stderr (not one per request), and it acknowledges and forwards again once the database is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv } from '../helpers/cli.js';
import { startTcpProxy, throughProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { freshSchema, type TestSchema } from '../contract/postgres-schema.js';
import { SECRET, eventBody, postSigned, spawnListener, startReceiver, waitFor, type SpawnedListener } from '../webhooks/helpers.js';

interface Sent {
  id: string;
  status: number;
  /** Which phase the request was sent in: before the kill, while the database was away, after the restart. */
  phase: 'up' | 'down' | 'back' | 'edge';
}

let schema: TestSchema;
let proxy: TcpProxy;

beforeAll(async () => {
  schema = await freshSchema('wh_outage');
  proxy = await startTcpProxy();
});
afterAll(async () => {
  await proxy?.close();
  await schema?.drop();
});

/** Concurrent senders: each posts a fresh signed event, records the answer and the phase it was sent in. */
function load(url: string, phase: () => Sent['phase'], workers = 8) {
  const sent: Sent[] = [];
  let stopped = false;
  const worker = async () => {
    while (!stopped) {
      const body = eventBody();
      const id = JSON.parse(body).id as string;
      const at = phase();
      let status = 0;
      try {
        status = (await postSigned(url, body)).status;
      } catch {
        status = 0; // the listener died or dropped the connection
      }
      // A request whose phase changed while it was in flight proves nothing about either phase.
      sent.push({ id, status, phase: phase() === at ? at : 'edge' });
      if (status === 503 || status === 500 || status === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const running = Array.from({ length: workers }, () => worker());
  return {
    sent,
    count: (which: Sent['phase']) => sent.filter((entry) => entry.phase === which).length,
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

describe('webhook listen on PostgreSQL through a dropped connection (e2e)', () => {
  it('answers 503 while the database is away, keeps every 2xx, logs the outage once, and recovers', async () => {
    const receiver = await startReceiver(() => 200);
    const url = throughProxy(schema.url, proxy);
    const args = ['--secret', SECRET, '--forward-to', receiver.url, '--backoff-scale', '0.001', '--store', 'postgres', '--database-url', url];
    const listener: SpawnedListener = await spawnListener(args, isolatedEnv());
    let phase: Sent['phase'] = 'up';
    const traffic = load(listener.url, () => phase);
    const alive = (check: () => boolean) => () => {
      if (listener.child.exitCode !== null || listener.child.signalCode !== null) throw new Error(`the listener died:\n${listener.stderr().slice(-4000)}`);
      return check();
    };
    try {
      await waitFor(alive(() => traffic.count('up') >= 300), '300 events before the outage', 60_000);
      await proxy.kill();
      phase = 'down';
      await waitFor(alive(() => traffic.count('down') >= 300), '300 requests during the outage', 60_000);
      phase = 'edge';
      await proxy.start();
      phase = 'back';
      await waitFor(alive(() => traffic.sent.filter((entry) => entry.phase === 'back' && entry.status === 200).length >= 300), '300 events acknowledged after the outage', 60_000);
    } finally {
      await traffic.stop();
    }
    const diagnostics = () => `stderr:\n${listener.stderr().slice(-4000)}`;

    // Alive, and still acknowledging: a last event after the load is stored and answered 200.
    expect(listener.child.exitCode, diagnostics()).toBeNull();
    const last = eventBody();
    expect((await postSigned(listener.url, last)).status).toBe(200);

    const byPhase = (which: Sent['phase']) => traffic.sent.filter((entry) => entry.phase === which);
    // Before the outage every event was acknowledged; while it lasted none was, and each was told to retry.
    expect(byPhase('up').filter((entry) => entry.status !== 200)).toEqual([]);
    expect(byPhase('down').filter((entry) => entry.status >= 200 && entry.status < 300), diagnostics()).toEqual([]);
    expect(new Set(byPhase('down').map((entry) => entry.status))).toEqual(new Set([503]));

    // Every acknowledged event is in the database (those answered 503 may be missing: Stripe retries them).
    const acknowledged = [...traffic.sent.filter((entry) => entry.status === 200).map((entry) => entry.id), JSON.parse(last).id as string];
    const stored = new Set((await schema.query('SELECT event_id FROM stripe_webhook_events')).rows.map((row) => row.event_id as string));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);

    // Forwarding resumed too: every event acknowledged after the outage reaches the receiver. (One
    // delivered during the outage but not recorded goes again when its claim expires, a minute later.)
    const backIds = byPhase('back').filter((entry) => entry.status === 200).map((entry) => entry.id);
    await waitFor(() => {
      const forwarded = new Set(receiver.received.map((delivery) => JSON.parse(delivery.body).id as string));
      return backIds.every((id) => forwarded.has(id));
    }, 'the events acknowledged after the outage to be forwarded', 60_000).catch((error) => {
      throw new Error(`${error.message}\n${diagnostics()}`);
    });

    const stop = await listener.stop();
    await receiver.close();
    expect(stop.code, diagnostics()).toBe(0);
    const stderr = listener.stderr();
    expect(stderr).not.toMatch(/Unhandled|Connection terminated unexpectedly\n\s+at /);
    // One line when it went away and one when it came back, not one per request or per forward.
    expect(stderr.match(/database unreachable/g), diagnostics()).toHaveLength(1);
    expect(stderr.match(/database back after/g), diagnostics()).toHaveLength(1);
    expect(stderr.split('\n').filter(Boolean).length, diagnostics()).toBeLessThan(10);
    expect(stderr).not.toContain('postgres@');
  }, 240_000);
});
