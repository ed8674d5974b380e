/**
 * Parsing of the webhook commands' flag values: sizes (`1mb`), durations (`5s`), times (`2h`,
 * ISO 8601), rates (`50/s`) and Stripe's event-type patterns (`payment_intent.*`). Pure functions,
 * each throwing a UsageError that names the flag.
 */
import { UsageError } from '../errors.js';

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 * 1024, m: 1024 * 1024 };

export function parseSize(value: string, flag = '--max-body'): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`${flag} "${value}" is not a size`, { hint: 'for example 512kb or 1mb' });
  const bytes = Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] ?? '').toLowerCase()]!);
  if (bytes < 1) throw new UsageError(`${flag} must be at least 1 byte`);
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `5s`, `2m`, `1h`, `7d`; a bare number is seconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`${flag} "${value}" is not a duration`, { hint: 'for example 500ms, 5s, 2m' });
  return Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? 's').toLowerCase()]!);
}

/** `--since`: an ISO 8601 time or date, or an age such as `2h`, `30m`, `7d` before now. */
export function parseSince(value: string, now: Date, flag = '--since'): Date {
  if (/^\d+(?:\.\d+)?\s*(ms|s|m|h|d)$/i.test(value.trim())) return new Date(now.getTime() - parseDuration(value, flag));
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new UsageError(`${flag} "${value}" is not a time`, { hint: 'use an age like 2h or 7d, or an ISO time like 2026-11-01T00:00:00Z' });
}

/** `--rate 50/s` (or `50`, `600/m`): deliveries per second. */
export function parseRate(value: string, flag = '--rate'): number {
  const match = /^(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m|h))?$/i.exec(value.trim());
  if (!match || Number(match[1]) <= 0) throw new UsageError(`${flag} "${value}" is not a rate`, { hint: 'for example 50/s or 600/m' });
  const per = { s: 1, m: 60, h: 3600 }[(match[2] ?? 's').toLowerCase() as 's' | 'm' | 'h'];
  return Number(match[1]) / per;
}

export function parsePositiveInt(value: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, not "${value}"`);
  }
  return Number(value);
}

export function parsePort(value: string, flag = '--port'): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`${flag} must be a port number 0-65535, not "${value}"`);
  return Number(value);
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
