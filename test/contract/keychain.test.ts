/**
 * The contract against a real Secret Service (gnome-keyring in a dbus-run-session; see .ci/run).
 * Without one the suite is skipped with the reason, unless ATOM_STRIPE_REQUIRE_KEYCHAIN=1 (CI),
 * where a missing keychain fails the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openKeychainTokenStore } from '../../src/store/keychain.js';
import { openKeychain } from '../../src/store/keytar.js';
import { describeTokenStore } from './token-store.contract.js';

const SERVICE = 'atom-stripe-contract-test';

async function probe(): Promise<string | undefined> {
  try {
    const keychain = await openKeychain(3000);
    await keychain.find(SERVICE);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const unavailable = await probe();
const required = process.env.ATOM_STRIPE_REQUIRE_KEYCHAIN === '1';

if (unavailable && required) {
  describe('keychain', () => {
    it('is required (ATOM_STRIPE_REQUIRE_KEYCHAIN=1) and must be reachable', () => {
      expect.fail(`no usable keychain: ${unavailable}`);
    });
  });
} else if (unavailable) {
  // Visible in the run's output: a skipped suite with its reason in the name.
  console.warn(`keychain contract skipped: ${unavailable}`);
}

describeTokenStore(
  'keychain',
  async () => {
    const run = randomBytes(3).toString('hex');
    const lockDir = mkdtempSync(join(tmpdir(), 'atom-stripe-keychain-locks-'));
    const keychain = await openKeychain(3000);
    const clear = async () => {
      for (const entry of await keychain.find(SERVICE)) {
        if (entry.account.startsWith(`t${run}-`)) await keychain.delete(SERVICE, entry.account);
      }
    };
    return {
      open: (profile, now) => openKeychainTokenStore({ profile: `t${run}-${profile}`, now, lockDir, service: SERVICE }),
      reset: clear,
      async teardown() {
        await clear();
        rmSync(lockDir, { recursive: true, force: true });
      },
    };
  },
  unavailable ? { skip: unavailable } : {},
);
