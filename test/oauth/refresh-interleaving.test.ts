/**
 * Two `token refresh --roll` runs that overlap (both began before either rolled), against one
 * SQLite store, under every interleaving of their store calls and grants: a cooperative scheduler
 * lets one run take one step at a time and enumerates every order (depth-first over its choices).
 * In each, the token is granted exactly once and the stored token is the granted one.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type Context } from '../../src/context.js';
import { testIO } from '../../src/io/streams.js';
import { noopLogger } from '../../src/log.js';
import { refreshTokens, type RefreshResult } from '../../src/oauth/refresh.js';
import { createCipher, generateKey } from '../../src/store/crypto.js';
import { openSqliteTokenStore } from '../../src/store/sqlite.js';
import type { TokenRecord, TokenStore } from '../../src/store/types.js';
import { isolatedEnv } from '../helpers/cli.js';

type Label = 'A' | 'B';

/** Runs the two runs one step at a time; `choose` picks which blocked run goes next. */
class Scheduler {
  private active = 0;
  private pending: Array<{ label: Label; op: string; release: () => void }> = [];
  readonly trace: string[] = [];
  constructor(private readonly choose: (options: number) => number) {}

  gate(label: Label, op: string): Promise<void> {
    return new Promise((release) => {
      this.pending.push({ label, op, release });
      this.active--;
      this.step();
    });
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.step();
    }
  }

  private step(): void {
    if (this.active > 0 || !this.pending.length) return;
    this.pending.sort((a, b) => a.label.localeCompare(b.label));
    const [next] = this.pending.splice(this.choose(this.pending.length), 1);
    this.trace.push(`${next.label}:${next.op}`);
    this.active++;
    next.release();
  }
}

/** The store as one run sees it: every call waits for its turn. */
function gatedStore(store: TokenStore, label: Label, scheduler: Scheduler): TokenStore {
  return {
    kind: store.kind,
    profile: store.profile,
    location: store.location,
    get: async (userId) => (await scheduler.gate(label, 'get'), store.get(userId)),
    list: async (options) => (await scheduler.gate(label, 'list'), store.list(options)),
    update: async (userId, version, changes) => (await scheduler.gate(label, `update ${Object.keys(changes).join(',')}`), store.update(userId, version, changes)),
    updateMany: async (updates) => (await scheduler.gate(label, 'update many'), store.updateMany(updates)),
    withLock: async (userId, fn, options) => (await scheduler.gate(label, 'lock'), store.withLock(userId, fn, options)),
    put: (record) => store.put(record),
    delete: (userId) => store.delete(userId),
    restore: (record) => store.restore(record),
    schemaStatus: () => store.schemaStatus(),
    close: () => store.close(),
  };
}

/** Stripe as far as a roll needs it: a grant runs once per idempotency key and is replayed after. */
function fakeStripe(label: Label, scheduler: Scheduler, grants: { executed: number; answers: Map<string, Stripe.OAuthToken> }): Stripe {
  return {
    oauth: {
      async token(params: { refresh_token: string }, options: { idempotencyKey: string }) {
        await scheduler.gate(label, 'grant');
        const saved = grants.answers.get(options.idempotencyKey);
        if (saved) return saved;
        grants.executed++;
        const answer = { access_token: `sk_test_granted_${grants.executed}`, refresh_token: params.refresh_token, token_type: 'bearer' } as Stripe.OAuthToken;
        grants.answers.set(options.idempotencyKey, answer);
        return answer;
      },
    },
    accounts: { retrieve: async () => ({ id: 'acct_1' }) },
  } as unknown as Stripe;
}

/** One wall clock for both runs, as two processes on one host share it; each reading is 1 ms later. */
let tick = Date.parse('2026-11-26T12:00:00Z');

function steppingContext(): Context {
  const env = isolatedEnv();
  return createContext(
    { env, cwd: env.HOME!, io: testIO({ env }), now: () => new Date(tick++), signal: new AbortController().signal, logger: noopLogger },
    {},
  );
}

const INITIAL: Omit<TokenRecord, 'profile' | 'key_id'> = {
  user_id: 'shop',
  access_token: 'sk_test_initial',
  refresh_token: 'rt_initial',
  token_type: 'bearer',
  expires_at: null,
  stripe_user_id: 'acct_1',
  stripe_publishable_key: null,
  scope: 'read_write',
  livemode: false,
  status: 'active',
  last_verified_at: null,
  last_refreshed_at: '2026-10-01T00:00:00.000Z',
  last_error: null,
  created_at: '2026-09-01T00:00:00.000Z',
  updated_at: '2026-10-01T00:00:00.000Z',
  version: 1,
};

