/**
 * The TokenStore contract. One suite, run unchanged against every store (sqlite, postgres,
 * keychain): what it checks is what "the same behaviour everywhere" means.
 */
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, TemporaryError, UsageError } from '../../src/errors.js';
import { redact } from '../../src/redact.js';
import { ConflictError } from '../../src/store/errors.js';
import type { NewTokenRecord, TokenStore } from '../../src/store/types.js';

export interface StoreHarness {
  /** A new handle on the same backing storage (another "process"), bound to `profile`. */
  open(profile: string, now: () => Date): Promise<TokenStore>;
  /** Empties the backing storage; runs before each test. */
  reset(): Promise<void>;
  teardown?(): Promise<void>;
}

/** A clock that moves one second per reading, so every write has a distinct, known time. */
export function steppingClock(start = '2030-01-01T00:00:00.000Z') {
  let tick = 0;
  const base = Date.parse(start);
  return () => new Date(base + 1000 * tick++);
}

let counter = 0;
export function sampleToken(overrides: Partial<NewTokenRecord> = {}): NewTokenRecord {
  counter++;
  return {
    user_id: `shop-${counter}`,
    access_token: `sk_test_contractAccess${counter}x${Math.random().toString(36).slice(2, 12)}`,
    refresh_token: `rt_contractRefresh${counter}x${Math.random().toString(36).slice(2, 12)}`,
    token_type: 'bearer',
    expires_at: '2031-06-01T12:00:00.000Z',
    stripe_user_id: `acct_1Contract${counter}`,
    stripe_publishable_key: `pk_test_contract${counter}`,
    scope: 'read_write',
    livemode: false,
    ...overrides,
  };
}

