/**
 * The engine behind `atom-stripe token refresh`, built for cron and for many hosts at once.
 *
 * Verify: GET /v1/account with each stored token. Success sets last_verified_at; a 401 or a
 * permission error sets status needs_reconnect with last_error. Writes are compare-and-set; a lost
 * CAS re-reads, so a token rolled meanwhile is verified again rather than marked broken.
 *
 * Roll (--roll, or the last roll older than --max-age, or expires_at within it): under the record's
 * lock (skipped when another run holds it), re-read, call the refresh_token grant, and CAS-write the
 * new tokens. Durability: the grant's idempotency key is derived from the record's version and
 * refresh token, so if this process dies between Stripe's answer and the write, the next run sends
 * the same key, receives the same tokens again, and stores them; a usable token is never lost. On
 * invalid_grant the record is re-read once before it is marked needs_reconnect, because another
 * host may have rolled it in between.
 */
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { Context } from '../context.js';
import { isStripeError, NotFoundError, UsageError } from '../errors.js';
import { ConflictError, type DecryptError } from '../store/errors.js';
import type { TokenChanges, TokenRecord, TokenStore } from '../store/types.js';
import { createRateLimiter, sleep, type RateLimiter } from './rate-limiter.js';

export interface RefreshOptions {
  userId?: string;
  all: boolean;
  roll: boolean;
  /** Roll tokens whose last roll (or creation) is older than this, or whose expires_at falls within it. */
  maxAgeMs?: number;
  concurrency: number;
  /** Requests per second across the run; 0 for no limit. */
  rate: number;
  dryRun: boolean;
}

export type RefreshAction = 'verify' | 'roll' | 'skip';
export type RefreshOutcome = 'verified' | 'rolled' | 'needs_reconnect' | 'temporary' | 'failed' | 'skipped' | 'planned';

export interface RefreshResult {
  user_id: string;
  stripe_user_id: string | null;
  action: RefreshAction;
  outcome: RefreshOutcome;
  /** The record's status after this run; `unreadable` when the stored record does not decrypt. */
  status: TokenRecord['status'] | 'deleted' | 'unreadable';
  reason: string | null;
  error: string | null;
}

export interface RefreshSummary {
  selected: number;
  verified: number;
  rolled: number;
  needs_reconnect: number;
  temporary: number;
  failed: number;
  skipped: number;
  elapsed_ms: number;
}

export interface RefreshDependencies {
  store: TokenStore;
  /** A client whose default key is the platform secret; verify passes each token per request. */
  stripe: Stripe;
  limiter?: RateLimiter;
  /** Wall-clock ms for elapsed time and back-off; the record times use ctx.now(). */
  clock?: () => number;
  /** The postgres pool size (ATOM_STRIPE_POOL_SIZE), which bounds the locks held at once. */
  poolSize?: number;
}

/**
 * How many records may hold a lock at once. A held postgres lock occupies one pooled connection for
 * its whole duration, and the re-read and the write inside it need another: with every connection
 * holding a lock, the writes would wait forever. Two connections stay free for reads and writes.
 */
export function lockSlots(store: TokenStore, concurrency: number, poolSize = 4): number {
  return store.kind === 'postgres' ? Math.max(1, Math.min(concurrency, poolSize - 2)) : concurrency;
}

