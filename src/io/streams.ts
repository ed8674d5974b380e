/**
 * IO is an object, not process.stdout: it knows what is a terminal, whether colour is on, and
 * whether prompting is allowed. Tests build one over buffers with testIO().
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { Chalk, type ChalkInstance } from 'chalk';
import type { Env } from '../config/paths.js';
import { redact } from '../redact.js';

export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

/** A one-line bar of done/total on stderr. */
export interface Progress {
  /** Redraws at most every 100 ms, and always when the total is reached. */
  update(done: number, failed?: number): void;
  /** Ends the bar's line. */
  finish(): void;
}

export interface IO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  isStdoutTTY: boolean;
  isStderrTTY: boolean;
  isStdinTTY: boolean;
  /** Colour on stdout/stderr: a TTY, and neither NO_COLOR nor --no-color. */
  color: boolean;
  chalk: ChalkInstance;
  /** Prompts only with a TTY on stdin and stdout, and never under CI. */
  canPrompt: boolean;
  columns: number;
  /** Data: one line to stdout. */
  out(line: string): void;
  /** Everything else: one line to stderr, secrets masked. */
  err(line: string): void;
  /** A spinner on stderr when it is a TTY; a no-op otherwise. */
  spinner(text: string): Promise<Spinner>;
  /** A progress bar on stderr when it is a TTY and not under CI; a no-op otherwise. */
  progress(total: number): Progress;
}

export interface IOOptions {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  isStdoutTTY: boolean;
  isStderrTTY: boolean;
  isStdinTTY: boolean;
  env: Env;
  noColor?: boolean;
  columns?: number;
}

const noopSpinner: Spinner = { update() {}, succeed() {}, fail() {}, stop() {} };
const noopProgress: Progress = { update() {}, finish() {} };

function progressBar(stderr: Writable, total: number, width = 30): Progress {
  let last = 0;
  return {
    update(done, failed = 0) {
      const now = performance.now();
      if (done < total && now - last < 100) return;
      last = now;
      // The total is counted before the work; the work can shrink meanwhile, never overflow the bar.
      const filled = Math.min(width, Math.round((done / Math.max(total, done)) * width));
      stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${failed ? ` (${failed} failed)` : ''}`);
    },
    finish() {
      stderr.write('\n');
    },
  };
}

export function createIO(options: IOOptions): IO {
  const color =
    options.isStdoutTTY && !options.noColor && options.env.NO_COLOR === undefined && options.env.TERM !== 'dumb';
  const chalk = new Chalk({ level: color ? 1 : 0 });
  const isCI = options.env.CI !== undefined && options.env.CI !== '' && options.env.CI !== 'false' && options.env.CI !== '0';
  const io: IO = {
    stdout: options.stdout,
    stderr: options.stderr,
    get stdin() {
      return options.stdin;
    },
    isStdoutTTY: options.isStdoutTTY,
    isStderrTTY: options.isStderrTTY,
    isStdinTTY: options.isStdinTTY,
    color,
    chalk,
    canPrompt: options.isStdinTTY && options.isStdoutTTY && !isCI,
    columns: options.columns ?? 100,
    out(line) {
      options.stdout.write(`${line}\n`);
    },
    err(line) {
      options.stderr.write(`${redact(line)}\n`);
    },
    async spinner(text) {
      // A terminal that reports no width (docker exec -t, some CI ptys) cannot show a spinner, and
      // ora's line arithmetic divides by that width: it would spin at 100% CPU forever.
      const width = (options.stderr as NodeJS.WriteStream).columns;
      if (!options.isStderrTTY || isCI || !(width > 0)) return noopSpinner;
      const { default: ora } = await import('ora');
      const spinner = ora({ text, stream: options.stderr as NodeJS.WriteStream, color: 'cyan', isEnabled: color }).start();
      return {
        update: (next) => void (spinner.text = next),
        succeed: (done) => void spinner.succeed(done),
        fail: (done) => void spinner.fail(done),
        stop: () => void spinner.stop(),
      };
    },
    progress(total) {
      return options.isStderrTTY && !isCI ? progressBar(options.stderr, total) : noopProgress;
    },
  };
  return io;
}

export function systemIO(env: Env, noColor = false): IO {
  return createIO({
    stdout: process.stdout,
    stderr: process.stderr,
    // process.stdin is opened on first use: that costs a few ms, and most commands never read it.
    get stdin() {
      return process.stdin;
    },
    isStdoutTTY: Boolean(process.stdout.isTTY),
    isStderrTTY: Boolean(process.stderr.isTTY),
    isStdinTTY: isatty(0),
    env,
    noColor,
    columns: process.stdout.columns,
  });
}

export interface TestIO extends IO {
  stdoutText(): string;
  stderrText(): string;
  stdinStream: PassThrough;
}

/** IO over buffers, for tests of a verb's run(). */
export function testIO(options: { tty?: boolean; env?: Env; stdin?: string } = {}): TestIO {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  if (options.stdin !== undefined) stdin.end(options.stdin);
  let outText = '';
  let errText = '';
  stdout.on('data', (chunk) => (outText += chunk));
  stderr.on('data', (chunk) => (errText += chunk));
  const io = createIO({
    stdout,
    stderr,
    stdin,
    isStdoutTTY: Boolean(options.tty),
    isStderrTTY: Boolean(options.tty),
    isStdinTTY: Boolean(options.tty),
    env: options.env ?? {},
    noColor: true,
  });
  return Object.assign(io, { stdoutText: () => outText, stderrText: () => errText, stdinStream: stdin });
}
