/** Help text helpers: every command shows examples and the exit codes it can return. */
import type { Command } from 'commander';
import { EXIT_CODE_TABLE } from '../errors.js';

export function helpText(examples: string[], exitCodes: number[] = [0, 1, 2]): string {
  const codes = EXIT_CODE_TABLE.filter(([code]) => exitCodes.includes(code));
  return [
    '',
    'Examples:',
    ...examples.map((example) => `  $ atom-stripe ${example}`),
    '',
    'Exit codes:',
    ...codes.map(([code, meaning]) => `  ${String(code).padEnd(4)}${meaning}`),
  ].join('\n');
}

/**
 * Joins the lines of each paragraph of `details` into one, so commander wraps it to the terminal's
 * width instead of breaking the source's own line breaks a second time. Blank lines, indented lines
 * and `- ` list items keep their line breaks.
 */
export function reflow(details: string): string {
  const keepsBreak = (line: string) => line === '' || /^\s/.test(line) || /^- /.test(line);
  return details
    .split('\n')
    .reduce<string[]>((lines, line) => {
      const previous = lines.at(-1);
      if (previous !== undefined && !keepsBreak(line) && previous !== '' && !/^\s/.test(previous) && !/:$/.test(previous)) {
        lines[lines.length - 1] = `${previous} ${line}`;
      } else {
        lines.push(line);
      }
      return lines;
    }, [])
    .join('\n');
}

/** Adds the summary, examples and exit codes to a command. */
export function describe(command: Command, summary: string, examples: string[], exitCodes?: number[], details?: string): Command {
  command.summary(summary).description(details ? `${summary}\n\n${reflow(details)}` : summary);
  command.addHelpText('after', helpText(examples, exitCodes));
  return command;
}

/** Parses a repeatable flag into an array (commander's reducer). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The `$ atom-stripe ...` lines of a command's help, for noun help, completions and the README. */
export function examplesOf(command: Command): string[] {
  let help = '';
  const saved = command.configureOutput();
  command.configureOutput({ ...saved, writeOut: (text) => void (help += text), writeErr: () => {} });
  command.outputHelp();
  command.configureOutput(saved);
  return help
    .split('\n')
    .map((line) => /^\s*\$ (atom-stripe .*)$/.exec(line)?.[1])
    .filter((line): line is string => Boolean(line));
}
