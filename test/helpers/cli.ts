/**
 * Runs the built bin/atom-stripe as a user would: a child process with its own XDG folders,
 * no TTY, and an environment that inherits nothing Stripe-related from the developer's shell.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'atom-stripe');
/** A fixed 32-byte test key, so stores never generate key files in tests unless asked. */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

export type Env = Record<string, string | undefined>;

/** A fresh home: temp XDG config/data/state folders and a test encryption key. */
export function isolatedEnv(extra: Env = {}): Env {
  const home = mkdtempSync(join(tmpdir(), 'atom-stripe-test-'));
  return {
    PATH: process.env.PATH,
    HOME: home,
    // The suite's run folder (global-setup.ts), so what the binary makes there is removed too.
    TMPDIR: tmpdir(),
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
    XDG_STATE_HOME: join(home, 'state'),
    ATOM_STRIPE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    // The keychain tests need the session bus the suite runs in.
    DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
    ...extra,
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Env;
  stdin?: string;
  cwd?: string;
  /** Kill the child after this long; a hang is a test failure, not a stuck suite. */
  timeoutMs?: number;
}

export function spawnCli(args: string[], options: RunOptions = {}): ChildProcess {
  const env = options.env ?? isolatedEnv();
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? env.HOME ?? ROOT,
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const child = spawnCli(args, options);
  return collect(child, options);
}

export function collect(child: ChildProcess, options: Pick<RunOptions, 'stdin' | 'timeoutMs'> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    else child.stdin?.end();
  });
}
