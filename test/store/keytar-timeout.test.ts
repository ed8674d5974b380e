/** A Secret Service that never answers: every keychain call gives up with the fix, not a hang. */
import { describe, expect, it, vi } from 'vitest';

vi.mock('keytar', () => {
  const never = () => new Promise<never>(() => {});
  return { default: { getPassword: never, setPassword: never, deletePassword: never, findCredentials: never } };
});

const { openKeychain } = await import('../../src/store/keytar.js');
const { openKeychainTokenStore } = await import('../../src/store/keychain.js');
const { KeychainUnavailableError } = await import('../../src/store/errors.js');
const { exitCodeFor, formatError } = await import('../../src/errors.js');

describe('keychain timeouts', () => {
  it('a call with no answer fails with KeychainUnavailableError (exit 1) naming the fix', async () => {
    const keychain = await openKeychain(20);
    const failure = await keychain.get('atom-stripe', 'default/acme').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KeychainUnavailableError);
    expect(exitCodeFor(failure)).toBe(1);
    expect(formatError(failure)).toMatch(/no answer from the Secret Service within 20 ms .*install libsecret.*unlock the keyring.*--store sqlite/);
  });

  it('opening the keychain store fails the same way before any work', async () => {
    await expect(openKeychainTokenStore({ profile: 'default', now: () => new Date(), lockDir: '/nonexistent', timeoutMs: 20 })).rejects.toBeInstanceOf(
      KeychainUnavailableError,
    );
  });
});
