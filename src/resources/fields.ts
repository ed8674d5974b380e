/**
 * Required fields: given as flags, asked for on a TTY, or (without one, or under CI) a usage error
 * listing every missing flag at once, so a script learns everything it must add in one run.
 */
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

export interface FieldSpec {
  /** The flag that supplies it, e.g. `--amount`. */
  flag: string;
  /** The prompt, e.g. `Amount (20.00 or 2000 minor units)`. */
  message: string;
  value: string | undefined;
  /** Checks a typed answer (with the earlier answers, by flag); returns true or the reason shown under the prompt. */
  validate?: (value: string, answers: Record<string, string>) => true | string;
  /** The prompt's message may depend on earlier answers. */
  ask?: (answers: Record<string, string>) => string;
}

export async function requireFields(ctx: Context, fields: FieldSpec[], example?: string): Promise<string[]> {
  const missing = fields.filter((field) => field.value === undefined || field.value === '');
  if (missing.length === 0) return fields.map((field) => field.value as string);
  if (!ctx.prompter.enabled) {
    const flags = missing.map((field) => field.flag);
    throw new UsageError(`missing ${flags.join(', ')}`, { hint: example ? `for example: atom-stripe ${example}` : 'pass them as flags' });
  }
  const values: string[] = [];
  const answers: Record<string, string> = {};
  for (const field of fields) {
    let value = field.value;
    if (value === undefined || value === '') {
      const answer = await ctx.prompter.input(field.ask ? field.ask(answers) : field.message, {
        validate: (typed) => {
          if (typed.trim() === '') return `${field.flag.replace(/^--/, '')} is required`;
          return field.validate ? field.validate(typed.trim(), answers) : true;
        },
      });
      value = answer.trim();
    }
    answers[field.flag] = value;
    values.push(value);
  }
  return values;
}

/** Turns a validator that throws (UsageError) into one a prompt can show. */
export function promptCheck(
  check: (value: string, answers: Record<string, string>) => unknown,
): (value: string, answers?: Record<string, string>) => true | string {
  return (value, answers = {}) => {
    try {
      check(value, answers);
      return true;
    } catch (error) {
      return (error as Error).message;
    }
  };
}
