/**
 * The one parser for the values commands take: durations, whole numbers, ports, rates, sizes and
 * URLs. Every flag, setting and environment value of these kinds goes through here, so `7d` or
 * `2w` means the same to every command and each bad value gets the same one-line UsageError naming
 * the flag. Pure functions; nothing here reads the environment.
 */
import { UsageError } from './errors.js';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/i;

export interface DurationOptions {
  /** The unit of a bare number (default seconds). */
  bareUnit?: 'ms' | 's' | 'm' | 'h' | 'd';
  /** Accept 0 (`--max-age 0s`: everything is older). Refused by default: a zero timeout or interval is a mistake. */
  allowZero?: boolean;
}

/** `1500ms`, `10s`, `2m`, `24h`, `7d`, `2w`, or a bare number of `bareUnit`; in milliseconds. */
export function parseDuration(value: string, flag: string, options: DurationOptions = {}): number {
  const match = DURATION.exec(value.trim());
  const ms = match ? Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? options.bareUnit ?? 's').toLowerCase()]!) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || (ms === 0 && !options.allowZero)) {
    throw new UsageError(`${flag} "${value}" is not a duration`, { hint: `for example ${flag} 10s, 1500ms, 2m, 24h or 7d` });
  }
  return ms;
}

/** True when the text is a duration with an explicit unit (`2h`), as opposed to a date. */
export function isDurationWithUnit(value: string): boolean {
  const match = DURATION.exec(value.trim());
  return Boolean(match?.[2]);
}

export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** What is wrong with a whole number in [min, max], phrased after its name; undefined when valid. */
export function wholeNumberProblem(value: string, min: number, max: number): string | undefined {
  const text = value.trim();
  return /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max ? undefined : `must be a whole number from ${min} to ${max}`;
}

/** A count, limit or size in whole units: `--concurrency 8`, `--limit 100`, `--trial-days 14`. */
export function parseWholeNumber(value: string, flag: string, options: { min?: number; max?: number; hint?: string } = {}): number {
  const min = options.min ?? 1;
  const text = value.trim();
  const number = Number(text);
  if (!/^\d+$/.test(text) || number < min || (options.max !== undefined && number > options.max)) {
    const range = options.max !== undefined ? `a whole number between ${min} and ${options.max}` : min === 1 ? 'a positive whole number' : `a whole number ${min} or more`;
    throw new UsageError(`${flag} "${value}" must be ${range}`, options.hint ? { hint: options.hint } : {});
  }
  return number;
}

/** A TCP port; 0 (any free port) only where the caller allows it. */
export function parsePort(value: string, flag = '--port', options: { allowZero?: boolean } = {}): number {
  const min = options.allowZero ? 0 : 1;
  const text = value.trim();
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > 65535) {
    throw new UsageError(`${flag} "${value}" is not a port number (${min}-65535)`);
  }
  return Number(text);
}

/** `--rate 50/s` (or `50`, `600/m`, `3600/h`): per second. */
export function parseRate(value: string, flag = '--rate'): number {
  const match = /^(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m|h))?$/i.exec(value.trim());
  if (!match || Number(match[1]) <= 0) throw new UsageError(`${flag} "${value}" is not a rate`, { hint: 'for example 50/s or 600/m' });
  const per = { s: 1, m: 60, h: 3600 }[(match[2] ?? 's').toLowerCase() as 's' | 'm' | 'h'];
  return Number(match[1]) / per;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 * 1024, m: 1024 * 1024 };

/** `512kb`, `1mb`, or bytes. */
export function parseSize(value: string, flag = '--max-body'): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`${flag} "${value}" is not a size`, { hint: 'for example 512kb or 1mb' });
  const bytes = Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] ?? '').toLowerCase()]!);
  if (bytes < 1) throw new UsageError(`${flag} must be at least 1 byte`);
  return bytes;
}

/** What is wrong with a URL of one of `protocols` (`['http:', 'https:']`); undefined when valid. */
export function urlProblem(value: string, protocols: string[], example: string): string | undefined {
  try {
    const parsed = new URL(value);
    return protocols.includes(parsed.protocol) ? undefined : `must be a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL, for example ${example}`;
  } catch {
    return `is not a URL (for example ${example})`;
  }
}
