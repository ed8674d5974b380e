/**
 * Two writer processes (separate connections, as on two hosts) update one token at the same time:
 * with compare-and-set and retry, every increment lands exactly once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createCipher, generateKey } from '../../src/store/crypto.js';
import { migratePostgresTokens, openPgPool, openPostgresTokenStore } from '../../src/store/postgres.js';
import { openSqliteTokenStore } from '../../src/store/sqlite.js';
import type { TokenStore } from '../../src/store/types.js';
import { freshSchema, type TestSchema } from '../contract/postgres-schema.js';

const run = promisify(execFile);
const WRITER = fileURLToPath(new URL('./fixtures/cas-writer.mjs', import.meta.url));
const ROUNDS = 25;

async function race(kind: string, target: string, keyBase64: string) {
  const writers = await Promise.all([1, 2].map(() => run(process.execPath, [WRITER, kind, target, keyBase64, String(ROUNDS)])));
  return writers.map((writer) => JSON.parse(writer.stdout) as { conflicts: number });
}

describe('two writer processes, one token', () => {
  const key = generateKey();
  const keyBase64 = key.key.toString('base64');
  const cipher = createCipher(key);
  const now = () => new Date();
  let schema: TestSchema | undefined;
  afterAll(async () => {
    await schema?.drop();
  });

  async function check(store: TokenStore, kind: string, target: string) {
    const created = await store.put({ user_id: 'counter', access_token: 'sk_test_counter1234567890', last_error: '0' });
    expect(created.version).toBe(1);
    await race(kind, target, keyBase64);
    const final = await store.get('counter');
    expect(final?.last_error).toBe(String(2 * ROUNDS));
    expect(final?.version).toBe(1 + 2 * ROUNDS);
    await store.close();
  }

  it('sqlite: no increment lost', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'atom-stripe-cas-')), 'atom-stripe.db');
    await check(await openSqliteTokenStore({ file, profile: 'default', cipher, now }), 'sqlite', file);
  });

  it('postgres: no increment lost', async () => {
    schema = await freshSchema('cas');
    const pool = await openPgPool(schema.url);
    await migratePostgresTokens(pool, cipher);
    await pool.end();
    await check(await openPostgresTokenStore({ url: schema.url, profile: 'default', cipher, now }), 'postgres', schema.url);
  });
});
