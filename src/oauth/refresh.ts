/**
 * The engine behind `atom-stripe token refresh`, built for cron and for many hosts at once. A run
 * is four named steps over each record: plan (verify, roll or skip), verify, roll, and write.
 *
 * Verify: GET /v1/account with each stored token. Success sets last_verified_at; a 401 or a
 * permission error sets status needs_reconnect with last_error. Writes are compare-and-set; a lost
 * CAS re-reads, so a token rolled meanwhile is verified again rather than marked broken.
 *
 * Roll (--roll, or the last roll older than --max-age, or expires_at within it): under the record's
 * lock (skipped when another live run holds it), re-read and decide from what the lock protects
 * (alreadyRolled): a record rolled since this run read it, or rolled after this run started, is
 * skipped, so no interleaving of overlapping runs rolls a token twice. Then write a roll attempt id
 * to the record, call the refresh_token grant with an idempotency key derived from that attempt, and
 * CAS-write the new tokens, clearing the attempt. Durability: if this process dies between Stripe's
 * answer and the write, the next run finds the attempt, sends the same key, receives the same tokens
 * again (also when Stripe rotated the refresh token), and stores them. Another store holding the
 * same tokens makes its own attempt, so it is never handed this store's answer. On invalid_grant
 * the record is re-read once before it is marked needs_reconnect, because another host may have
 * rolled it in between.
 */
import { createHash, randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import type { Context } from '../context.js';
import { ExitCode, exitCodeFor, isStripeError, NotFoundError, UsageError } from '../errors.js';
import { ConflictError, type DecryptError } from '../store/errors.js';
import type { TokenChanges, TokenRecord, TokenStore } from '../store/types.js';
import { createBatcher } from '../util/batcher.js';
import { forEachConcurrent } from '../util/concurrency.js';
import { createRateLimiter, sleep, type RateLimiter } from '../util/rate-limiter.js';

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
  /** For a token skipped because another live run holds its lock: that run, `host:pid`, when the store knows it. */
  holder?: string;
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
  /** When this run began (default: now): a roll dated after it was made by an overlapping run. */
  startedAt?: Date;
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
 * Verify results (last_verified_at, needs_reconnect) are written in batches on sqlite: there every
 * commit is an fsync that blocks the event loop (better-sqlite3 is synchronous), so 1,000 separate
 * writes would stall every request in flight. A batch is one store.updateMany: one IMMEDIATE
 * transaction and one fsync, where a lost CAS rolls back only itself. Rolls never go through here:
 * each new token is committed on its own, at once. Other stores write directly.
 */
export function verifyWriter(store: TokenStore, maxItems = 100, maxDelayMs = 25): { update: Update; flush(): void } {
  if (store.kind !== 'sqlite') return { update: (userId, version, changes) => store.update(userId, version, changes), flush() {} };
  const batcher = createBatcher<Parameters<Update>, PromiseSettledResult<TokenRecord>>(
    // When the batch's transaction fails as a whole (busy), every write reports it.
    (batch) => store.updateMany(batch.map(([userId, expectedVersion, changes]) => ({ userId, expectedVersion, changes }))),
    { maxBatch: maxItems, windowMs: maxDelayMs },
  );
  return {
    update: (...args) => batcher.submit(args).then((settled) => (settled.status === 'fulfilled' ? settled.value : Promise.reject(settled.reason))),
    flush: () => batcher.flush(),
  };
}

type ErrorKind = 'auth' | 'invalid_grant' | 'rate' | 'temporary' | 'failed';

/**
 * Derived from the one exit-code map (exitCodeFor), plus the two answers refresh treats apart: a
 * refused grant (re-read before the token is marked) and a 429 (the whole run pauses). Only Stripe's
 * answer refuses a token: a local error with the auth exit code is a failure, not needs_reconnect.
 */
export function classify(error: unknown): ErrorKind {
  if (isStripeError(error)) {
    if (error.type === 'StripeInvalidGrantError') return 'invalid_grant';
    if (error.type === 'StripeRateLimitError' || error.statusCode === 429) return 'rate';
  }
  const code = exitCodeFor(error);
  if (code === ExitCode.temporary) return 'temporary';
  if (code === ExitCode.auth && isStripeError(error)) return 'auth';
  return 'failed';
}

const oneLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim().slice(0, 500);

function retryAfterMs(error: unknown): number | undefined {
  const header = (error as { headers?: Record<string, string | undefined> }).headers?.['retry-after'];
  const seconds = header === undefined ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, 60_000) : undefined;
}

