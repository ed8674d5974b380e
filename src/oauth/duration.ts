/** `--max-age 7d`: the shared duration parser (values.ts), where zero is allowed (roll everything). */
import { formatDuration, parseDuration as parseAnyDuration } from '../values.js';

export { formatDuration };

export function parseDuration(value: string, flag = '--max-age'): number {
  return parseAnyDuration(value, flag, { allowZero: true });
}
