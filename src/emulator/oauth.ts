/**
 * Stripe Connect OAuth on the emulator's own host: the consent page (/oauth/authorize and
 * /express/oauth/authorize), the token endpoint with both grants, and deauthorization.
 * Errors use OAuth's shape `{error, error_description}`, not the API's.
 */
import { SYSTEM_SCOPE, systemContext, scopeFor, type Engine } from './engine.js';
import { maskKey, type AccessTokenRecord } from './auth.js';
import { newId, newSecret } from './ids.js';
import type { Params } from './params.js';
import type { StoredObject } from './store.js';

export type OAuthScope = 'read_write' | 'read_only';
const SCOPES: OAuthScope[] = ['read_write', 'read_only'];

interface CodeRecord extends StoredObject {
  account: string;
  scope: OAuthScope;
  used: boolean;
  created: number;
}

interface RefreshTokenRecord extends StoredObject {
  account: string;
  scope: OAuthScope;
  grant: string;
  livemode: boolean;
  revoked: boolean;
}

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
  toBody(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/** An HTTP answer from the OAuth module: JSON, a redirect, or an HTML page. */
export type OAuthResponse =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'redirect'; location: string }
  | { kind: 'html'; status: number; body: string };

export interface ApprovalResult {
  code: string;
  redirectUrl: string;
  stripeUserId: string;
  scope: OAuthScope;
}

