/**
 * token migrate, interrupted by SIGKILL at some point in its copy phase and again in its delete
 * phase, then rerun: nothing lost, nothing duplicated. Where exactly the kill lands does not
 * matter; the assertions hold for any point.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, isolatedEnv, runCli, spawnCli, type Env } from '../helpers/cli.js';
import { freshSchema, type TestSchema } from '../contract/postgres-schema.js';

const COUNT = 150;
const records = Array.from({ length: COUNT }, (_, i) => ({
  user_id: `shop-${String(i).padStart(3, '0')}`,
  access_token: `sk_test_migrate${i}x${'a'.repeat(20)}`,
  refresh_token: i % 3 ? `rt_migrate${i}x${'b'.repeat(20)}` : null,
  stripe_user_id: `acct_1M${i}`,
  livemode: i % 2 === 0,
}));

async function exportAll(env: Env, store: string) {
  const result = await runCli(['token', 'export', '--plaintext', '--yes', '--store', store], { env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).records as Array<{ user_id: string }>;
}

/** Starts `args`, waits until stderr has `lines` lines matching `pattern`, then SIGKILLs it. */
async function killAfter(args: string[], env: Env, pattern: RegExp, lines: number) {
  const child = spawnCli(args, { env });
  const done = collect(child, { timeoutMs: 60_000 });
  let seen = 0;
  child.stderr!.on('data', (chunk: string) => {
    seen += chunk.split('\n').filter((line) => pattern.test(line)).length;
    if (seen >= lines) child.kill('SIGKILL');
  });
  return done;
}

describe('token migrate sqlite -> postgres', () => {
  let schema: TestSchema;
  let env: Env;

  beforeAll(async () => {
    schema = await freshSchema('migrate_e2e');
    env = isolatedEnv({ DATABASE_URL: schema.url });
    expect((await runCli(['db', 'migrate', '--store', 'postgres'], { env })).code).toBe(0);
    expect((await runCli(['token', 'import', '--store', 'sqlite'], { env, stdin: JSON.stringify(records) })).code).toBe(0);
  });
  afterAll(async () => {
    await schema?.drop();
  });

  it('killed while copying, then rerun: every record once, identical, source untouched', async () => {
    const before = await exportAll(env, 'sqlite');
    expect(before).toHaveLength(COUNT);
    const killed = await killAfter(['token', 'migrate', '--from', 'sqlite', '--to', 'postgres', '--verbose'], env, /^copied /, 20);
    expect(killed.code === 0 || killed.signal === 'SIGKILL').toBe(true);

    const rerun = await runCli(['token', 'migrate', '--from', 'sqlite', '--to', 'postgres', '--json'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    const summary = JSON.parse(rerun.stdout);
    expect(summary.total).toBe(COUNT);
    expect(summary.copied + summary.already_present).toBe(COUNT);

    expect(await exportAll(env, 'postgres')).toEqual(before);
    expect(await exportAll(env, 'sqlite')).toEqual(before);
    const rows = await schema.query('SELECT user_id, COUNT(*)::int AS n FROM stripe_oauth_tokens GROUP BY user_id HAVING COUNT(*) > 1');
    expect(rows.rows).toEqual([]);
  });

  it('killed while deleting the source, then rerun: the target keeps everything, the source ends empty', async () => {
    const before = await exportAll(env, 'sqlite');
    const killed = await killAfter(['token', 'migrate', '--from', 'sqlite', '--to', 'postgres', '--delete-source', '--verbose'], env, /^deleted /, 10);
    expect(killed.code === 0 || killed.signal === 'SIGKILL').toBe(true);
    // Whatever the source still holds is also in the target.
    const midway = await exportAll(env, 'sqlite');
    const target = await exportAll(env, 'postgres');
    for (const record of midway) expect(target).toContainEqual(record);

    const rerun = await runCli(['token', 'migrate', '--from', 'sqlite', '--to', 'postgres', '--delete-source'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await exportAll(env, 'sqlite')).toEqual([]);
    expect(await exportAll(env, 'postgres')).toEqual(before);
  });

  it('refuses to overwrite differing target records without --overwrite, changing nothing', async () => {
    const other = isolatedEnv({ DATABASE_URL: schema.url, ATOM_STRIPE_ENCRYPTION_KEY: env.ATOM_STRIPE_ENCRYPTION_KEY });
    await runCli(['token', 'import', '--store', 'sqlite'], { env: other, stdin: JSON.stringify([{ ...records[0], scope: 'read_only' }]) });
    const before = await exportAll(env, 'postgres');
    const refused = await runCli(['token', 'migrate', '--from', 'sqlite', '--to', 'postgres'], { env: other });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('shop-000');
    expect(await exportAll(env, 'postgres')).toEqual(before);
  });
});
