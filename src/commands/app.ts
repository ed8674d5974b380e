/**
 * The bridge between commander and a verb's run(): builds the Context from the global options
 * once, then calls the verb. Verbs never see commander's argument plumbing.
 */
import type { Command } from 'commander';
import type { Context, GlobalOptions } from '../context.js';

export interface App {
  /**
   * Wraps a verb: `handler(ctx, positionalArgs, verbOptions)`. Errors propagate to main(), the
   * one place that maps them to a message and an exit code.
   */
  handle<O = Record<string, unknown>>(
    handler: (ctx: Context, args: string[], options: O, command: Command) => Promise<void>,
  ): (...commanderArgs: unknown[]) => Promise<void>;
}

export function createApp(makeContext: (globals: GlobalOptions, command: Command) => Context): App {
  return {
    handle(handler) {
      return async (...commanderArgs: unknown[]) => {
        const command = commanderArgs[commanderArgs.length - 1] as Command;
        const options = commanderArgs[commanderArgs.length - 2] as never;
        const args = commanderArgs.slice(0, -2).flat() as string[];
        const globals = command.optsWithGlobals() as GlobalOptions;
        await handler(makeContext(globals, command), args, options, command);
      };
    },
  };
}
