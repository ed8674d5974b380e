import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paths } from '../../src/config/paths.js';
import { noopLogger } from '../../src/log.js';
import { deriveKeyFromSecret, parseKey } from '../../src/store/crypto.js';
import { loadKeys, prepareRotation, type KeyRingOptions } from '../../src/store/keys.js';

function options(extra: Partial<KeyRingOptions> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'atom-stripe-keys-'));
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'config') };
  const warnings: string[] = [];
  const base: KeyRingOptions = { paths: paths(env), env, log: noopLogger, warn: (line) => warnings.push(line), useKeychain: false, ...extra };
  return { base, warnings };
}

describe('encryption key sources', () => {
  const envKey = Buffer.alloc(32, 1).toString('base64');
  const oldKey = Buffer.alloc(32, 2).toString('base64');

  it('ATOM_STRIPE_ENCRYPTION_KEY wins over SECRET_KEY, and a list is a ring', async () => {
    const { base } = options({ encryptionKey: `${envKey},${oldKey}`, secretKey: 'guide-secret' });
    const loaded = await loadKeys(base);
    expect(loaded.source).toBe('env');
    expect(loaded.cipher.currentKeyId).toBe(parseKey(envKey, 'x').id);
    expect(loaded.cipher.keyIds).toEqual([parseKey(envKey, 'x').id, parseKey(oldKey, 'x').id, deriveKeyFromSecret('guide-secret').id]);
  });

  it('SECRET_KEY is next, through HKDF', async () => {
    const { base } = options({ secretKey: 'guide-secret' });
    const loaded = await loadKeys(base);
    expect(loaded.source).toBe('secret_key');
    expect(loaded.cipher.currentKeyId).toBe(deriveKeyFromSecret('guide-secret').id);
  });

  it('otherwise generates a 0600 key file once, warns once naming it, and reuses it', async () => {
    const { base, warnings } = options();
    const first = await loadKeys(base);
    expect(first.source).toBe('file');
    expect(statSync(base.paths.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(base.paths.configDir).mode & 0o777).toBe(0o700);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(base.paths.keyFile);
    const second = await loadKeys(base);
    expect(second.cipher.currentKeyId).toBe(first.cipher.currentKeyId);
    expect(warnings).toHaveLength(1);
  });

  it('rotation with a key file stores the new key before re-encrypting, then makes it current', async () => {
    const { base } = options();
    const loaded = await loadKeys(base);
    const plan = await prepareRotation(loaded, base);
    const midway = await loadKeys(base);
    // Before commit: the old key still writes, the new one already reads.
    expect(midway.cipher.currentKeyId).toBe(loaded.cipher.currentKeyId);
    expect(midway.cipher.hasKey(plan.next.id)).toBe(true);
    await plan.commit();
    const after = await loadKeys(base);
    expect(after.cipher.currentKeyId).toBe(plan.next.id);
    expect(after.cipher.hasKey(loaded.cipher.currentKeyId)).toBe(true);
    expect(readFileSync(base.paths.keyFile, 'utf8')).toContain(plan.next.id);
  });

  it('rotation with an environment key needs ATOM_STRIPE_NEW_ENCRYPTION_KEY', async () => {
    const { base } = options({ encryptionKey: envKey });
    const loaded = await loadKeys(base);
    await expect(prepareRotation(loaded, base)).rejects.toMatchObject({ hint: expect.stringContaining("ATOM_STRIPE_NEW_ENCRYPTION_KEY") });
    const plan = await prepareRotation(loaded, { ...base, newKey: oldKey });
    expect(plan.next.id).toBe(parseKey(oldKey, 'x').id);
    expect(plan.afterwards).toContain('ATOM_STRIPE_ENCRYPTION_KEY');
  });
});

describe('encryption key in the OS keychain', async () => {
  const { openKeychain } = await import('../../src/store/keytar.js');
  const { KEYCHAIN_KEY_SERVICE, KEYCHAIN_KEY_ACCOUNT } = await import('../../src/store/keys.js');
  const keychain = await openKeychain(3000).catch(() => undefined);
  const reason = keychain ? await keychain.find(KEYCHAIN_KEY_SERVICE).then(() => undefined, (error: Error) => error.message) : 'keytar did not load';
  const suite = reason && process.env.ATOM_STRIPE_REQUIRE_KEYCHAIN !== '1' ? describe.skip : describe;
  suite(`third source${reason ? ` (skipped: ${reason})` : ''}`, () => {
    it('is used when reachable and no key file exists, with no warning; an existing key file wins', async () => {
      const saved = await keychain!.get(KEYCHAIN_KEY_SERVICE, KEYCHAIN_KEY_ACCOUNT);
      try {
        await keychain!.delete(KEYCHAIN_KEY_SERVICE, KEYCHAIN_KEY_ACCOUNT);
        const { base, warnings } = options({ useKeychain: true });
        const first = await loadKeys(base);
        expect(first.source).toBe('keychain');
        expect(warnings).toEqual([]);
        const second = await loadKeys(base);
        expect(second.cipher.currentKeyId).toBe(first.cipher.currentKeyId);

        const withFile = options({ useKeychain: false });
        const fileKeys = await loadKeys(withFile.base);
        const preferFile = await loadKeys({ ...withFile.base, useKeychain: true });
        expect(preferFile.source).toBe('file');
        expect(preferFile.cipher.currentKeyId).toBe(fileKeys.cipher.currentKeyId);
      } finally {
        if (saved) await keychain!.set(KEYCHAIN_KEY_SERVICE, KEYCHAIN_KEY_ACCOUNT, saved);
        else await keychain!.delete(KEYCHAIN_KEY_SERVICE, KEYCHAIN_KEY_ACCOUNT);
      }
    });
  });
});
