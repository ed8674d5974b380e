/**
 * A write under an encryption key that cannot read the store is refused, on sqlite and postgres,
 * before anything changes: otherwise it leaves rows no correctly configured host can read, replaces
 * good rows, and the next rotate-key aborts for everyone (issue #12, 5.1).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, type Env } from '../helpers/cli.js';
import { freshSchema, type TestSchema } from '../contract/postgres-schema.js';

const WRONG_KEY = Buffer.alloc(32, 99).toString('base64');
const ROTATED_KEY = Buffer.alloc(32, 43).toString('base64');
const records = [
  { user_id: 'acme', access_token: 'sk_test_wrongkeyACME000111222', refresh_token: 'rt_wrongkeyACME000111222', livemode: false },
  { user_id: 'beta', access_token: 'sk_test_wrongkeyBETA000111222', livemode: false },
];
const intruders = [
  { user_id: 'acme', access_token: 'sk_test_wrongkeyOVERWRITE0001', livemode: false },
  { user_id: 'gamma', access_token: 'sk_test_wrongkeyGAMMA00011122', livemode: false },
];

async function exported(env: Env, store: string): Promise<unknown> {
  const result = await runCli(['token', 'export', '--plaintext', '--yes', '--store', store], { env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).records;
}

function expectRefusal(result: { code: number | null; stdout: string; stderr: string }): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^error: refusing to write to .*key id k-[0-9a-f]{12}.*cannot read them; nothing was changed.*ATOM_STRIPE_ENCRYPTION_KEY/);
  expect(result.stderr).not.toContain(WRONG_KEY);
}

async function expectWrongKeyRefused(env: Env, store: string): Promise<void> {
  expect((await runCli(['token', 'import', '--store', store], { env, stdin: JSON.stringify(records) })).code).toBe(0);
  const before = await exported(env, store);
  const wrong = { ...env, ATOM_STRIPE_ENCRYPTION_KEY: WRONG_KEY };

  expectRefusal(await runCli(['token', 'import', '--store', store], { env: wrong, stdin: JSON.stringify(intruders) }));
  // An export document re-imported under the wrong key is a restore(): refused the same way.
  const document = await runCli(['token', 'export', '--plaintext', '--yes', '--store', store], { env });
  expectRefusal(await runCli(['token', 'import', '--store', store], { env: wrong, stdin: document.stdout }));

  expect(await exported(env, store)).toEqual(before);
  const rotated = await runCli(['token', 'rotate-key', '--store', store], {
    env: { ...env, ATOM_STRIPE_NEW_ENCRYPTION_KEY: ROTATED_KEY },
  });
  expect(rotated.code, rotated.stderr).toBe(0);
}

describe('a write under the wrong encryption key', () => {
  it('sqlite: token import is refused (exit 1, one line), no row changes, rotate-key still works', async () => {
    const env = isolatedEnv();
    await expectWrongKeyRefused(env, 'sqlite');
    // The Debian CLI sees the same two rows, none under the wrong key's id.
    const file = join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db');
    const ids = execFileSync('/usr/bin/sqlite3', [file, 'SELECT user_id FROM stripe_oauth_tokens ORDER BY user_id'], { encoding: 'utf8' });
    expect(ids).toBe('acme\nbeta\n');
  });

  it('a ring that holds the store key as an older key still writes; an empty store takes any key', async () => {
    const env = isolatedEnv();
    expect((await runCli(['token', 'import'], { env, stdin: JSON.stringify(records) })).code).toBe(0);
    const ring = { ...env, ATOM_STRIPE_ENCRYPTION_KEY: `${WRONG_KEY},${env.ATOM_STRIPE_ENCRYPTION_KEY}` };
    const written = await runCli(['token', 'import'], { env: ring, stdin: JSON.stringify(intruders) });
    expect(written.code, written.stderr).toBe(0);
    const fresh = isolatedEnv({ ATOM_STRIPE_ENCRYPTION_KEY: WRONG_KEY });
    expect((await runCli(['token', 'import'], { env: fresh, stdin: JSON.stringify(records) })).code).toBe(0);
  });

  describe('postgres', () => {
    let schema: TestSchema;
    beforeAll(async () => {
      schema = await freshSchema('wrong_key_e2e');
    });
    afterAll(async () => {
      await schema?.drop();
    });

    it('token import and token migrate into it are refused, no row changes, rotate-key still works', async () => {
      const env = isolatedEnv({ DATABASE_URL: schema.url });
      expect((await runCli(['db', 'migrate', '--store', 'postgres'], { env })).code).toBe(0);
      await expectWrongKeyRefused(env, 'postgres');
      const before = (await schema.query('SELECT * FROM stripe_oauth_tokens ORDER BY id')).rows;
      const wrong = { ...env, ATOM_STRIPE_ENCRYPTION_KEY: WRONG_KEY };
      expect((await runCli(['token', 'import', '--store', 'sqlite'], { env: wrong, stdin: JSON.stringify(intruders.slice(1)) })).code).toBe(0);
      expectRefusal(await runCli(['token', 'migrate', '--from', 'sqlite', '--to', 'postgres'], { env: wrong }));
      expect((await schema.query('SELECT * FROM stripe_oauth_tokens ORDER BY id')).rows).toEqual(before);
    });

    it('db migrate does not seal adopted plaintext rows under a key that cannot read the others', async () => {
      const env = isolatedEnv({ DATABASE_URL: schema.url });
      await schema.query("INSERT INTO stripe_oauth_tokens (profile, user_id, access_token) VALUES ('default', 'legacy', 'sk_test_wrongkeyLEGACY0001112')");
      const before = (await schema.query('SELECT * FROM stripe_oauth_tokens ORDER BY id')).rows;
      expectRefusal(await runCli(['db', 'migrate', '--store', 'postgres'], { env: { ...env, ATOM_STRIPE_ENCRYPTION_KEY: WRONG_KEY } }));
      expect((await schema.query('SELECT * FROM stripe_oauth_tokens ORDER BY id')).rows).toEqual(before);
      // The test above rotated the store to ROTATED_KEY: with it, the same migrate seals the row.
      const migrated = await runCli(['db', 'migrate', '--store', 'postgres'], { env: { ...env, ATOM_STRIPE_ENCRYPTION_KEY: ROTATED_KEY } });
      expect(migrated.code, migrated.stderr).toBe(0);
      expect((await schema.query("SELECT key_id FROM stripe_oauth_tokens WHERE user_id = 'legacy'")).rows[0].key_id).toMatch(/^k-/);
    });
  });
});
