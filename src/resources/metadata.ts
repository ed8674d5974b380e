/**
 * `--metadata key=value` pairs, checked against Stripe's limits before any request: at most 50
 * keys, keys up to 40 characters (no square brackets), values up to 500 characters. On update,
 * `key=` (an empty value) removes the key, as Stripe does.
 */
import { UsageError } from '../errors.js';

export const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 } as const;

export function parseMetadata(pairs: string[] | undefined, options: { allowUnset?: boolean } = {}): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const index = pair.indexOf('=');
    if (index <= 0) {
      throw new UsageError(`--metadata "${pair}" is not key=value`, { hint: 'for example --metadata plan=gold' });
    }
    const key = pair.slice(0, index);
    const value = pair.slice(index + 1);
    if (key.length > METADATA_LIMITS.keyLength) {
      throw new UsageError(`--metadata key "${key.slice(0, 20)}…" is ${key.length} characters; Stripe allows ${METADATA_LIMITS.keyLength}`);
    }
    if (/[[\]]/.test(key)) throw new UsageError(`--metadata key "${key}" may not contain square brackets`);
    if (value.length > METADATA_LIMITS.valueLength) {
      throw new UsageError(`--metadata value of "${key}" is ${value.length} characters; Stripe allows ${METADATA_LIMITS.valueLength}`);
    }
    if (value === '' && !options.allowUnset) {
      throw new UsageError(`--metadata "${pair}" has an empty value`, { hint: 'empty values remove a key, which only update does' });
    }
    metadata[key] = value;
  }
  const count = Object.keys(metadata).length;
  if (count > METADATA_LIMITS.keys) {
    throw new UsageError(`--metadata has ${count} keys; Stripe allows ${METADATA_LIMITS.keys}`);
  }
  return metadata;
}
