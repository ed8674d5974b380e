import { describe, it, expect } from 'vitest';
import Stripe from 'stripe';
import { parseQuery, matchesQuery } from '../../src/emulator/search.js';
import { addInterval } from '../../src/emulator/resources/subscriptions.js';
import { signatureHeader } from '../../src/emulator/webhooks.js';
import { Store } from '../../src/emulator/store.js';
import { FaultInjector, parseFaultSpec } from '../../src/emulator/faults.js';

describe('search query parsing', () => {
  const fields = { email: 'string', amount: 'number', active: 'boolean', created: 'number' } as const;

  it('parses clauses, metadata, negation and numeric comparisons', () => {
    const query = parseQuery(`email~'ada' AND metadata["plan"]:'gold' AND -active:'false' AND amount>=1000`, fields, 'customers');
    expect(query.join).toBe('AND');
    expect(query.clauses).toEqual([
      { field: 'email', metadataKey: undefined, operator: '~', value: 'ada', negated: false },
      { field: 'metadata', metadataKey: 'plan', operator: ':', value: 'gold', negated: false },
      { field: 'active', metadataKey: undefined, operator: ':', value: 'false', negated: true },
      { field: 'amount', metadataKey: undefined, operator: '>=', value: 1000, negated: false },
    ]);
    const read = (values: Record<string, unknown>) => (field: string) => values[field];
    expect(matchesQuery(read({ email: 'ADA@example.com', metadata: { plan: 'gold' }, active: true, amount: 1000 }), query)).toBe(true);
    expect(matchesQuery(read({ email: 'ada@example.com', metadata: { plan: 'gold' }, active: false, amount: 1000 }), query)).toBe(false);
    expect(matchesQuery(read({ email: 'ada@example.com', metadata: { plan: 'gold' }, active: true, amount: 999 }), query)).toBe(false);
  });

  it('matches null and OR queries', () => {
    const query = parseQuery(`email:null OR amount<5`, fields, 'customers');
    expect(matchesQuery((field) => ({ email: null, amount: 10 })[field], query)).toBe(true);
    expect(matchesQuery((field) => ({ email: 'x@y.z', amount: 4 })[field], query)).toBe(true);
    expect(matchesQuery((field) => ({ email: 'x@y.z', amount: 5 })[field], query)).toBe(false);
  });

  it('refuses what Stripe refuses', () => {
    expect(() => parseQuery(`email:'a' AND amount>1 OR amount<0`, fields, 'customers')).toThrow(/mix/);
    expect(() => parseQuery(`colour:'red'`, fields, 'customers')).toThrow(/unsupported search field/);
    expect(() => parseQuery(`email>'a'`, fields, 'customers')).toThrow(/operator/);
    expect(() => parseQuery(`email~'ab'`, fields, 'customers')).toThrow(/3 characters/);
    expect(() => parseQuery(`email:'open`, fields, 'customers')).toThrow(/Unterminated/);
    expect(() => parseQuery(``, fields, 'customers')).toThrow(/empty/);
  });
});

describe('billing periods', () => {
  const at = (iso: string) => Date.parse(iso) / 1000;
  it('adds months in UTC, clamping to the end of shorter months', () => {
    expect(addInterval(at('2031-01-31T12:00:00Z'), { interval: 'month', interval_count: 1 })).toBe(at('2031-02-28T12:00:00Z'));
    expect(addInterval(at('2032-01-31T00:00:00Z'), { interval: 'month', interval_count: 1 })).toBe(at('2032-02-29T00:00:00Z'));
    expect(addInterval(at('2031-03-15T00:00:00Z'), { interval: 'month', interval_count: 3 })).toBe(at('2031-06-15T00:00:00Z'));
    expect(addInterval(at('2031-03-15T00:00:00Z'), { interval: 'year', interval_count: 1 })).toBe(at('2032-03-15T00:00:00Z'));
    expect(addInterval(at('2031-03-15T00:00:00Z'), { interval: 'week', interval_count: 2 })).toBe(at('2031-03-29T00:00:00Z'));
    expect(addInterval(at('2031-03-15T00:00:00Z'), { interval: 'day', interval_count: 1 })).toBe(at('2031-03-16T00:00:00Z'));
  });
});

