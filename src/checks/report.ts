/**
 * How check results are printed: a live checklist on a TTY (✓ ✗ ! - with durations, a spinner while
 * checks run), a stable JSON document, or rows (tsv when piped, csv, jsonl).
 *
 * The JSON document (schema "atom-stripe.checks/1"; fields are only ever added):
 *
 *   {
 *     "schema": "atom-stripe.checks/1",
 *     "command": "health" | "smoke",
 *     "status": "pass" | "fail",          // fail when any check failed, or warned with --strict
 *     "strict": boolean,
 *     "started_at": "2026-11-26T12:00:00.000Z",
 *     "duration_ms": 412,
 *     "summary": { "total": 7, "pass": 5, "fail": 1, "warn": 1, "skip": 0 },
 *     "checks": [
 *       { "id": "stripe", "title": "Stripe API reachable, key authenticates", "status": "pass",
 *         "detail": "test mode, 38 ms", "duration_ms": 41, "data": { "latency_ms": 38, "mode": "test" } }
 *     ]
 *   }
 */
import type { IO, Spinner } from '../io/streams.js';
import { printRecords, type Column, type OutputOptions } from '../io/output.js';
import { formatDuration, verdict } from './engine.js';
import type { Check, CheckResult, CheckStatus } from './types.js';

export const REPORT_SCHEMA = 'atom-stripe.checks/1';

export interface ReportMeta {
  command: string;
  strict: boolean;
  startedAt: Date;
  durationMs: number;
}

export interface CheckReport {
  schema: string;
  command: string;
  status: 'pass' | 'fail';
  strict: boolean;
  started_at: string;
  duration_ms: number;
  summary: Record<'total' | CheckStatus, number>;
  checks: Array<{ id: string; title: string; status: CheckStatus; detail: string; duration_ms: number; data?: Record<string, unknown> }>;
}

export function countOutcomes(results: CheckResult[]): CheckReport['summary'] {
  const summary = { total: results.length, pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const result of results) summary[result.status]++;
  return summary;
}

export function buildReport(results: CheckResult[], meta: ReportMeta): CheckReport {
  return {
    schema: REPORT_SCHEMA,
    command: meta.command,
    status: verdict(results, meta.strict),
    strict: meta.strict,
    started_at: meta.startedAt.toISOString(),
    duration_ms: Math.round(meta.durationMs),
    summary: countOutcomes(results),
    checks: results.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      detail: r.detail,
      duration_ms: r.durationMs,
      ...(r.data ? { data: r.data } : {}),
    })),
  };
}

const MARKS: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };

/** One checklist line: mark, title, duration, detail. */
export function checklistLine(io: IO, result: CheckResult, titleWidth: number): string {
  const paint = { pass: io.chalk.green, fail: io.chalk.red, warn: io.chalk.yellow, skip: io.chalk.dim }[result.status];
  const duration = formatDuration(result.durationMs).padStart(7);
  const detail = result.status === 'pass' || result.status === 'skip' ? io.chalk.dim(result.detail) : paint(result.detail);
  return `${paint(MARKS[result.status])} ${result.title.padEnd(titleWidth)} ${io.chalk.dim(duration)}  ${detail}`;
}

export function summaryLine(io: IO, results: CheckResult[], durationMs: number, strict: boolean): string {
  const s = countOutcomes(results);
  const parts = [`${s.pass} passed`, `${s.fail} failed`, `${s.warn} ${s.warn === 1 ? 'warning' : 'warnings'}`, `${s.skip} skipped`];
  const text = `${parts.join(', ')} in ${formatDuration(durationMs)}`;
  return verdict(results, strict) === 'pass' ? io.chalk.green(text) : io.chalk.red(text);
}

/**
 * The live checklist for a TTY: each line is printed as its check finishes; between lines a spinner
 * on stderr names the checks still running.
 */
export function createChecklist(io: IO, checks: Check[]) {
  const titleWidth = Math.min(44, Math.max(...checks.map((c) => c.title.length), 10));
  const running = new Map<string, string>();
  let spinner: Spinner | undefined;
  let chain = Promise.resolve();
  const spinnerText = () => `running ${[...running.values()].join(', ')}`;
  const serial = (step: () => Promise<void> | void) => {
    chain = chain.then(step, step);
    return chain;
  };
  return {
    onStart(check: Check) {
      running.set(check.id, check.title);
      void serial(async () => {
        if (spinner) spinner.update(spinnerText());
        else if (running.size) spinner = await io.spinner(spinnerText());
      });
    },
    onResult(result: CheckResult) {
      running.delete(result.id);
      void serial(async () => {
        spinner?.stop();
        spinner = undefined;
        io.out(checklistLine(io, result, titleWidth));
        if (running.size) spinner = await io.spinner(spinnerText());
      });
    },
    async finish(results: CheckResult[], durationMs: number, strict: boolean) {
      await serial(() => {
        spinner?.stop();
        spinner = undefined;
      });
      io.out(summaryLine(io, results, durationMs, strict));
    },
  };
}

const columns: Column<CheckResult>[] = [
  { key: 'id' },
  { key: 'status' },
  { key: 'duration_ms', get: (r) => r.durationMs },
  { key: 'title' },
  { key: 'detail' },
];

/** Non-TTY, non-JSON output: one row per check (tsv, csv, jsonl). */
export async function printRows(io: IO, results: CheckResult[], output: OutputOptions): Promise<void> {
  if (output.format === 'jsonl') {
    for (const r of results) {
      io.out(JSON.stringify({ id: r.id, title: r.title, status: r.status, detail: r.detail, duration_ms: r.durationMs, ...(r.data ? { data: r.data } : {}) }));
    }
    return;
  }
  await printRecords(io, results, columns, output);
}
