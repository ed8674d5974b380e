/**
 * A check is data: an id, a title and a run function. `health` and `smoke` are lists of checks run
 * by one engine (engine.ts) and printed by one reporter (report.ts, junit.ts).
 */
import type { Context } from '../context.js';

export const CHECK_STATUSES = ['pass', 'fail', 'warn', 'skip'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** What a check's run() returns; the engine measures the duration. */
export interface CheckOutcome {
  status: CheckStatus;
  /** One line: what was found, or what is wrong and how to fix it. */
  detail: string;
  /** Extra machine-readable facts for --json (latency, mode, counts). */
  data?: Record<string, unknown>;
}

export interface CheckResult extends CheckOutcome {
  id: string;
  title: string;
  durationMs: number;
}

/**
 * What a check may use. `ctx` is the run's Context; for `smoke --emulator` it is a second Context
 * pointed at the throwaway emulator and store, so checks never special-case the emulator.
 */
export interface CheckContext {
  ctx: Context;
  /** A unique id for this run: tags smoke objects and names the temporary token record. */
  runId: string;
  /** The per-check timeout, for checks that pass it on (a database connect timeout). */
  timeoutMs: number;
}

export interface Check {
  id: string;
  title: string;
  run(check: CheckContext, signal: AbortSignal): Promise<CheckOutcome>;
  /** Checks that must finish first; when one of them fails, this one is skipped (its clock starts after them). */
  needs?: string[];
  /** A floor under --timeout for this check (a multi-request write cycle). */
  minTimeoutMs?: number;
}

export const pass = (detail: string, data?: Record<string, unknown>): CheckOutcome => ({ status: 'pass', detail, data });
export const fail = (detail: string, data?: Record<string, unknown>): CheckOutcome => ({ status: 'fail', detail, data });
export const warn = (detail: string, data?: Record<string, unknown>): CheckOutcome => ({ status: 'warn', detail, data });
export const skip = (detail: string, data?: Record<string, unknown>): CheckOutcome => ({ status: 'skip', detail, data });