function text(params: Params, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function withQuery(base: string, query: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

export class OAuthProvider {
  constructor(
    private readonly engine: Engine,
    readonly clientId: string,
    readonly redirectUris: string[],
    private readonly isPlatformSecret: (key: string | undefined) => boolean,
    private readonly options: { rotateRefreshTokens?: boolean } = {},
  ) {}

  /** Refresh-token grants that ran (replays by idempotency key do not reach here), per account. */
  private readonly grants = new Map<string, number>();

  refreshGrants(): Record<string, number> {
    return Object.fromEntries(this.grants);
  }

  resetGrants(): void {
    this.grants.clear();
  }

  /** The consent page, or, with `_emulator_action=approve|deny`, the redirect a click would cause. */
  authorize(params: Params): OAuthResponse {
    const clientId = text(params, 'client_id');
    if (clientId !== this.clientId) {
      return this.errorPage('invalid_client', `No application matches the supplied client identifier: ${clientId ?? '(none)'}`);
    }
    const requestedRedirect = text(params, 'redirect_uri');
    const redirectUri = requestedRedirect ?? this.redirectUris[0];
    if (!redirectUri || !this.redirectUris.includes(redirectUri)) {
      return this.errorPage('invalid_redirect_uri', `Invalid redirect URI '${requestedRedirect}'. Ensure this uri exactly matches one of the uris specified in your application settings.`);
    }
    const state = text(params, 'state');
    const responseType = text(params, 'response_type') ?? 'code';
    if (responseType !== 'code') {
      return { kind: 'redirect', location: withQuery(redirectUri, { error: 'unsupported_response_type', error_description: `Unsupported response_type: ${responseType}`, state }) };
    }
    const scope = text(params, 'scope') ?? 'read_write';
    if (!SCOPES.includes(scope as OAuthScope)) {
      return { kind: 'redirect', location: withQuery(redirectUri, { error: 'invalid_scope', error_description: `Invalid scope: ${scope}. Valid scopes are read_write and read_only.`, state }) };
    }
    const action = text(params, '_emulator_action');
    if (action === 'deny') {
      return { kind: 'redirect', location: withQuery(redirectUri, { error: 'access_denied', error_description: 'The user denied your request', state }) };
    }
    if (action === 'approve') return { kind: 'redirect', location: this.approve(params, redirectUri, scope as OAuthScope).redirectUrl };
    return { kind: 'html', status: 200, body: this.consentPage(params, scope) };
  }

  /**
   * Approves as the user would: connects an existing account (`_emulator_account`) or a new one
   * described by `stripe_user[email]` / `stripe_user[business_name]`, and issues a single-use code.
   */
  approve(params: Params, redirectUri = text(params, 'redirect_uri') ?? this.redirectUris[0], scope: OAuthScope = (text(params, 'scope') as OAuthScope) ?? 'read_write'): ApprovalResult {
    const requestedAccount = text(params, '_emulator_account');
    const stripeUser = (typeof params.stripe_user === 'object' && !Array.isArray(params.stripe_user) ? params.stripe_user : {}) as Params;
    let account = requestedAccount ? this.engine.account(requestedAccount) : undefined;
    if (!account || account.id === this.engine.keys.platformAccountId) {
      account = this.engine.createAccount({
        connected: true,
        email: text(stripeUser, 'email'),
        businessName: text(stripeUser, 'business_name') ?? 'Connected test business',
        country: text(stripeUser, 'country'),
      });
    } else if (account._connected !== true) {
      account = this.engine.store.replace(SYSTEM_SCOPE, 'account', { ...account, _connected: true });
    }
    const code: CodeRecord = { id: newSecret('ac_', 24), object: 'oauth_code', account: account.id, scope, used: false, created: this.engine.unixNow() };
    this.engine.store.insert(SYSTEM_SCOPE, 'oauth_code', code);
    return { code: code.id, redirectUrl: withQuery(redirectUri, { code: code.id, scope, state: text(params, 'state') }), stripeUserId: account.id, scope };
  }

  token(params: Params, bearerKey: string | undefined): OAuthResponse {
    const secret = text(params, 'client_secret') ?? bearerKey;
    if (!this.isPlatformSecret(secret)) {
      throw new OAuthError(401, 'invalid_client', secret ? `No such API key: ${maskKey(secret)}` : 'No client secret provided.');
    }
    const livemode = /_live_/.test(secret!);
    const grantType = text(params, 'grant_type');
    if (!grantType) throw new OAuthError(400, 'invalid_request', 'No grant type specified');
    if (grantType === 'authorization_code') return this.exchangeCode(params, livemode);
    if (grantType === 'refresh_token') return this.refresh(params);
    throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
  }

  private exchangeCode(params: Params, livemode: boolean): OAuthResponse {
    const codeId = text(params, 'code');
    if (!codeId) throw new OAuthError(400, 'invalid_request', 'No authorization code provided');
    const code = this.engine.store.get<CodeRecord>(SYSTEM_SCOPE, 'oauth_code', codeId);
    if (!code) throw new OAuthError(400, 'invalid_grant', `Authorization code does not exist: ${maskKey(codeId)}`);
    if (code.used) {
      // Stripe treats a replayed code as a stolen one and revokes what it issued.
      this.revokeGrant(code.id);
      throw new OAuthError(400, 'invalid_grant', `Authorization code already used: ${maskKey(codeId)}`);
    }
    this.engine.store.replace(SYSTEM_SCOPE, 'oauth_code', { ...code, used: true });
    const refreshToken: RefreshTokenRecord = {
      id: newSecret('rt_', 48), object: 'oauth_refresh_token', account: code.account, scope: code.scope, grant: code.id, livemode, revoked: false,
    };
    this.engine.store.insert(SYSTEM_SCOPE, 'oauth_refresh_token', refreshToken);
    return { kind: 'json', status: 200, body: this.issueAccessToken(refreshToken, code.scope) };
  }

  private refresh(params: Params): OAuthResponse {
    const token = text(params, 'refresh_token');
    if (!token) throw new OAuthError(400, 'invalid_request', 'No refresh token provided');
    const record = this.engine.store.get<RefreshTokenRecord>(SYSTEM_SCOPE, 'oauth_refresh_token', token);
    if (!record || record.revoked) throw new OAuthError(400, 'invalid_grant', `Refresh token does not exist: ${maskKey(token)}`);
    const requested = text(params, 'scope') ?? record.scope;
    if (!SCOPES.includes(requested as OAuthScope)) throw new OAuthError(400, 'invalid_scope', `Invalid scope: ${requested}. Valid scopes are read_write and read_only.`);
    if (record.scope === 'read_only' && requested === 'read_write') {
      throw new OAuthError(400, 'invalid_scope', 'A refresh token cannot grant a wider scope than the original authorization (read_only).');
    }
    this.grants.set(record.account, (this.grants.get(record.account) ?? 0) + 1);
    return { kind: 'json', status: 200, body: this.issueAccessToken(this.options.rotateRefreshTokens ? this.rotate(record) : record, requested as OAuthScope) };
  }

  /**
   * With rotateRefreshTokens, as Stripe may: every refresh grant answers a new refresh token, and the
   * one it used stops working. A client that loses the answer can only recover by replaying the grant
   * with the same idempotency key.
   */
  private rotate(used: RefreshTokenRecord): RefreshTokenRecord {
    const next: RefreshTokenRecord = { ...used, id: newSecret('rt_', 48), revoked: false };
    this.engine.store.batch(() => {
      this.engine.store.replace(SYSTEM_SCOPE, 'oauth_refresh_token', { ...used, revoked: true });
      this.engine.store.insert(SYSTEM_SCOPE, 'oauth_refresh_token', next);
    });
    return next;
  }

  private issueAccessToken(refreshToken: RefreshTokenRecord, scope: OAuthScope): Record<string, unknown> {
    const prefix = refreshToken.livemode ? 'sk_live_' : 'sk_test_';
    const token: AccessTokenRecord = {
      id: newSecret(prefix, 48), object: 'oauth_access_token', account: refreshToken.account, livemode: refreshToken.livemode,
      scope, grant: refreshToken.grant, revoked: false, created: this.engine.unixNow(),
    };
    this.engine.store.insert(SYSTEM_SCOPE, 'oauth_access_token', token);
    const publishable = String(this.engine.account(refreshToken.account)?._publishableKey ?? '');
    return {
      access_token: token.id,
      livemode: refreshToken.livemode,
      refresh_token: refreshToken.id,
      scope,
      stripe_publishable_key: refreshToken.livemode ? publishable.replace('pk_test_', 'pk_live_') : publishable,
      stripe_user_id: refreshToken.account,
      token_type: 'bearer',
    };
  }

  deauthorize(params: Params, bearerKey: string | undefined): OAuthResponse {
    const secret = text(params, 'client_secret') ?? bearerKey;
    if (!this.isPlatformSecret(secret)) throw new OAuthError(401, 'invalid_client', 'No valid API key provided.');
    const clientId = text(params, 'client_id');
    if (clientId !== this.clientId) throw new OAuthError(400, 'invalid_client', `No such application: '${clientId ?? ''}'`);
    const stripeUserId = text(params, 'stripe_user_id');
    if (!stripeUserId) throw new OAuthError(400, 'invalid_request', 'No stripe_user_id provided');
    const account = this.engine.account(stripeUserId);
    if (!account || account._connected !== true) {
      throw new OAuthError(400, 'invalid_client', `This application is not connected to stripe account ${stripeUserId}, or that account does not exist.`);
    }
    this.revokeAccount(stripeUserId);
    this.engine.store.replace(SYSTEM_SCOPE, 'account', { ...account, _connected: false });
    const livemode = /_live_/.test(secret!);
    const ctx = systemContext(this.engine, scopeFor(stripeUserId, livemode));
    this.engine.emit(ctx, 'account.application.deauthorized', { id: this.clientId, object: 'application', name: 'atom-stripe emulator platform' });
    return { kind: 'json', status: 200, body: { stripe_user_id: stripeUserId } };
  }

  /** Revokes every token issued for an account; returns how many were revoked. */
  revokeAccount(accountId: string): number {
    return this.revokeWhere((record) => record.account === accountId);
  }

  private revokeGrant(grant: string): number {
    return this.revokeWhere((record) => record.grant === grant);
  }

  private revokeWhere(matches: (record: StoredObject) => boolean): number {
    let revoked = 0;
    this.engine.store.batch(() => {
      for (const type of ['oauth_access_token', 'oauth_refresh_token']) {
        for (const record of [...this.engine.store.walk(SYSTEM_SCOPE, type)]) {
          if (record.revoked !== true && matches(record)) {
            this.engine.store.replace(SYSTEM_SCOPE, type, { ...record, revoked: true });
            revoked++;
          }
        }
      }
    });
    return revoked;
  }

  private errorPage(error: string, description: string): OAuthResponse {
    return {
      kind: 'html',
      status: 400,
      body: `<!doctype html><html><head><meta charset="utf-8"><title>Stripe Connect error</title></head><body><h1>${escapeHtml(error)}</h1><p>${escapeHtml(description)}</p></body></html>`,
    };
  }

  private consentPage(params: Params, scope: string): string {
    const hidden = Object.entries(params)
      .filter(([name, value]) => typeof value === 'string' && name !== '_emulator_action')
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value as string)}">`)
      .join('\n      ');
    return `<!doctype html>
<html><head><meta charset="utf-8"><title>Connect with the Stripe emulator</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 4rem auto">
  <h1>Connect your Stripe account</h1>
  <p>An application (<code>${escapeHtml(this.clientId)}</code>) asks for <strong>${escapeHtml(scope)}</strong> access to a Stripe account on this emulator.</p>
  <form method="post">
      ${hidden}
    <button type="submit" name="_emulator_action" value="approve">Approve</button>
    <button type="submit" name="_emulator_action" value="deny">Deny</button>
  </form>
</body></html>`;
  }
}