describe('webhook signatures', () => {
  it('matches the header stripe-node generates for the same secret, payload and time', () => {
    const stripe = new Stripe('sk_test_unused');
    const payload = JSON.stringify({ id: 'evt_1', object: 'event' });
    const expected = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_test', timestamp: 1_700_000_000 });
    expect(signatureHeader('whsec_test', payload, 1_700_000_000)).toBe(expected);
  });
});

describe('store', () => {
  it('walks in creation order from a cursor, skipping removed objects after compaction', () => {
    const store = new Store();
    for (let index = 0; index < 3000; index++) store.insert('acct', 'thing', { id: `t_${index}`, object: 'thing' });
    for (let index = 0; index < 2000; index++) store.remove('acct', 'thing', `t_${index}`);
    expect(store.count('acct', 'thing')).toBe(1000);
    const newest = [...store.walk('acct', 'thing', 'older')].slice(0, 2).map((thing) => thing.id);
    expect(newest).toEqual(['t_2999', 't_2998']);
    const after = [...store.walk('acct', 'thing', 'older', 't_2001')].map((thing) => thing.id);
    expect(after).toEqual(['t_2000']);
    const before = [...store.walk('acct', 'thing', 'newer', 't_2997')].map((thing) => thing.id);
    expect(before).toEqual(['t_2998', 't_2999']);
    expect([...store.walk('acct', 'other')]).toEqual([]);
  });
});

describe('fault script', () => {
  it('consumes matching faults in order and leaves others queued', () => {
    const faults = new FaultInjector({ random: () => 0.99 });
    faults.schedule([parseFaultSpec({ status: '500', count: '2', path: '/v1/a' }), parseFaultSpec({ drop: 'true' })]);
    expect(faults.next('GET', '/v1/b')).toEqual({ kind: 'drop' });
    expect(faults.next('GET', '/v1/a')).toEqual({ kind: 'status', status: 500 });
    expect(faults.next('POST', '/v1/a')).toEqual({ kind: 'status', status: 500 });
    expect(faults.next('GET', '/v1/a')).toBeUndefined();
    faults.failRate = 0.5;
    expect(faults.next('GET', '/v1/a')).toBeUndefined();
    expect(() => parseFaultSpec({ status: 404 })).toThrow();
  });
});

describe('request log', () => {
  it('stays bounded however many distinct paths and idempotency keys it sees', async () => {
    const { RequestLog, TRACKED_LIMIT } = await import('../../src/emulator/requests.js');
    const log = new RequestLog();
    log.arrived('GET', '/v1/customers', undefined);
    for (let i = 0; i < TRACKED_LIMIT + 500; i++) {
      log.arrived('GET', `/v1/customers/cus_missing${i}`, undefined);
      log.arrived('POST', '/v1/customers', `key-${i}`);
      log.executed(`key-${i}`, false);
      log.finished({ id: `req_${i}`, method: 'GET', path: '/v1/customers', status: 200, replayed: false, at: '' });
    }
    const stats = log.stats();
    expect(Object.keys(stats.byRoute).length).toBeLessThanOrEqual(TRACKED_LIMIT);
    expect(Object.keys(stats.byIdempotencyKey).length).toBeLessThanOrEqual(TRACKED_LIMIT);
    expect(stats.recent.length).toBe(1000);
    expect(stats.total).toBe(1 + 2 * (TRACKED_LIMIT + 500));
    // The newest are kept, and counts of a route still in use keep counting.
    expect(stats.byIdempotencyKey[`key-${TRACKED_LIMIT + 499}`]).toEqual({ requests: 1, executions: 1, replays: 0 });
    expect(log.count('POST', '/v1/customers')).toBe(TRACKED_LIMIT + 500);
  });
});
