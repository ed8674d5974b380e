/**
 * Where the token encryption key comes from, in order:
 *
 *   1. ATOM_STRIPE_ENCRYPTION_KEY: 32 bytes, base64. A comma-separated list is a key ring: the first
 *      key writes, the others are still read (roll a fleet: new,old → rotate-key → new).
 *   2. A key derived with HKDF from the guide's SECRET_KEY.
 *   3. A key kept in the OS keychain, when one answers.
 *   4. A generated key file (mode 0600) at paths.keyFile, announced once on stderr.
 *
 * An existing key file is used before the keychain is asked: it exists because the keychain was not
 * available when the first key was made, and asking the keychain then would mint a second key that
 * cannot read the rows. The keychain and the file hold the same JSON key ring, so a rotation can
 * add the new key before re-encrypting and a crash in between leaves every row readable.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Env, Paths } from '../config/paths.js';
import { writePrivateFile } from '../config/profiles.js';
import { OperationError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { createCipher, deriveKeyFromSecret, generateKey, parseKey, type Cipher, type KeyMaterial } from './crypto.js';
import { KeychainUnavailableError } from './errors.js';
import { openKeychain, type KeychainClient } from './keytar.js';

export type KeySource = 'env' | 'secret_key' | 'keychain' | 'file';

export const KEYCHAIN_KEY_SERVICE = 'atom-stripe.encryption-key';
export const KEYCHAIN_KEY_ACCOUNT = 'tokens';

export interface KeyRingOptions {
  /** ATOM_STRIPE_ENCRYPTION_KEY (already resolved through flags, env, .env, profile). */
  encryptionKey?: string;
  /** SECRET_KEY. */
  secretKey?: string;
  paths: Paths;
  env: Env;
  log: Logger;
  /** Where the one-time key-file warning goes (stderr). */
  warn: (line: string) => void;
  keychainTimeoutMs?: number;
  /** Tests and CI without a desktop turn the keychain source off. */
  useKeychain?: boolean;
}

export interface LoadedKeys {
  cipher: Cipher;
  source: KeySource;
  /** Where the key lives, for messages; never the key. */
  location: string;
  /** The keys, for rotate-key. */
  current: KeyMaterial;
  older: KeyMaterial[];
}

interface StoredRing {
  current: string;
  keys: Record<string, string>;
}

function parseRing(text: string, where: string): { current: KeyMaterial; older: KeyMaterial[] } {
  let data: StoredRing;
  try {
    data = JSON.parse(text) as StoredRing;
  } catch {
    // A bare base64 key is accepted too: operators may write the file by hand.
    return { current: parseKey(text, where), older: [] };
  }
  const keys = Object.values(data.keys ?? {}).map((value) => parseKey(value, where));
  const current = keys.find((key) => key.id === data.current);
  if (!current) throw new OperationError(`${where} has no key for its current id ${data.current}`, { hint: 'restore it from a backup' });
  return { current, older: keys.filter((key) => key.id !== current.id) };
}

function serializeRing(current: KeyMaterial, older: KeyMaterial[]): string {
  const keys: Record<string, string> = {};
  for (const key of [current, ...older]) keys[key.id] = key.key.toString('base64');
  return `${JSON.stringify({ current: current.id, keys }, null, 2)}\n`;
}

function keychainAllowed(options: KeyRingOptions): boolean {
  if (options.useKeychain === false) return false;
  const flag = options.env.ATOM_STRIPE_KEYCHAIN_KEY;
  return !(flag === '0' || flag === 'false' || flag === 'off');
}

async function tryKeychain(options: KeyRingOptions): Promise<KeychainClient | undefined> {
  if (!keychainAllowed(options)) return undefined;
  try {
    return await openKeychain(options.keychainTimeoutMs);
  } catch (error) {
    options.log.debug('keys.keychain_unavailable', { error: (error as Error).message });
    return undefined;
  }
}