/**
 * The grant's idempotency key, unique per roll attempt: derived from the attempt id written to the
 * record before the grant (roll_attempt) and the refresh token it spends. Retries of one attempt,
 * including a rerun after a crash between Stripe's answer and the write, send the same key; another
 * attempt, or another store holding the same tokens, never does. Nothing secret can be read from it.
 */
export function rollIdempotencyKey(record: Pick<TokenRecord, 'profile' | 'user_id' | 'refresh_token'> & { roll_attempt: string }): string {
  const digest = createHash('sha256').update(`${record.profile}\0${record.user_id}\0${record.roll_attempt}\0${record.refresh_token ?? ''}`).digest('base64url');
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

export function tallyResults(results: RefreshResult[], elapsedMs: number): RefreshSummary {
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

type RunReport = { results: RefreshResult[]; summary: RefreshSummary; interrupted: boolean; total: number };

export async function refreshTokens(options: RefreshOptions, ctx: Context, deps: RefreshDependencies): Promise<RunReport> {
  return new RefreshRun(options, ctx, deps).run();
}

function result(record: TokenRecord, action: RefreshAction, outcome: RefreshOutcome, extra: Partial<RefreshResult> = {}): RefreshResult {
  return { user_id: record.user_id, stripe_user_id: record.stripe_user_id, action, outcome, status: record.status, reason: null, error: null, ...extra };
}

const deleted = (record: TokenRecord, action: RefreshAction): RefreshResult => ({
  ...result(record, action, 'skipped', { reason: 'deleted meanwhile' }),
  status: 'deleted',
});

const unreadableResult = (error: DecryptError): RefreshResult => ({
  user_id: error.userId ?? '(unknown)',
  stripe_user_id: null,
  action: 'verify',
  outcome: 'failed',
  status: 'unreadable',
  reason: 'the stored record does not decrypt',
  error: error.message,
});

/**
 * Why a roll planned from `planned` must not happen now that the lock is held and `current` was
 * read under it, or undefined to go on. Decided only from what the lock protects: a roll changes the
 * access token and last_refreshed_at (a verify or a pending attempt changes only the version), and
 * a roll by a run that overlapped this one is dated after this run started.
 */
export function alreadyRolled(planned: TokenRecord, current: TokenRecord, startedAt: Date): string | undefined {
  if (current.access_token !== planned.access_token || current.refresh_token !== planned.refresh_token) {
    return current.last_refreshed_at !== planned.last_refreshed_at ? 'rolled by another run' : 'replaced meanwhile (reconnected)';
  }
  if (current.last_refreshed_at !== planned.last_refreshed_at) return 'rolled by another run';
  if (current.last_refreshed_at && Date.parse(current.last_refreshed_at) >= startedAt.getTime()) return 'rolled by another run';
  return undefined;
}

/** One run of `token refresh`: plan each record, then verify it or roll it (grant, then write). */
class RefreshRun {
  private readonly store: TokenStore;
  private readonly stripe: Stripe;
  private readonly limiter: RateLimiter;
  private readonly locks: Semaphore;
  private readonly verifyWrites: { update: Update; flush(): void };
  /** Rolls dated from here on were made by runs overlapping this one. */
  private readonly startedAt: Date;
  private interrupted = false;

  constructor(
    private readonly options: RefreshOptions,
    private readonly ctx: Context,
    private readonly deps: RefreshDependencies,
  ) {
    this.store = deps.store;
    this.stripe = deps.stripe;
    this.limiter = deps.limiter ?? createRateLimiter({ rate: options.rate });
    this.locks = new Semaphore(lockSlots(deps.store, options.concurrency, deps.poolSize));
    this.verifyWrites = verifyWriter(deps.store);
    this.startedAt = deps.startedAt ?? ctx.now();
  }

  async run(): Promise<RunReport> {
    const clock = this.deps.clock ?? (() => performance.now());
    const started = clock();
    // A record that does not decrypt fails on its own; the rest of the fleet is still refreshed.
    const unreadable: RefreshResult[] = [];
    const records = await selectRecords(this.store, this.options, (error) => unreadable.push(unreadableResult(error)));
    const results: RefreshResult[] = new Array(records.length);
    /** Verify outcomes still being written; each settles into its slot of `results`. */
    const recording: Array<Promise<void>> = [];
    await forEachConcurrent(records, this.options.concurrency, async (record, index) => {
      if (this.ctx.signal.aborted) {
        this.interrupted = true;
        return;
      }
      const settle = (outcome: RefreshResult) => void (results[index] = outcome);
      await this.process(record, settle, recording);
    });
    this.verifyWrites.flush();
    await Promise.all(recording);
    const done = [...results.filter(Boolean), ...unreadable];
    return { results: done, summary: tallyResults(done, clock() - started), interrupted: this.interrupted, total: records.length + unreadable.length };
  }

  /** Plan one record and act on the plan; a verify's write settles later, into `recording`. */
  private async process(record: TokenRecord, settle: (outcome: RefreshResult) => void, recording: Array<Promise<void>>): Promise<void> {
    const { action, reason } = plan(record, this.options, this.ctx.now());
    try {
      if (this.options.dryRun) settle(result(record, action, action === 'skip' ? 'skipped' : 'planned', { reason }));
      else if (action === 'skip') settle(result(record, 'skip', 'skipped', { reason }));
      else if (action === 'roll') settle(await this.roll(record, reason!));
      else {
        const { recorded } = await this.verify(record, reason);
        recording.push(recorded.then(settle, (error: unknown) => settle(this.failure(record, action, reason, error))));
      }
    } catch (error) {
      settle(this.failure(record, action, reason, error));
    }
  }

  private failure(record: TokenRecord, action: RefreshAction, reason: string | null, error: unknown): RefreshResult {
    if (this.ctx.signal.aborted) {
      this.interrupted = true;
      return result(record, action, 'skipped', { reason: 'interrupted' });
    }
    const kind = classify(error);
    this.ctx.log.error('token.refresh.error', { user_id: record.user_id, error: oneLine(error) });
    return result(record, action, kind === 'temporary' || kind === 'rate' ? 'temporary' : 'failed', { reason, error: oneLine(error) });
  }

  /** Calls Stripe through the limiter; 429s pause the whole run and retry, network errors retry twice. */
  private async call<T>(send: () => Promise<T>): Promise<T> {
    let rateAttempts = 0;
    let networkAttempts = 0;
    for (;;) {
      await this.limiter.acquire(this.ctx.signal);
      try {
        return await send();
      } catch (error) {
        const kind = classify(error);
        if (kind === 'rate' && rateAttempts < 5) {
          const backoff = retryAfterMs(error) ?? Math.min(500 * 2 ** rateAttempts, 8000) * (0.75 + Math.random() / 2);
          rateAttempts++;
          this.limiter.pause(backoff);
          this.ctx.log.warn('token.refresh.rate_limited', { backoff_ms: Math.round(backoff), attempt: rateAttempts });
          continue;
        }
        if (kind === 'temporary' && networkAttempts < 2 && !this.ctx.signal.aborted) {
          networkAttempts++;
          await sleep(250 * 2 ** networkAttempts * (0.75 + Math.random() / 2));
          continue;
        }
        throw error;
      }
    }
  }

  /** CAS with re-reads: `decide` sees the current record and returns the changes, or undefined to write nothing. */
  private async write(record: TokenRecord, decide: (current: TokenRecord) => TokenChanges | undefined, update?: Update): Promise<TokenRecord | undefined> {
    const send: Update = update ?? ((userId, version, changes) => this.store.update(userId, version, changes));
    let current = record;
    for (let attempt = 0; ; attempt++) {
      const changes = decide(current);
      if (!changes) return undefined;
      try {
        return await send(current.user_id, current.version, changes);
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= 3) throw error;
        const fresh = await this.store.get(current.user_id);
        if (!fresh) return undefined;
        current = fresh;
      }
    }
  }

  // ---- verify ----

  /**
   * Verifies one token. It resolves as soon as Stripe has answered, with `recorded`: the write of
   * the outcome, which the caller awaits later. A worker goes on to its next token meanwhile, so
   * the requests in flight never wait for the disk (on sqlite the writes are batched, and a batch
   * waits up to 25 ms for company).
   */
  private async verify(record: TokenRecord, reason: string | null, retried = false): Promise<{ recorded: Promise<RefreshResult> }> {
    try {
      await this.call(() => this.stripe.accounts.retrieve(null, {}, { apiKey: record.access_token }));
    } catch (error) {
      const kind = classify(error);
      if (kind === 'auth') return { recorded: this.recordRefusal(record, reason, oneLine(error), retried) };
      this.ctx.log.warn('token.refresh.verify_failed', { user_id: record.user_id, kind, error: oneLine(error) });
      const failed = result(record, 'verify', kind === 'rate' || kind === 'temporary' ? 'temporary' : 'failed', { reason, error: oneLine(error) });
      return { recorded: Promise.resolve(failed) };
    }
    return { recorded: this.recordSuccess(record, reason, this.ctx.now().toISOString()) };
  }

  private async recordSuccess(record: TokenRecord, reason: string | null, verifiedAt: string): Promise<RefreshResult> {
    const written = await this.write(
      record,
      (current) => (current.access_token === record.access_token ? { last_verified_at: verifiedAt, status: 'active', last_error: null } : undefined),
      this.verifyWrites.update,
    );
    return result(written ?? record, 'verify', 'verified', { status: written?.status ?? 'active', reason });
  }

  private async recordRefusal(record: TokenRecord, reason: string | null, message: string, retried: boolean): Promise<RefreshResult> {
    let retry: TokenRecord | undefined;
    const written = await this.write(
      record,
      (current) => {
        // Rolled or reconnected since it was read: that token is the one to judge, not this one.
        if (current.access_token !== record.access_token) {
          retry = current;
          return undefined;
        }
        return { status: 'needs_reconnect', last_error: message };
      },
      this.verifyWrites.update,
    );
    if (retry && !retried) return (await this.verify(retry, reason, true)).recorded;
    this.ctx.log.warn('token.refresh.needs_reconnect', { user_id: record.user_id, stripe_user_id: record.stripe_user_id, error: message });
    return result(written ?? record, 'verify', 'needs_reconnect', { status: 'needs_reconnect', reason, error: message });
  }

  // ---- roll ----

  /** Rolls one token under its lock, or skips it when another live run holds the lock. */
  private async roll(planned: TokenRecord, reason: string): Promise<RefreshResult> {
    const outcome = await this.locks.run(() => this.store.withLock(planned.user_id, () => this.rollLocked(planned, reason), { skipIfLocked: true }));
    if (outcome.acquired) return outcome.value;
    this.ctx.log.info('token.refresh.locked', { user_id: planned.user_id, holder: outcome.holder ?? null });
    return result(planned, 'roll', 'skipped', { reason: 'locked by another run', ...(outcome.holder ? { holder: outcome.holder } : {}) });
  }

  /** Under the lock: decide from a fresh read, write the attempt, send the grant, write its answer. */
  private async rollLocked(planned: TokenRecord, reason: string): Promise<RefreshResult> {
    const current = await this.store.get(planned.user_id);
    if (!current) return deleted(planned, 'roll');
    const rolled = alreadyRolled(planned, current, this.startedAt);
    if (rolled) return result(current, 'roll', 'skipped', { reason: rolled });
    if (plan(current, this.options, this.ctx.now()).action !== 'roll') {
      if (current.status === 'needs_reconnect') return result(current, 'roll', 'needs_reconnect', { reason: 'marked by another run', error: current.last_error });
      return result(current, 'roll', 'skipped', { reason: 'rolled by another run' });
    }
    const attempt = await this.beginAttempt(current);
    if (!attempt) return result(current, 'roll', 'skipped', { reason: 'rolled by another run' });
    const granted = await this.grant(attempt, reason);
    if ('result' in granted) return granted.result;
    return this.storeRoll(attempt, reason, granted.token);
  }

  /**
   * The attempt is written before the grant is sent, so a crash after Stripe answered leaves its id
   * behind, and the rerun replays the same grant (same key) and stores the same tokens. An attempt
   * already there is such a leftover: it is resumed, never replaced. Undefined when the token changed.
   */
  private async beginAttempt(current: TokenRecord): Promise<(TokenRecord & { roll_attempt: string }) | undefined> {
    if (current.roll_attempt) {
      this.ctx.log.info('token.refresh.resumed', { user_id: current.user_id, stripe_user_id: current.stripe_user_id });
      return current as TokenRecord & { roll_attempt: string };
    }
    const written = await this.write(current, (fresh) =>
      fresh.access_token === current.access_token && fresh.refresh_token === current.refresh_token ? { roll_attempt: fresh.roll_attempt ?? randomUUID() } : undefined,
    );
    return written as (TokenRecord & { roll_attempt: string }) | undefined;
  }

  /** The refresh_token grant; a refusal is re-read once before the token is marked needs_reconnect. */
  private async grant(record: TokenRecord & { roll_attempt: string }, reason: string): Promise<{ token: Stripe.OAuthToken } | { result: RefreshResult }> {
    const refreshToken = record.refresh_token!;
    try {
      const idempotencyKey = rollIdempotencyKey(record);
      return { token: await this.call(() => this.stripe.oauth.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, { idempotencyKey })) };
    } catch (error) {
      const kind = classify(error);
      const message = oneLine(error);
      if (kind !== 'invalid_grant' && kind !== 'auth') {
        // The attempt stays: Stripe may have run the grant, and only its key can get the answer back.
        this.ctx.log.warn('token.refresh.roll_failed', { user_id: record.user_id, kind, error: message });
        return { result: result(record, 'roll', kind === 'rate' || kind === 'temporary' ? 'temporary' : 'failed', { reason, error: message }) };
      }
      const again = await this.store.get(record.user_id);
      if (!again) return { result: deleted(record, 'roll') };
      if (again.refresh_token !== refreshToken || again.access_token !== record.access_token) {
        return { result: result(again, 'roll', 'skipped', { reason: 'rolled by another writer' }) };
      }
      const written = await this.write(again, (current) =>
        current.refresh_token === refreshToken ? { status: 'needs_reconnect', last_error: message, roll_attempt: null } : undefined,
      );
      this.ctx.log.warn('token.refresh.needs_reconnect', { user_id: record.user_id, stripe_user_id: record.stripe_user_id, error: message });
      return { result: result(written ?? again, 'roll', 'needs_reconnect', { status: 'needs_reconnect', reason, error: message }) };
    }
  }

  private async storeRoll(record: TokenRecord, reason: string, token: Stripe.OAuthToken): Promise<RefreshResult> {
    if (!token.access_token) return result(record, 'roll', 'failed', { reason, error: 'Stripe returned no access token' });
    const now = this.ctx.now().toISOString();
    const changes: TokenChanges = {
      access_token: token.access_token,
      // The grant may return a new refresh token (and retire the old one); if not, the old one stays valid.
      refresh_token: token.refresh_token ?? record.refresh_token,
      token_type: token.token_type ?? record.token_type,
      scope: token.scope ?? record.scope,
      stripe_publishable_key: token.stripe_publishable_key ?? record.stripe_publishable_key,
      livemode: token.livemode ?? record.livemode,
      status: 'active',
      last_refreshed_at: now,
      last_verified_at: now,
      last_error: null,
      roll_attempt: null,
    };
    const written = await this.writeRoll(record, changes);
    if (!written) return result(record, 'roll', 'skipped', { reason: 'replaced meanwhile (reconnected); the new token was not stored' });
    this.ctx.log.info('token.refresh.rolled', { user_id: record.user_id, stripe_user_id: record.stripe_user_id, version: written.version });
    return result(written, 'roll', 'rolled', { reason });
  }

  /**
   * The new token must reach the store: a lost CAS re-reads (and gives up only if the record was
   * replaced by a reconnect), and a failing database is retried before giving up. If it still
   * fails, the attempt stays on the record and the next run replays the same grant with its key.
   */
  private async writeRoll(record: TokenRecord, changes: TokenChanges): Promise<TokenRecord | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.write(record, (current) => (current.refresh_token === record.refresh_token ? changes : undefined));
      } catch (error) {
        if (attempt >= 4) {
          this.ctx.log.error('token.refresh.write_failed', { user_id: record.user_id, error: oneLine(error) });
          throw error;
        }
        await sleep(200 * 2 ** attempt);
      }
    }
  }
}
