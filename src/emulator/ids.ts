/**
 * Identifiers and secrets in Stripe's shapes: `cus_…`, `req_…`, `sk_test_…`, `whsec_…`.
 * Random bytes are drawn from a pooled buffer so seeding 100,000 objects stays fast.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const POOL_SIZE = 16 * 1024;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

/** Random alphanumerics; a modulo bias of 256 % 62 is irrelevant for test identifiers. */
export function randomAlphanumeric(length: number): string {
  if (poolOffset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[pool[poolOffset++] % ALPHABET.length];
  return out;
}

/** `cus_1Q2w3E4r5T6y7U8i9O0p`: Stripe ids are a prefix, an underscore and an opaque tail. */
export function newId(prefix: string, length = 24): string {
  return `${prefix}_${randomAlphanumeric(length)}`;
}

/** Secrets get crypto-strength randomness straight from the source, not the shared pool. */
export function newSecret(prefix: string, length = 48): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return `${prefix}${out}`;
}
