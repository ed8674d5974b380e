/** Shared by both event stores: the attempt summary from `(kind, ok, n)` groups of a GROUP BY. */
import type { AttemptKind, AttemptSummary } from './types.js';

/** Folds `(kind, ok, n)` groups (sqlite gives 0/1 and numbers, postgres booleans and strings) into the summary. */
export function foldAttemptCounts(rows: Array<{ kind: AttemptKind; ok: number | boolean; n: number | string }>): AttemptSummary {
  const summary: AttemptSummary = {
    attempts: 0,
    succeeded: 0,
    failed: 0,
    byKind: { forward: { attempts: 0, succeeded: 0 }, replay: { attempts: 0, succeeded: 0 }, trigger: { attempts: 0, succeeded: 0 } },
  };
  for (const row of rows) {
    const ok = row.ok === true || row.ok === 1;
    const n = Number(row.n);
    summary.attempts += n;
    if (ok) summary.succeeded += n;
    else summary.failed += n;
    summary.byKind[row.kind].attempts += n;
    if (ok) summary.byKind[row.kind].succeeded += n;
  }
  return summary;
}
