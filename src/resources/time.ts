/**
 * `--created-after` / `--created-before`: an ISO date (`2026-01-31`, read as UTC midnight), an ISO
 * date-time, or unix seconds. The range is half-open, [after, before), so consecutive ranges such
 * as a month at a time never count an object twice.
 */
import { UsageError } from '../errors.js';

export interface CreatedRange {
  gte?: number;
  lt?: number;
}

export function parseTimestamp(value: string, flag: string): number {
  const text = value.trim();
  if (/^\d{1,12}$/.test(text)) return Number(text);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const valid = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(iso);
  const time = valid ? Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(`${flag} "${value}" is not a date`, { hint: 'use an ISO date (2026-01-31), date-time (2026-01-31T12:00:00Z) or unix seconds' });
  }
  return Math.floor(time / 1000);
}

export function parseCreatedRange(after: string | undefined, before: string | undefined): CreatedRange | undefined {
  const range: CreatedRange = {};
  if (after !== undefined) range.gte = parseTimestamp(after, '--created-after');
  if (before !== undefined) range.lt = parseTimestamp(before, '--created-before');
  if (range.gte !== undefined && range.lt !== undefined && range.gte >= range.lt) {
    throw new UsageError('--created-after must be earlier than --created-before');
  }
  return range.gte === undefined && range.lt === undefined ? undefined : range;
}
