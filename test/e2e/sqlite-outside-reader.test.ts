/**
 * #12 finding 1: other processes reading the SQLite file while `webhook listen` runs. An operator's
 * `sqlite3 "$DB" 'select count(*) …'`, and atom-stripe's own readers (events list, metrics, health,
 * db backup), must never cost an acknowledged event, and what the listener records (each forward
 * outcome) must be visible to them while it runs, not only after it stops.
 *
 * The fault: POSIX drops all of a process's fcntl locks on a file when any descriptor of it is
 * closed. A listener that opened and closed the file after its first connection lost its locks; the
 * outside reader then believed it was the last connection, checkpointed and deleted the -wal, and the
 * listener went on committing into the deleted file (gone at SIGKILL, never seen by anyone).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, type Env } from '../helpers/cli.js';
import { SECRET, eventBody, postSigned, spawnListener, startReceiver, waitFor } from '../webhooks/helpers.js';

const SQLITE3 = '/usr/bin/sqlite3';
const databaseOf = (env: Env) => join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db');

/** The Debian sqlite3 CLI, as an operator runs it: its own process, its own connection, closed at exit. */
function sqlite3(file: string, sql: string): string {
  return execFileSync(SQLITE3, [file, sql], { encoding: 'utf8', timeout: 30_000 }).trim();
}

/** The same, without blocking this process while the load runs. */
async function sqlite3Async(file: string, sql: string): Promise<string> {
  const { stdout } = await promisify(execFile)(SQLITE3, [file, sql], { encoding: 'utf8', timeout: 30_000 });
  return stdout.trim();
}

/** Sends every body on `concurrency` connections; the ids answered 200, and any other outcome. */
async function sendAll(url: string, bodies: string[], concurrency = 32) {
  const acknowledged: string[] = [];
  const other: string[] = [];
  const queue = [...bodies];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let body = queue.shift(); body; body = queue.shift()) {
        const response = await postSigned(url, body).catch((error: Error) => ({ status: 0, body: error.message }));
        if (response.status === 200) acknowledged.push(JSON.parse(body).id as string);
        else other.push(`${response.status} ${response.body}`);
      }
    }),
  );
  return { acknowledged, other };
}

/** atom-stripe's own readers, each a separate process on the same file. */
async function readersOnce(env: Env) {
  const results = await Promise.all([
    runCli(['webhook', 'events', 'list', '--limit', '5', '--format', 'jsonl', '--fields', 'id'], { env }),
    runCli(['metrics', '--json'], { env }),
    runCli(['health', '--json', '--timeout', '2s'], { env }),
  ]);
  // health fails its stripe check offline (exit 1); it must still have read the store.
  expect(results[0].code, results[0].stderr).toBe(0);
  expect(results[1].code, results[1].stderr).toBe(0);
  expect(results[2].stdout).toMatch(/"store"/);
  return results;
}

describe('outside readers of the SQLite file while webhook listen runs (e2e)', () => {
  it('loses no acknowledged event, and other processes see each forward outcome while it runs', async () => {
    const env = isolatedEnv();
    const db = databaseOf(env);
    const receiver = await startReceiver();
    const listener = await spawnListener(['--secret', SECRET, '--forward-to', receiver.url], env);
    try {
      // 1–3: 200 events under load, read during the load by sqlite3 and by atom-stripe itself.
      const sending = sendAll(listener.url, Array.from({ length: 200 }, () => eventBody({}, 512)));
      let reading = true;
      const outsideCounts: number[] = [];
      const outsideReader = (async () => {
        while (reading) outsideCounts.push(Number(await sqlite3Async(db, 'select count(*) from stripe_webhook_events')));
      })();
      const ownReaders = (async () => {
        while (reading) await readersOnce(env);
      })();
      const first = await sending;
      reading = false;
      await Promise.all([outsideReader, ownReaders]);
      expect(first.other).toEqual([]);
      expect(outsideCounts.length).toBeGreaterThan(0);
      // The operator's inspection after the burst, as in the report.
      expect(Number(sqlite3(db, 'select count(*) from stripe_webhook_events'))).toBe(200);
      await readersOnce(env);
      // The listener still holds the file open: nobody may have checkpointed the WAL away under it.
      expect(existsSync(`${db}-wal`)).toBe(true);

      // 4: 200 more, then sqlite3 reads again.
      const second = await sendAll(listener.url, Array.from({ length: 200 }, () => eventBody({}, 512)));
      expect(second.other).toEqual([]);
      const acknowledged = [...first.acknowledged, ...second.acknowledged];
      expect(acknowledged).toHaveLength(400);
      expect(Number(sqlite3(db, 'select count(*) from stripe_webhook_events'))).toBe(400);

      // Every forward outcome is visible to another process before the listener stops: once the
      // receiver has had all 400, poll from sqlite3 (a fresh process each time) until all are recorded.
      await waitFor(() => new Set(receiver.received.map((r) => JSON.parse(r.body).id as string)).size >= 400, 'all 400 forwards to arrive');
      await waitFor(
        () => sqlite3(db, "select count(*) from stripe_webhook_events where status = 'forwarded'") === '400',
        'all 400 forward outcomes to be visible to another process',
      );
      expect(Number(sqlite3(db, "select count(*) from stripe_webhook_attempts where kind = 'forward' and status_code = 200"))).toBeGreaterThanOrEqual(400);

      // 5: no drain, no goodbye.
      listener.child.kill('SIGKILL');
      expect((await listener.exited).signal).toBe('SIGKILL');
      const stored = new Set(sqlite3(db, 'select event_id from stripe_webhook_events').split('\n'));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      const list = await runCli(['webhook', 'events', 'list', '--all', '--format', 'jsonl', '--fields', 'id,status'], { env });
      expect(list.code, list.stderr).toBe(0);
      const listed = list.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; status: string });
      expect(listed).toHaveLength(400);
      expect(listed.filter((event) => event.status !== 'forwarded')).toEqual([]);
    } finally {
      await listener.stop('SIGKILL');
      await receiver.close();
    }
  });

  it('db backup while the listener takes events copies what was acknowledged and costs nothing', async () => {
    const env = isolatedEnv();
    const db = databaseOf(env);
    const listener = await spawnListener(['--secret', SECRET], env);
    try {
      const first = await sendAll(listener.url, Array.from({ length: 100 }, () => eventBody()));
      expect(first.other).toEqual([]);
      const backupFile = join(env.HOME!, 'backup.db');
      // The backup runs while a second burst is being acknowledged.
      const [backup, second] = await Promise.all([
        runCli(['db', 'backup', backupFile], { env }),
        sendAll(listener.url, Array.from({ length: 100 }, () => eventBody())),
      ]);
      expect(backup.code, backup.stderr).toBe(0);
      expect(second.other).toEqual([]);
      expect(statSync(backupFile).mode & 0o777).toBe(0o600);
      const copied = new Set(sqlite3(backupFile, 'select event_id from stripe_webhook_events').split('\n'));
      expect(first.acknowledged.filter((id) => !copied.has(id))).toEqual([]);
      expect(sqlite3(backupFile, 'pragma integrity_check')).toBe('ok');

      const third = await sendAll(listener.url, Array.from({ length: 100 }, () => eventBody()));
      expect(third.other).toEqual([]);
      listener.child.kill('SIGKILL');
      await listener.exited;
      const stored = new Set(sqlite3(db, 'select event_id from stripe_webhook_events').split('\n'));
      const acknowledged = [...first.acknowledged, ...second.acknowledged, ...third.acknowledged];
      expect(acknowledged).toHaveLength(300);
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await listener.stop('SIGKILL');
    }
  });
});