export async function loadKeys(options: KeyRingOptions): Promise<LoadedKeys> {
  const secretKeyKey = options.secretKey ? deriveKeyFromSecret(options.secretKey) : undefined;
  if (options.encryptionKey) {
    const keys = options.encryptionKey.split(',').filter((part) => part.trim()).map((part) => parseKey(part, 'ATOM_STRIPE_ENCRYPTION_KEY'));
    if (!keys.length) throw new UsageError('ATOM_STRIPE_ENCRYPTION_KEY is empty');
    // SECRET_KEY stays readable, so a move from SECRET_KEY to an explicit key is one rotate-key.
    const older = [...keys.slice(1), ...(secretKeyKey ? [secretKeyKey] : [])];
    return { cipher: createCipher(keys[0], older), source: 'env', location: 'ATOM_STRIPE_ENCRYPTION_KEY', current: keys[0], older };
  }
  if (secretKeyKey) {
    return { cipher: createCipher(secretKeyKey), source: 'secret_key', location: 'SECRET_KEY (HKDF)', current: secretKeyKey, older: [] };
  }
  const file = options.paths.keyFile;
  if (existsSync(file)) {
    const ring = parseRing(readFileSync(file, 'utf8'), `key file ${file}`);
    return { cipher: createCipher(ring.current, ring.older), source: 'file', location: file, ...ring };
  }
  const keychain = await tryKeychain(options);
  if (keychain) {
    try {
      const stored = await keychain.get(KEYCHAIN_KEY_SERVICE, KEYCHAIN_KEY_ACCOUNT);
      if (stored) {
        const ring = parseRing(stored, 'the keychain entry atom-stripe.encryption-key');
        return { cipher: createCipher(ring.current, ring.older), source: 'keychain', location: `keychain ${KEYCHAIN_KEY_SERVICE}`, ...ring };
      }
      const key = generateKey();
      await keychain.set(KEYCHAIN_KEY_SERVICE, KEYCHAIN_KEY_ACCOUNT, serializeRing(key, []));
      options.log.info('keys.generated', { source: 'keychain', key_id: key.id });
      return { cipher: createCipher(key), source: 'keychain', location: `keychain ${KEYCHAIN_KEY_SERVICE}`, current: key, older: [] };
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      options.log.debug('keys.keychain_unavailable', { error: error.message });
    }
  }
  const key = generateKey();
  writePrivateFile(file, serializeRing(key, []));
  options.warn(
    `atom-stripe: generated a token encryption key at ${file} (mode 0600). Back it up: without it the stored tokens cannot be read. ` +
      'Set ATOM_STRIPE_ENCRYPTION_KEY or SECRET_KEY to manage the key yourself.',
  );
  options.log.warn('keys.generated', { source: 'file', path: file, key_id: key.id });
  return { cipher: createCipher(key), source: 'file', location: file, current: key, older: [] };
}

export interface RotationPlan {
  /** Reads old and new rows; writes under the new key. */
  cipher: Cipher;
  next: KeyMaterial;
  /** Persist the new key as current once every row is re-encrypted. */
  commit(): Promise<void>;
  /** What the operator must do afterwards, if anything. */
  afterwards?: string;
}

/**
 * Prepares a rotation. For the file and the keychain, the new key is stored (not yet current)
 * before any row changes. For env and SECRET_KEY, atom-stripe cannot change the operator's
 * environment, so the new key comes from ATOM_STRIPE_NEW_ENCRYPTION_KEY.
 */
export async function prepareRotation(loaded: LoadedKeys, options: KeyRingOptions & { newKey?: string }): Promise<RotationPlan> {
  const previous = [loaded.current, ...loaded.older];
  if (loaded.source === 'env' || loaded.source === 'secret_key') {
    if (!options.newKey) {
      throw new UsageError(`the encryption key comes from ${loaded.location}, which atom-stripe cannot change`, {
        hint: 'set ATOM_STRIPE_NEW_ENCRYPTION_KEY to a new key (openssl rand -base64 32) and rerun',
      });
    }
    const next = parseKey(options.newKey, 'ATOM_STRIPE_NEW_ENCRYPTION_KEY');
    return {
      cipher: createCipher(next, previous),
      next,
      commit: async () => {},
      afterwards: `now set ATOM_STRIPE_ENCRYPTION_KEY to the value of ATOM_STRIPE_NEW_ENCRYPTION_KEY (key id ${next.id}) on every host`,
    };
  }
  const next = options.newKey ? parseKey(options.newKey, 'ATOM_STRIPE_NEW_ENCRYPTION_KEY') : generateKey();
  const write = async (current: KeyMaterial, older: KeyMaterial[]) => {
    const text = serializeRing(current, older);
    if (loaded.source === 'file') {
      writePrivateFile(loaded.location, text);
    } else {
      const keychain = await openKeychain(options.keychainTimeoutMs);
      await keychain.set(KEYCHAIN_KEY_SERVICE, KEYCHAIN_KEY_ACCOUNT, text);
    }
  };
  // Step 1: the new key joins the ring, the old one stays current.
  await write(loaded.current, [...loaded.older, next]);
  return {
    cipher: createCipher(next, previous),
    next,
    // Step 3: the new key becomes current; the previous one stays readable for runs still holding it.
    commit: () => write(next, [loaded.current]),
  };
}
