/**
 * `smoke --emulator`: a throwaway emulator in a child process (`atom-stripe emulator --port 0
 * --json`, this package's own binary), and a second Context pointed at it with a throwaway token
 * store. Commands never import src/emulator; they talk to it over HTTP like to Stripe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, type Context } from '../context.js';
import { OperationError } from '../errors.js';
import { registerSecret } from '../redact.js';

export const BIN = fileURLToPath(new URL('../../bin/atom-stripe', import.meta.url));

export interface EmulatorProcess {
  apiBase: string;
  secretKey: string;
  clientId?: string;
  redirectUri?: string;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;

export async function startEmulatorProcess(ctx: Pick<Context, 'env' | 'signal'>, timeoutMs = STARTUP_TIMEOUT_MS): Promise<EmulatorProcess> {
  const env = Object.fromEntries(Object.entries(ctx.env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const stop = () => stopChild(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  try {
    const line = await firstLine(child, timeoutMs, ctx.signal, () => stderr);
    let info: { api_base?: unknown; secret_key?: unknown; client_id?: unknown; redirect_uri?: unknown };
    try {
      info = JSON.parse(line) as typeof info;
    } catch {
      throw new OperationError(`the emulator printed something other than its JSON address line: ${line.slice(0, 200)}`);
    }
    if (typeof info.api_base !== 'string' || typeof info.secret_key !== 'string') {
      throw new OperationError('the emulator\'s JSON line has no api_base or secret_key');
    }
    registerSecret(info.secret_key);
    // Keep draining stdout so the child never blocks on a full pipe.
    child.stdout!.resume();
    return {
      apiBase: info.api_base,
      secretKey: info.secret_key,
      clientId: typeof info.client_id === 'string' ? info.client_id : undefined,
      redirectUri: typeof info.redirect_uri === 'string' ? info.redirect_uri : undefined,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function firstLine(child: ChildProcess, timeoutMs: number, signal: AbortSignal, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const done = (error?: Error, line?: string) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(line!);
    };
    const tail = () => (stderr().trim() ? `: ${stderr().trim().split('\n').pop()}` : '');
    const onData = (chunk: string) => {
      buffer += chunk;
      const index = buffer.indexOf('\n');
      if (index !== -1) done(undefined, buffer.slice(0, index).trim());
    };
    const onExit = (code: number | null) => done(new OperationError(`the emulator exited (code ${code}) before it was ready${tail()}`));
    const onError = (error: Error) => done(new OperationError(`cannot start the emulator: ${error.message}`));
    const onAbort = () => done(new OperationError('interrupted while starting the emulator'));
    const timer = setTimeout(() => done(new OperationError(`the emulator did not start within ${timeoutMs / 1000} s${tail()}`)), timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 5000)));
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

/**
 * A Context for the emulator: its address and key as flags (they win over everything), and unless
 * --store/--database-url were given, a throwaway SQLite token store with a random key in a temp
 * folder, so `npm start` on a fresh machine leaves nothing behind.
 */
export function emulatorContext(ctx: Context, emulator: EmulatorProcess): Context {
  const explicitStore = Boolean(ctx.globals.store || ctx.globals.databaseUrl);
  const env = { ...ctx.env };
  if (!explicitStore) {
    const folder = mkdtempSync(join(tmpdir(), 'atom-stripe-smoke-'));
    ctx.onClose(() => rmSync(folder, { recursive: true, force: true }));
    const key = randomBytes(32).toString('base64');
    registerSecret(key);
    Object.assign(env, {
      ATOM_STRIPE_STORE: 'sqlite',
      ATOM_STRIPE_DB: join(folder, 'atom-stripe.db'),
      ATOM_STRIPE_ENCRYPTION_KEY: key,
      ATOM_STRIPE_KEYCHAIN_KEY: 'off',
    });
  }
  const child = createContext(
    { env, cwd: ctx.cwd, io: ctx.io, now: () => ctx.now(), signal: ctx.signal, logger: ctx.log },
    { ...ctx.globals, apiKey: emulator.secretKey, apiBase: emulator.apiBase, account: undefined, live: false },
  );
  ctx.onClose(() => child.close());
  return child;
}
