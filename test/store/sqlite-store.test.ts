import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCipher, generateKey } from '../../src/store/crypto.js';
import { DecryptError } from '../../src/store/errors.js';
import { openSqliteDatabase, openSqliteTokenStore } from '../../src/store/sqlite.js';
import { applySqliteMigrations } from '../../src/store/migrations/index.js';

const now = () => new Date('2030-01-01T00:00:00Z');
const PLANTED = 'sk_test_PLANTEDsqliteTOKEN0123456789';
const PLANTED_REFRESH = 'rt_PLANTEDsqliteREFRESH0123456789';

function tempFile() {
  const directory = mkdtempSync(join(tmpdir(), 'atom-stripe-sqlite-'));
  return { directory, file: join(directory, 'nested', 'atom-stripe.db') };
}

function rawBytes(file: string): string {
  return ['', '-wal', '-shm'].map((suffix) => (existsSync(file + suffix) ? readFileSync(file + suffix).toString('latin1') : '')).join('');
}

describe('sqlite store', () => {
  it('creates a 0600 file in a 0700 directory, in WAL mode, with the migration recorded', async () => {
    const { file } = tempFile();
    const store = await openSqliteTokenStore({ file, profile: 'default', cipher: createCipher(generateKey()), now });
    await store.put({ user_id: 'acme', access_token: PLANTED });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    if (existsSync(`${file}-wal`)) expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.prepare('SELECT component, version FROM schema_migrations').all()).toEqual([
      { component: 'tokens', version: 1 },
      { component: 'tokens', version: 2 },
    ]);
    await store.close();
  });

  it('never writes a token in clear text: not in the file, the WAL or the shared memory', async () => {
    const { file } = tempFile();
    const store = await openSqliteTokenStore({ file, profile: 'default', cipher: createCipher(generateKey()), now });
    await store.put({ user_id: 'acme', access_token: PLANTED, refresh_token: PLANTED_REFRESH });
    const created = (await store.get('acme'))!;
    await store.update('acme', created.version, { access_token: `${PLANTED}2` });
    // Checked while open (WAL not yet checkpointed) and after close.
    expect(rawBytes(file)).not.toContain('PLANTEDsqlite');
    await store.close();
    expect(rawBytes(file)).not.toContain('PLANTEDsqlite');
  });

  it('a wrong key names the row and changes nothing', async () => {
    const { file } = tempFile();
    const writer = await openSqliteTokenStore({ file, profile: 'default', cipher: createCipher(generateKey()), now });
    await writer.put({ user_id: 'acme', access_token: PLANTED });
    const before = writer.db.prepare('SELECT * FROM stripe_oauth_tokens').all();
    await writer.close();
    const reader = await openSqliteTokenStore({ file, profile: 'default', cipher: createCipher(generateKey()), now });
    await expect(reader.get('acme')).rejects.toThrow(DecryptError);
    await expect(reader.list()).rejects.toThrow(/token acme \(profile default, key id k-/);
    await expect(reader.update('acme', 1, { status: 'revoked' })).rejects.toThrow(DecryptError);
    expect(reader.db.prepare('SELECT * FROM stripe_oauth_tokens').all()).toEqual(before);
    await reader.close();
  });

  it('rotation re-encrypts every row of every profile in one transaction, and rolls back on a bad row', async () => {
    const { file } = tempFile();
    const oldKey = generateKey();
    const a = await openSqliteTokenStore({ file, profile: 'default', cipher: createCipher(oldKey), now });
    const b = await openSqliteTokenStore({ file, profile: 'staging', cipher: createCipher(oldKey), now });
    await a.put({ user_id: 'one', access_token: 'sk_test_one_1234567890' });
    await b.put({ user_id: 'two', access_token: 'sk_test_two_1234567890', refresh_token: 'rt_two_1234567890' });
    const newKey = generateKey();
    expect(await a.reencryptAll(createCipher(newKey, [oldKey]))).toBe(2);
    expect(a.db.prepare('SELECT DISTINCT key_id FROM stripe_oauth_tokens').all()).toEqual([{ key_id: newKey.id }]);
    const reader = await openSqliteTokenStore({ file, profile: 'staging', cipher: createCipher(newKey), now });
    expect((await reader.get('two'))?.refresh_token).toBe('rt_two_1234567890');

    // Corrupt one row: the next rotation fails naming it, and no row changes.
    a.db.prepare("UPDATE stripe_oauth_tokens SET access_token = 'v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE user_id = 'two'").run();
    const before = a.db.prepare('SELECT * FROM stripe_oauth_tokens ORDER BY id').all();
    await expect(a.reencryptAll(createCipher(generateKey(), [newKey]))).rejects.toThrow(/token two \(profile staging/);
    expect(a.db.prepare('SELECT * FROM stripe_oauth_tokens ORDER BY id').all()).toEqual(before);
    for (const store of [a, b, reader]) await store.close();
  });

  it('finds a record by access token through the HMAC lookup column', async () => {
    const { file } = tempFile();
    const store = await openSqliteTokenStore({ file, profile: 'default', cipher: createCipher(generateKey()), now });
    await store.put({ user_id: 'acme', access_token: PLANTED });
    expect((await store.findByAccessToken(PLANTED))?.user_id).toBe('acme');
    expect(await store.findByAccessToken('sk_test_unknown')).toBeUndefined();
    await store.close();
  });

  it('applies another component\'s migrations to the same file, once, with their own versions', async () => {
    const { file } = tempFile();
    const db = await openSqliteDatabase(file);
    const webhooks = [{ version: 1, name: 'create stripe_webhook_events', up: 'CREATE TABLE stripe_webhook_events (id TEXT PRIMARY KEY)' }];
    expect(applySqliteMigrations(db, 'webhooks', webhooks)).toHaveLength(1);
    expect(applySqliteMigrations(db, 'webhooks', webhooks)).toHaveLength(0);
    db.close();
    const store = await openSqliteTokenStore({ file, profile: 'default', cipher: createCipher(generateKey()), now });
    expect(store.db.prepare('SELECT component, version FROM schema_migrations ORDER BY component').all()).toEqual([
      { component: 'tokens', version: 1 },
      { component: 'tokens', version: 2 },
      { component: 'webhooks', version: 1 },
    ]);
    await store.close();
  });

  it('a lease left by a dead run is taken over once it expires, never before', async () => {
    const { file } = tempFile();
    const store = await openSqliteTokenStore({ file, profile: 'default', cipher: createCipher(generateKey()), now });
    store.db.prepare('INSERT INTO token_locks (profile, user_id, owner, expires_at) VALUES (?, ?, ?, ?)').run('default', 'held', 'other-host:1:x', Date.now() + 600_000);
    store.db.prepare('INSERT INTO token_locks (profile, user_id, owner, expires_at) VALUES (?, ?, ?, ?)').run('default', 'dead', 'other-host:2:y', Date.now() - 1);
    expect(await store.withLock('held', async () => 'x', { skipIfLocked: true })).toEqual({ acquired: false, holder: 'other-host:1' });
    expect(await store.withLock('dead', async () => 'taken over', { skipIfLocked: true })).toEqual({ acquired: true, value: 'taken over' });
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM token_locks WHERE user_id = 'dead'").get()).toEqual({ n: 0 });
    await store.close();
  });
});
