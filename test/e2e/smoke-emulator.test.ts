/**
 * `smoke --emulator` and `npm start`: a throwaway emulator in a child process (the project's own
 * `atom-stripe emulator --port 0 --json`), a throwaway token store, and nothing left behind.
 * Skipped, with the reason, on a build without the emulator command.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, collect, isolatedEnv, ROOT, runCli } from '../helpers/cli.js';
import { readJUnit } from '../checks/support.js';

function emulatorCommandShipped(): boolean {
  try {
    return execFileSync(process.execPath, [BIN, 'emulator', '--help'], { encoding: 'utf8', env: { ...process.env, ATOM_STRIPE_NO_FAST_HELP: '1' } }).includes('--json');
  } catch {
    return false;
  }
}

const shipped = emulatorCommandShipped();

describe.skipIf(!shipped)('smoke --emulator (needs `atom-stripe emulator --json`)', () => {
  it('runs every check, the write cycle included, and stops the emulator', async () => {
    const env = isolatedEnv({ ATOM_STRIPE_ENCRYPTION_KEY: undefined, CI: 'true' });
    const junit = join(mkdtempSync(join(tmpdir(), 'atom-stripe-junit-')), 'smoke.xml');
    const result = await runCli(['smoke', '--emulator', '--write', '--junit', junit], { env, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^smoke: against a throwaway emulator at http:\/\/127\.0\.0\.1:\d+$/m);
    const report = readJUnit(junit);
    expect(report.cases.map((c) => c.name.split(':')[0])).toEqual(['auth', 'balance', 'customers', 'store-roundtrip', 'webhook-signature', 'write-cycle']);
    expect(report.failures).toBe(0);
    // The throwaway store lived in a temp folder: the home has no database and no generated key file.
    expect(existsSync(join(env.XDG_DATA_HOME!, 'atom-stripe', 'atom-stripe.db'))).toBe(false);
    expect(existsSync(join(env.XDG_CONFIG_HOME!, 'atom-stripe', 'encryption.key'))).toBe(false);
    // The emulator child is gone: its port no longer answers.
    const base = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(result.stderr)![1];
    await expect(fetch(`${base}/v1/balance`)).rejects.toThrow();
  });

  it('`npm start` without STRIPE_API_KEY is the quickstart: smoke --emulator --write, exit 0', async () => {
    const env = isolatedEnv({ STRIPE_API_KEY: undefined, CI: 'true' });
    const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const result = await collect(child, { timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^write-cycle\tpass\t/m);
  });
});

