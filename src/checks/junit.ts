/**
 * JUnit XML, the report format every CI system reads: one <testsuite> per command, one <testcase>
 * per check. A failed check is a <failure> with its detail; a skipped check is <skipped>; a warning
 * is a passing testcase with its detail in <system-out> (a <failure> under --strict).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { OperationError } from '../errors.js';
import type { CheckResult } from './types.js';

/** Escapes text for XML content and attributes, and drops characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export interface JUnitOptions {
  /** The suite name, e.g. `atom-stripe smoke`. */
  suite: string;
  startedAt: Date;
  durationMs: number;
  strict?: boolean;
  host?: string;
}

export function junitXml(results: CheckResult[], options: JUnitOptions): string {
  const failed = (r: CheckResult) => r.status === 'fail' || (options.strict === true && r.status === 'warn');
  const failures = results.filter(failed).length;
  const skipped = results.filter((r) => r.status === 'skip').length;
  const suite = xmlEscape(options.suite);
  const classname = xmlEscape(options.suite.replace(/\s+/g, '.'));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${suite}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(options.durationMs)}">`,
    `  <testsuite name="${suite}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(options.durationMs)}" timestamp="${options.startedAt.toISOString().replace(/\.\d{3}Z$/, '')}" hostname="${xmlEscape(options.host ?? hostname())}">`,
  ];
  for (const result of results) {
    const open = `    <testcase classname="${classname}" name="${xmlEscape(`${result.id}: ${result.title}`)}" time="${seconds(result.durationMs)}"`;
    const detail = xmlEscape(result.detail);
    if (failed(result)) {
      const type = result.status === 'warn' ? 'warning' : 'failure';
      lines.push(`${open}>`, `      <failure message="${detail}" type="${type}">${detail}</failure>`, '    </testcase>');
    } else if (result.status === 'skip') {
      lines.push(`${open}>`, `      <skipped message="${detail}"/>`, '    </testcase>');
    } else if (detail) {
      const prefix = result.status === 'warn' ? 'warning: ' : '';
      lines.push(`${open}>`, `      <system-out>${prefix}${detail}</system-out>`, '    </testcase>');
    } else {
      lines.push(`${open}/>`);
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

/** Writes the report atomically: a CI step that reads it never sees half a file. */
export function writeJUnit(file: string, xml: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, xml, { mode: 0o644 });
    renameSync(temporary, file);
  } catch (error) {
    throw new OperationError(`cannot write the JUnit report ${file}: ${(error as Error).message}`, {
      hint: 'check that its folder exists and is writable',
      cause: error,
    });
  }
}
