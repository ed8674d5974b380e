/**
 * Encryption at rest for the sqlite and postgres stores.
 *
 * Each secret field is sealed on its own with AES-256-GCM and a random 96-bit nonce. The associated
 * data is `profile|user_id|field|key_id`, so a ciphertext copied into another row, another field or
 * under another key id does not decrypt. Sealed values look like `v1.<base64url(nonce|ciphertext|tag)>`;
 * the key id lives in the row's key_id column.
 *
 * A Cipher holds a ring of keys: the current one (used to write) and older ones (still read), so
 * `token rotate-key` can re-encrypt while other runs keep reading.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { DecryptError } from './errors.js';
import { UsageError } from '../errors.js';

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'v1.';

export interface KeyMaterial {
  id: string;
  key: Buffer;
}

export interface SealContext {
  profile: string;
  userId: string;
  field: string;
}

export interface Cipher {
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  hasKey(keyId: string): boolean;
  encrypt(plaintext: string, context: SealContext): string;
  /** Throws DecryptError naming the row and field. */
  decrypt(sealed: string, context: SealContext, keyId: string): string;
  /** HMAC of an access token under the current key: the non-secret lookup column. */
  lookupKey(accessToken: string): string;
  /** The lookup values under every key in the ring (rows not yet rotated carry an older one). */
  lookupKeys(accessToken: string): string[];
}

/**
 * A key id is a fingerprint of the key, not a counter: any host holding the same key computes the
 * same id, and a row's key_id tells which key it needs without revealing it.
 */
export function keyIdFor(key: Buffer): string {
  return `k-${createHash('sha256').update('atom-stripe key id\0').update(key).digest('hex').slice(0, 12)}`;
}

export function keyMaterial(key: Buffer): KeyMaterial {
  if (key.length !== KEY_BYTES) throw new UsageError(`an encryption key must be ${KEY_BYTES} bytes, got ${key.length}`);
  return { id: keyIdFor(key), key };
}

export function generateKey(): KeyMaterial {
  return keyMaterial(randomBytes(KEY_BYTES));
}

/** Parses base64 (standard or url-safe) into a 32-byte key. `what` names the source in the error. */
export function parseKey(text: string, what: string): KeyMaterial {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) || key.length !== KEY_BYTES) {
    throw new UsageError(`${what} is not a ${KEY_BYTES}-byte base64 key`, {
      hint: `generate one with: openssl rand -base64 ${KEY_BYTES}`,
    });
  }
  return keyMaterial(key);
}

/** The guide's SECRET_KEY is an application secret of any length; HKDF turns it into a key. */
export function deriveKeyFromSecret(secret: string): KeyMaterial {
  const derived = hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('atom-stripe'), Buffer.from('token-encryption v1'), KEY_BYTES);
  return keyMaterial(Buffer.from(derived));
}

function aad(context: SealContext, keyId: string): Buffer {
  // JSON keeps the parts unambiguous whatever characters a profile or user_id holds.
  return Buffer.from(JSON.stringify([context.profile, context.userId, context.field, keyId]), 'utf8');
}

export function createCipher(current: KeyMaterial, older: KeyMaterial[] = []): Cipher {
  const ring = new Map<string, KeyMaterial>();
  ring.set(current.id, current);
  for (const key of older) if (!ring.has(key.id)) ring.set(key.id, key);
  const lookupSecret = (key: KeyMaterial) =>
    Buffer.from(hkdfSync('sha256', key.key, Buffer.from('atom-stripe'), Buffer.from('access-token lookup v1'), 32));
  const lookupSecrets = new Map([...ring.values()].map((key) => [key.id, lookupSecret(key)]));
  const hmac = (secret: Buffer, value: string) => createHmac('sha256', secret).update(value, 'utf8').digest('hex');

  const open = (sealed: string, context: SealContext, keyId: string): string => {
    const where = `${context.field} of token ${context.userId} (profile ${context.profile}, key id ${keyId})`;
    const key = ring.get(keyId);
    if (!key) {
      throw new DecryptError(`cannot decrypt ${where}: that key is not loaded (loaded: ${[...ring.keys()].join(', ')})`, {
        hint: 'set ATOM_STRIPE_ENCRYPTION_KEY to the key it was written with; nothing was changed',
      });
    }
    const raw = sealed.startsWith(PREFIX) ? Buffer.from(sealed.slice(PREFIX.length), 'base64url') : undefined;
    if (!raw || raw.length < NONCE_BYTES + TAG_BYTES) {
      throw new DecryptError(`cannot decrypt ${where}: the value is not atom-stripe ciphertext`, {
        hint: 'the row is corrupt or was written by another program; nothing was changed',
      });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(0, NONCE_BYTES));
      decipher.setAAD(aad(context, keyId));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptError(`cannot decrypt ${where}: wrong key or corrupt ciphertext`, {
        hint: 'check ATOM_STRIPE_ENCRYPTION_KEY / SECRET_KEY; nothing was changed',
      });
    }
  };

  return {
    currentKeyId: current.id,
    keyIds: [...ring.keys()],
    hasKey: (keyId) => ring.has(keyId),
    encrypt(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, nonce);
      cipher.setAAD(aad(context, current.id));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
    },
    decrypt(sealed, context, keyId) {
      try {
        return open(sealed, context, keyId);
      } catch (error) {
        if (error instanceof DecryptError) error.userId = context.userId;
        throw error;
      }
    },
    lookupKey: (accessToken) => hmac(lookupSecrets.get(current.id)!, accessToken),
    lookupKeys: (accessToken) => [...lookupSecrets.values()].map((secret) => hmac(secret, accessToken)),
  };
}
