/**
 * A Context for testing a verb's run() in-process: buffered IO, a fixed clock, isolated XDG
 * folders, and (optionally) the emulator's address and key.
 */
import { createContext, type Context, type GlobalOptions } from '../../src/context.js';
import { testIO, type TestIO } from '../../src/io/streams.js';
import { noopLogger } from '../../src/log.js';
import { isolatedEnv, type Env } from './cli.js';

export interface TestContextOptions {
  tty?: boolean;
  env?: Env;
  globals?: GlobalOptions;
  stdin?: string;
  now?: Date;
}

export function testContext(options: TestContextOptions = {}): { ctx: Context; io: TestIO } {
  const env = options.env ?? isolatedEnv();
  const io = testIO({ tty: options.tty, env, stdin: options.stdin });
  const now = options.now ?? new Date('2026-11-26T12:00:00Z');
  const ctx = createContext(
    { env, cwd: env.HOME ?? process.cwd(), io, now: () => now, signal: new AbortController().signal, logger: noopLogger },
    options.globals ?? {},
  );
  return { ctx, io };
}