let stores: Record<Label, TokenStore>;

beforeAll(async () => {
  // Every scenario writes a few times with synchronous=FULL: on /dev/shm that costs nothing.
  const dir = mkdtempSync(join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), 'atom-stripe-interleave-'));
  const file = join(dir, 'tokens.db');
  const cipher = createCipher(generateKey());
  const open = () => openSqliteTokenStore({ file, profile: 'default', cipher, now: () => new Date() });
  stores = { A: await open(), B: await open() };
});

afterAll(async () => {
  await stores?.A.close();
  await stores?.B.close();
});

/** One interleaving: both runs began before either rolled; `choose` orders their steps. */
async function scenario(choose: (options: number) => number, startedTogether = true) {
  await stores.A.restore(INITIAL);
  const scheduler = new Scheduler(choose);
  const grants = { executed: 0, answers: new Map<string, Stripe.OAuthToken>() };
  // Both runs began (their processes started) before either touched the store.
  const startedAt = new Date(tick++);
  const options = { all: true, roll: true, concurrency: 1, rate: 0, dryRun: false };
  const oneRun = (label: Label) =>
    scheduler.run(async () => {
      // When each run lists is part of the interleaving: a run may read the token after the other's grant.
      await scheduler.gate(label, 'start');
      const deps = { store: gatedStore(stores[label], label, scheduler), stripe: fakeStripe(label, scheduler, grants), startedAt: startedTogether ? startedAt : undefined };
      return (await refreshTokens(options, steppingContext(), deps)).results;
    });
  const [a, b] = await Promise.all([oneRun('A'), oneRun('B')]);
  return { results: [...a, ...b] as RefreshResult[], grants, trace: scheduler.trace, stored: (await stores.A.get('shop'))! };
}

/** Runs `check` on every interleaving (depth-first over the scheduler's choices); returns how many. */
async function everyInterleaving(startedTogether: boolean, check: (outcome: Awaited<ReturnType<typeof scenario>>) => void): Promise<number> {
  let prefix: number[] = [];
  let scenarios = 0;
  for (;;) {
    const made: Array<{ choice: number; options: number }> = [];
    const outcome = await scenario((options) => {
      const choice = made.length < prefix.length ? prefix[made.length] : 0;
      made.push({ choice, options });
      return choice;
    }, startedTogether);
    scenarios++;
    check(outcome);
    // Next prefix: the deepest choice that still has an untried option.
    let depth = made.length - 1;
    while (depth >= 0 && made[depth].choice + 1 >= made[depth].options) depth--;
    if (depth < 0) return scenarios;
    prefix = [...made.slice(0, depth).map((step) => step.choice), made[depth].choice + 1];
  }
}

function expectOneRoll(outcome: Awaited<ReturnType<typeof scenario>>): void {
  const context = outcome.trace.join(' ');
  expect(outcome.grants.executed, context).toBe(1);
  expect(outcome.results.filter((result) => result.outcome === 'rolled'), context).toHaveLength(1);
  for (const result of outcome.results.filter((result) => result.outcome !== 'rolled')) {
    expect(result, context).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^(locked|rolled) by another run$/) });
  }
  expect(outcome.stored.access_token, context).toBe('sk_test_granted_1');
  expect(outcome.stored.roll_attempt, context).toBeUndefined();
}

describe('overlapping token refresh --roll runs, every interleaving', () => {
  it('runs that began before either rolled: the token is granted exactly once, and the granted token is stored', async () => {
    const scenarios = await everyInterleaving(true, expectOneRoll);
    // Both orders of every pair of steps were tried, not one lucky schedule.
    expect(scenarios).toBeGreaterThan(50);
  }, 120_000);

  it('whenever each run started: a run that read the token before the other stored its roll never rolls it again', async () => {
    let overlapping = 0;
    await everyInterleaving(false, (outcome) => {
      const at = (step: string) => outcome.trace.findIndex((entry) => entry.startsWith(step));
      const stored = (label: Label) => at(`${label}:update access_token`);
      const readFirst = (reader: Label, roller: Label) => stored(roller) === -1 || at(`${reader}:list`) < stored(roller);
      if (!readFirst('A', 'B') || !readFirst('B', 'A')) return;
      overlapping++;
      expectOneRoll(outcome);
    });
    expect(overlapping).toBeGreaterThan(20);
  }, 120_000);
});
