import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli } from '../helpers/cli.js';

const ACME = 'sk_test_PLANTEDe2eACME0001112223';
const ACME_REFRESH = 'rt_PLANTEDe2eACMEREFRESH000111';
const BETA = 'opaque-PLANTEDe2eBETA-token-000111';
const records = [
  { user_id: 'acme', access_token: ACME, refresh_token: ACME_REFRESH, token_type: 'bearer', expires_at: '2031-01-01T00:00:00Z', stripe_user_id: 'acct_1Acme', stripe_publishable_key: 'pk_test_acme', scope: 'read_write', livemode: false },
  { user_id: 'beta', access_token: BETA, livemode: true },
];

function databaseBytes(env: Record<string, string | undefined>): string {
  const file = join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db');
  return ['', '-wal', '-shm'].map((s) => (existsSync(file + s) ? readFileSync(file + s).toString('latin1') : '')).join('');
}

describe('token commands (sqlite)', () => {
  it('import validates every record before writing any', async () => {
    const env = isolatedEnv();
    const bad = [...records, { user_id: 'gamma', access_token: '', livemode: 'yes' }, { user_id: 'acme', access_token: 'sk_test_dup1234567890', colour: 'red' }];
    const result = await runCli(['token', 'import'], { env, stdin: JSON.stringify(bad) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nothing was imported/);
    expect(result.stderr).toMatch(/record 3 \(gamma\)/);
    expect(result.stderr).toMatch(/record 4 \(acme\).*unknown field colour/);
    expect(result.stderr).toMatch(/user_id acme appears twice/);
    const list = await runCli(['token', 'list', '--json'], { env });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('import checks each field against what Stripe issues, never quoting a token', async () => {
    const env = isolatedEnv();
    const odd = [{ user_id: 'zeta', access_token: 'sk_test_has space1234', refresh_token: 'PLAINjunk', stripe_user_id: 'bad', scope: 'payments', livemode: false }];
    const result = await runCli(['token', 'import'], { env, stdin: JSON.stringify(odd) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('record 1 (zeta): access_token contains whitespace');
    expect(result.stderr).toContain('refresh_token is not a Stripe refresh token');
    expect(result.stderr).toContain('stripe_user_id "bad" is not an account id');
    expect(result.stderr).toContain('scope "payments" is not read_write or read_only');
    expect(result.stderr).not.toContain('PLAINjunk');
    expect(result.stderr).not.toContain('has space');
    expect(JSON.parse((await runCli(['token', 'list', '--json'], { env })).stdout)).toEqual([]);
  });

  it('imports, lists masked in tsv and json, and never stores or prints a token in clear', async () => {
    const env = isolatedEnv();
    const imported = await runCli(['token', 'import'], { env, stdin: JSON.stringify(records) });
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain('Imported 2 tokens');

    const tsv = await runCli(['token', 'list'], { env });
    expect(tsv.code).toBe(0);
    const lines = tsv.stdout.trim().split('\n');
    expect(lines[0].split('\t')).toEqual(['user_id', 'stripe_user_id', 'livemode', 'status', 'access_token', 'scope', 'expires_at', 'updated_at']);
    expect(lines[1].split('\t').slice(0, 5)).toEqual(['acme', 'acct_1Acme', 'false', 'active', 'sk_test_…2223']);
    expect(lines[2].split('\t').slice(0, 5)).toEqual(['beta', '', 'true', 'active', '…0111']);

    const json = await runCli(['token', 'list', '--json'], { env });
    const listed = JSON.parse(json.stdout);
    expect(listed.map((r: { user_id: string }) => r.user_id)).toEqual(['acme', 'beta']);
    expect(listed[0]).toMatchObject({ refresh_token: 'rt_…0111', expires_at: '2031-01-01T00:00:00.000Z', version: 1, status: 'active' });

    const shown = await runCli(['token', 'show', 'acme', '--json'], { env });
    for (const output of [tsv.stdout, json.stdout, shown.stdout, tsv.stderr, json.stderr, shown.stderr]) {
      expect(output).not.toContain('PLANTEDe2e');
    }
    expect(databaseBytes(env)).not.toContain('PLANTEDe2e');
    const file = join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(env.XDG_DATA_HOME!, 'atom-stripe')).mode & 0o777).toBe(0o700);
  });

  it('show --reveal refuses without a TTY unless --yes; unknown ids exit 3', async () => {
    const env = isolatedEnv();
    await runCli(['token', 'import'], { env, stdin: JSON.stringify(records) });
    const refused = await runCli(['token', 'show', 'acme', '--reveal'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('--yes');
    const revealed = await runCli(['token', 'show', 'acme', '--reveal', '--yes', '--json'], { env });
    expect(revealed.code).toBe(0);
    expect(JSON.parse(revealed.stdout)).toMatchObject({ access_token: ACME, refresh_token: ACME_REFRESH });
    const missing = await runCli(['token', 'show', 'nobody'], { env });
    expect(missing.code).toBe(3);
  });

  it('delete asks for --yes without a TTY, then deletes', async () => {
    const env = isolatedEnv();
    await runCli(['token', 'import'], { env, stdin: JSON.stringify(records) });
    expect((await runCli(['token', 'delete', 'acme'], { env })).code).toBe(2);
    expect((await runCli(['token', 'delete', 'acme', '--yes'], { env })).code).toBe(0);
    expect((await runCli(['token', 'delete', 'acme', '--yes'], { env })).code).toBe(3);
    const list = JSON.parse((await runCli(['token', 'list', '--json'], { env })).stdout);
    expect(list.map((r: { user_id: string }) => r.user_id)).toEqual(['beta']);
  });

  it('export is encrypted and imports on another host with the same key, keeping versions; --plaintext needs --yes', async () => {
    const env = isolatedEnv();
    await runCli(['token', 'import'], { env, stdin: JSON.stringify(records) });
    await runCli(['token', 'import'], { env, stdin: JSON.stringify([records[1]]) }); // beta -> version 2
    const exported = await runCli(['token', 'export'], { env });
    expect(exported.code).toBe(0);
    expect(exported.stdout).not.toContain('PLANTEDe2e');
    const document = JSON.parse(exported.stdout);
    expect(document).toMatchObject({ format: 'atom-stripe.tokens', profile: 'default', key_id: expect.stringMatching(/^k-/) });

    const other = isolatedEnv();
    const imported = await runCli(['token', 'import'], { env: other, stdin: exported.stdout });
    expect(imported.code).toBe(0);
    const mine = JSON.parse((await runCli(['token', 'list', '--json'], { env })).stdout);
    const theirs = JSON.parse((await runCli(['token', 'list', '--json'], { env: other })).stdout);
    expect(theirs).toEqual(mine);
    expect(theirs[1].version).toBe(2);

    const wrongKey = isolatedEnv({ ATOM_STRIPE_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') });
    const failed = await runCli(['token', 'import'], { env: wrongKey, stdin: exported.stdout });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/nothing was imported.*acme/);

    expect((await runCli(['token', 'export', '--plaintext'], { env })).code).toBe(2);
    const plain = await runCli(['token', 'export', '--plaintext', '--yes'], { env });
    expect(JSON.parse(plain.stdout).records[0].access_token).toBe(ACME);
  });
});
