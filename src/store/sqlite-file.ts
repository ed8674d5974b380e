/**
 * Creating a SQLite file without costing anyone their locks.
 *
 * POSIX drops all of a process's fcntl locks on a file when any descriptor of that file is closed,
 * whoever opened it. SQLite's locks are fcntl locks. So a `closeSync(openSync(db))` in a process
 * that already has a connection to `db` (another thread's, say: the listener's writer thread) drops
 * that connection's locks. An outside reader (`sqlite3 db 'select …'`) then believes it is the last
 * connection, checkpoints, and deletes the -wal under a live writer, whose commits are lost.
 *
 * The rule here: a descriptor of a database file is opened only to create it (`wx`, which fails
 * when the file exists, so never on a file anyone has open), and modes are set by path (chmod opens
 * no descriptor). Nothing else in atom-stripe opens a database file except SQLite itself.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Makes `file`'s directory (0700 when created here) and the file itself (0600), touching no open file. */
export function prepareSqliteFile(file: string): void {
  const directory = dirname(file);
  if (!existsSync(directory)) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    chmodSync(directory, 0o700);
  }
  if (!existsSync(file)) {
    try {
      // Created 0600 before SQLite sees it; SQLite gives -wal and -shm the file's mode.
      closeSync(openSync(file, 'wx', 0o600));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  if ((statSync(file).mode & 0o777) !== 0o600) chmodSync(file, 0o600);
}
