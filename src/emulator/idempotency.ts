/**
 * Idempotent requests as Stripe keeps them: per account, for 24 hours, a key remembers the first
 * request's parameters and its response. The same key and parameters replay the response; the same
 * key with different parameters is an idempotency_error.
 */
import { createHash } from 'node:crypto';
import { SYSTEM_SCOPE } from './engine.js';
import { ApiError } from './errors.js';
import type { Store, StoredObject } from './store.js';

const RETENTION_SECONDS = 24 * 60 * 60;
const PRUNE_EVERY = 500;
/**
 * stripe-node keys every POST, so a long bench run would keep a response body per write for a day.
 * Past this many records the oldest are dropped early: a deliberate trade of fidelity for memory.
 */
const MAX_RECORDS = 50_000;

export interface SavedResponse {
  status: number;
  body: string;
  requestId: string;
}

interface IdempotencyRecord extends StoredObject, SavedResponse {
  fingerprint: string;
  created: number;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  }
  return value;
}

export function fingerprint(method: string, path: string, params: unknown): string {
  return createHash('sha256').update(`${method} ${path} ${JSON.stringify(canonical(params))}`).digest('hex');
}

/**
 * Stripe saves a result once the endpoint has started executing: successes and card declines are
 * replayed, while validation errors, auth failures and 5xx are not, so a fixed retry can succeed.
 */
export function isReplayable(status: number): boolean {
  return (status >= 200 && status < 300) || status === 402;
}

export class IdempotencyStore {
  private savesSincePrune = 0;
  constructor(
    private readonly store: Store,
    private readonly unixNow: () => number,
  ) {}

  private recordId(scope: string, key: string): string {
    return `${scope}|${key}`;
  }

  /** The saved response to replay, or undefined when the request should run. */
  lookup(scope: string, key: string, requestFingerprint: string): SavedResponse | undefined {
    const record = this.store.get<IdempotencyRecord>(SYSTEM_SCOPE, 'idempotency', this.recordId(scope, key));
    if (!record) return undefined;
    if (record.created + RETENTION_SECONDS < this.unixNow()) {
      this.store.remove(SYSTEM_SCOPE, 'idempotency', record.id);
      return undefined;
    }
    if (record.fingerprint !== requestFingerprint) {
      throw new ApiError(
        400,
        'idempotency_error',
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    return record;
  }

  save(scope: string, key: string, requestFingerprint: string, response: SavedResponse): void {
    const record: IdempotencyRecord = {
      id: this.recordId(scope, key),
      object: 'idempotency',
      fingerprint: requestFingerprint,
      created: this.unixNow(),
      ...response,
    };
    if (this.store.has(SYSTEM_SCOPE, 'idempotency', record.id)) this.store.replace(SYSTEM_SCOPE, 'idempotency', record);
    else this.store.insert(SYSTEM_SCOPE, 'idempotency', record);
    if (++this.savesSincePrune >= PRUNE_EVERY) this.prune();
  }

  /** Records are in creation order, so expired (and surplus) ones are all at the oldest end. */
  private prune(): void {
    this.savesSincePrune = 0;
    const cutoff = this.unixNow() - RETENTION_SECONDS;
    let surplus = this.store.count(SYSTEM_SCOPE, 'idempotency') - MAX_RECORDS;
    const expired: string[] = [];
    for (const record of this.store.walk<IdempotencyRecord>(SYSTEM_SCOPE, 'idempotency', 'newer')) {
      if (record.created >= cutoff && surplus <= 0) break;
      expired.push(record.id);
      surplus--;
    }
    this.store.batch(() => expired.forEach((id) => this.store.remove(SYSTEM_SCOPE, 'idempotency', id)));
  }
}
