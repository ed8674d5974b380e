import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli } from '../helpers/cli.js';

const NO_BUS = 'unix:path=/nonexistent';

/** keytar is optional: where it could not be built, the store says so instead of blaming D-Bus. */
function keytarInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('keytar');
    return true;
  } catch {
    return false;
  }
}
const CAUSE = keytarInstalled() ? /keychain unavailable: no Secret Service answered on D-Bus/ : /keychain unavailable: keytar could not be loaded/;

describe('keychain store through the binary', () => {
  it('without D-Bus: one clear line, exit 1, and nothing written anywhere else', async () => {
    const env = isolatedEnv({ DBUS_SESSION_BUS_ADDRESS: NO_BUS });
    for (const args of [['token', 'list', '--store', 'keychain'], ['token', 'import', '--store', 'keychain']]) {
      // The harness kills a run after 20 s; the store's own timeout is 3 s, so a hang shows as a signal.
      const result = await runCli(args, { env, stdin: '[{"user_id":"a","access_token":"sk_test_abcdefgh12345"}]', timeoutMs: 20_000 });
      expect(result.signal).toBeNull();
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(CAUSE);
      expect(lines[0]).toContain('install libsecret');
      expect(lines[0]).toContain('unlock the keyring');
      expect(lines[0]).toContain('--store sqlite');
      expect(result.stdout).toBe('');
    }
    expect(existsSync(join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db'))).toBe(false);
    expect(existsSync(join(env.XDG_CONFIG_HOME!, 'atom-stripe', 'encryption.key'))).toBe(false);
  });

  it('ATOM_STRIPE_STORE=keychain is honoured the same way', async () => {
    const env = isolatedEnv({ DBUS_SESSION_BUS_ADDRESS: NO_BUS, ATOM_STRIPE_STORE: 'keychain' });
    const result = await runCli(['token', 'list'], { env, timeoutMs: 20_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('keychain unavailable');
  });
});

describe('encryption key file', () => {
  it('without a key in the environment or a keychain: a 0600 key file, announced once', async () => {
    const env = isolatedEnv({ ATOM_STRIPE_ENCRYPTION_KEY: undefined, DBUS_SESSION_BUS_ADDRESS: NO_BUS });
    const keyFile = join(env.XDG_CONFIG_HOME!, 'atom-stripe', 'encryption.key');
    const first = await runCli(['token', 'import'], { env, stdin: '[{"user_id":"a","access_token":"sk_test_keyfile1234567890"}]' });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`generated a token encryption key at ${keyFile}`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const second = await runCli(['token', 'list', '--json'], { env });
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('generated');
    expect(JSON.parse(second.stdout)[0].key_id).toBe(JSON.parse(readFileSync(keyFile, 'utf8')).current);
  });

  it('SECRET_KEY from the guide derives the key when no ATOM_STRIPE_ENCRYPTION_KEY is set', async () => {
    const env = isolatedEnv({ ATOM_STRIPE_ENCRYPTION_KEY: undefined, SECRET_KEY: 'guide-secret-key', DBUS_SESSION_BUS_ADDRESS: NO_BUS });
    expect((await runCli(['token', 'import'], { env, stdin: '[{"user_id":"a","access_token":"sk_test_secretkey1234567890"}]' })).code).toBe(0);
    expect(existsSync(join(env.XDG_CONFIG_HOME!, 'atom-stripe', 'encryption.key'))).toBe(false);
    const wrong = await runCli(['token', 'list'], { env: { ...env, SECRET_KEY: 'another-secret' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/cannot decrypt access_token of token a \(profile default, key id k-[0-9a-f]+\)/);
  });
});

describe('keychain store through the binary, with a Secret Service', async () => {
  const { openKeychain } = await import('../../src/store/keytar.js');
  const reason = await openKeychain(3000)
    .then((keychain) => keychain.find('atom-stripe'))
    .then(() => undefined, (error: Error) => error.message);
  const suite = reason && process.env.ATOM_STRIPE_REQUIRE_KEYCHAIN !== '1' ? describe.skip : describe;
  suite(`import, list, migrate to sqlite${reason ? ` (skipped: ${reason})` : ''}`, () => {
    it('works end to end and leaves nothing behind', async () => {
      const profile = `e2e-${process.pid}`;
      const env = isolatedEnv({ ATOM_STRIPE_PROFILE: profile });
      const records = [{ user_id: 'acme', access_token: 'sk_test_keychainE2E000111222', refresh_token: 'rt_keychainE2E000111222', livemode: false }];
      const imported = await runCli(['token', 'import', '--store', 'keychain'], { env, stdin: JSON.stringify(records) });
      expect(imported.code, imported.stderr).toBe(0);
      const listed = JSON.parse((await runCli(['token', 'list', '--store', 'keychain', '--json'], { env })).stdout);
      expect(listed).toMatchObject([{ user_id: 'acme', access_token: 'sk_test_…1222', key_id: null, profile }]);
      const migrated = await runCli(['token', 'migrate', '--from', 'keychain', '--to', 'sqlite', '--delete-source'], { env });
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(JSON.parse((await runCli(['token', 'list', '--store', 'keychain', '--json'], { env })).stdout)).toEqual([]);
      const copy = JSON.parse((await runCli(['token', 'show', 'acme', '--reveal', '--yes', '--json'], { env })).stdout);
      expect(copy).toMatchObject({ access_token: records[0].access_token, refresh_token: records[0].refresh_token });
    });
  });
});
