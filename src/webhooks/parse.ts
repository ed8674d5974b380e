/**
 * The webhook commands' own flag values: times (`2h` or ISO 8601), target URLs and Stripe's
 * event-type patterns (`payment_intent.*`). Durations, counts, ports, rates and sizes come from
 * values.ts, the one parser every command shares. Each throws a UsageError that names the flag.
 */
import { UsageError } from '../errors.js';
import { isDurationWithUnit, parseDuration, parsePort as parseAnyPort, parseRate, parseSize, parseWholeNumber } from '../values.js';

export { parseDuration, parseRate, parseSize };

/** `--since`: an ISO 8601 time or date, or an age such as `2h`, `30m`, `7d` before now. */
export function parseSince(value: string, now: Date, flag = '--since'): Date {
  if (isDurationWithUnit(value)) return new Date(now.getTime() - parseDuration(value, flag, { allowZero: true }));
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new UsageError(`${flag} "${value}" is not a time`, { hint: 'use an age like 2h or 7d, or an ISO time like 2026-11-01T00:00:00Z' });
}

export function parsePositiveInt(value: string, flag: string, max?: number): number {
  return parseWholeNumber(value, flag, { max });
}

/** The webhook listener's port: 0 picks a free one. */
export function parsePort(value: string, flag = '--port'): number {
  return parseAnyPort(value, flag, { allowZero: true });
}

/** An http(s) URL for --forward-to, --to, --url. */
export function parseTargetUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} "${value}" is not a URL`, { hint: 'for example http://127.0.0.1:3000/webhooks' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http or https URL, not ${url.protocol}`);
  return url.toString();
}

const TYPE_PATTERN = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/;

/** Stripe's enabled_events syntax: exact types, `prefix.*`, or `*`. Comma-separated and/or repeated. */
export function parseEventTypes(values: string[] | string | undefined, flag = '--events'): string[] | undefined {
  const list = (Array.isArray(values) ? values : values ? [values] : []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (!list.length) return undefined;
  for (const type of list) {
    if (!TYPE_PATTERN.test(type)) throw new UsageError(`${flag}: "${type}" is not an event type`, { hint: 'for example payment_intent.succeeded or payment_intent.*' });
  }
  return list;
}

export function typeMatcher(patterns: string[] | undefined): (type: string) => boolean {
  if (!patterns || patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.endsWith('.*')));
  const prefixes = patterns.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1));
  return (type) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix));
}

/** Webhook secrets: repeated flags and comma-separated lists (the setting holds several for rotation). */
export function splitSecrets(values: Array<string | undefined>): string[] {
  const secrets = values.flatMap((v) => (v ?? '').split(',')).map((v) => v.trim()).filter(Boolean);
  return [...new Set(secrets)];
}

/**
 * The forward retry schedule: 1 s, 2 s, 4 s ... capped at 5 minutes, each with ±20% jitter so a
 * backlog does not retry in lockstep. `attempt` counts from 1 (the delay after the first failure).
 * `scale` shrinks the schedule for tests (ATOM_STRIPE_WEBHOOK_BACKOFF_SCALE, hidden --backoff-scale).
 */
export function backoffMs(attempt: number, options: { scale?: number; random?: () => number } = {}): number {
  const base = Math.min(1000 * 2 ** Math.max(0, attempt - 1), 300_000);
  const jitter = 0.8 + 0.4 * (options.random ?? Math.random)();
  return Math.max(0, Math.round(base * jitter * (options.scale ?? 1)));
}
