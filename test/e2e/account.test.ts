/**
 * --account: a stored connection's token is used by user id or by acct_ id; a token Stripe refuses
 * is marked needs_reconnect, and later runs are refused with exit 4 and the reconnect command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { isolatedEnv, runCli, type Env } from '../helpers/cli.js';
import { stripeFor } from '../helpers/emulator.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator?.close();
});

async function connectedToken(businessName: string) {
  const approval = emulator.control.approveOAuth({ businessName, email: 'owner@example.com' });
  return stripeFor(emulator).oauth.token({ grant_type: 'authorization_code', code: approval.code });
}

describe('--account', () => {
  it('acts as a stored connection by user id or acct_ id, and marks a refused token', async () => {
    const env: Env = isolatedEnv({ STRIPE_API_BASE: emulator.url, STRIPE_API_KEY: emulator.secretKey });
    const token = await connectedToken('Acme Ltd');
    const record = [
      {
        user_id: 'acme',
        access_token: token.access_token,
        refresh_token: token.refresh_token,
        token_type: token.token_type,
        stripe_user_id: token.stripe_user_id,
        stripe_publishable_key: token.stripe_publishable_key,
        scope: token.scope,
        livemode: false,
      },
    ];
    const imported = await runCli(['token', 'import'], { env, stdin: JSON.stringify(record) });
    expect(imported.code, imported.stderr).toBe(0);

    for (const account of ['acme', token.stripe_user_id!]) {
      const result = await runCli(['api', 'get', '/v1/account', '--account', account, '--json'], { env });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ id: token.stripe_user_id });
      expect(result.stdout + result.stderr).not.toContain(token.access_token!);
    }

    emulator.control.revokeTokens(token.stripe_user_id!);
    const refused = await runCli(['api', 'get', '/v1/balance', '--account', 'acme'], { env });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('run atom-stripe connect --user-id acme to reconnect');

    const list = await runCli(['token', 'list', '--json'], { env });
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ user_id: 'acme', status: 'needs_reconnect' })]);

    const before = emulator.control.requests().total;
    const again = await runCli(['api', 'get', '/v1/balance', '--account', 'acme'], { env });
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/connection "acme" is needs_reconnect \(run atom-stripe connect --user-id acme to reconnect\)/);
    expect(emulator.control.requests().total).toBe(before);
  });

  it('fails with exit 3 for an unknown connection name, sending nothing', async () => {
    const env = isolatedEnv({ STRIPE_API_BASE: emulator.url, STRIPE_API_KEY: emulator.secretKey });
    const before = emulator.control.requests().total;
    const result = await runCli(['api', 'get', '/v1/balance', '--account', 'nobody'], { env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('run atom-stripe connect --user-id nobody');
    expect(emulator.control.requests().total).toBe(before);
  });
});
