import type { Pool } from 'pg';
import { createCipher, generateKey } from '../../src/store/crypto.js';
import { migratePostgresTokens, openPgPool, openPostgresTokenStore } from '../../src/store/postgres.js';
import { freshSchema, type TestSchema } from './postgres-schema.js';
import { describeTokenStore } from './token-store.contract.js';

describeTokenStore('postgres', async () => {
  const schema: TestSchema = await freshSchema('contract');
  const cipher = createCipher(generateKey());
  const pool: Pool = await openPgPool(schema.url);
  await migratePostgresTokens(pool, cipher);
  await pool.end();
  return {
    // Each handle has its own pool, like another process.
    open: (profile, now) => openPostgresTokenStore({ url: schema.url, profile, cipher, now, poolSize: 3 }),
    async reset() {
      await schema.query('TRUNCATE stripe_oauth_tokens');
    },
    teardown: () => schema.drop(),
  };
});
