/**
 * The entry point: builds the runtime, runs the program, and is the one place where an error
 * becomes a message on stderr and an exit code.
 */
import { setMaxListeners } from 'node:events';
import { CommanderError } from 'commander';
import { buildProgram } from './cli.js';
import type { Context, Runtime } from './context.js';
import { ExitCode, exitCodeFor, formatError, InterruptedError, isStripeError } from './errors.js';
import { systemIO } from './io/streams.js';
import { redact } from './redact.js';
import { exitIfKeychainHangs } from './store/keytar.js';
import { retryAdvice } from './stripe/writes.js';

export interface MainOverrides extends Partial<Omit<Runtime, 'signal'>> {
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers (the real binary); tests pass a signal instead. */
  handleSignals?: boolean;
}

export async function main(argv: string[], overrides: MainOverrides = {}): Promise<number> {
  const env = overrides.env ?? process.env;
  const noColor = argv.includes('--no-color');
  const io = overrides.io ?? systemIO(env, noColor);
  const controller = new AbortController();
  // The run's one signal is shared by every concurrent wait (a refresh at --concurrency 16 has 16
  // sleeps on it at once), and each wait removes its listener: that is not a leak, and Node's
  // warning about it on stderr would make a successful cron run mail its owner.
  setMaxListeners(0, controller.signal);
  if (overrides.signal) overrides.signal.addEventListener('abort', () => controller.abort(overrides.signal!.reason), { once: true });
  const contexts: Context[] = [];
  let graceful = false;
  const advice = () => retryAdvice(contexts[0]?.writes, argv);
  const realProcess = overrides.handleSignals ?? !overrides.io;
  const removeSignals = realProcess ? installSignalHandlers(controller, () => graceful, io, advice) : () => {};
  const debug = argv.includes('--debug');
  let exitCode: number = ExitCode.ok;

  try {
    const program = await buildProgram(
      {
        env,
        cwd: overrides.cwd ?? process.cwd(),
        io,
        now: overrides.now ?? (() => new Date()),
        signal: controller.signal,
        logger: overrides.logger,
        onSignalUsed: () => void (graceful = true),
      },
      argv,
      { onContext: (ctx) => contexts.push(ctx) },
    );
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its own message (help, version, or a usage error).
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return ExitCode.ok;
      }
      if (error.code === 'commander.executeSubCommandAsync') return ExitCode.failed;
      return ExitCode.usage;
    }
    const failure = controller.signal.aborted && !(error instanceof Error && 'exitCode' in error) ? new InterruptedError() : error;
    exitCode = exitCodeFor(failure);
    io.err(`error: ${formatError(failure)}${stripeHint(failure, contexts[0])}`);
    // Exit 5 or 130 after a write: the answer never came, so say how to retry it without a double.
    if (exitCode === ExitCode.temporary || exitCode === ExitCode.interrupted) for (const line of advice()) io.err(line);
    if (debug && failure instanceof Error && failure.stack) io.err(redact(failure.stack));
    for (const ctx of contexts) ctx.log.error('command.failed', { error: formatError(failure), exitCode });
    return exitCode;
  } finally {
    for (const ctx of contexts) await ctx.close(exitCode);
    removeSignals();
    if (realProcess) exitIfKeychainHangs((calls) => reportForcedExit(contexts[0], calls));
  }
}

/** The one line (log, and stderr with --verbose/--debug) when the process is ended for a hung keychain call. */
function reportForcedExit(ctx: Context | undefined, calls: number): void {
  ctx?.log.warn('process.exit_forced', { reason: 'keychain call still waiting on D-Bus', calls });
  ctx?.verbose(`exiting: ${calls} keychain call(s) that timed out still wait on D-Bus`);
}

/** What the user can do about a Stripe failure that Stripe's own message does not say. */
function stripeHint(error: unknown, ctx: Context | undefined): string {
  if (!isStripeError(error)) return '';
  if (error.type === 'StripeConnectionError') {
    const apiBase = ctx?.config.get('api_base') ?? 'https://api.stripe.com';
    return ` (could not reach ${apiBase}; check --api-base/STRIPE_API_BASE and the network)`;
  }
  const account = ctx?.config.get('account');
  if (error.type === 'StripeAuthenticationError' && account && !account.startsWith('acct_')) {
    return ` (the stored token of "${account}" was refused; run atom-stripe connect --user-id ${account} to reconnect)`;
  }
  return '';
}

/**
 * Ctrl-C and SIGTERM. A command that watches ctx.signal (listeners, the emulator, connect, long
 * batches) gets it aborted, drains and returns; if it has not finished 10 s later, or on a second
 * Ctrl-C, the process ends with 130. Any other command ends at once with 130: a plain request has
 * nothing to drain, and a write's key stays in the journal (stripe/writes.ts), so re-running the
 * same command sends the same key and is safe; `advice` says so.
 */
function installSignalHandlers(controller: AbortController, graceful: () => boolean, io: { err(line: string): void }, advice: () => string[]): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (!graceful() || controller.signal.aborted) {
      io.err('error: interrupted');
      for (const line of advice()) io.err(line);
      process.exit(ExitCode.interrupted);
    }
    controller.abort(new InterruptedError(`interrupted by ${signal}`));
    setTimeout(() => process.exit(ExitCode.interrupted), 10_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
