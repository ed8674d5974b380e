/**
 * #12 finding 1, at the store's depth: a second connection opened in a process that already holds
 * one must not cost the first its locks (POSIX drops a process's fcntl locks when any descriptor of
 * the file is closed). The outside sqlite3 reader would otherwise checkpoint and delete the -wal
 * under the live writer when it exits.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../../src/store/sqlite.js';
import { prepareSqliteFile } from '../../src/store/sqlite-file.js';

const SQLITE3 = '/usr/bin/sqlite3';
const hasSqlite3 = existsSync(SQLITE3);

/** The lines of /proc/locks held by this process on `file`'s inode. */
function locksOn(file: string): string[] {
  const inode = statSync(file).ino;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .filter((line) => line.includes(` ${process.pid} `) && line.split(/\s+/).some((field) => field.endsWith(`:${inode}`)));
}

describe('opening a SQLite database while this process holds a connection to it', () => {
  it.skipIf(!hasSqlite3)('keeps the first connection\'s locks, so an outside reader leaves the -wal alone', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'atom-sqlite-file-')), 'db', 'atom.db');
    const first = await openSqliteDatabase(file);
    first.exec('CREATE TABLE t (n INTEGER)');
    first.prepare('INSERT INTO t VALUES (1)').run();
    const held = locksOn(`${file}-shm`);
    expect(held.length).toBeGreaterThan(0);

    const second = await openSqliteDatabase(file);
    expect(locksOn(`${file}-shm`)).toEqual(held);
    second.close();
    expect(locksOn(`${file}-shm`)).toEqual(held);

    // The operator's read, in its own process: it must see another connection, and not delete the -wal.
    expect(execFileSync(SQLITE3, [file, 'select count(*) from t'], { encoding: 'utf8' }).trim()).toBe('1');
    expect(existsSync(`${file}-wal`)).toBe(true);
    first.prepare('INSERT INTO t VALUES (2)').run();
    expect(execFileSync(SQLITE3, [file, 'select count(*) from t'], { encoding: 'utf8' }).trim()).toBe('2');
    first.close();
  });

  it('creates the file 0600 in a 0700 directory, and leaves an existing file\'s contents alone', async () => {
    const directory = join(mkdtempSync(join(tmpdir(), 'atom-sqlite-file-')), 'new');
    const file = join(directory, 'x.db');
    prepareSqliteFile(file);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const db = await openSqliteDatabase(file);
    db.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (7)');
    db.close();
    prepareSqliteFile(file);
    const again = await openSqliteDatabase(file);
    expect(again.prepare('SELECT n FROM t').get()).toEqual({ n: 7 });
    again.close();
  });
});