export function describeTokenStore(name: string, makeHarness: () => Promise<StoreHarness>, options: { skip?: string } = {}): void {
  const suite = options.skip ? describe.skip : describe;
  suite(`TokenStore contract: ${name}${options.skip ? ` (skipped: ${options.skip})` : ''}`, () => {
    let harness: StoreHarness;
    const opened: TokenStore[] = [];
    const open = async (profile = 'default', now = steppingClock()) => {
      const store = await harness.open(profile, now);
      opened.push(store);
      return store;
    };

    beforeAll(async () => {
      harness = await makeHarness();
    });
    afterAll(async () => {
      await harness?.teardown?.();
    });
    beforeEach(async () => {
      await harness.reset();
    });
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it('put then get returns the whole record, with defaults, version 1 and the clock times', async () => {
      const store = await open('default', steppingClock('2030-01-01T00:00:00.000Z'));
      const input = sampleToken({ livemode: true });
      const stored = await store.put(input);
      const read = await store.get(input.user_id);
      expect(read).toEqual(stored);
      expect(read).toMatchObject({
        ...input,
        profile: store.profile,
        status: 'active',
        last_verified_at: null,
        last_refreshed_at: null,
        last_error: null,
        created_at: '2030-01-01T00:00:00.000Z',
        updated_at: '2030-01-01T00:00:00.000Z',
        version: 1,
      });
    });

    it('returns undefined for an unknown user_id, and list is empty at first', async () => {
      const store = await open();
      expect(await store.get('nobody')).toBeUndefined();
      expect(await store.list()).toEqual([]);
    });

    it('registers the secrets it returns, so they never print', async () => {
      const store = await open();
      const input = sampleToken({ access_token: 'opaque-token-without-known-shape-1234567', refresh_token: 'another-opaque-refresh-token-98765' });
      await store.put(input);
      const again = await open();
      await again.get(input.user_id);
      expect(redact(`x ${input.access_token} y ${input.refresh_token}`)).not.toContain(input.access_token);
      expect(redact(`${input.refresh_token}`)).not.toContain(input.refresh_token!);
    });

    it('keeps nulls, odd characters and every status through a round trip', async () => {
      const store = await open();
      await store.put({ user_id: 'Zoë shop / 東京 #1', access_token: 'sk_test_onlyAccessToken000000001', status: 'needs_reconnect' });
      const read = await store.get('Zoë shop / 東京 #1');
      expect(read).toMatchObject({
        refresh_token: null,
        token_type: null,
        expires_at: null,
        stripe_user_id: null,
        stripe_publishable_key: null,
        scope: null,
        livemode: false,
        status: 'needs_reconnect',
      });
      await store.put({ user_id: 'revoked-one', access_token: 'sk_test_revokedToken00000000001', status: 'revoked' });
      expect((await store.get('revoked-one'))?.status).toBe('revoked');
    });

    it('rejects an invalid record before writing anything', async () => {
      const store = await open();
      await expect(store.put({ user_id: '', access_token: 'sk_test_x1234567890' })).rejects.toBeInstanceOf(UsageError);
      await expect(store.put({ user_id: 'a', access_token: '' })).rejects.toBeInstanceOf(UsageError);
      await expect(store.put({ ...sampleToken({ user_id: 'bad-status' }), status: 'paused' as never })).rejects.toBeInstanceOf(UsageError);
      await expect(store.put({ ...sampleToken({ user_id: 'bad-time' }), expires_at: 'tomorrow-ish' })).rejects.toBeInstanceOf(UsageError);
      expect(await store.list()).toEqual([]);
    });

    it('put on an existing user_id replaces it: created_at kept, version up by one, no duplicate', async () => {
      const store = await open();
      const first = await store.put(sampleToken({ user_id: 'acme' }));
      const replacement = sampleToken({ user_id: 'acme', scope: 'read_only' });
      const second = await store.put(replacement);
      expect(second.created_at).toBe(first.created_at);
      expect(second.updated_at > first.updated_at).toBe(true);
      expect(second.version).toBe(2);
      expect(second.access_token).toBe(replacement.access_token);
      expect((await store.list()).map((r) => r.user_id)).toEqual(['acme']);
    });

    it('lists the profile\'s records in user_id order, and never another profile\'s', async () => {
      const store = await open('default');
      const other = await open('staging');
      await store.put(sampleToken({ user_id: 'beta' }));
      await store.put(sampleToken({ user_id: 'alpha' }));
      await other.put(sampleToken({ user_id: 'alpha' }));
      await other.put(sampleToken({ user_id: 'gamma' }));
      expect((await store.list()).map((r) => r.user_id)).toEqual(['alpha', 'beta']);
      expect((await other.list()).map((r) => r.user_id)).toEqual(['alpha', 'gamma']);
      expect((await store.get('alpha'))?.access_token).not.toBe((await other.get('alpha'))?.access_token);
      expect(await store.get('gamma')).toBeUndefined();
      await other.delete('alpha');
      expect(await store.get('alpha')).toBeDefined();
    });

    it('update is a compare-and-set on version', async () => {
      const store = await open();
      const created = await store.put(sampleToken({ user_id: 'cas' }));
      const updated = await store.update('cas', created.version, { status: 'needs_reconnect', last_error: 'invalid_grant' });
      expect(updated).toMatchObject({ status: 'needs_reconnect', last_error: 'invalid_grant', version: 2, access_token: created.access_token });
      expect(updated.created_at).toBe(created.created_at);
      expect(updated.updated_at > created.updated_at).toBe(true);
      expect(await store.get('cas')).toEqual(updated);

      const stale = store.update('cas', created.version, { status: 'active' });
      await expect(stale).rejects.toBeInstanceOf(ConflictError);
      await expect(stale).rejects.toMatchObject({ expectedVersion: 1, actualVersion: 2 });
      await expect(stale).rejects.toBeInstanceOf(TemporaryError);
      expect(await store.get('cas')).toEqual(updated);

      await expect(store.update('missing', 1, { status: 'active' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.update('cas', 2, { user_id: 'renamed' } as never)).rejects.toBeInstanceOf(UsageError);
    });

    it('update can rotate the secrets, and the new ones read back', async () => {
      const store = await open();
      const created = await store.put(sampleToken({ user_id: 'rotate' }));
      await store.update('rotate', created.version, {
        access_token: 'sk_test_newAccessAfterRefresh0001',
        refresh_token: 'rt_newRefreshAfterRefresh0001',
        last_refreshed_at: '2030-02-01T00:00:00Z',
      });
      const reader = await open();
      expect(await reader.get('rotate')).toMatchObject({
        access_token: 'sk_test_newAccessAfterRefresh0001',
        refresh_token: 'rt_newRefreshAfterRefresh0001',
        last_refreshed_at: '2030-02-01T00:00:00.000Z',
        version: 2,
      });
    });

    it('two writers holding the same version: exactly one succeeds', async () => {
      const first = await open();
      const second = await open();
      const created = await first.put(sampleToken({ user_id: 'race' }));
      const results = await Promise.allSettled([
        first.update('race', created.version, { last_error: 'writer one' }),
        second.update('race', created.version, { last_error: 'writer two' }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      const final = await first.get('race');
      expect(final?.version).toBe(2);
      expect(final?.last_error).toBe((won[0] as PromiseFulfilledResult<{ last_error: string }>).value.last_error);
    });

    it('read-modify-write with retry on conflict loses no update', async () => {
      const writers = [await open(), await open(), await open()];
      await writers[0].put(sampleToken({ user_id: 'counter', last_error: '0' }));
      const increment = async (store: TokenStore) => {
        for (;;) {
          const current = (await store.get('counter'))!;
          try {
            await store.update('counter', current.version, { last_error: String(Number(current.last_error) + 1) });
            return;
          } catch (error) {
            if (!(error instanceof ConflictError)) throw error;
          }
        }
      };
      await Promise.all(writers.flatMap((store) => [increment(store), increment(store)]));
      const final = await writers[0].get('counter');
      expect(final?.last_error).toBe('6');
      expect(final?.version).toBe(7);
    });

    it('updateMany applies each compare-and-set in order, and a failed one changes only its own slot', async () => {
      const store = await open();
      const one = await store.put(sampleToken({ user_id: 'many-one' }));
      const two = await store.put(sampleToken({ user_id: 'many-two' }));
      const stale = await store.put(sampleToken({ user_id: 'many-stale' }));
      await store.update('many-stale', stale.version, { last_error: 'moved on' });
      const results = await store.updateMany([
        { userId: 'many-one', expectedVersion: one.version, changes: { last_verified_at: '2030-04-04T00:00:00Z' } },
        { userId: 'many-stale', expectedVersion: stale.version, changes: { status: 'needs_reconnect' } },
        { userId: 'missing', expectedVersion: 1, changes: { status: 'active' } },
        { userId: 'many-two', expectedVersion: two.version, changes: { user_id: 'renamed' } as never },
        { userId: 'many-two', expectedVersion: two.version, changes: { status: 'needs_reconnect', last_error: 'invalid_grant' } },
        // The same record again, at the version the previous update wrote: updates apply in order.
        { userId: 'many-two', expectedVersion: two.version + 1, changes: { last_error: 'second write' } },
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
      const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : undefined));
      expect(reasons[1]).toBeInstanceOf(ConflictError);
      expect(reasons[1]).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
      expect(reasons[2]).toBeInstanceOf(NotFoundError);
      expect(reasons[3]).toBeInstanceOf(UsageError);
      const values = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
      expect(values[0]).toMatchObject({ user_id: 'many-one', last_verified_at: '2030-04-04T00:00:00.000Z', version: 2, access_token: one.access_token });
      expect(values[4]).toMatchObject({ user_id: 'many-two', status: 'needs_reconnect', last_error: 'invalid_grant', version: 2 });
      expect(values[5]).toMatchObject({ user_id: 'many-two', status: 'needs_reconnect', last_error: 'second write', version: 3 });

      const reader = await open();
      expect(await reader.get('many-one')).toEqual(values[0]);
      expect(await reader.get('many-two')).toEqual(values[5]);
      expect(await reader.get('many-stale')).toMatchObject({ status: 'active', last_error: 'moved on', version: 2 });
      expect(await reader.get('missing')).toBeUndefined();
      expect(await store.updateMany([])).toEqual([]);
    });

    it('updateMany and another writer holding the same version: exactly one succeeds', async () => {
      const first = await open();
      const second = await open();
      const created = await first.put(sampleToken({ user_id: 'many-race' }));
      const [batch, single] = await Promise.allSettled([
        first.updateMany([{ userId: 'many-race', expectedVersion: created.version, changes: { last_error: 'batch' } }]),
        second.update('many-race', created.version, { last_error: 'single' }),
      ]);
      expect(batch.status).toBe('fulfilled');
      const batchResult = (batch as PromiseFulfilledResult<Array<PromiseSettledResult<{ last_error: string | null }>>>).value[0];
      expect([batchResult.status, single.status].filter((status) => status === 'fulfilled')).toHaveLength(1);
      const loser = batchResult.status === 'rejected' ? batchResult : (single as PromiseRejectedResult);
      expect(loser.reason).toBeInstanceOf(ConflictError);
      const final = await first.get('many-race');
      expect(final?.version).toBe(2);
      expect(final?.last_error).toBe(batchResult.status === 'fulfilled' ? 'batch' : 'single');
    });

    it('schemaStatus: current in every store with a schema; none for the keychain', async () => {
      const store = await open();
      const status = await store.schemaStatus();
      if (store.kind === 'keychain') expect(status).toBeUndefined();
      else {
        expect(status?.latest).toBeGreaterThanOrEqual(1);
        expect(status?.current).toBe(status?.latest);
      }
    });

    it('delete removes the record and says whether there was one', async () => {
      const store = await open();
      await store.put(sampleToken({ user_id: 'gone' }));
      await store.put(sampleToken({ user_id: 'stays' }));
      expect(await store.delete('gone')).toBe(true);
      expect(await store.delete('gone')).toBe(false);
      expect(await store.get('gone')).toBeUndefined();
      expect((await store.list()).map((r) => r.user_id)).toEqual(['stays']);
    });

    it('restore writes a record exactly, and a rerun neither duplicates nor changes it', async () => {
      const store = await open();
      const record = {
        ...sampleToken({ user_id: 'moved' }),
        refresh_token: null,
        token_type: 'bearer',
        expires_at: null,
        stripe_user_id: 'acct_1Moved',
        stripe_publishable_key: null,
        scope: 'read_only',
        livemode: true,
        status: 'needs_reconnect' as const,
        last_verified_at: '2029-05-05T05:05:05.000Z',
        last_refreshed_at: '2029-04-04T04:04:04.000Z',
        last_error: 'expired',
        created_at: '2029-01-01T00:00:00.000Z',
        updated_at: '2029-06-06T06:06:06.000Z',
        version: 7,
      };
      await store.restore(record);
      await store.restore(record);
      const list = await store.list();
      expect(list).toHaveLength(1);
      const { key_id: _keyId, profile, ...rest } = list[0];
      expect(rest).toEqual(record);
      expect(profile).toBe(store.profile);
    });

    it('withLock: a second holder skips or waits, and the lock is released after fn, even when it throws', async () => {
      const first = await open();
      const second = await open();
      await first.put(sampleToken({ user_id: 'locked' }));
      const events: string[] = [];
      let release!: () => void;
      const holding = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));

      const held = first.withLock('locked', async () => {
        events.push('first in');
        entered();
        await holding;
        events.push('first out');
        return 'first';
      });
      await inside;
      // sqlite names the holder (host:pid); the others cannot.
      const holder = first.kind === 'sqlite' ? { holder: `${hostname()}:${process.pid}` } : {};
      expect(await second.withLock('locked', async () => 'never', { skipIfLocked: true })).toEqual({ acquired: false, ...holder });
      // Another record is not affected.
      expect(await second.withLock('other', async () => 'free', { skipIfLocked: true })).toEqual({ acquired: true, value: 'free' });

      const waiting = second.withLock('locked', async () => {
        events.push('second in');
        return 'second';
      }, { waitMs: 30_000 });
      release();
      expect(await held).toEqual({ acquired: true, value: 'first' });
      expect(await waiting).toEqual({ acquired: true, value: 'second' });
      expect(events).toEqual(['first in', 'first out', 'second in']);

      await expect(first.withLock('locked', async () => { throw new Error('refresh failed'); })).rejects.toThrow('refresh failed');
      expect(await second.withLock('locked', async () => 'after throw', { skipIfLocked: true })).toEqual({ acquired: true, value: 'after throw' });
    });

    it('withLock allows CAS writes inside it', async () => {
      const store = await open();
      const created = await store.put(sampleToken({ user_id: 'refresh-me' }));
      const outcome = await store.withLock('refresh-me', async () => store.update('refresh-me', created.version, { last_refreshed_at: '2030-03-03T00:00:00Z' }));
      expect(outcome.acquired && outcome.value.version).toBe(2);
    });

    it('a waiting lock gives up with a TemporaryError when the wait ends', async () => {
      const first = await open();
      const second = await open();
      let release!: () => void;
      const holding = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const held = first.withLock('busy', async () => {
        entered();
        await holding;
      });
      await inside;
      await expect(second.withLock('busy', async () => 'x', { waitMs: 50 })).rejects.toBeInstanceOf(TemporaryError);
      release();
      await held;
    });
  });
}
