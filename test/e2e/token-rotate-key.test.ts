import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli } from '../helpers/cli.js';

const records = [
  { user_id: 'acme', access_token: 'sk_test_rotateACME0001112223', refresh_token: 'rt_rotateACME0001112223', livemode: false },
  { user_id: 'beta', access_token: 'sk_test_rotateBETA0001112223', livemode: false },
];

describe('token rotate-key', () => {
  it('with a key file: re-encrypts every row under a new key id, and the tokens still read', async () => {
    const env = isolatedEnv({ ATOM_STRIPE_ENCRYPTION_KEY: undefined, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });
    await runCli(['token', 'import'], { env, stdin: JSON.stringify(records) });
    await runCli(['token', 'import', '--profile', 'staging'], { env, stdin: JSON.stringify(records.slice(0, 1)) });
    const before = JSON.parse((await runCli(['token', 'export', '--plaintext', '--yes'], { env })).stdout).records;
    const oldKeyId = JSON.parse((await runCli(['token', 'list', '--json'], { env })).stdout)[0].key_id;

    const rotated = await runCli(['token', 'rotate-key', '--json'], { env });
    expect(rotated.code, rotated.stderr).toBe(0);
    const result = JSON.parse(rotated.stdout);
    expect(result).toMatchObject({ previous_key_id: oldKeyId, rows: 3, source: 'file' });
    expect(result.key_id).not.toBe(oldKeyId);
    const keyFile = JSON.parse(readFileSync(join(env.XDG_CONFIG_HOME!, 'atom-stripe', 'encryption.key'), 'utf8'));
    expect(keyFile.current).toBe(result.key_id);

    const listed = JSON.parse((await runCli(['token', 'list', '--json'], { env })).stdout);
    expect(listed.map((r: { key_id: string }) => r.key_id)).toEqual([result.key_id, result.key_id]);
    const after = JSON.parse((await runCli(['token', 'export', '--plaintext', '--yes'], { env })).stdout).records;
    expect(after.map((r: { access_token: string; refresh_token: string }) => [r.access_token, r.refresh_token])).toEqual(
      before.map((r: { access_token: string; refresh_token: string }) => [r.access_token, r.refresh_token]),
    );
    const staging = JSON.parse((await runCli(['token', 'list', '--json', '--profile', 'staging'], { env })).stdout);
    expect(staging[0].key_id).toBe(result.key_id);
  });

  it('with ATOM_STRIPE_ENCRYPTION_KEY: needs the new key, then hosts read with new,old', async () => {
    const env = isolatedEnv();
    await runCli(['token', 'import'], { env, stdin: JSON.stringify(records) });
    const refused = await runCli(['token', 'rotate-key'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('ATOM_STRIPE_NEW_ENCRYPTION_KEY');

    const newKey = Buffer.alloc(32, 42).toString('base64');
    const rotated = await runCli(['token', 'rotate-key'], { env: { ...env, ATOM_STRIPE_NEW_ENCRYPTION_KEY: newKey } });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stderr).toContain('now set ATOM_STRIPE_ENCRYPTION_KEY');
    // The old key alone no longer reads; the new one does, alone or first in a ring.
    expect((await runCli(['token', 'list'], { env })).code).toBe(1);
    expect((await runCli(['token', 'list'], { env: { ...env, ATOM_STRIPE_ENCRYPTION_KEY: newKey } })).code).toBe(0);
    expect((await runCli(['token', 'list'], { env: { ...env, ATOM_STRIPE_ENCRYPTION_KEY: `${newKey},${env.ATOM_STRIPE_ENCRYPTION_KEY}` } })).code).toBe(0);
  });
});
