/** `webhook events list|show` with the global --account: acct_... or a connection's user id. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../../src/webhooks/sqlite-store.js';
import { isolatedEnv, runCli } from '../helpers/cli.js';

describe('webhook events and --account', () => {
  it('filters the list by connected account, by acct_ id or by connection name', async () => {
    const env = isolatedEnv();
    const store = await openSqliteEventStore(join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db'));
    const now = new Date();
    const event = (id: string, account: string | null) => ({
      eventId: id, type: 'customer.created', account, livemode: false, created: Math.floor(now.getTime() / 1000),
      source: 'push' as const, payload: Buffer.from(JSON.stringify({ id, object: 'event', type: 'customer.created', data: { object: {} } })), signature: null, receivedAt: now,
    });
    await store.insert([event('evt_platform1', null), event('evt_alpha1', 'acct_1Alpha'), event('evt_beta1', 'acct_1Beta')]);
    await store.close();

    const ids = async (args: string[]) => {
      const result = await runCli(['webhook', 'events', 'list', '--json', ...args], { env });
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as Array<{ id: string }>).map((row) => row.id).sort();
    };
    expect(await ids([])).toEqual(['evt_alpha1', 'evt_beta1', 'evt_platform1']);
    expect(await ids(['--account', 'acct_1Alpha'])).toEqual(['evt_alpha1']);
    expect(await ids(['--account', 'acct_1Nobody'])).toEqual([]);

    const imported = await runCli(['token', 'import'], { env, stdin: JSON.stringify([{ user_id: 'beta', access_token: 'sk_test_betaEvents000111', stripe_user_id: 'acct_1Beta' }]) });
    expect(imported.code, imported.stderr).toBe(0);
    expect(await ids(['--account', 'beta'])).toEqual(['evt_beta1']);
    const unknown = await runCli(['webhook', 'events', 'list', '--account', 'gamma'], { env });
    expect(unknown.code).toBe(3);

    const shown = await runCli(['webhook', 'events', 'show', 'evt_alpha1', '--account', 'acct_1Alpha', '--json'], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: 'evt_alpha1', account: 'acct_1Alpha' });
  });
});
