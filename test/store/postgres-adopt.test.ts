import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { createCipher, generateKey } from '../../src/store/crypto.js';
import { migratePostgresTokens, openPgPool, openPostgresTokenStore } from '../../src/store/postgres.js';
import { applyPgMigrations } from '../../src/store/migrations/index.js';
import { freshSchema, type TestSchema } from '../contract/postgres-schema.js';
import { GUIDE_ROWS_SQL, GUIDE_SQL, PLANTED } from '../contract/guide-schema.js';

const now = () => new Date('2030-01-01T00:00:00Z');

describe('postgres: adopting the guide\'s table', () => {
  let schema: TestSchema;
  let pool: Pool;
  const key = generateKey();
  const cipher = createCipher(key);

  beforeAll(async () => {
    schema = await freshSchema('adopt');
    await schema.query(GUIDE_SQL);
    await schema.query(GUIDE_ROWS_SQL);
    pool = await openPgPool(schema.url);
  });
  afterAll(async () => {
    await pool?.end();
    await schema?.drop();
  });

  it('the store refuses to open before db migrate, naming the fix', async () => {
    await expect(openPostgresTokenStore({ url: schema.url, profile: 'default', cipher, now })).rejects.toMatchObject({
      hint: expect.stringContaining('db migrate'),
    });
  });

  it('migrate from several hosts at once applies once, keeps every row, and encrypts them all', async () => {
    // One host applies every pending migration (adopt, then roll_attempt); the others find none left.
    const results = await Promise.all([migratePostgresTokens(pool, cipher), migratePostgresTokens(pool, cipher), migratePostgresTokens(pool, cipher)]);
    expect(results.map((applied) => applied.length).sort()).toEqual([0, 0, 2]);
    const rows = (await schema.query('SELECT id, user_id, key_id FROM stripe_oauth_tokens ORDER BY id')).rows;
    expect(rows.map((row) => row.user_id)).toEqual(['acme', `beta.dup-2`, 'beta']);
    expect(rows.every((row) => row.key_id === key.id)).toBe(true);
    const everything = (await schema.query('SELECT row_to_json(t)::text AS text FROM stripe_oauth_tokens t')).rows.map((r) => r.text).join('\n');
    expect(everything).not.toContain('PLANTEDguide');
  });

  it('replaces the index on the raw token with one on its HMAC, and keeps the guide\'s columns', async () => {
    const indexes = (await schema.query("SELECT indexname FROM pg_indexes WHERE tablename = 'stripe_oauth_tokens' AND schemaname = current_schema()")).rows.map(
      (row) => row.indexname,
    );
    expect(indexes).not.toContain('idx_stripe_access_token');
    expect(indexes).toEqual(expect.arrayContaining(['idx_stripe_user_id', 'stripe_oauth_tokens_access_token_lookup', 'stripe_oauth_tokens_profile_user_id']));
    const columns = (await schema.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'stripe_oauth_tokens' AND table_schema = current_schema()")).rows.map(
      (row) => row.column_name,
    );
    expect(columns).toEqual(expect.arrayContaining(['id', 'user_id', 'access_token', 'refresh_token', 'token_type', 'expires_at', 'stripe_user_id',
      'stripe_publishable_key', 'scope', 'created_at', 'updated_at', 'livemode', 'status', 'last_verified_at', 'last_refreshed_at', 'last_error', 'key_id', 'version']));
  });

  it('the adopted rows read back with their values and times', async () => {
    const store = await openPostgresTokenStore({ url: schema.url, profile: 'default', cipher, now });
    const records = await store.list();
    expect(records.map((r) => r.user_id)).toEqual(['acme', 'beta', 'beta.dup-2']);
    expect(records[0]).toMatchObject({
      access_token: PLANTED.acme.access,
      refresh_token: PLANTED.acme.refresh,
      expires_at: '2031-01-01T00:00:00.000Z',
      created_at: '2024-01-01T10:00:00.000Z',
      stripe_user_id: 'acct_1Acme',
      status: 'active',
      livemode: false,
    });
    expect(records[1]).toMatchObject({ access_token: PLANTED.beta.access, refresh_token: null });
    expect(records[2]).toMatchObject({ access_token: PLANTED.betaOld.access, last_error: expect.stringContaining('renamed') });
    expect((await store.findByAccessToken(PLANTED.acme.access))?.user_id).toBe('acme');
    await store.close();
  });

  it('a plaintext row written later by the old service is reported, then encrypted by the next migrate', async () => {
    await schema.query("INSERT INTO stripe_oauth_tokens (user_id, access_token) VALUES ('late', 'sk_test_PLANTEDguideLATE000111222')");
    const store = await openPostgresTokenStore({ url: schema.url, profile: 'default', cipher, now });
    await expect(store.get('late')).rejects.toMatchObject({ hint: expect.stringContaining('db migrate') });
    expect(await migratePostgresTokens(pool, cipher)).toEqual([]);
    expect((await store.get('late'))?.access_token).toBe('sk_test_PLANTEDguideLATE000111222');
    const everything = (await schema.query('SELECT row_to_json(t)::text AS text FROM stripe_oauth_tokens t')).rows.map((r) => r.text).join('\n');
    expect(everything).not.toContain('PLANTEDguide');
    await store.close();
  });

  it('a migrate that cannot decrypt a row rolls back whole, naming the row', async () => {
    await schema.query("INSERT INTO stripe_oauth_tokens (user_id, access_token) VALUES ('later', 'sk_test_PLANTEDguideLATER00111222')");
    const before = (await schema.query('SELECT * FROM stripe_oauth_tokens ORDER BY id')).rows;
    // Another key, and a row encrypted under the first key with a plaintext refresh token written over it.
    await schema.query("UPDATE stripe_oauth_tokens SET refresh_token = 'rt_plain_written_by_old_service' WHERE user_id = 'acme'");
    const changed = (await schema.query('SELECT * FROM stripe_oauth_tokens ORDER BY id')).rows;
    await expect(migratePostgresTokens(pool, createCipher(generateKey()))).rejects.toThrow(/token acme/);
    expect((await schema.query('SELECT * FROM stripe_oauth_tokens ORDER BY id')).rows).toEqual(changed);
    expect(before.length).toBe(changed.length);
  });

  it('a failing migration of another component leaves its history and tables untouched', async () => {
    await expect(
      applyPgMigrations(pool, 'webhooks', [
        { version: 1, name: 'create table', up: 'CREATE TABLE stripe_webhook_events (id TEXT PRIMARY KEY)' },
        { version: 2, name: 'broken', up: 'ALTER TABLE no_such_table ADD COLUMN x INT' },
      ]),
    ).rejects.toThrow(/migration webhooks 2 \(broken\) failed/);
    expect((await schema.query("SELECT to_regclass('stripe_webhook_events') AS t")).rows[0].t).toBeNull();
    expect((await schema.query("SELECT COUNT(*)::int AS n FROM schema_migrations WHERE component = 'webhooks'")).rows[0].n).toBe(0);
  });
});
