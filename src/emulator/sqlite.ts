/**
 * SQLite persistence for the emulator's store (`--data FILE`). better-sqlite3 is synchronous, which
 * suits the emulator: a request's writes land before its response is sent.
 */
import type { PersistedRow, Persistence } from './store.js';

export async function openSqlitePersistence(file: string): Promise<Persistence> {
  const { default: Database } = await import('better-sqlite3');
  const { prepareSqliteFile } = await import('../store/sqlite-file.js');
  prepareSqliteFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // A test bed trades the last few writes on power loss for speed; the process exiting loses nothing.
  db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS objects (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      scope TEXT NOT NULL,
      type TEXT NOT NULL,
      id TEXT NOT NULL,
      body TEXT NOT NULL,
      UNIQUE (scope, type, id)
    );
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
  const insert = db.prepare('INSERT INTO objects (scope, type, id, body) VALUES (@scope, @type, @id, @body)');
  const update = db.prepare('UPDATE objects SET body = @body WHERE scope = @scope AND type = @type AND id = @id');
  const remove = db.prepare('DELETE FROM objects WHERE scope = ? AND type = ? AND id = ?');
  const getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
  const inTransaction = db.transaction((work: () => unknown) => work());
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');

  return {
    load: () => db.prepare('SELECT scope, type, id, body FROM objects ORDER BY seq').iterate() as Iterable<PersistedRow>,
    insert: (row) => void insert.run(row),
    update: (row) => void update.run(row),
    remove: (scope, type, id) => void remove.run(scope, type, id),
    clear: () => void db.exec('DELETE FROM objects'),
    getMeta: (key) => (getMeta.get(key) as { value: string } | undefined)?.value,
    setMeta: (key, value) => void setMeta.run(key, value),
    // One transaction wrapper for every request (better-sqlite3 builds a new one per db.transaction() call).
    transaction: <T>(work: () => T): T => inTransaction(work) as T,
    close: () => db.close(),
  };
}
