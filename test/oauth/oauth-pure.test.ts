/** The pure parts of Connect OAuth and the refresh engine: no network, no store. */
import { describe, expect, it } from 'vitest';
import { authorizeUrl, connectBase, newState, parsePasted, parseScope, resolveRedirectUri } from '../../src/oauth/authorize.js';
import { browserCommand, launchArgs } from '../../src/oauth/browser.js';
import { formatDuration, parseDuration } from '../../src/oauth/duration.js';
import { AuthError, TemporaryError } from '../../src/errors.js';
import { classify, lockSlots, plan, rollIdempotencyKey } from '../../src/oauth/refresh.js';
import type { TokenRecord, TokenStore } from '../../src/store/types.js';

const now = new Date('2026-11-26T12:00:00Z');
const record = (changes: Partial<TokenRecord> = {}): TokenRecord => ({
  profile: 'default', user_id: 'acme', access_token: 'sk_test_x', refresh_token: 'rt_x', token_type: 'bearer', expires_at: null,
  stripe_user_id: 'acct_1', stripe_publishable_key: null, scope: 'read_write', livemode: false, status: 'active',
  last_verified_at: null, last_refreshed_at: null, last_error: null, key_id: 'k', created_at: '2026-11-01T00:00:00.000Z',
  updated_at: '2026-11-01T00:00:00.000Z', version: 1, ...changes,
});

describe('authorize', () => {
  it('accepts the two real scopes and names them when rejecting made-up ones', () => {
    expect(parseScope('read_write')).toBe('read_write');
    expect(parseScope('read_only')).toBe('read_only');
    for (const scope of ['payments', 'customers', 'read', '']) {
      expect(() => parseScope(scope)).toThrow(/Stripe has only read_write and read_only/);
    }
  });

  it('makes 32-byte base64url states, different every time', () => {
    const states = new Set(Array.from({ length: 50 }, newState));
    expect(states.size).toBe(50);
    for (const state of states) expect(Buffer.from(state, 'base64url')).toHaveLength(32);
  });

  it('builds the authorize URL on the connect base, with the Express path when asked', () => {
    const url = new URL(authorizeUrl({ base: 'http://127.0.0.1:12111', clientId: 'ca_1', scope: 'read_only', state: 's', redirectUri: 'http://127.0.0.1:8789/callback' }));
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:12111/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({ response_type: 'code', client_id: 'ca_1', scope: 'read_only', state: 's', redirect_uri: 'http://127.0.0.1:8789/callback' });
    expect(authorizeUrl({ base: 'https://connect.stripe.com', clientId: 'ca_1', scope: 'read_write', state: 's', redirectUri: 'https://x/cb', express: true })).toMatch(
      /^https:\/\/connect\.stripe\.com\/express\/oauth\/authorize\?/,
    );
  });

  it('picks connect_base, else connect.stripe.com for Stripe, else the API base itself', () => {
    expect(connectBase(undefined, undefined)).toBe('https://connect.stripe.com');
    expect(connectBase(undefined, 'https://api.stripe.com')).toBe('https://connect.stripe.com');
    expect(connectBase(undefined, 'http://127.0.0.1:12111')).toBe('http://127.0.0.1:12111');
    expect(connectBase('https://connect.example.test/', 'http://127.0.0.1:12111')).toBe('https://connect.example.test');
  });

  it('rewrites the redirect port with --port and requires https in live mode', () => {
    expect(resolveRedirectUri(undefined, undefined, false).toString()).toBe('http://127.0.0.1:8789/callback');
    expect(resolveRedirectUri('http://127.0.0.1:8789/cb', 9000, false).toString()).toBe('http://127.0.0.1:9000/cb');
    expect(() => resolveRedirectUri(undefined, undefined, true)).toThrow(/live mode requires an https redirect URI/);
    expect(resolveRedirectUri('https://example.test/cb', undefined, true).protocol).toBe('https:');
    expect(() => resolveRedirectUri('ftp://x/cb', undefined, false)).toThrow(/http or https/);
  });

  it('takes a pasted code or a whole redirect URL', () => {
    expect(parsePasted('  ac_abc123  ')).toEqual({ code: 'ac_abc123' });
    expect(parsePasted('http://127.0.0.1:8789/callback?code=ac_1&scope=read_write&state=s1')).toMatchObject({ code: 'ac_1', state: 's1' });
    expect(parsePasted('http://127.0.0.1:8789/callback?error=access_denied&state=s')).toMatchObject({ error: 'access_denied' });
    expect(() => parsePasted('not a code!')).toThrow(/neither an authorization code nor a redirect URL/);
  });
});

