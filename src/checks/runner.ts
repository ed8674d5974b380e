/**
 * The flow `health` and `smoke` share: run the checks, print them (checklist on a TTY, JSON, rows),
 * write the JUnit report, and fail the command (exit 1) when the verdict is fail.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Context } from '../context.js';
import { InterruptedError, OperationError, UsageError } from '../errors.js';
import { effectiveFormat } from '../io/output.js';
import { runChecks, verdict } from './engine.js';
import { junitXml, writeJUnit } from './junit.js';
import { buildReport, createChecklist, printRows } from './report.js';
import type { Check, CheckContext, CheckResult } from './types.js';

export interface ExecuteOptions {
  command: 'health' | 'smoke';
  checks: Check[];
  context: CheckContext;
  timeoutMs: number;
  strict: boolean;
  /** Path of the JUnit XML report, relative to the working directory. */
  junit?: string;
}

/** Checks --junit before any request is sent: a CI job with a bad path fails fast, with exit 2. */
export function resolveJUnitPath(ctx: Pick<Context, 'cwd'>, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (!file.trim()) throw new UsageError('--junit needs a file name', { hint: 'for example --junit smoke.xml' });
  const path = resolve(ctx.cwd, file);
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UsageError(`--junit ${file}: the folder ${folder} does not exist`, { hint: 'create it first, e.g. mkdir -p reports' });
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`--junit ${file} is a folder`, { hint: 'name a file, e.g. --junit smoke.xml' });
  return path;
}

export async function executeChecks(ctx: Context, options: ExecuteOptions): Promise<CheckResult[]> {
  const startedAt = ctx.now();
  const started = performance.now();
  const format = effectiveFormat(ctx.io, ctx.output);
  const checklist = format === 'table' ? createChecklist(ctx.io, options.checks) : undefined;
  const results = await runChecks(options.checks, options.context, {
    timeoutMs: options.timeoutMs,
    signal: ctx.signal,
    onStart: checklist?.onStart,
    onResult: checklist?.onResult,
  });
  const durationMs = performance.now() - started;
  for (const result of results) ctx.log.info('check.result', { command: options.command, id: result.id, status: result.status, detail: result.detail, duration_ms: result.durationMs });

  if (checklist) await checklist.finish(results, durationMs, options.strict);
  else if (format === 'json') ctx.io.out(JSON.stringify(buildReport(results, { command: options.command, strict: options.strict, startedAt, durationMs }), null, 2));
  else await printRows(ctx.io, results, ctx.output);

  if (options.junit) {
    writeJUnit(options.junit, junitXml(results, { suite: `atom-stripe ${options.command}`, startedAt, durationMs, strict: options.strict }));
    ctx.verbose(`JUnit report written to ${options.junit}`);
  }
  if (ctx.signal.aborted) throw new InterruptedError();
  if (verdict(results, options.strict) === 'fail') {
    const failing = results.filter((r) => r.status === 'fail' || (options.strict && r.status === 'warn'));
    throw new OperationError(`${options.command}: ${failing.length} of ${results.length} checks failed (${failing.map((r) => r.id).join(', ')})`);
  }
  return results;
}
