import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli } from '../helpers/cli.js';

describe('db backup', () => {
  it('copies the SQLite database (0600) into a file that reads back as the same tokens', async () => {
    const env = isolatedEnv();
    await runCli(['token', 'import'], { env, stdin: JSON.stringify([{ user_id: 'acme', access_token: 'sk_test_backup0001112223', livemode: false }]) });
    const target = join(env.HOME!, 'backup.db');
    const backup = await runCli(['db', 'backup', target], { env });
    expect(backup.code, backup.stderr).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect((await runCli(['db', 'backup', target], { env })).code).toBe(2);
    expect((await runCli(['db', 'backup', target, '--force'], { env })).code).toBe(0);

    const original = JSON.parse((await runCli(['token', 'list', '--json'], { env })).stdout);
    const copy = JSON.parse((await runCli(['token', 'list', '--json'], { env: { ...env, ATOM_STRIPE_DB: target } })).stdout);
    expect(copy).toEqual(original);
  });

  it('db migrate on sqlite is idempotent; backup refuses other stores', async () => {
    const env = isolatedEnv();
    const first = await runCli(['db', 'migrate', '--json'], { env });
    expect(JSON.parse(first.stdout).applied).toEqual([
      { component: 'tokens', version: 1, name: 'create stripe_oauth_tokens and token_locks' },
      { component: 'tokens', version: 2, name: 'add stripe_oauth_tokens.roll_attempt' },
    ]);
    expect(JSON.parse((await runCli(['db', 'migrate', '--json'], { env })).stdout).applied).toEqual([]);
    expect((await runCli(['db', 'backup', join(env.HOME!, 'x.db'), '--store', 'keychain'], { env })).code).toBe(2);
  });
});