describe('browser', () => {
  it('honours $BROWSER, the platform opener, and knows a headless Linux has none', () => {
    expect(browserCommand({ BROWSER: 'firefox --new-tab' }, 'linux')).toEqual({ command: 'firefox', args: ['--new-tab'] });
    expect(browserCommand({}, 'darwin')).toEqual({ command: 'open', args: [] });
    expect(browserCommand({ DISPLAY: ':0' }, 'linux')).toEqual({ command: 'xdg-open', args: [] });
    expect(browserCommand({}, 'linux')).toBeUndefined();
    // cmd.exe would cut an unquoted URL at its first &.
    const windows = browserCommand({}, 'win32')!;
    expect([windows.command, ...launchArgs(windows, 'https://x.test/a?b=1&c=2')]).toEqual(['cmd', '/c', 'start', '""', '"https://x.test/a?b=1&c=2"']);
    expect(launchArgs(browserCommand({}, 'darwin')!, 'https://x.test/a?b=1&c=2')).toEqual(['https://x.test/a?b=1&c=2']);
  });
});

describe('durations', () => {
  it('parses units and rejects anything else', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('2w')).toBe(1_209_600_000);
    expect(() => parseDuration('soon')).toThrow(/--max-age "soon" is not a duration/);
    expect(formatDuration(604_800_000)).toBe('1w');
  });
});

describe('refresh planning', () => {
  it('rolls on --roll, on age past --max-age (last roll, else creation), and on expiry within it', () => {
    const week = 7 * 86_400_000;
    expect(plan(record(), { roll: true, maxAgeMs: undefined } as never, now)).toEqual({ action: 'roll', reason: '--roll' });
    expect(plan(record(), { roll: false, maxAgeMs: week } as never, now)).toEqual({ action: 'roll', reason: 'never rolled, older than --max-age' });
    expect(plan(record({ last_refreshed_at: '2026-11-25T00:00:00Z' }), { roll: false, maxAgeMs: week } as never, now).action).toBe('verify');
    expect(plan(record({ last_refreshed_at: '2026-11-25T00:00:00Z', expires_at: '2026-11-28T00:00:00Z' }), { roll: false, maxAgeMs: week } as never, now)).toEqual({
      action: 'roll',
      reason: 'expires within --max-age',
    });
    expect(plan(record(), { roll: false } as never, now)).toEqual({ action: 'verify', reason: null });
  });

  it('skips revoked records, only verifies needs_reconnect ones and those without a refresh token', () => {
    expect(plan(record({ status: 'revoked' }), { roll: true } as never, now).action).toBe('skip');
    expect(plan(record({ status: 'needs_reconnect' }), { roll: true } as never, now).action).toBe('verify');
    expect(plan(record({ refresh_token: null }), { roll: true } as never, now)).toEqual({ action: 'verify', reason: 'no refresh token stored; verify only' });
  });

  it('derives the roll idempotency key from the attempt: retries of one attempt share it, another attempt or refresh token never does', () => {
    const attempt = (changes: Partial<TokenRecord> = {}) => ({ ...record(changes), roll_attempt: 'attempt-1' });
    const key = rollIdempotencyKey(attempt());
    expect(key).toMatch(/^atom-stripe-roll-[\w-]{32}$/);
    expect(rollIdempotencyKey(attempt())).toBe(key);
    // A verify by another run bumps the version between the grant and a rerun: the rerun must replay.
    expect(rollIdempotencyKey(attempt({ version: 2 }))).toBe(key);
    expect(rollIdempotencyKey({ ...attempt(), roll_attempt: 'attempt-2' })).not.toBe(key);
    expect(rollIdempotencyKey(attempt({ refresh_token: 'rt_y' }))).not.toBe(key);
    expect(key).not.toContain('rt_x');
  });

  it('keeps two postgres connections free of locks', () => {
    const postgres = { kind: 'postgres' } as TokenStore;
    expect(lockSlots(postgres, 16)).toBe(2);
    expect(lockSlots(postgres, 16, 10)).toBe(8);
    expect(lockSlots(postgres, 1, 10)).toBe(1);
    expect(lockSlots({ kind: 'sqlite' } as TokenStore, 16)).toBe(16);
  });

  it('classifies Stripe errors for the exit code', () => {
    const stripeError = (type: string, statusCode: number) => Object.assign(new Error('x'), { type, statusCode });
    expect(classify(stripeError('StripeAuthenticationError', 401))).toBe('auth');
    expect(classify(stripeError('StripePermissionError', 403))).toBe('auth');
    expect(classify(stripeError('StripeInvalidGrantError', 400))).toBe('invalid_grant');
    expect(classify(stripeError('StripeRateLimitError', 429))).toBe('rate');
    expect(classify(stripeError('StripeAPIError', 500))).toBe('temporary');
    expect(classify(stripeError('StripeInvalidRequestError', 400))).toBe('failed');
    expect(classify(stripeError('StripeInvalidRequestError', 404))).toBe('failed');
    expect(classify(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('temporary');
    expect(classify(new TemporaryError('pool exhausted'))).toBe('temporary');
    // A local error with the auth exit code does not refuse the token.
    expect(classify(new AuthError('keychain locked'))).toBe('failed');
  });
});
