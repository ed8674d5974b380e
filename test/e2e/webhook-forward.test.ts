/**
 * Forwarding end to end: retries with backoff until a 2xx, dead after --max-attempts, retries that
 * survive a restart, and `webhook replay` of failed (or dead) events only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Stripe from 'stripe';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { SECRET, eventBody, postSigned, spawnListener, startReceiver, waitFor, type Receiver, type SpawnedListener } from '../webhooks/helpers.js';

const FORWARD_SECRET = 'whsec_forward_0123456789abcdef';

function readEvent(env: Record<string, string | undefined>, id: string) {
  const db = new Database(join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db'), { readonly: true });
  try {
    const event = db.prepare('SELECT id, status, attempts, next_attempt_at, last_error FROM stripe_webhook_events WHERE event_id = ?').get(id) as
      | { id: number; status: string; attempts: number; next_attempt_at: string | null; last_error: string | null }
      | undefined;
    const attempts = event ? (db.prepare('SELECT kind, status_code FROM stripe_webhook_attempts WHERE event_row = ? ORDER BY id').all(event.id) as Array<{ kind: string; status_code: number | null }>) : [];
    return { event, attempts };
  } finally {
    db.close();
  }
}

describe('webhook forwarding and replay (e2e)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const track = <T extends Receiver | SpawnedListener>(thing: T): T => {
    cleanup.push(() => ('child' in thing ? thing.stop('SIGKILL') : thing.close()));
    return thing;
  };

  it('retries a forward that fails three times, then succeeds, re-signed each time', async () => {
    const env = isolatedEnv();
    const receiver = track(await startReceiver((index) => (index < 3 ? 503 : 200)));
    const listener = track(
      await spawnListener(['--secret', SECRET, '--forward-to', receiver.url, '--forward-secret', FORWARD_SECRET, '--backoff-scale', '0.01'], env),
    );
    const body = eventBody();
    const id = JSON.parse(body).id as string;
    expect((await postSigned(listener.url, body)).status).toBe(200);
    await waitFor(() => readEvent(env, id).event?.status === 'forwarded', 'the event to be forwarded');
    const { event, attempts } = readEvent(env, id);
    expect(event).toMatchObject({ status: 'forwarded', attempts: 4, last_error: null, next_attempt_at: null });
    expect(attempts.map((a) => a.status_code)).toEqual([503, 503, 503, 200]);
    expect(receiver.received).toHaveLength(4);
    for (const delivery of receiver.received) {
      expect(delivery.body).toBe(body);
      // Re-signed with the forward secret, verifiable by the application's own stripe-node.
      expect(Stripe.webhooks.constructEvent(delivery.body, delivery.signature!, FORWARD_SECRET).id).toBe(id);
    }
    const stopped = await listener.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(listener.stderr()).toMatch(/forwarded 1, failed 3 \(dead 0\)/);
  });

  it('trigger into this machine\'s own listener (same store): the listener stores and forwards it, trigger records its attempt', async () => {
    const env = isolatedEnv();
    const receiver = track(await startReceiver(() => 200));
    const listener = track(await spawnListener(['--secret', SECRET, '--forward-to', receiver.url, '--forward-secret', FORWARD_SECRET], env));
    const result = await runCli(['webhook', 'trigger', 'customer.subscription.updated', '--to', listener.url, '--secret', SECRET, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const id = JSON.parse(result.stdout).id as string;
    await waitFor(() => receiver.received.length === 1, 'the listener to forward the triggered event');
    expect(Stripe.webhooks.constructEvent(receiver.received[0]!.body, receiver.received[0]!.signature!, FORWARD_SECRET).id).toBe(id);
    await waitFor(() => readEvent(env, id).event?.status === 'forwarded', 'the forward to be recorded');
    expect(readEvent(env, id).attempts.map((a) => a.kind).sort()).toEqual(['forward', 'trigger']);
  });

  it('marks an event dead after --max-attempts', async () => {
    const env = isolatedEnv();
    const receiver = track(await startReceiver(() => 500));
    const listener = track(await spawnListener(['--secret', SECRET, '--forward-to', receiver.url, '--max-attempts', '2', '--backoff-scale', '0'], env));
    const body = eventBody();
    const id = JSON.parse(body).id as string;
    await postSigned(listener.url, body);
    await waitFor(() => readEvent(env, id).event?.status === 'dead', 'the event to die');
    expect(readEvent(env, id).event).toMatchObject({ status: 'dead', attempts: 2, next_attempt_at: null, last_error: 'HTTP 500' });
    expect(receiver.received).toHaveLength(2);
  });

  it('resumes stored retries after a restart', async () => {
    const env = isolatedEnv();
    let healthy = false;
    const receiver = track(await startReceiver(() => (healthy ? 200 : 500)));
    const args = ['--secret', SECRET, '--forward-to', receiver.url, '--max-attempts', '50', '--backoff-scale', '0.02'];
    const first = track(await spawnListener(args, env));
    const body = eventBody();
    const id = JSON.parse(body).id as string;
    await postSigned(first.url, body);
    await waitFor(() => (readEvent(env, id).event?.attempts ?? 0) >= 2, 'two failed attempts');
    expect((await first.stop('SIGTERM')).code).toBe(0);
    const before = readEvent(env, id).event!;
    expect(before.status).toBe('failed');
    expect(before.next_attempt_at).not.toBeNull();
    healthy = true;
    const second = track(await spawnListener(args, env));
    await waitFor(() => readEvent(env, id).event?.status === 'forwarded', 'the retry after the restart');
    expect(readEvent(env, id).event!.attempts).toBeGreaterThan(before.attempts);
    // Nothing new was sent to the second listener: the retry came from the store.
    expect(second.stdout()).toBe('');
  });

  it('replays failed events only, and exits 1 when a replayed delivery fails', async () => {
    const env = isolatedEnv();
    const failing = new Set<string>();
    const receiver = track(await startReceiver((_index, request) => (failing.has(JSON.parse(request.body).id) ? 500 : 200)));
    const listener = track(await spawnListener(['--secret', SECRET, '--forward-to', receiver.url, '--max-attempts', '100', '--backoff-scale', '5'], env));
    const bodies = Array.from({ length: 6 }, () => eventBody());
    const ids = bodies.map((body) => JSON.parse(body).id as string);
    ids.slice(0, 2).forEach((id) => failing.add(id));
    for (const body of bodies) expect((await postSigned(listener.url, body)).status).toBe(200);
    await waitFor(() => ids.every((id) => ['forwarded', 'failed'].includes(readEvent(env, id).event?.status ?? '')), 'first attempts');
    expect((await listener.stop('SIGTERM')).code).toBe(0);

    const target = track(await startReceiver(() => 200));
    const replay = await runCli(['webhook', 'replay', '--failed', '--to', target.url, '--secret', FORWARD_SECRET, '--format', 'tsv'], { env });
    expect(replay.code).toBe(0);
    expect(target.received.map((r) => JSON.parse(r.body).id).sort()).toEqual(ids.slice(0, 2).sort());
    for (const delivery of target.received) expect(() => Stripe.webhooks.constructEvent(delivery.body, delivery.signature!, FORWARD_SECRET)).not.toThrow();
    expect(replay.stdout.trim().split('\n').slice(1).map((line) => line.split('\t')[4])).toEqual(['delivered', 'delivered']);
    for (const id of ids.slice(0, 2)) {
      const { event, attempts } = readEvent(env, id);
      expect(event!.status).toBe('forwarded');
      expect(attempts.at(-1)).toEqual({ kind: 'replay', status_code: 200 });
    }

    const down = track(await startReceiver(() => 502));
    const failed = await runCli(['webhook', 'replay', ids[3]!, ids[4]!, '--to', down.url, '--concurrency', '2'], { env });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/2 of 2 deliveries did not get a 2xx/);

    const dry = await runCli(['webhook', 'replay', '--since', '1h', '--to', down.url, '--dry-run', '--json'], { env });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toHaveLength(6);
    expect(down.received).toHaveLength(2);

    const none = await runCli(['webhook', 'replay', '--to', down.url], { env });
    expect(none.code).toBe(2);
    const missing = await runCli(['webhook', 'replay', 'evt_nope', '--to', down.url], { env });
    expect(missing.code).toBe(3);
  });
});
