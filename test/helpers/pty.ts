/**
 * Runs the built binary in a pseudo-terminal, for the TTY cases: tables, colour, spinners and
 * prompts. `answer(pattern, keys)` waits for the screen to show a prompt, then types.
 */
import { createRequire } from 'node:module';
import { BIN, isolatedEnv, type Env } from './cli.js';

const require = createRequire(import.meta.url);
type Pty = typeof import('@lydell/node-pty');

export interface PtySession {
  /** What the terminal showed, escape sequences removed. */
  output(): string;
  /** The bytes as written, escape sequences and all. */
  rawOutput(): string;
  /** Waits until the output matches, then writes keys (e.g. 'y\r'). */
  answer(pattern: RegExp, keys: string, timeoutMs?: number): Promise<void>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  write(keys: string): void;
  exit: Promise<{ exitCode: number; signal?: number }>;
  kill(signal?: string): void;
}

export function runInPty(args: string[], options: { env?: Env; cols?: number; cwd?: string } = {}): PtySession {
  const pty = require('@lydell/node-pty') as Pty;
  const env = options.env ?? isolatedEnv();
  const child = pty.spawn(process.execPath, [BIN, ...args], {
    name: 'xterm-256color',
    cols: options.cols ?? 120,
    rows: 40,
    cwd: options.cwd ?? env.HOME,
    env: Object.fromEntries(Object.entries({ ...env, TERM: 'xterm-256color' }).filter(([, v]) => v !== undefined)) as Record<string, string>,
  });
  let text = '';
  const waiters = new Set<() => void>();
  child.onData((data) => {
    text += data;
    for (const waiter of waiters) waiter();
  });
  const exit = new Promise<{ exitCode: number; signal?: number }>((resolve) => child.onExit(resolve));
  const waitFor = (pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(stripAnsi(text))) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${pattern} in pty output:\n${stripAnsi(text)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    output: () => stripAnsi(text),
    rawOutput: () => text,
    waitFor,
    async answer(pattern, keys, timeoutMs) {
      await waitFor(pattern, timeoutMs);
      child.write(keys);
    },
    write: (keys) => child.write(keys),
    exit,
    kill: (signal) => child.kill(signal),
  };
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r/g, '');
}
