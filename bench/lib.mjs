// Shared helpers for bench/*.bench.mjs files.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** A fresh environment with isolated XDG folders, as the tests use. */
const made = [];
// Removed when the bench ends, however it ends short of SIGKILL.
process.on('exit', () => {
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
});

export function benchEnv(extra = {}) {
  const home = mkdtempSync(join(tmpdir(), 'atom-stripe-bench-'));
  made.push(home);
  return {
    PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8',
    XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data'), XDG_STATE_HOME: join(home, 'state'),
    ATOM_STRIPE_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    ...extra,
  };
}

/** Wall time in ms of one synchronous run of a command. */
export function timeRun(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

/** Median of `runs` interleaved runs of each command, so machine noise hits both alike. */
export function interleavedMedians(commands, runs, options) {
  const times = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    commands.forEach(([command, args], index) => times[index].push(timeRun(command, args, options)));
  }
  return times.map(median);
}

/**
 * Wall time in ms of one run of a command, without blocking the bench process (benches that host
 * the emulator in-process must keep serving it while the child runs).
 */
export function timeRunAsync(command, args, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve(elapsed);
    });
  });
}
