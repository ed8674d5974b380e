/**
 * `token import` writes record by record (the keychain has no transactions). When the store fails
 * part-way, the command must say how many records landed, and a second run must finish the job.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/commands/token/import.js';
import { testContext } from '../helpers/context.js';

const records = ['a', 'b', 'c'].map((user) => ({ user_id: user, access_token: `sk_test_import${user}1234567890`, livemode: false }));

describe('token import when the store fails part-way', () => {
  it('reports how many landed, and running it again completes the import', async () => {
    const { ctx: first, io } = testContext({ stdin: JSON.stringify(records) });
    const store = await first.tokens();
    let writes = 0;
    const failing = Object.create(store, {
      put: {
        value: async (record: never) => {
          writes += 1;
          if (writes === 2) throw new Error('disk I/O error');
          return store.put(record);
        },
      },
    });
    first.tokens = async () => failing;
    await expect(run({}, first)).rejects.toThrow('disk I/O error');
    expect(io.stderrText()).toContain('Imported 1 of 3 before the error below');
    expect((await store.list()).map((record) => record.user_id)).toEqual(['a']);

    const { ctx: second } = testContext({ stdin: JSON.stringify(records), env: first.env });
    await run({}, second);
    expect((await store.list()).map((record) => record.user_id).sort()).toEqual(['a', 'b', 'c']);
    await second.close();
    await first.close();
  });
});