class Semaphore {
  private waiting: Array<() => void> = [];
  constructor(private free: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

type Update = (userId: string, expectedVersion: number, changes: TokenChanges) => Promise<TokenRecord>;

/**
 * Verify results (last_verified_at, needs_reconnect) are written in batches: on sqlite every
 * commit is an fsync that blocks the event loop (better-sqlite3 is synchronous), so 1,000 separate
 * writes would stall every request in flight. A batch runs the store's own CAS updates inside one
 * IMMEDIATE transaction (they nest as savepoints, so a lost CAS rolls back only itself) and pays
 * one fsync. Rolls never go through here: each new token is committed on its own, at once.
 * Other stores write directly.
 */
export function verifyWriter(store: TokenStore, maxItems = 100, maxDelayMs = 25): { update: Update; flush(): void } {
  const db = (store as { db?: { transaction(fn: () => void): { immediate(): void } } }).db;
  if (store.kind !== 'sqlite' || !db) return { update: (userId, version, changes) => store.update(userId, version, changes), flush() {} };
  let queue: Array<{ args: [string, number, TokenChanges]; resolve: (record: Promise<TokenRecord>) => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    if (!batch.length) return;
    const results: Array<Promise<TokenRecord>> = [];
    try {
      db.transaction(() => {
        for (const item of batch) results.push(store.update(...item.args));
      }).immediate();
    } catch (error) {
      // The batch's transaction failed as a whole (busy): every write reports it.
      for (const item of batch) item.resolve(Promise.reject(error));
      return;
    }
    batch.forEach((item, index) => item.resolve(results[index]));
  };
  return {
    update(...args) {
      return new Promise<TokenRecord>((resolve) => {
        queue.push({ args, resolve: (record) => resolve(record) });
        if (queue.length >= maxItems) flush();
        else timer ??= setTimeout(flush, maxDelayMs);
      });
    },
    flush,
  };
}

type ErrorKind = 'auth' | 'invalid_grant' | 'rate' | 'temporary' | 'failed';

export function classify(error: unknown): ErrorKind {
  if (isStripeError(error)) {
    const status = error.statusCode ?? 0;
    switch (error.type) {
      case 'StripeAuthenticationError':
      case 'StripePermissionError':
        return 'auth';
      case 'StripeInvalidGrantError':
        return 'invalid_grant';
      case 'StripeRateLimitError':
        return 'rate';
      case 'StripeConnectionError':
      case 'StripeAPIError':
        return 'temporary';
      default:
        if (status === 401 || status === 403) return 'auth';
        if (status === 429) return 'rate';
        if (status >= 500) return 'temporary';
        return 'failed';
    }
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EAI_AGAIN') return 'temporary';
  if (error instanceof Error && 'exitCode' in error && (error as { exitCode: number }).exitCode === 5) return 'temporary';
  return 'failed';
}

const oneLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim().slice(0, 500);

function retryAfterMs(error: unknown): number | undefined {
  const header = (error as { headers?: Record<string, string | undefined> }).headers?.['retry-after'];
  const seconds = header === undefined ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, 60_000) : undefined;
}

/** The grant's idempotency key: the same record state always sends the same key. */
export function rollIdempotencyKey(record: Pick<TokenRecord, 'profile' | 'user_id' | 'version' | 'refresh_token'>): string {
  const digest = createHash('sha256').update(`${record.profile}\0${record.user_id}\0${record.version}\0${record.refresh_token ?? ''}`).digest('base64url');
  return `atom-stripe-roll-${digest.slice(0, 32)}`;
}

/** Why a record is due for a roll, or undefined. */
export function rollReason(record: TokenRecord, options: Pick<RefreshOptions, 'roll' | 'maxAgeMs'>, now: Date): string | undefined {
  if (options.roll) return '--roll';
  if (options.maxAgeMs === undefined) return undefined;
  const lastRoll = Date.parse(record.last_refreshed_at ?? record.created_at);
  if (Number.isFinite(lastRoll) && now.getTime() - lastRoll >= options.maxAgeMs) {
    return record.last_refreshed_at ? 'last roll older than --max-age' : 'never rolled, older than --max-age';
  }
  if (record.expires_at && Date.parse(record.expires_at) - now.getTime() <= options.maxAgeMs) return 'expires within --max-age';
  return undefined;
}

export function plan(record: TokenRecord, options: RefreshOptions, now: Date): { action: RefreshAction; reason: string | null } {
  if (record.status === 'revoked') return { action: 'skip', reason: 'revoked (disconnected)' };
  const reason = rollReason(record, options, now);
  if (reason && record.status === 'active' && record.refresh_token) return { action: 'roll', reason };
  if (reason && !record.refresh_token) return { action: 'verify', reason: 'no refresh token stored; verify only' };
  return { action: 'verify', reason: record.status === 'needs_reconnect' ? 'needs reconnecting; verify again' : null };
}

export async function selectRecords(store: TokenStore, options: RefreshOptions, onUnreadable?: (error: DecryptError) => void): Promise<TokenRecord[]> {
  if (options.userId) {
    const record = await store.get(options.userId);
    if (!record) throw new NotFoundError(`no connection named "${options.userId}" in profile ${store.profile}`, { hint: 'see `atom-stripe token list`' });
    return [record];
  }
  if (!options.all) throw new UsageError('choose the tokens to refresh', { hint: 'pass --user-id NAME or --all' });
  return store.list({ onUnreadable });
}

export function summarize(results: RefreshResult[], elapsedMs: number): RefreshSummary {
  const count = (outcome: RefreshOutcome) => results.filter((result) => result.outcome === outcome).length;
  return {
    selected: results.length,
    verified: count('verified'),
    rolled: count('rolled'),
    needs_reconnect: count('needs_reconnect'),
    temporary: count('temporary'),
    failed: count('failed'),
    skipped: count('skipped'),
    elapsed_ms: Math.round(elapsedMs),
  };
}

export async function refreshTokens(
  options: RefreshOptions,
  ctx: Context,
  deps: RefreshDependencies,
): Promise<{ results: RefreshResult[]; summary: RefreshSummary; interrupted: boolean; total: number }> {
  const clock = deps.clock ?? (() => performance.now());
  const started = clock();
  const runStart = ctx.now();
  const { store, stripe } = deps;
  const limiter = deps.limiter ?? createRateLimiter({ rate: options.rate });
  // A record that does not decrypt fails on its own; the rest of the fleet is still refreshed.
  const unreadable: RefreshResult[] = [];
  const records = await selectRecords(store, options, (error) =>
    unreadable.push({
      user_id: error.userId ?? '(unknown)',
      stripe_user_id: null,
      action: 'verify',
      outcome: 'failed',
      status: 'unreadable',
      reason: 'the stored record does not decrypt',
      error: error.message,
    }),
  );
  const results: RefreshResult[] = new Array(records.length);
  const locks = new Semaphore(lockSlots(store, options.concurrency, deps.poolSize));

  const result = (record: TokenRecord, action: RefreshAction, outcome: RefreshOutcome, extra: Partial<RefreshResult> = {}): RefreshResult => ({
    user_id: record.user_id,
    stripe_user_id: record.stripe_user_id,
    action,
    outcome,
    status: record.status,
    reason: null,
    error: null,
    ...extra,
  });

  /** Calls Stripe through the limiter; 429s pause the whole run and retry, network errors retry twice. */
  const call = async <T>(send: () => Promise<T>): Promise<T> => {
    let rateAttempts = 0;
    let networkAttempts = 0;
    for (;;) {
      await limiter.acquire(ctx.signal);
      try {
        return await send();
      } catch (error) {
        const kind = classify(error);
        if (kind === 'rate' && rateAttempts < 5) {
          const backoff = retryAfterMs(error) ?? Math.min(500 * 2 ** rateAttempts, 8000) * (0.75 + Math.random() / 2);
          rateAttempts++;
          limiter.pause(backoff);
          ctx.log.warn('token.refresh.rate_limited', { backoff_ms: Math.round(backoff), attempt: rateAttempts });
          continue;
        }
        if (kind === 'temporary' && networkAttempts < 2 && !ctx.signal.aborted) {
          networkAttempts++;
          await sleep(250 * 2 ** networkAttempts * (0.75 + Math.random() / 2));
          continue;
        }
        throw error;
      }
    }
  };

  const verifyWrites = verifyWriter(store);

  /** CAS with re-reads: `decide` sees the current record and returns the changes, or undefined to write nothing. */
  const write = async (
    record: TokenRecord,
    decide: (current: TokenRecord) => TokenChanges | undefined,
    update: Update = (userId, version, changes) => store.update(userId, version, changes),
  ): Promise<TokenRecord | undefined> => {
    let current = record;
    for (let attempt = 0; ; attempt++) {
      const changes = decide(current);
      if (!changes) return undefined;
      try {
        return await update(current.user_id, current.version, changes);
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= 3) throw error;
        const fresh = await store.get(current.user_id);
        if (!fresh) return undefined;
        current = fresh;
      }
    }
  };

  /**
   * Verifies one token. It resolves as soon as Stripe has answered, with `recorded`: the write of
   * the outcome, which the caller awaits later. A worker goes on to its next token meanwhile, so
   * the requests in flight never wait for the disk (on sqlite the writes are batched, and a batch
   * waits up to 25 ms for company).
   */
  const verify = async (record: TokenRecord, reason: string | null, retried = false): Promise<{ recorded: Promise<RefreshResult> }> => {
    try {
      await call(() => stripe.accounts.retrieve(null, {}, { apiKey: record.access_token }));
    } catch (error) {
      const kind = classify(error);
      if (kind !== 'auth') {
        ctx.log.warn('token.refresh.verify_failed', { user_id: record.user_id, kind, error: oneLine(error) });
        const failed = result(record, 'verify', kind === 'rate' || kind === 'temporary' ? 'temporary' : 'failed', { reason, error: oneLine(error) });
        return { recorded: Promise.resolve(failed) };
      }
      const message = oneLine(error);
      const recordRefusal = async (): Promise<RefreshResult> => {
        let retry: TokenRecord | undefined;
        const written = await write(record, (current) => {
          // Rolled or reconnected since it was read: that token is the one to judge, not this one.
          if (current.access_token !== record.access_token) {
            retry = current;
            return undefined;
          }
          return { status: 'needs_reconnect', last_error: message };
        }, verifyWrites.update);
        if (retry && !retried) return (await verify(retry, reason, true)).recorded;
        ctx.log.warn('token.refresh.needs_reconnect', { user_id: record.user_id, stripe_user_id: record.stripe_user_id, error: message });
        return result(written ?? record, 'verify', 'needs_reconnect', { status: 'needs_reconnect', reason, error: message });
      };
      return { recorded: recordRefusal() };
    }
    const verifiedAt = ctx.now().toISOString();
    const recordSuccess = async (): Promise<RefreshResult> => {
      const written = await write(record, (current) =>
        current.access_token === record.access_token ? { last_verified_at: verifiedAt, status: 'active', last_error: null } : undefined,
        verifyWrites.update,
      );
      return result(written ?? record, 'verify', 'verified', { status: written?.status ?? 'active', reason });
    };
    return { recorded: recordSuccess() };
  };

  const roll = async (first: TokenRecord, reason: string): Promise<RefreshResult> => {
    const outcome = await locks.run(() =>
      store.withLock(
        first.user_id,
        async (): Promise<RefreshResult> => {
          // Another run may have rolled or changed it since the list was read.
          const record = await store.get(first.user_id);
          if (!record) return { ...result(first, 'roll', 'skipped', { reason: 'deleted meanwhile' }), status: 'deleted' };
          if (record.last_refreshed_at && Date.parse(record.last_refreshed_at) >= runStart.getTime()) {
            return result(record, 'roll', 'skipped', { reason: 'rolled by another run' });
          }
          const due = plan(record, options, ctx.now());
          if (due.action !== 'roll') {
            if (record.status === 'needs_reconnect') return result(record, 'roll', 'needs_reconnect', { reason: 'marked by another run', error: record.last_error });
            return result(record, 'roll', 'skipped', { reason: 'rolled by another run' });
          }
          const refreshToken = record.refresh_token!;
          let token: Stripe.OAuthToken;
          try {
            token = await call(() =>
              stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, { idempotencyKey: rollIdempotencyKey(record) }),
            );
          } catch (error) {
            const kind = classify(error);
            const message = oneLine(error);
            if (kind === 'invalid_grant' || kind === 'auth') {
              const again = await store.get(record.user_id);
              if (!again) return { ...result(record, 'roll', 'skipped', { reason: 'deleted meanwhile' }), status: 'deleted' };
              if (again.refresh_token !== refreshToken || again.access_token !== record.access_token) {
                return result(again, 'roll', 'skipped', { reason: 'rolled by another writer' });
              }
              const written = await write(again, (current) =>
                current.refresh_token === refreshToken ? { status: 'needs_reconnect', last_error: message } : undefined,
              );
              ctx.log.warn('token.refresh.needs_reconnect', { user_id: record.user_id, stripe_user_id: record.stripe_user_id, error: message });
              return result(written ?? again, 'roll', 'needs_reconnect', { status: 'needs_reconnect', reason, error: message });
            }
            ctx.log.warn('token.refresh.roll_failed', { user_id: record.user_id, kind, error: message });
            return result(record, 'roll', kind === 'rate' || kind === 'temporary' ? 'temporary' : 'failed', { reason, error: message });
          }
          if (!token.access_token) {
            return result(record, 'roll', 'failed', { reason, error: 'Stripe returned no access token' });
          }
          const now = ctx.now().toISOString();
          const changes: TokenChanges = {
            access_token: token.access_token,
            // The grant may return a new refresh token; if not, the old one stays valid.
            refresh_token: token.refresh_token ?? refreshToken,
            token_type: token.token_type ?? record.token_type,
            scope: token.scope ?? record.scope,
            stripe_publishable_key: token.stripe_publishable_key ?? record.stripe_publishable_key,
            livemode: token.livemode ?? record.livemode,
            status: 'active',
            last_refreshed_at: now,
            last_verified_at: now,
            last_error: null,
          };
          const written = await writeRoll(record, refreshToken, changes);
          if (!written) return result(record, 'roll', 'skipped', { reason: 'replaced meanwhile (reconnected); the new token was not stored' });
          ctx.log.info('token.refresh.rolled', { user_id: record.user_id, stripe_user_id: record.stripe_user_id, version: written.version });
          return result(written, 'roll', 'rolled', { reason });
        },
        { skipIfLocked: true },
      ),
    );
    if (!outcome.acquired) return result(first, 'roll', 'skipped', { reason: 'locked by another run' });
    return outcome.value;
  };

