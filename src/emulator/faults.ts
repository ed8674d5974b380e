/**
 * Fault injection: a fixed latency, a random failure rate, and a scripted queue of faults (409,
 * 429, 500, dropped connection) optionally limited to one path, consumed in order by matching requests.
 */

export type FaultSpec =
  | { status: FaultStatus; count?: number; path?: string; method?: string }
  | { drop: true; count?: number; path?: string; method?: string };

/** 409: an idempotency key in use by another request; 429: rate limited; 500: Stripe failed. */
export type FaultStatus = 409 | 429 | 500;
const FAULT_STATUSES: readonly number[] = [409, 429, 500];

export type Fault = { kind: 'status'; status: FaultStatus } | { kind: 'drop' };

interface ScriptedFault {
  spec: FaultSpec;
  remaining: number;
}

export class FaultInjector {
  latencyMs: number;
  failRate: number;
  private script: ScriptedFault[] = [];

  constructor(options: { latencyMs?: number; failRate?: number; random?: () => number } = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.failRate = options.failRate ?? 0;
    this.random = options.random ?? Math.random;
  }

  private readonly random: () => number;

  schedule(faults: FaultSpec[]): void {
    for (const spec of faults) {
      const remaining = spec.count ?? 1;
      if (!Number.isInteger(remaining) || remaining < 1) throw new Error('fault count must be a positive integer');
      if (!('drop' in spec) && !FAULT_STATUSES.includes(spec.status)) throw new Error('fault status must be 409, 429 or 500');
      this.script.push({ spec, remaining });
    }
  }

  clear(): void {
    this.script = [];
  }

  pending(): FaultSpec[] {
    return this.script.map(({ spec, remaining }) => ({ ...spec, count: remaining }));
  }

  /** The fault for this request, if any; consumes one scripted fault that matches. */
  next(method: string, path: string): Fault | undefined {
    const index = this.script.findIndex(
      ({ spec }) => (spec.path === undefined || spec.path === path) && (spec.method === undefined || spec.method.toUpperCase() === method),
    );
    if (index !== -1) {
      const scripted = this.script[index];
      if (--scripted.remaining === 0) this.script.splice(index, 1);
      return 'drop' in scripted.spec ? { kind: 'drop' } : { kind: 'status', status: scripted.spec.status };
    }
    if (this.failRate > 0 && this.random() < this.failRate) return { kind: 'status', status: 500 };
    return undefined;
  }
}

/** Reads a fault from loosely typed input (JSON or form fields from the control endpoint). */
export function parseFaultSpec(raw: Record<string, unknown>): FaultSpec {
  const count = raw.count === undefined ? undefined : Number(raw.count);
  const path = raw.path === undefined ? undefined : String(raw.path);
  const method = raw.method === undefined ? undefined : String(raw.method).toUpperCase();
  if (raw.drop === true || raw.drop === 'true') return { drop: true, count, path, method };
  const status = Number(raw.status);
  if (!FAULT_STATUSES.includes(status)) throw new Error('a fault is {"status": 409 | 429 | 500} or {"drop": true}, with optional count, path and method');
  return { status: status as FaultStatus, count, path, method };
}
