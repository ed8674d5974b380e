/** Shared by the test/e2e/resources-*.test.ts files: the built binary pointed at an in-process emulator. */
import type { Emulator } from '../../src/emulator/index.js';
import { isolatedEnv, runCli, type Env, type RunResult } from '../helpers/cli.js';

export function emulatorEnv(emulator: Emulator, extra: Env = {}): Env {
  return isolatedEnv({ STRIPE_API_BASE: emulator.url, STRIPE_API_KEY: emulator.secretKey, ...extra });
}

/** Runs the CLI without a TTY (and with CI set, as a CI job would). */
export function cli(emulator: Emulator, args: string[], extra: Env = {}): Promise<RunResult> {
  return runCli(args, { env: emulatorEnv(emulator, { CI: 'true', ...extra }) });
}

/** Runs the CLI with --json and parses stdout; fails loudly with stderr when it did not succeed. */
export async function cliJson<T = Record<string, unknown>>(emulator: Emulator, args: string[]): Promise<T> {
  const result = await cli(emulator, [...args, '--json']);
  if (result.code !== 0) throw new Error(`atom-stripe ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Parses TSV output into records keyed by the header line. */
export function parseTsv(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trimEnd().split('\n');
  const keys = header.split('\t');
  return rows.map((row) => Object.fromEntries(row.split('\t').map((cell, index) => [keys[index], cell])));
}
