import { describe, expect, it } from 'vitest';
import { createCipher, deriveKeyFromSecret, generateKey, keyIdFor, parseKey } from '../../src/store/crypto.js';
import { DecryptError } from '../../src/store/errors.js';
import { UsageError } from '../../src/errors.js';

const context = { profile: 'default', userId: 'acme', field: 'access_token' };

describe('crypto', () => {
  it('round-trips, with a fresh nonce every time', () => {
    const cipher = createCipher(generateKey());
    const one = cipher.encrypt('sk_test_secretvalue123', context);
    const two = cipher.encrypt('sk_test_secretvalue123', context);
    expect(one).not.toBe(two);
    expect(one).not.toContain('secretvalue');
    expect(cipher.decrypt(one, context, cipher.currentKeyId)).toBe('sk_test_secretvalue123');
  });

  it('binds a ciphertext to its profile, user_id, field and key id', () => {
    const cipher = createCipher(generateKey());
    const sealed = cipher.encrypt('sk_test_secretvalue123', context);
    for (const other of [
      { ...context, userId: 'other' },
      { ...context, profile: 'staging' },
      { ...context, field: 'refresh_token' },
    ]) {
      expect(() => cipher.decrypt(sealed, other, cipher.currentKeyId)).toThrow(DecryptError);
    }
  });

  it('names the row and the key when the key is wrong, missing, or the data corrupt', () => {
    const writer = createCipher(generateKey());
    const reader = createCipher(generateKey());
    const sealed = writer.encrypt('sk_test_secretvalue123', context);
    expect(() => reader.decrypt(sealed, context, writer.currentKeyId)).toThrow(/access_token of token acme \(profile default, key id k-[0-9a-f]{12}\): that key is not loaded/);
    expect(() => reader.decrypt(sealed, context, reader.currentKeyId)).toThrow(/token acme .*wrong key or corrupt ciphertext/);
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => writer.decrypt(tampered, context, writer.currentKeyId)).toThrow(/wrong key or corrupt/);
    expect(() => writer.decrypt('sk_test_plaintext', context, writer.currentKeyId)).toThrow(/not atom-stripe ciphertext/);
  });

  it('reads rows under older keys in the ring and writes under the current one', () => {
    const old = generateKey();
    const next = generateKey();
    const before = createCipher(old).encrypt('rt_value_12345678', context);
    const ring = createCipher(next, [old]);
    expect(ring.decrypt(before, context, old.id)).toBe('rt_value_12345678');
    expect(ring.currentKeyId).toBe(next.id);
    expect(ring.lookupKeys('sk_test_x')).toHaveLength(2);
    expect(ring.lookupKeys('sk_test_x')).toContain(ring.lookupKey('sk_test_x'));
  });

  it('lookup keys are HMACs: stable per key, never the token', () => {
    const key = generateKey();
    const a = createCipher(key).lookupKey('sk_test_secretvalue123');
    expect(createCipher(key).lookupKey('sk_test_secretvalue123')).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(createCipher(generateKey()).lookupKey('sk_test_secretvalue123')).not.toBe(a);
  });

  it('parses 32-byte base64 keys and derives stable keys from SECRET_KEY', () => {
    const text = Buffer.alloc(32, 9).toString('base64');
    expect(parseKey(text, 'X').id).toBe(keyIdFor(Buffer.alloc(32, 9)));
    expect(() => parseKey(Buffer.alloc(16).toString('base64'), 'ATOM_STRIPE_ENCRYPTION_KEY')).toThrow(UsageError);
    expect(() => parseKey('not base64!!', 'ATOM_STRIPE_ENCRYPTION_KEY')).toThrow(/ATOM_STRIPE_ENCRYPTION_KEY is not a 32-byte base64 key/);
    expect(deriveKeyFromSecret('guide-secret').id).toBe(deriveKeyFromSecret('guide-secret').id);
    expect(deriveKeyFromSecret('guide-secret').id).not.toBe(deriveKeyFromSecret('other').id);
  });
});
