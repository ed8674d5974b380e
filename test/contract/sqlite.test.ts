import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCipher, generateKey } from '../../src/store/crypto.js';
import { openSqliteTokenStore } from '../../src/store/sqlite.js';
import { describeTokenStore } from './token-store.contract.js';

describeTokenStore('sqlite', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'atom-stripe-contract-'));
  const file = join(directory, 'data', 'atom-stripe.db');
  const cipher = createCipher(generateKey());
  return {
    open: (profile, now) => openSqliteTokenStore({ file, profile, cipher, now }),
    async reset() {
      const store = await openSqliteTokenStore({ file, profile: 'default', cipher, now: () => new Date() });
      store.db.exec('DELETE FROM stripe_oauth_tokens; DELETE FROM token_locks;');
      await store.close();
    },
    async teardown() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
});
