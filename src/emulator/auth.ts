/**
 * Who is calling: an API key (Bearer or Basic) or an emulator-issued OAuth access token, plus an
 * optional `Stripe-Account` header, resolved to the account and mode whose data the request sees.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SYSTEM_SCOPE, scopeFor, type Actor, type Engine } from './engine.js';
import { permissionDenied, unauthorized } from './errors.js';
import type { StoredObject } from './store.js';

export interface AccessTokenRecord extends StoredObject {
  object: 'oauth_access_token';
  account: string;
  livemode: boolean;
  scope: 'read_write' | 'read_only';
  grant: string;
  revoked: boolean;
  created: number;
}

export interface Caller extends Actor {
  readOnly: boolean;
  /** True for the platform's own keys, which may act for connected accounts via Stripe-Account. */
  platform: boolean;
}

/** Keys are masked as Stripe masks them in error messages: the prefix and the last four. */
export function maskKey(key: string): string {
  const prefix = /^[a-z]+_(test_|live_)?/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(4, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

export function keyFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const [scheme, credentials = ''] = header.split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return credentials || undefined;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(credentials, 'base64').toString();
    return decoded.split(':')[0] || undefined;
  }
  return undefined;
}

export class Authenticator {
  private readonly platformKeys = new Map<string, boolean /* livemode */>();

  constructor(private readonly engine: Engine, extraKeys: string[] = []) {
    this.platformKeys.set(engine.keys.secretKey, false);
    this.platformKeys.set(engine.keys.liveKey, true);
    for (const key of extraKeys) this.platformKeys.set(key, /_live_/.test(key));
  }

  isPlatformSecret(key: string | undefined): boolean {
    return key !== undefined && this.platformKeys.has(key);
  }

  authenticate(headers: IncomingHttpHeaders): Caller {
    const key = keyFromHeaders(headers);
    if (!key) {
      throw unauthorized(
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      );
    }
    const caller = this.callerForKey(key);
    const requested = headers['stripe-account'];
    const accountHeader = Array.isArray(requested) ? requested[0] : requested;
    if (!accountHeader || accountHeader === caller.accountId) return caller;
    const account = this.engine.account(accountHeader);
    if (!caller.platform || !account || account._connected !== true) {
      throw permissionDenied(
        `The provided key '${maskKey(key)}' does not have access to account '${accountHeader}' (or that account does not exist). Application access may have been revoked.`,
        'account_invalid',
      );
    }
    return { ...caller, accountId: accountHeader, scope: scopeFor(accountHeader, caller.livemode) };
  }

  private callerForKey(key: string): Caller {
    const platformLivemode = this.platformKeys.get(key);
    const platformAccountId = this.engine.keys.platformAccountId;
    if (platformLivemode !== undefined) {
      return { accountId: platformAccountId, livemode: platformLivemode, scope: scopeFor(platformAccountId, platformLivemode), readOnly: false, platform: true };
    }
    const token = this.engine.store.get<AccessTokenRecord>(SYSTEM_SCOPE, 'oauth_access_token', key);
    if (!token) throw unauthorized(`Invalid API Key provided: ${maskKey(key)}`);
    if (token.revoked) throw unauthorized(`Expired API Key provided: ${maskKey(key)}. Application access may have been revoked.`, 'api_key_expired');
    return {
      accountId: token.account,
      livemode: token.livemode,
      scope: scopeFor(token.account, token.livemode),
      readOnly: token.scope === 'read_only',
      platform: false,
    };
  }
}
