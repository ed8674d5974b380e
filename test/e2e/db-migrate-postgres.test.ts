/**
 * The adoption scenario end to end: the guide's exact SQL with plaintext rows, then
 * `db migrate`, then `token list` shows the rows, and no plaintext token is left anywhere: not in
 * any column, not in a pg_dump of the schema.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, type Env } from '../helpers/cli.js';
import { freshSchema, PG_BASE_URL, type TestSchema } from '../contract/postgres-schema.js';
import { GUIDE_ROWS_SQL, GUIDE_SQL, PLANTED } from '../contract/guide-schema.js';

describe('db migrate on the guide\'s PostgreSQL table', () => {
  let schema: TestSchema;
  let env: Env;

  beforeAll(async () => {
    schema = await freshSchema('guide_e2e');
    await schema.query(GUIDE_SQL);
    await schema.query(GUIDE_ROWS_SQL);
    env = isolatedEnv({ DATABASE_URL: schema.url, ATOM_STRIPE_STORE: 'postgres' });
  });
  afterAll(async () => {
    await schema?.drop();
  });

  it('token list before migrating says to run db migrate', async () => {
    const result = await runCli(['token', 'list'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('db migrate');
    const status = await runCli(['db', 'status', '--json'], { env });
    expect(JSON.parse(status.stdout)[0]).toMatchObject({ current: 0, latest: 2, rows: 3, plaintext_rows: 3 });
  });

  it('db migrate adopts the table; token list shows every row; nothing plaintext remains', async () => {
    const migrated = await runCli(['db', 'migrate', '--json'], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ store: 'postgres', applied: [{ component: 'tokens', version: 1 }, { component: 'tokens', version: 2 }], encrypted_rows: 3 });
    expect(migrated.stderr).toContain('renamed 1 older row');
    expect(JSON.parse(migrated.stdout).renamed_duplicates).toEqual(['beta.dup-2']);

    const again = await runCli(['db', 'migrate', '--json'], { env });
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: [], encrypted_rows: 0 });

    const list = await runCli(['token', 'list', '--json'], { env });
    expect(list.code, list.stderr).toBe(0);
    const records = JSON.parse(list.stdout);
    expect(records.map((r: { user_id: string }) => r.user_id)).toEqual(['acme', 'beta', 'beta.dup-2']);
    expect(records[0]).toMatchObject({ stripe_user_id: 'acct_1Acme', access_token: 'sk_test_…1222', scope: 'read_write' });

    const revealed = JSON.parse((await runCli(['token', 'show', 'acme', '--reveal', '--yes', '--json'], { env })).stdout);
    expect(revealed.access_token).toBe(PLANTED.acme.access);

    const everything = (await schema.query('SELECT row_to_json(t)::text AS text FROM stripe_oauth_tokens t')).rows.map((r) => r.text).join('\n');
    expect(everything).not.toContain('PLANTEDguide');
    const status = JSON.parse((await runCli(['db', 'status', '--json'], { env })).stdout)[0];
    expect(status).toMatchObject({ current: 2, latest: 2, rows: 3, plaintext_rows: 0 });
  });

  it('a pg_dump of the schema does not contain a planted token', async () => {
    const url = new URL(PG_BASE_URL);
    const dump = execFileSync('pg_dump', ['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', '-n', schema.schema, url.pathname.slice(1)], {
      encoding: 'utf8',
    });
    expect(dump).toContain('stripe_oauth_tokens');
    expect(dump).toContain('acct_1Acme');
    expect(dump).not.toContain('PLANTEDguide');
    for (const { access } of Object.values(PLANTED)) expect(dump).not.toContain(access);
  });
});
