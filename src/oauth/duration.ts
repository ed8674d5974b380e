/** `--max-age 7d`: durations as a number and a unit (ms, s, m, h, d, w); a bare number is seconds. */
import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(value: string, flag = '--max-age'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(value);
  if (!match) throw new UsageError(`${flag} "${value}" is not a duration`, { hint: 'for example 30m, 12h, 7d or 2w' });
  return Math.round(Number(match[1]) * UNITS[(match[2] ?? 's').toLowerCase()]);
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['w', UNITS.w], ['d', UNITS.d], ['h', UNITS.h], ['m', UNITS.m], ['s', UNITS.s]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
