/**
 * POST /oauth/token honours Idempotency-Key like /v1: token refresh sends one with every
 * refresh_token grant, so a run that died after Stripe answered can replay the grant and store the
 * same tokens instead of getting invalid_grant for a refresh token that was already used.
 */
import { describe, it, expect } from 'vitest';
import { expectStripeError, stripeFor, withEmulator } from '../helpers/emulator.js';

const REDIRECT = 'http://127.0.0.1:8789/callback';
const emulator = withEmulator({ redirectUris: [REDIRECT] });

/** stripe-node sets lastResponse on OAuth results too, though its typings leave it out. */
const replayed = (result: unknown) => (result as { lastResponse: { headers: Record<string, string | undefined> } }).lastResponse.headers['idempotent-replayed'];

async function connected() {
  const { code } = emulator.current.control.approveOAuth({ redirectUri: REDIRECT, scope: 'read_write' });
  return stripeFor(emulator.current).oauth.token({ grant_type: 'authorization_code', code });
}

describe('idempotent OAuth token grants', () => {
  it('replays a refresh_token grant with the same key: the same tokens, executed once', async () => {
    const stripe = stripeFor(emulator.current);
    const token = await connected();
    const grant = { grant_type: 'refresh_token', refresh_token: token.refresh_token! } as const;
    const first = await stripe.oauth.token(grant, { idempotencyKey: 'roll-once' });
    const second = await stripe.oauth.token(grant, { idempotencyKey: 'roll-once' });
    expect(first.access_token).not.toBe(token.access_token);
    expect(second.access_token).toBe(first.access_token);
    expect(second.refresh_token).toBe(first.refresh_token);
    expect(replayed(second)).toBe('true');
    expect(replayed(first)).toBeUndefined();
    expect(emulator.current.control.idempotencyStats('roll-once')).toEqual({ requests: 2, executions: 1, replays: 1 });
    // The replayed token is the live one.
    const account = await stripeFor(emulator.current, second.access_token!).accounts.retrieve(null);
    expect(account.id).toBe(token.stripe_user_id);
  });

  it('runs every grant without a key: each one issues a new access token', async () => {
    const stripe = stripeFor(emulator.current);
    const token = await connected();
    const grant = { grant_type: 'refresh_token', refresh_token: token.refresh_token! } as const;
    const first = await stripe.oauth.token(grant);
    const second = await stripe.oauth.token(grant);
    expect(second.access_token).not.toBe(first.access_token);
    expect(replayed(second)).toBeUndefined();
  });

  it('refuses the same key with other parameters', async () => {
    const stripe = stripeFor(emulator.current);
    const one = await connected();
    const two = await connected();
    await stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: one.refresh_token! }, { idempotencyKey: 'roll-mismatch' });
    const error = await expectStripeError(stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: two.refresh_token! }, { idempotencyKey: 'roll-mismatch' }));
    expect(error.statusCode).toBe(400);
    expect(error.rawType).toBe('idempotency_error');
  });

  it('does not store a failed grant, so a fixed retry with the same key runs', async () => {
    const stripe = stripeFor(emulator.current);
    const bad = await expectStripeError(stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: 'rt_unknown' }, { idempotencyKey: 'roll-bad' }));
    expect(bad.statusCode).toBe(400);
    const again = await expectStripeError(stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: 'rt_unknown' }, { idempotencyKey: 'roll-bad' }));
    expect(again.headers?.['idempotent-replayed']).toBeUndefined();
    expect(emulator.current.control.idempotencyStats('roll-bad')).toMatchObject({ executions: 2, replays: 0 });
  });
});