  /**
   * The new token must reach the store: a lost CAS re-reads (and gives up only if the record was
   * replaced by a reconnect), and a failing database is retried before giving up. If it still
   * fails, the next run replays the same grant with the same idempotency key.
   */
  const writeRoll = async (record: TokenRecord, usedRefreshToken: string, changes: TokenChanges): Promise<TokenRecord | undefined> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write(record, (current) => (current.refresh_token === usedRefreshToken ? changes : undefined));
      } catch (error) {
        if (attempt >= 4) {
          ctx.log.error('token.refresh.write_failed', { user_id: record.user_id, error: oneLine(error) });
          throw error;
        }
        await sleep(200 * 2 ** attempt);
      }
    }
  };

  let next = 0;
  let interrupted = false;
  const failure = (record: TokenRecord, action: RefreshAction, reason: string | null, error: unknown): RefreshResult => {
    if (ctx.signal.aborted) {
      interrupted = true;
      return result(record, action, 'skipped', { reason: 'interrupted' });
    }
    const kind = classify(error);
    ctx.log.error('token.refresh.error', { user_id: record.user_id, error: oneLine(error) });
    return result(record, action, kind === 'temporary' || kind === 'rate' ? 'temporary' : 'failed', { reason, error: oneLine(error) });
  };
  /** Verify outcomes still being written; each settles into its slot of `results`. */
  const recording: Array<Promise<void>> = [];
  const worker = async () => {
    while (next < records.length) {
      if (ctx.signal.aborted) {
        interrupted = true;
        return;
      }
      const index = next++;
      const record = records[index];
      const { action, reason } = plan(record, options, ctx.now());
      try {
        if (options.dryRun) results[index] = result(record, action, action === 'skip' ? 'skipped' : 'planned', { reason });
        else if (action === 'skip') results[index] = result(record, 'skip', 'skipped', { reason });
        else if (action === 'roll') results[index] = await roll(record, reason!);
        else {
          const { recorded } = await verify(record, reason);
          recording.push(
            recorded.then(
              (outcome) => void (results[index] = outcome),
              (error: unknown) => void (results[index] = failure(record, action, reason, error)),
            ),
          );
        }
      } catch (error) {
        results[index] = failure(record, action, reason, error);
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, records.length));
  await Promise.all(Array.from({ length: workers }, worker));
  verifyWrites.flush();
  await Promise.all(recording);
  const done = [...results.filter(Boolean), ...unreadable];
  return { results: done, summary: summarize(done, clock() - started), interrupted, total: records.length + unreadable.length };
}
