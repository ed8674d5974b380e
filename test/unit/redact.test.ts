import { describe, expect, it } from 'vitest';
import { maskSecret, maskUrlCredentials, redact, redactValue, registerSecret } from '../../src/redact.js';

describe('redact', () => {
  it('masks every kind of secret by shape', () => {
    const line = [
      'key sk_test_51AbCdEfGhIjKlMnOp',
      'restricted rk_live_ZyXwVuTsRqPoNm12',
      'whsec_AbCdEfGhIjKlMnOpQr',
      'refresh rt_AbCdEfGhIjKl1234',
      'Authorization: Bearer sk_test_abcdefghij',
      'Basic c2tfdGVzdF86',
      'postgres://atom:hunter2secret@db.internal:5432/atom',
      'client_secret=sk_test_zzzzzzzzzzzz&x=1',
    ].join(' ');
    const out = redact(line);
    for (const secret of ['51AbCdEfGhIjKlMnOp', 'ZyXwVuTsRqPoNm12', 'AbCdEfGhIjKlMnOpQr', 'AbCdEfGhIjKl1234', 'c2tfdGVzdF86', 'hunter2secret', 'zzzzzzzzzzzz']) {
      expect(out, secret).not.toContain(secret);
    }
    expect(out).toContain('sk_test_…MnOp');
    expect(out).toContain('postgres://atom:****@db.internal');
  });

  it('masks registered secrets of any shape', () => {
    registerSecret('opaque-token-value-123456');
    expect(redact('token=opaque-token-value-123456 done')).not.toContain('opaque-token-value-123456');
  });

  it('masks secret fields in structured log lines', () => {
    const out = redactValue({ access_token: 'anything-at-all-here', nested: { password: 'p4ssw0rd!!' }, note: 'sk_live_abcdefghijklmnop' });
    expect(JSON.stringify(out)).not.toMatch(/anything-at-all-here|p4ssw0rd|abcdefghijklmnop/);
  });

  it('keeps the kind and the last four characters', () => {
    expect(maskSecret('sk_test_1234567890abcd')).toBe('sk_test_…abcd');
    expect(maskSecret('whsec_short')).toBe('whsec_****');
  });

  it('masks the user name and password of a URL, and leaves a URL without them alone', () => {
    expect(maskUrlCredentials('http://user:p%40ss@127.0.0.1:3000/hook?x=1')).toBe('http://****@127.0.0.1:3000/hook?x=1');
    expect(maskUrlCredentials('https://tokenonly@example.com/')).toBe('https://****@example.com/');
    expect(maskUrlCredentials('http://127.0.0.1:3000/hook')).toBe('http://127.0.0.1:3000/hook');
    expect(maskUrlCredentials('not a url sk_test_51AbCdEfGhIjKlMnOp')).not.toContain('51AbCdEfGhIjKlMnOp');
  });
});
