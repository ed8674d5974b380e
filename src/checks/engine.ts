/**
 * Runs checks concurrently, each under its own timeout. A check that throws fails with the error's
 * one-line message; a check that outlives its timeout fails with "timed out after N ms" and its
 * signal is aborted. The engine still waits (up to a grace period) for abandoned checks to settle,
 * so a smoke write cycle can finish its cleanup before the process exits.
 */
import { performance } from 'node:perf_hooks';
import { formatError } from '../errors.js';
import { parseDuration as parseAnyDuration } from '../values.js';
import type { Check, CheckContext, CheckOutcome, CheckResult } from './types.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** How long abandoned checks get to clean up after the last result. */
export const DEFAULT_GRACE_MS = 10_000;

export interface RunChecksOptions {
  timeoutMs?: number;
  graceMs?: number;
  /** SIGINT/SIGTERM: unfinished checks fail as interrupted. */
  signal?: AbortSignal;
  onStart?: (check: Check) => void;
  onResult?: (result: CheckResult) => void;
}

class Timeout extends Error {}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Results in the order of `checks`, whatever order they finished in. */
export async function runChecks(checks: Check[], context: CheckContext, options: RunChecksOptions = {}): Promise<CheckResult[]> {
  const stragglers: Promise<unknown>[] = [];
  const finished = new Map<string, Deferred<CheckResult>>(checks.map((check) => [check.id, deferred<CheckResult>()]));
  const results = await Promise.all(
    checks.map(async (check): Promise<CheckResult> => {
      const result = await runOne(check);
      finished.get(check.id)?.resolve(result);
      options.onResult?.(result);
      return result;
    }),
  );

  async function runOne(check: Check): Promise<CheckResult> {
    const needs = (check.needs ?? []).filter((id) => finished.has(id) && id !== check.id);
    if (needs.length) {
      const before = await Promise.all(needs.map((id) => finished.get(id)!.promise));
      const failed = before.filter((r) => r.status === 'fail');
      if (failed.length) {
        return { id: check.id, title: check.title, status: 'skip', detail: `skipped: the ${failed.map((r) => r.id).join(', ')} check failed`, durationMs: 0 };
      }
    }
    const timeoutMs = Math.max(check.minTimeoutMs ?? 0, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const controller = new AbortController();
    let rejectInterrupted: (error: Error) => void = () => {};
    const interrupted = new Promise<never>((_, reject) => (rejectInterrupted = reject));
    const onAbort = () => {
      controller.abort(options.signal?.reason);
      rejectInterrupted(new Error('interrupted'));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    options.onStart?.(check);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const running = Promise.resolve().then(() => check.run(context, controller.signal));
    const settled = running.catch(() => undefined);
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new Timeout());
        reject(new Timeout());
      }, timeoutMs);
    });
    let outcome: CheckOutcome;
    try {
      outcome = normalise(await Promise.race([running, limit, interrupted]));
    } catch (error) {
      if (error instanceof Timeout) {
        outcome = { status: 'fail', detail: `timed out after ${formatDuration(timeoutMs)}` };
        stragglers.push(settled);
      } else if (options.signal?.aborted) {
        outcome = { status: 'fail', detail: 'interrupted' };
        stragglers.push(settled);
      } else {
        outcome = { status: 'fail', detail: formatError(error) };
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    return { id: check.id, title: check.title, ...outcome, durationMs: Math.round(performance.now() - started) };
  }
  if (stragglers.length) {
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(stragglers),
      new Promise((resolve) => {
        graceTimer = setTimeout(resolve, options.graceMs ?? DEFAULT_GRACE_MS);
        graceTimer.unref();
      }),
    ]);
    clearTimeout(graceTimer);
  }
  return results;
}

function normalise(outcome: CheckOutcome): CheckOutcome {
  const detail = String(outcome?.detail ?? '').replace(/\s+/g, ' ').trim();
  return { ...outcome, detail };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/**
 * The overall verdict: `fail` when any check failed (or warned, with strict), otherwise `pass`.
 * Skipped checks never fail a run: they say why they did not apply.
 */
export function verdict(results: CheckResult[], strict = false): 'pass' | 'fail' {
  return results.some((r) => r.status === 'fail' || (strict && r.status === 'warn')) ? 'fail' : 'pass';
}

/** A duration flag (`10s`, `2m`, `24h`): the shared parser in values.ts; zero is refused. */
export function parseDuration(text: string, flag: string, bareUnit: 'ms' | 's' | 'h' = 's'): number {
  return parseAnyDuration(text, flag, { bareUnit });
}
