/**
 * `webhook listen` end to end: the built binary, real HTTP, the SQLite store in a temp home.
 * Every response case, secret rotation, concurrent duplicates, filtering, output and shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { OLD_SECRET, SECRET, eventBody, post, postSigned, sign, spawnListener, type SpawnedListener } from '../webhooks/helpers.js';

describe('webhook listen (e2e)', () => {
  const env = isolatedEnv();
  const dbFile = join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db');
  let listener: SpawnedListener;

  beforeAll(async () => {
    listener = await spawnListener(['--secret', OLD_SECRET, '--secret', SECRET, '--max-body', '4kb', '--events', 'payment_intent.*,customer.created'], env);
  });
  afterAll(async () => {
    await listener?.stop('SIGKILL');
  });

  it('stores a signed event and answers 200 only after the write', async () => {
    const body = eventBody();
    const response = await postSigned(listener.url, body);
    expect(response.status).toBe(200);
    const id = JSON.parse(body).id as string;
    // The answer came after the commit: a separate connection to the file sees it at once.
    const db = new Database(dbFile, { readonly: true });
    const row = db.prepare('SELECT event_id, type, status, source, payload FROM stripe_webhook_events WHERE event_id = ?').get(id) as Record<string, unknown>;
    db.close();
    expect(row).toMatchObject({ event_id: id, type: 'payment_intent.succeeded', status: 'received', source: 'push' });
    expect((row.payload as Buffer).toString('utf8')).toBe(body);
  });

  it('accepts a header whose second v1 matches (rotation) and either configured secret', async () => {
    const rotating = eventBody();
    expect((await post(listener.url, rotating, { 'stripe-signature': sign(rotating, ['whsec_not_ours_at_all_123456', SECRET]) })).status).toBe(200);
    const old = eventBody();
    expect((await postSigned(listener.url, old, [OLD_SECRET])).status).toBe(200);
  });

  it('answers 400 with a generic body for a bad, missing, v0-only or stale signature, and for malformed JSON', async () => {
    const body = eventBody();
    const cases: Array<Record<string, string>> = [
      { 'stripe-signature': sign(body, ['whsec_wrong_secret_0123456789']) },
      {},
      { 'stripe-signature': sign(body).replace('v1=', 'v0=') },
      { 'stripe-signature': sign(body, [SECRET], Math.floor(Date.now() / 1000) - 301) },
    ];
    for (const headers of cases) {
      const response = await post(listener.url, body, headers);
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toEqual({ error: { message: 'Bad request' } });
    }
    const malformed = '{"id": "evt_broken", ';
    const response = await post(listener.url, malformed, { 'stripe-signature': sign(malformed) });
    expect(response.status).toBe(400);
    expect(response.body).not.toMatch(/json|signature|tolerance/i);
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM stripe_webhook_events WHERE event_id = ?').get(JSON.parse(body).id)).toEqual({ n: 0 });
    db.close();
  });

  it('writes the specific rejection reason to the log, not to the client', async () => {
    const log = join(env.XDG_STATE_HOME!, 'atom-stripe', 'atom-stripe.log');
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(log, 'utf8');
    for (const reason of ['signature_mismatch', 'missing_header', 'no_v1_signature', 'timestamp_outside_tolerance', 'malformed_json']) {
      expect(text).toContain(`"reason":"${reason}"`);
    }
    expect(text).not.toContain(SECRET);
  });

  it('answers 413 above --max-body, 405 for other methods and 404 for other paths', async () => {
    const big = eventBody({}, 5000);
    expect((await post(listener.url, big, { 'stripe-signature': sign(big) })).status).toBe(413);
    expect((await post(listener.url, '', {}, 'GET')).status).toBe(405);
    expect((await post(listener.url, '', {}, 'PUT')).status).toBe(405);
    const other = listener.url.replace('/webhooks', '/other');
    const body = eventBody();
    expect((await postSigned(other, body)).status).toBe(404);
  });

  it('stores the same event sent 10 times concurrently once, and counts the duplicates', async () => {
    const body = eventBody({ type: 'customer.created', data: { object: { id: 'cus_dup', object: 'customer', email: 'dup@example.com' } } });
    const responses = await Promise.all(Array.from({ length: 10 }, () => postSigned(listener.url, body)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const db = new Database(dbFile, { readonly: true });
    const rows = db.prepare('SELECT duplicates FROM stripe_webhook_events WHERE event_id = ?').all(JSON.parse(body).id) as Array<{ duplicates: number }>;
    db.close();
    expect(rows).toEqual([{ duplicates: 9 }]);
    expect(responses.filter((r) => JSON.parse(r.body).duplicate === true)).toHaveLength(9);
  });

  it('answers 200 to types outside --events without storing them', async () => {
    const body = eventBody({ type: 'invoice.paid' });
    const response = await postSigned(listener.url, body);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ received: true, ignored: true });
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM stripe_webhook_events WHERE event_id = ?').get(JSON.parse(body).id)).toEqual({ n: 0 });
    db.close();
  });

  it('answers 500 when the store write fails, so Stripe retries', async () => {
    const db = new Database(dbFile);
    db.exec("CREATE TRIGGER fail_inserts BEFORE INSERT ON stripe_webhook_events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    try {
      const body = eventBody();
      expect((await postSigned(listener.url, body)).status).toBe(500);
    } finally {
      db.exec('DROP TRIGGER fail_inserts');
      db.close();
    }
    const body = eventBody();
    expect((await postSigned(listener.url, body)).status).toBe(200);
  });

  it('prints one line per stored event, and on SIGTERM drains, prints the summary and exits 0', async () => {
    const result = await listener.stop('SIGTERM');
    expect(result.code).toBe(0);
    const lines = listener.stdout().trim().split('\n');
    expect(lines).toHaveLength(5);
    const [time, type, id, account, summary] = lines[0]!.split('\t');
    expect(time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(type).toBe('payment_intent.succeeded');
    expect(id).toMatch(/^evt_/);
    expect(account).toBe('-');
    expect(summary).toBe('$20.00 USD succeeded');
    expect(listener.stderr()).toMatch(/Stopped: received 5, duplicates 9, rejected 6, ignored 1, forwarded 0, failed 0 \(dead 0\), store errors 1\./);
  });

  it('lists and shows the stored events', async () => {
    const list = await runCli(['webhook', 'events', 'list', '--all', '--json'], { env });
    expect(list.code).toBe(0);
    const events = JSON.parse(list.stdout) as Array<{ id: string; type: string; event: { id: string } }>;
    expect(events).toHaveLength(5);
    expect(events[0]!.event.id).toBe(events[0]!.id);
    const show = await runCli(['webhook', 'events', 'show', events[0]!.id], { env });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`"id": "${events[0]!.id}"`);
    const missing = await runCli(['webhook', 'events', 'show', 'evt_missing'], { env });
    expect(missing.code).toBe(3);
    const filtered = await runCli(['webhook', 'events', 'list', '--type', 'customer.*', '--format', 'tsv'], { env });
    expect(filtered.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('refuses to start without a secret unless --skip-verify, which warns', async () => {
    const home = isolatedEnv();
    const refused = await runCli(['webhook', 'listen', '--port', '0'], { env: home });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no webhook signing secret.*--skip-verify/);
    const open = await spawnListener(['--skip-verify'], home);
    expect(open.stderr()).toMatch(/warning: --skip-verify/);
    const body = eventBody();
    expect((await post(open.url, body)).status).toBe(200);
    expect((await open.stop()).code).toBe(0);
  });
});
