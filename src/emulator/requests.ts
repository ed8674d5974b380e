/**
 * Counts of the requests the emulator received, per method + path and per idempotency key, so a
 * test can prove "retried three times, charged once". A bounded log of recent requests backs
 * `request_log_url`. Everything here is bounded: a long-running emulator grows only with the
 * objects it stores, not with the requests it answers (each path with an id, and each POST's
 * fresh idempotency key, would otherwise be a new entry forever).
 */

export interface RequestRecord {
  id: string;
  method: string;
  path: string;
  status: number;
  account?: string;
  idempotencyKey?: string;
  replayed: boolean;
  fault?: string;
  at: string;
}

export interface IdempotencyKeyStats {
  /** Every request that carried the key, including faulted and replayed ones. */
  requests: number;
  /** Requests with the key that ran the endpoint (not faulted, not replayed). */
  executions: number;
  replays: number;
}

export interface RequestStats {
  total: number;
  byRoute: Record<string, number>;
  byIdempotencyKey: Record<string, IdempotencyKeyStats>;
  recent: RequestRecord[];
}

const RECENT_LIMIT = 1000;
/** Routes and idempotency keys counted at most; beyond it the least recently seen is forgotten. */
export const TRACKED_LIMIT = 10_000;

function forgetOldest(map: Map<string, unknown>): void {
  if (map.size > TRACKED_LIMIT) map.delete(map.keys().next().value!);
}

export class RequestLog {
  private total = 0;
  private byRoute = new Map<string, number>();
  private byKey = new Map<string, IdempotencyKeyStats>();
  private recent: RequestRecord[] = [];

  /** Called when a request arrives, before faults or latency. */
  arrived(method: string, path: string, idempotencyKey: string | undefined): void {
    this.total++;
    const route = `${method} ${path}`;
    const count = (this.byRoute.get(route) ?? 0) + 1;
    this.byRoute.delete(route); // re-inserted last: the map's order is least recently seen first
    this.byRoute.set(route, count);
    forgetOldest(this.byRoute);
    if (idempotencyKey) this.keyStats(idempotencyKey).requests++;
  }

  executed(idempotencyKey: string | undefined, replayed: boolean): void {
    if (!idempotencyKey) return;
    const stats = this.keyStats(idempotencyKey);
    if (replayed) stats.replays++;
    else stats.executions++;
  }

  finished(record: RequestRecord): void {
    this.recent.push(record);
    // Trimmed in bulk, not per request: shifting 1,000 records on every request showed in profiles.
    if (this.recent.length >= 2 * RECENT_LIMIT) this.recent = this.recent.slice(-RECENT_LIMIT);
  }

  find(requestId: string): RequestRecord | undefined {
    return this.latest().find((record) => record.id === requestId);
  }

  count(method: string, path: string): number {
    return this.byRoute.get(`${method} ${path}`) ?? 0;
  }

  stats(): RequestStats {
    return {
      total: this.total,
      byRoute: Object.fromEntries(this.byRoute),
      byIdempotencyKey: Object.fromEntries([...this.byKey].map(([key, stats]) => [key, { ...stats }])),
      recent: this.latest(),
    };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = new Map();
    this.byKey = new Map();
    this.recent = [];
  }

  /** The most recent RECENT_LIMIT records, oldest first. */
  private latest(): RequestRecord[] {
    return this.recent.slice(-RECENT_LIMIT);
  }

  private keyStats(key: string): IdempotencyKeyStats {
    const stats = this.byKey.get(key) ?? { requests: 0, executions: 0, replays: 0 };
    this.byKey.delete(key);
    this.byKey.set(key, stats);
    forgetOldest(this.byKey);
    return stats;
  }
}
