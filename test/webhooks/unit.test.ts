/** The pure parts of the webhook module: flag parsing, type patterns, backoff, signatures, summaries, samples. */
import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { UsageError } from '../../src/errors.js';
import { backoffMs, parseDuration, parseEventTypes, parseRate, parseSince, parseSize, splitSecrets, typeMatcher } from '../../src/webhooks/parse.js';
import { cursorAgeWarning } from '../../src/webhooks/poller.js';
import { DEFAULT_EVENT_TYPES, SAMPLE_TYPES, sampleEvent } from '../../src/webhooks/samples.js';
import { createVerifier, signPayload, signPayloadMulti } from '../../src/webhooks/signature.js';
import { eventFields, describeEvent } from '../../src/webhooks/summary.js';

const SECRET = 'whsec_unit_0123456789abcdef';
const NOW = Date.parse('2026-11-26T12:00:00Z');

describe('flag parsing', () => {
  it('reads sizes, durations, rates and times', () => {
    expect(parseSize('1mb')).toBe(1024 * 1024);
    expect(parseSize('512kb')).toBe(512 * 1024);
    expect(parseSize('100')).toBe(100);
    expect(() => parseSize('lots')).toThrow(UsageError);
    expect(parseDuration('500ms', '--interval')).toBe(500);
    expect(parseDuration('5s', '--interval')).toBe(5000);
    expect(parseDuration('2', '--interval')).toBe(2000);
    expect(() => parseDuration('soon', '--interval')).toThrow(/--interval "soon" is not a duration/);
    expect(parseRate('20/s')).toBe(20);
    expect(parseRate('600/m')).toBe(10);
    expect(() => parseRate('0/s')).toThrow(UsageError);
    expect(parseSince('2h', new Date(NOW)).toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(parseSince('2026-11-01T00:00:00Z', new Date(NOW)).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(() => parseSince('yesterday', new Date(NOW))).toThrow(/--since "yesterday" is not a time/);
  });

  it("matches Stripe's event type syntax", () => {
    expect(parseEventTypes(['payment_intent.*,invoice.paid', 'customer.created'])).toEqual(['payment_intent.*', 'invoice.paid', 'customer.created']);
    expect(parseEventTypes(undefined)).toBeUndefined();
    expect(() => parseEventTypes(['payment intent'])).toThrow(UsageError);
    const matches = typeMatcher(['payment_intent.*', 'invoice.paid']);
    expect(matches('payment_intent.succeeded')).toBe(true);
    expect(matches('payment_intent.payment_failed')).toBe(true);
    expect(matches('invoice.paid')).toBe(true);
    expect(matches('invoice.payment_failed')).toBe(false);
    expect(matches('payment_intentX.succeeded')).toBe(false);
    expect(typeMatcher(['*'])('anything.at_all')).toBe(true);
    expect(typeMatcher(undefined)('x.y')).toBe(true);
  });

  it('splits secrets from repeated flags and comma lists, without duplicates', () => {
    expect(splitSecrets(['whsec_a,whsec_b', 'whsec_b', undefined, ' whsec_c '])).toEqual(['whsec_a', 'whsec_b', 'whsec_c']);
  });
});

describe('backoff', () => {
  it('doubles from 1 s, caps at 5 minutes, and jitters within ±20%', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 9, 10, 20].map((attempt) => backoffMs(attempt, { random: mid }))).toEqual([1000, 2000, 4000, 8000, 256_000, 300_000, 300_000]);
    expect(backoffMs(1, { random: () => 0 })).toBe(800);
    expect(backoffMs(1, { random: () => 1 })).toBe(1200);
    expect(backoffMs(3, { random: mid, scale: 0.01 })).toBe(40);
  });
});

