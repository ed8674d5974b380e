import { describe, expect, it } from 'vitest';
import { parseDuration, runChecks, verdict } from '../../src/checks/engine.js';
import { junitXml, xmlEscape } from '../../src/checks/junit.js';
import { buildReport } from '../../src/checks/report.js';
import type { Check, CheckContext, CheckResult } from '../../src/checks/types.js';
import { parseJUnit } from './support.js';

const context = {} as CheckContext;
const check = (id: string, run: Check['run'], extra: Partial<Check> = {}): Check => ({ id, title: `check ${id}`, run, ...extra });

describe('runChecks', () => {
  it('runs concurrently and keeps the order of the list', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const results = await runChecks(
      [
        check('slow', async () => {
          await gate;
          return { status: 'pass', detail: 'slow done' };
        }),
        check('fast', async () => {
          release(); // only possible if "slow" is already waiting: they run at the same time
          return { status: 'warn', detail: 'fast done' };
        }),
      ],
      context,
    );
    expect(results.map((r) => [r.id, r.status])).toEqual([['slow', 'pass'], ['fast', 'warn']]);
  });

  it('fails a check that outlives its timeout, aborts its signal, and waits for its cleanup', async () => {
    let cleanedUp = false;
    let aborted = false;
    const results = await runChecks(
      [
        check('hang', async (_ctx, signal) => {
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          aborted = true;
          await new Promise((resolve) => setTimeout(resolve, 20));
          cleanedUp = true;
          return { status: 'pass', detail: 'too late' };
        }),
      ],
      context,
      { timeoutMs: 50 },
    );
    expect(results[0]).toMatchObject({ status: 'fail', detail: 'timed out after 50 ms' });
    expect(aborted).toBe(true);
    expect(cleanedUp).toBe(true);
  });

  it('turns a throw into a one-line failure, and skips a check whose need failed', async () => {
    const results = await runChecks(
      [
        check('after', async () => ({ status: 'pass', detail: 'ran' }), { needs: ['store'] }),
        check('store', async () => {
          throw new Error('disk\nfull');
        }),
      ],
      context,
    );
    expect(results[1]).toMatchObject({ status: 'fail', detail: 'disk full' });
    expect(results[0]).toMatchObject({ status: 'skip', detail: 'skipped: the store check failed' });
  });

  it('fails unfinished checks as interrupted when the run is aborted', async () => {
    const controller = new AbortController();
    const running = runChecks([check('forever', () => new Promise(() => {}))], context, { signal: controller.signal, graceMs: 10 });
    controller.abort();
    expect((await running)[0]).toMatchObject({ status: 'fail', detail: 'interrupted' });
  });
});

describe('verdict and durations', () => {
  const result = (status: CheckResult['status']): CheckResult => ({ id: status, title: status, status, detail: '', durationMs: 1 });
  it('warnings fail only when strict; skips never fail', () => {
    expect(verdict([result('pass'), result('skip'), result('warn')])).toBe('pass');
    expect(verdict([result('pass'), result('warn')], true)).toBe('fail');
    expect(verdict([result('fail')])).toBe('fail');
  });
  it('parses durations and refuses nonsense', () => {
    expect(parseDuration('10s', '--timeout')).toBe(10_000);
    expect(parseDuration('1500ms', '--timeout')).toBe(1500);
    expect(parseDuration('24', '--window', 'h')).toBe(86_400_000);
    expect(parseDuration('7d', '--window')).toBe(604_800_000);
    expect(() => parseDuration('0s', '--timeout')).toThrow(/--timeout "0s" is not a duration/);
    expect(() => parseDuration('-1s', '--timeout')).toThrow(/not a duration/);
  });
});

describe('JUnit and JSON', () => {
  const results: CheckResult[] = [
    { id: 'ok', title: 'Fine', status: 'pass', detail: 'all <good> & "fine"', durationMs: 12 },
    { id: 'bad', title: 'Broken & <odd>', status: 'fail', detail: "Stripe: <html> 'oops' & \u0007bell ]]>", durationMs: 1500 },
    { id: 'meh', title: 'Meh', status: 'warn', detail: 'slow', durationMs: 3 },
    { id: 'na', title: 'N/A', status: 'skip', detail: 'not used', durationMs: 0 },
  ];
  const startedAt = new Date('2026-11-26T12:00:00.000Z');

  it('escapes everything XML cannot carry raw', () => {
    expect(xmlEscape(`<a href="x">'&'</a>\u0000`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });

  it('writes one testcase per check that a real XML parser reads back', () => {
    const report = parseJUnit(junitXml(results, { suite: 'atom-stripe smoke', startedAt, durationMs: 1600, host: 'ci' }));
    expect(report).toMatchObject({ tests: 4, failures: 1, skipped: 1 });
    expect(report.byId.bad.failure).toEqual({ message: "Stripe: <html> 'oops' & bell ]]>", text: "Stripe: <html> 'oops' & bell ]]>", type: 'failure' });
    expect(report.byId.bad.time).toBe(1.5);
    expect(report.byId.ok.systemOut).toBe('all <good> & "fine"');
    expect(report.byId.meh.systemOut).toBe('warning: slow');
    expect(report.byId.na.skipped?.message).toBe('not used');
    expect(report.cases[1].name).toBe('bad: Broken & <odd>');
    const strict = parseJUnit(junitXml(results, { suite: 'atom-stripe health', startedAt, durationMs: 1600, strict: true }));
    expect(strict.failures).toBe(2);
    expect(strict.byId.meh.failure?.type).toBe('warning');
  });

  it('builds the documented JSON document', () => {
    const document = buildReport(results, { command: 'health', strict: false, startedAt, durationMs: 1600.4 });
    expect(document).toMatchObject({
      schema: 'atom-stripe.checks/1',
      command: 'health',
      status: 'fail',
      strict: false,
      started_at: '2026-11-26T12:00:00.000Z',
      duration_ms: 1600,
      summary: { total: 4, pass: 1, fail: 1, warn: 1, skip: 1 },
    });
    expect(document.checks[0]).toEqual({ id: 'ok', title: 'Fine', status: 'pass', detail: 'all <good> & "fine"', duration_ms: 12 });
  });
});
