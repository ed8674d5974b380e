/**
 * The write journal: what makes "exit 5: safe to retry" true for writes sent without
 * --idempotency-key.
 *
 * Before a command's first write (a POST) goes out, a row records a fingerprint of that request and
 * the idempotency key the command will use. The row is removed when the command ends with a
 * definitive answer (success, or any error other than exit 5 or 130). When the answer never came
 * (network, timeout, 5xx or 409 after retries, Ctrl-C, a killed process) the row stays, and an
 * identical re-run within Stripe's 24 h key window sends the same key again: Stripe replays the
 * first answer instead of writing twice. A command that sends several writes scopes them under the
 * one key (`KEY:price`), so a re-run replays the steps that went through and finishes the rest.
 *
 * The journal is per host and per user: `writes.db` in atom-stripe's XDG state folder (0600 file,
 * 0700 folder), whichever token store is configured. SQLite serialises two processes (BEGIN
 * IMMEDIATE). A row held by a process that is still running is never borrowed: two identical
 * commands run at once are two requests, not a retry.
 *
 * Nothing secret is stored: the fingerprint is a SHA-256 of profile, API host, account, method, path
 * and the sorted form parameters; the key names a request and is printed by --verbose anyway.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

/** Stripe keeps an idempotency key for at least 24 hours; after that a reused key is a new request. */
export const KEY_WINDOW_MS = 24 * 60 * 60 * 1000;

export const journalFile = (stateDir: string) => join(stateDir, 'writes.db');

const MIGRATIONS = [
  {
    version: 1,
    name: 'create write_journal',
    up: `CREATE TABLE write_journal (
      id INTEGER PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      idempotency_key TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      host TEXT NOT NULL,
      pid INTEGER NOT NULL
    );
    CREATE INDEX write_journal_fingerprint ON write_journal (fingerprint, created_at)`,
  },
];

export interface WriteRequest {
  profile: string;
  /** --account as given (a connection's user id or acct_...), '' for the platform. */
  account: string;
  host: string;
  port: number;
  method: string;
  path: string;
  /** The Stripe-Account header, if any. */
  stripeAccount?: string;
  /** The form-encoded body stripe-node sends. */
  body: string;
}

/** The same request gives the same fingerprint whatever order its parameters were encoded in. */
export function fingerprint(request: WriteRequest): string {
  const params = [...new URLSearchParams(request.body)].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const text = JSON.stringify([
    request.profile, request.account, `${request.host}:${request.port}`, request.stripeAccount ?? '', request.method, request.path.split('?')[0], params,
  ]);
  return createHash('sha256').update(text).digest('hex');
}

export interface Claim {
  /** The journal row: removed by settle() when the command got a definitive answer. */
  id: number;
  key: string;
  /** Set when the key is an interrupted run's, sent again. */
  reusedFrom?: Date;
}

export interface WriteJournal {
  /**
   * Takes the key for a write: an interrupted run's within the key window (unless `fresh`), or
   * `proposed`; either way recorded as this process's until removed.
   */
  claim(fingerprint: string, proposed: string, options: { fresh: boolean; now: Date }): Claim;
  remove(id: number): void;
  close(): void;
}

/** True when the process that wrote a row is still running on this host (so it is not interrupted). */
function running(row: { host: string; pid: number }): boolean {
  if (row.host !== hostname() || row.pid === process.pid) return false;
  try {
    process.kill(row.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Row {
  id: number;
  idempotency_key: string;
  created_at: number;
  host: string;
  pid: number;
}

export async function openWriteJournal(stateDir: string): Promise<WriteJournal> {
  const { openSqliteDatabase } = await import('../store/sqlite.js');
  const { applySqliteMigrations } = await import('../store/migrations/index.js');
  const db: BetterSqlite3.Database = await openSqliteDatabase(journalFile(stateDir));
  try {
    applySqliteMigrations(db, 'write_journal', MIGRATIONS);
  } catch (error) {
    db.close();
    throw error;
  }
  const candidates = db.prepare<[string, number], Row>(
    'SELECT id, idempotency_key, created_at, host, pid FROM write_journal WHERE fingerprint = ? AND created_at > ? ORDER BY created_at DESC, id DESC',
  );
  const take = db.prepare<[string, number, number]>('UPDATE write_journal SET host = ?, pid = ? WHERE id = ?');
  const insert = db.prepare<[string, string, number, string, number]>(
    'INSERT INTO write_journal (fingerprint, idempotency_key, created_at, host, pid) VALUES (?, ?, ?, ?, ?)',
  );
  const forget = db.prepare<[string]>('DELETE FROM write_journal WHERE fingerprint = ?');
  const prune = db.prepare<[number]>('DELETE FROM write_journal WHERE created_at <= ?');
  const remove = db.prepare<[number]>('DELETE FROM write_journal WHERE id = ?');

  const claim = db.transaction((print: string, proposed: string, fresh: boolean, now: number): Claim => {
    prune.run(now - KEY_WINDOW_MS);
    if (fresh) forget.run(print);
    else {
      const interrupted = candidates.all(print, now - KEY_WINDOW_MS).find((row) => !running(row));
      if (interrupted) {
        take.run(hostname(), process.pid, interrupted.id);
        return { id: interrupted.id, key: interrupted.idempotency_key, reusedFrom: new Date(interrupted.created_at) };
      }
    }
    const id = Number(insert.run(print, proposed, now, hostname(), process.pid).lastInsertRowid);
    return { id, key: proposed };
  });

  return {
    claim: (print, proposed, { fresh, now }) => claim.immediate(print, proposed, fresh, now.getTime()),
    remove: (id) => void remove.run(id),
    close: () => db.close(),
  };
}