describe('signatures', () => {
  const payload = Buffer.from(JSON.stringify({ id: 'evt_1', object: 'event', type: 'customer.created' }));
  const t = Math.floor(NOW / 1000);

  it('accepts any v1 matching any secret, and says why it rejects', async () => {
    const verifier = await createVerifier(['whsec_old_0123456789', SECRET], 300);
    expect(verifier.verify(payload, signPayload(payload, SECRET, t), NOW)).toEqual({ ok: true });
    expect(verifier.verify(payload, signPayload(payload, 'whsec_old_0123456789', t), NOW)).toEqual({ ok: true });
    expect(verifier.verify(payload, signPayloadMulti(payload, ['whsec_someone_else_123', SECRET], t), NOW)).toEqual({ ok: true });
    expect(verifier.verify(payload, undefined, NOW).reason).toBe('missing_header');
    expect(verifier.verify(payload, signPayload(payload, SECRET, t).replace('v1=', 'v0='), NOW).reason).toBe('no_v1_signature');
    expect(verifier.verify(payload, signPayload(payload, 'whsec_wrong_0123456789', t), NOW).reason).toBe('signature_mismatch');
    expect(verifier.verify(payload, signPayload(payload, SECRET, t - 301), NOW).reason).toBe('timestamp_outside_tolerance');
    expect(verifier.verify(Buffer.from(`${payload} `), signPayload(payload, SECRET, t), NOW).reason).toBe('signature_mismatch');
  });

  it('signs the way stripe-node verifies', () => {
    const header = signPayload(payload, SECRET, Math.floor(Date.now() / 1000));
    expect(Stripe.webhooks.constructEvent(payload, header, SECRET).id).toBe('evt_1');
  });
});

describe('event fields and summaries', () => {
  it('reads the stored fields of an event and rejects other JSON', () => {
    expect(eventFields({ id: 'evt_1', object: 'event', type: 'x.y', account: 'acct_1', livemode: true, created: 5 })).toEqual({
      id: 'evt_1', type: 'x.y', account: 'acct_1', livemode: true, created: 5,
    });
    expect(eventFields({ id: 'evt_1', object: 'customer', type: 'x' })).toBeUndefined();
    expect(eventFields([1, 2])).toBeUndefined();
    expect(eventFields({ type: 'x.y' })).toBeUndefined();
  });

  it('summarises payment intents, subscriptions and invoices', () => {
    const pi = sampleEvent('payment_intent.payment_failed', { created: 1 });
    expect(describeEvent(pi)).toBe('$20.00 USD requires_payment_method card_declined');
    expect(describeEvent(sampleEvent('customer.subscription.deleted', { created: 1 }))).toMatch(/^canceled cus_/);
    expect(describeEvent(sampleEvent('invoice.payment_succeeded', { created: 1 }))).toBe('$20.00 USD paid');
  });
});

describe('samples', () => {
  it('has a sample for each of the seven handled types, shaped like a Stripe event', () => {
    for (const type of DEFAULT_EVENT_TYPES) {
      expect(SAMPLE_TYPES).toContain(type);
      const event = sampleEvent(type, { created: 1_790_000_000, account: 'acct_123' })!;
      expect(event).toMatchObject({ object: 'event', type, created: 1_790_000_000, account: 'acct_123', livemode: false });
      expect(event.id).toMatch(/^evt_[A-Za-z0-9]{24}$/);
      expect((event.data as { object: { id: string } }).object.id).toMatch(/^(pi|sub|in)_/);
    }
    expect(sampleEvent('nope.nothing', { created: 1 })).toBeUndefined();
    const a = sampleEvent('payment_intent.succeeded', { created: 1 })!;
    const b = sampleEvent('payment_intent.succeeded', { created: 1 })!;
    expect(a.id).not.toBe(b.id);
  });
});

describe('poll cursor age', () => {
  it('warns when the cursor is older than the 30 days Stripe keeps events', () => {
    const now = new Date(NOW);
    expect(cursorAgeWarning(null, now)).toBeUndefined();
    expect(cursorAgeWarning(NOW / 1000 - 29 * 86_400, now)).toBeUndefined();
    expect(cursorAgeWarning(NOW / 1000 - 40 * 86_400, now)).toMatch(/40 days old.*30 days/);
  });
});

describe('jsonDepth', () => {
  it('counts nesting outside strings only', async () => {
    const { jsonDepth } = await import('../../src/commands/webhook/common.js');
    expect(jsonDepth('{"a":[1,{"b":2}]}')).toBe(3);
    expect(jsonDepth('{"a":"{[{[\\"{"}')).toBe(1);
    expect(jsonDepth(`${'['.repeat(5000)}${']'.repeat(5000)}`)).toBe(5000);
    expect(jsonDepth('1')).toBe(0);
  });
});
