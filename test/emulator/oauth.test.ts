import { describe, it, expect } from 'vitest';
import type Stripe from 'stripe';
import { expectStripeError, stripeFor, withEmulator } from '../helpers/emulator.js';

const REDIRECT = 'http://127.0.0.1:8789/callback';
const emulator = withEmulator();

function authorizeUrl(params: Record<string, string>, path = '/oauth/authorize'): string {
  const query = new URLSearchParams({ response_type: 'code', client_id: emulator.current.clientId, scope: 'read_write', redirect_uri: REDIRECT, ...params });
  return `${emulator.current.url}${path}?${query}`;
}

/** Follows the consent page non-interactively and returns the redirect's query. */
async function authorize(params: Record<string, string> = {}, path?: string): Promise<URLSearchParams> {
  const response = await fetch(authorizeUrl({ _emulator_action: 'approve', ...params }, path), { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  return location.searchParams;
}

async function connect(scope: 'read_write' | 'read_only' = 'read_write'): Promise<Stripe.OAuthToken> {
  const query = await authorize({ scope, state: 'xyz' });
  return stripeFor(emulator.current).oauth.token({ grant_type: 'authorization_code', code: query.get('code')! });
}

describe('the consent page', () => {
  it('shows Approve and Deny, and redirects with code and state on approval', async () => {
    const page = await fetch(authorizeUrl({ state: 'abc' }));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('value="approve"');
    expect(html).toContain('value="deny"');

    const approved = await fetch(authorizeUrl({ state: 'abc' }), {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ _emulator_action: 'approve' }),
    });
    expect(approved.status).toBe(302);
    const query = new URL(approved.headers.get('location')!).searchParams;
    expect(query.get('code')).toMatch(/^ac_/);
    expect(query.get('state')).toBe('abc');
    expect(query.get('scope')).toBe('read_write');
  });

  it('redirects with access_denied when the user denies', async () => {
    const response = await fetch(authorizeUrl({ _emulator_action: 'deny', state: 's1' }), { redirect: 'manual' });
    const query = new URL(response.headers.get('location')!).searchParams;
    expect(query.get('error')).toBe('access_denied');
    expect(query.get('error_description')).toBeTruthy();
    expect(query.get('state')).toBe('s1');
    expect(query.get('code')).toBeNull();
  });

  it('shows invalid_redirect_uri for an unregistered redirect_uri, without redirecting', async () => {
    const response = await fetch(authorizeUrl({ redirect_uri: 'http://evil.example/callback', _emulator_action: 'approve' }), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('invalid_redirect_uri');
  });

  it('redirects with invalid_scope for a scope Stripe does not have', async () => {
    const response = await fetch(authorizeUrl({ scope: 'read_write write_all', _emulator_action: 'approve' }), { redirect: 'manual' });
    expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
  });

  it('serves the Express path too, and builds on stripe-node authorizeUrl parameters', async () => {
    const query = await authorize({}, '/express/oauth/authorize');
    expect(query.get('code')).toMatch(/^ac_/);
    const url = new URL(stripeFor(emulator.current).oauth.authorizeUrl({ client_id: emulator.current.clientId, redirect_uri: REDIRECT }));
    expect(url.pathname).toBe('/oauth/authorize');
  });
});

describe('POST /oauth/token', () => {
  it('exchanges a code once for tokens that act as the connected account', async () => {
    const token = await connect();
    expect(token).toMatchObject({ token_type: 'bearer', scope: 'read_write', livemode: false });
    expect(token.access_token).toMatch(/^sk_test_/);
    expect(token.refresh_token).toMatch(/^rt_/);
    expect(token.stripe_publishable_key).toMatch(/^pk_test_/);
    expect(token.stripe_user_id).toMatch(/^acct_/);

    const asAccount = stripeFor(emulator.current, token.access_token!);
    const account = await asAccount.accounts.retrieveCurrent();
    expect(account.id).toBe(token.stripe_user_id);
    const customer = await asAccount.customers.create({ name: 'Via OAuth' });
    const viaHeader = stripeFor(emulator.current, undefined, { stripeAccount: token.stripe_user_id });
    expect((await viaHeader.customers.retrieve(customer.id)).id).toBe(customer.id);
  });

  it('refuses a reused code with invalid_grant and revokes the tokens it issued', async () => {
    const stripe = stripeFor(emulator.current);
    const code = (await authorize()).get('code')!;
    const token = await stripe.oauth.token({ grant_type: 'authorization_code', code });
    const reuse = await expectStripeError(stripe.oauth.token({ grant_type: 'authorization_code', code }));
    expect(reuse.type).toBe('StripeInvalidGrantError');
    expect(reuse.statusCode).toBe(400);
    const revoked = await expectStripeError(stripeFor(emulator.current, token.access_token!).customers.list());
    expect(revoked.statusCode).toBe(401);
    const refresh = await expectStripeError(stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: token.refresh_token! }));
    expect(refresh.type).toBe('StripeInvalidGrantError');
  });

  it('refreshes to a new access token, and may narrow but not widen the scope', async () => {
    const stripe = stripeFor(emulator.current);
    const token = await connect();
    const refreshed = await stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: token.refresh_token! });
    expect(refreshed.access_token).not.toBe(token.access_token);
    expect(refreshed.stripe_user_id).toBe(token.stripe_user_id);
    expect((await stripeFor(emulator.current, refreshed.access_token!).accounts.retrieveCurrent()).id).toBe(token.stripe_user_id);

    const narrowed = await stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: token.refresh_token!, scope: 'read_only' });
    expect(narrowed.scope).toBe('read_only');
    const readOnly = await connect('read_only');
    const widened = await expectStripeError(stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: readOnly.refresh_token!, scope: 'read_write' }));
    expect(widened.type).toBe('StripeInvalidScopeError');
    const bogus = await expectStripeError(stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: token.refresh_token!, scope: 'admin' }));
    expect(bogus.type).toBe('StripeInvalidScopeError');
  });

  it('lets a read_only token read but not write', async () => {
    const token = await connect('read_only');
    const readOnly = stripeFor(emulator.current, token.access_token!);
    expect((await readOnly.customers.list()).object).toBe('list');
    const write = await expectStripeError(readOnly.customers.create({ name: 'Nope' }));
    expect(write.statusCode).toBe(403);
    expect(write.type).toBe('StripePermissionError');
  });

  it('answers OAuth errors with {error, error_description}', async () => {
    const stripe = stripeFor(emulator.current);
    const badClient = await expectStripeError(stripeFor(emulator.current, 'sk_test_wrong_secret_123456').oauth.token({ grant_type: 'authorization_code', code: 'ac_x' }));
    expect(badClient.type).toBe('StripeInvalidClientError');
    const unknownCode = await expectStripeError(stripe.oauth.token({ grant_type: 'authorization_code', code: 'ac_doesnotexist' }));
    expect(unknownCode.type).toBe('StripeInvalidGrantError');
    const noCode = await expectStripeError(stripe.oauth.token({ grant_type: 'authorization_code' } as Stripe.OAuthTokenParams));
    expect(noCode.type).toBe('StripeOAuthInvalidRequestError');
    const grant = await expectStripeError(stripe.oauth.token({ grant_type: 'password' as 'refresh_token' }));
    expect(grant.type).toBe('StripeUnsupportedGrantTypeError');

    const rawResponse = await fetch(`${emulator.current.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ client_secret: emulator.current.secretKey, grant_type: 'authorization_code', code: 'ac_nope' }) });
    expect(rawResponse.status).toBe(400);
    expect(Object.keys((await rawResponse.json()) as object).sort()).toEqual(['error', 'error_description']);
  });
});

describe('POST /oauth/deauthorize', () => {
  it('revokes the tokens, disconnects the account and records account.application.deauthorized', async () => {
    const stripe = stripeFor(emulator.current);
    const token = await connect();
    const result = await stripe.oauth.deauthorize({ client_id: emulator.current.clientId, stripe_user_id: token.stripe_user_id! });
    expect(result).toMatchObject({ stripe_user_id: token.stripe_user_id });
    const revoked = await expectStripeError(stripeFor(emulator.current, token.access_token!).customers.list());
    expect(revoked.statusCode).toBe(401);
    const header = await expectStripeError(stripeFor(emulator.current, undefined, { stripeAccount: token.stripe_user_id }).customers.list());
    expect(header.statusCode).toBe(403);
    const again = await expectStripeError(stripe.oauth.deauthorize({ client_id: emulator.current.clientId, stripe_user_id: token.stripe_user_id! }));
    expect(again.type).toBe('StripeInvalidClientError');
    const wrongClient = await expectStripeError(stripe.oauth.deauthorize({ client_id: 'ca_wrong', stripe_user_id: 'acct_1' }));
    expect(wrongClient.type).toBe('StripeInvalidClientError');
  });

  it('lets tests revoke an account’s tokens directly', async () => {
    const token = await connect();
    expect(emulator.current.control.revokeTokens(token.stripe_user_id!)).toBe(2);
    const revoked = await expectStripeError(stripeFor(emulator.current, token.access_token!).accounts.retrieveCurrent());
    expect(revoked.type).toBe('StripeAuthenticationError');
  });

  it('approves non-interactively through the control API, reconnecting an existing account', async () => {
    const first = emulator.current.control.approveOAuth({ email: 'owner@example.com', businessName: 'Owner Co', state: 'st' });
    expect(new URL(first.redirectUrl).searchParams.get('state')).toBe('st');
    const token = await stripeFor(emulator.current).oauth.token({ grant_type: 'authorization_code', code: first.code });
    const account = await stripeFor(emulator.current, token.access_token!).accounts.retrieveCurrent();
    expect(account).toMatchObject({ email: 'owner@example.com', business_profile: { name: 'Owner Co' } });
    const again = emulator.current.control.approveOAuth({ account: first.stripeUserId });
    expect(again.stripeUserId).toBe(first.stripeUserId);
  });
});
