/**
 * Prompts, only where a person can answer: a TTY on stdin and stdout and no CI. Everywhere else a
 * missing answer is a usage error that names the flag, so CI never hangs.
 */
import { InterruptedError, UsageError } from '../errors.js';
import type { IO } from './streams.js';

export interface Prompter {
  readonly enabled: boolean;
  input(message: string, options?: { default?: string; validate?: (value: string) => true | string }): Promise<string>;
  password(message: string): Promise<string>;
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
  select<T extends string>(message: string, choices: Array<{ name: string; value: T }>): Promise<T>;
}

export function createPrompter(io: IO): Prompter {
  const context = { input: io.stdin as NodeJS.ReadableStream, output: io.stderr as NodeJS.WritableStream, clearPromptOnDone: false };
  const guard = async <T>(ask: () => Promise<T>): Promise<T> => {
    if (!io.canPrompt) throw new UsageError('cannot prompt without a terminal', { hint: 'pass the value as a flag' });
    try {
      return await ask();
    } catch (error) {
      if ((error as Error).name === 'ExitPromptError' || (error as Error).name === 'AbortPromptError') {
        throw new InterruptedError();
      }
      throw error;
    }
  };
  return {
    enabled: io.canPrompt,
    input: (message, options) =>
      guard(async () => (await import('@inquirer/prompts')).input({ message, default: options?.default, validate: options?.validate }, context)),
    password: (message) => guard(async () => (await import('@inquirer/prompts')).password({ message, mask: '*' }, context)),
    confirm: (message, defaultValue = false) =>
      guard(async () => (await import('@inquirer/prompts')).confirm({ message, default: defaultValue }, context)),
    select: (message, choices) => guard(async () => (await import('@inquirer/prompts')).select({ message, choices }, context)),
  };
}
