/**
 * Lock files for the keychain store, which has no transactions of its own. A lock is a file created
 * with O_EXCL holding `{pid, host, at}`. A lock whose process is gone (same host) or that is older
 * than `staleMs` is taken over, so a killed run never blocks the next one for long.
 */
import { mkdirSync, openSync, readFileSync, closeSync, writeSync, unlinkSync, statSync, renameSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { TemporaryError } from '../errors.js';

export interface LockFileOptions {
  /** Return undefined at once when held, instead of waiting. */
  skipIfLocked?: boolean;
  waitMs?: number;
  staleMs?: number;
  /** Named in the error when the wait ends. */
  what: string;
}

function holderIsGone(path: string, staleMs: number): boolean {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return false;
  }
  if (Date.now() - mtimeMs > staleMs) return true;
  try {
    const holder = JSON.parse(text) as { pid: number; host: string };
    if (holder.host !== hostname()) return false;
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function tryCreate(path: string, token: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString(), token }));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Takes the lock and returns its release function, or undefined (skipIfLocked and held). */
export async function acquireLockFile(path: string, options: LockFileOptions): Promise<(() => void) | undefined> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const token = randomUUID();
  const staleMs = options.staleMs ?? 10 * 60_000;
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  let delay = 10;
  for (;;) {
    if (tryCreate(path, token)) break;
    if (holderIsGone(path, staleMs)) {
      // Move the dead holder's file aside first: of two runs that both saw it dead, only one
      // rename succeeds, and neither deletes a live holder's fresh lock.
      const aside = `${path}.${token}.stale`;
      try {
        renameSync(path, aside);
        unlinkSync(aside);
      } catch {
        // Another run took it over first.
      }
      continue;
    }
    if (options.skipIfLocked) return undefined;
    if (Date.now() >= deadline) throw new TemporaryError(`${options.what} is locked by another run`, { hint: 'retry later; it is safe' });
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 250);
  }
  // Keep the file fresh while held, so a long holder is never mistaken for a dead one.
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // Gone or taken over; release() will notice.
    }
  }, Math.max(250, Math.floor(staleMs / 4)));
  heartbeat.unref();
  return () => {
    clearInterval(heartbeat);
    try {
      const holder = JSON.parse(readFileSync(path, 'utf8')) as { token: string };
      if (holder.token === token) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
}
