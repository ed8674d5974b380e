/**
 * The write journal (src/stripe/journal.ts) and the run's keys (src/stripe/writes.ts): what counts
 * as the same request, the 24 h window, a live process's row never borrowed, --new-request, and
 * the retry advice printing no secret.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint, KEY_WINDOW_MS, openWriteJournal, type WriteRequest } from '../../src/stripe/journal.js';
import { createWriteSession, retryAdvice, type Attempt } from '../../src/stripe/writes.js';
import type { Logger } from '../../src/log.js';

const request = (body: string, extra: Partial<WriteRequest> = {}): WriteRequest => ({
  profile: 'default', account: '', host: 'api.stripe.com', port: 443, method: 'POST', path: '/v1/payment_intents', body, ...extra,
});
const stateDir = () => mkdtempSync(join(tmpdir(), 'atom-stripe-journal-'));
const now = new Date('2026-03-01T12:00:00Z');
const quietLog = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;

describe('fingerprint', () => {
  it('is the same for the same parameters in any order, and differs for anything that changes the request', () => {
    const base = fingerprint(request('amount=2000&currency=usd&metadata[order]=1'));
    expect(fingerprint(request('metadata[order]=1&currency=usd&amount=2000'))).toBe(base);
    expect(fingerprint(request('amount=2001&currency=usd&metadata[order]=1'))).not.toBe(base);
    expect(fingerprint(request('amount=2000&currency=usd&metadata[order]=1', { profile: 'ci' }))).not.toBe(base);
    expect(fingerprint(request('amount=2000&currency=usd&metadata[order]=1', { account: 'acme' }))).not.toBe(base);
    expect(fingerprint(request('amount=2000&currency=usd&metadata[order]=1', { port: 12111 }))).not.toBe(base);
    expect(fingerprint(request('amount=2000&currency=usd&metadata[order]=1', { stripeAccount: 'acct_1' }))).not.toBe(base);
    expect(fingerprint(request('amount=2000&currency=usd&metadata[order]=1', { path: '/v1/customers' }))).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the journal', () => {
  it('gives an interrupted run\'s key back within 24 h, and a new one after', async () => {
    const dir = stateDir();
    const journal = await openWriteJournal(dir);
    const first = journal.claim('fp', 'key-1', { fresh: false, now });
    expect(first).toMatchObject({ key: 'key-1' });
    expect(first.reusedFrom).toBeUndefined();
    const again = journal.claim('fp', 'key-2', { fresh: false, now: new Date(now.getTime() + KEY_WINDOW_MS - 1000) });
    expect(again).toMatchObject({ id: first.id, key: 'key-1', reusedFrom: now });
    const late = journal.claim('fp', 'key-3', { fresh: false, now: new Date(now.getTime() + KEY_WINDOW_MS + 1) });
    expect(late).toMatchObject({ key: 'key-3' });
    expect(late.reusedFrom).toBeUndefined();
    journal.close();
  });

  it('forgets a row when removed, and on fresh (--new-request)', async () => {
    const journal = await openWriteJournal(stateDir());
    const first = journal.claim('fp', 'key-1', { fresh: false, now });
    journal.remove(first.id);
    expect(journal.claim('fp', 'key-2', { fresh: false, now })).toMatchObject({ key: 'key-2' });
    expect(journal.claim('fp', 'key-3', { fresh: true, now })).toMatchObject({ key: 'key-3' });
    // key-2's row went with --new-request: the next plain re-run gets key-3, not key-2.
    expect(journal.claim('fp', 'key-4', { fresh: false, now })).toMatchObject({ key: 'key-3' });
    journal.close();
  });

  it('never borrows the row of a process that is still running (two identical commands at once)', async () => {
    const dir = stateDir();
    const journal = await openWriteJournal(dir);
    const first = journal.claim('fp', 'key-1', { fresh: false, now });
    // Make the row another live process's: this test's parent.
    const { openSqliteDatabase } = await import('../../src/store/sqlite.js');
    const db = await openSqliteDatabase(join(dir, 'writes.db'));
    db.prepare('UPDATE write_journal SET pid = ? WHERE id = ?').run(process.ppid, first.id);
    db.close();
    expect(journal.claim('fp', 'key-2', { fresh: false, now })).toMatchObject({ key: 'key-2' });
    journal.close();
  });
});

describe('the run\'s keys', () => {
  const attempt = (key: string | undefined, method = 'POST'): Attempt => ({ method, host: '127.0.0.1', port: 1, path: '/v1/customers', key, body: 'email=a@example.com' });

  it('sends the run\'s own key (scoped), keeps explicit and foreign keys, and none on DELETE', async () => {
    const lines: string[] = [];
    const session = createWriteSession({ profile: 'default', stateDir: stateDir(), now: () => now, err: (line) => lines.push(line), log: quietLog });
    const key = session.keyFor();
    expect(key).toMatch(/^atom-stripe-[0-9a-f-]{36}$/);
    expect(session.keyFor('price')).toBe(`${key}:price`);
    expect(await session.resolve(attempt(session.keyFor('price')), '')).toBe(`${key}:price`);
    expect(await session.resolve(attempt('stripe-node-retry-x'), '')).toBe('stripe-node-retry-x');
    expect(await session.resolve(attempt(key, 'DELETE'), '')).toBeUndefined();
    expect(session).toMatchObject({ sentKey: key, journaled: true, explicit: false });
    session.settle(5);
    expect(lines).toEqual([]);
  });

  it('an identical run after exit 5 sends the first run\'s key; after exit 0 a new one', async () => {
    const dir = stateDir();
    const run = () => {
      const lines: string[] = [];
      const session = createWriteSession({ profile: 'default', stateDir: dir, now: () => now, err: (line) => lines.push(line), log: quietLog });
      return { session, lines };
    };
    const first = run();
    const sent = await first.session.resolve(attempt(first.session.keyFor('product')), '');
    first.session.settle(5);
    const second = run();
    expect(await second.session.resolve(attempt(second.session.keyFor('product')), '')).toBe(sent);
    expect(second.lines).toEqual([`reusing idempotency key ${first.session.sentKey} from an interrupted run at ${now.toISOString()}; pass --new-request to send a new one`]);
    second.session.settle(0);
    const third = run();
    expect(await third.session.resolve(attempt(third.session.keyFor('product')), '')).not.toBe(sent);
    expect(third.lines).toEqual([]);
  });

  it('a journal that cannot be opened does not stop the write: it warns, and the advice keeps the --idempotency-key form', async () => {
    const lines: string[] = [];
    const session = createWriteSession({
      profile: 'default', stateDir: stateDir(), now: () => now, err: (line) => lines.push(line), log: quietLog,
      openJournal: () => Promise.reject(new Error('EACCES: permission denied')),
    });
    const key = session.keyFor();
    expect(await session.resolve(attempt(key), '')).toBe(key);
    expect(lines).toEqual([`warning: cannot record this write in the journal (EACCES: permission denied); if it fails, retry with --idempotency-key ${key}`]);
    const advice = retryAdvice(session, ['customers', 'create', '--email', 'a@example.com']);
    expect(advice.join('\n')).not.toContain('on this host');
    expect(advice.at(-1)).toBe(`  atom-stripe customers create --email a@example.com --idempotency-key ${key}`);
    session.settle(5);
  });

  it('the retry advice names the key, drops --new-request, and masks a secret on the command line', async () => {
    const session = createWriteSession({ profile: 'default', stateDir: stateDir(), now: () => now, err: () => {}, log: quietLog });
    await session.resolve(attempt(session.keyFor()), '');
    const secret = `sk_test_${'a'.repeat(40)}`;
    const advice = retryAdvice(session, ['customers', 'create', '--email', 'a@example.com', '--name', 'Jane Doe', '--new-request', '--api-key', secret]).join('\n');
    expect(advice).toContain(session.sentKey);
    expect(advice).toContain(`atom-stripe customers create --email a@example.com --name 'Jane Doe' --api-key sk_test_…aaaa    # on this host: reuses the key`);
    expect(advice).toContain(`--idempotency-key ${session.sentKey}`);
    expect(advice).not.toContain('--new-request');
    expect(advice).not.toContain(secret);
    expect(retryAdvice(createWriteSession({ profile: 'default', stateDir: stateDir(), now: () => now, err: () => {}, log: quietLog }), ['customers', 'list'])).toEqual([]);
  });
});
