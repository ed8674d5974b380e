/** A plain description of the commander tree, for completions and the README reference. */
import type { Command, Option } from 'commander';
import { examplesOf } from '../commands/help.js';

export interface OptionNode {
  flags: string[];
  description: string;
  takesValue: boolean;
  choices?: string[];
}

export interface CommandNode {
  path: string[];
  name: string;
  summary: string;
  usage: string;
  examples: string[];
  options: OptionNode[];
  children: CommandNode[];
}

function optionNode(option: Option): OptionNode {
  return {
    flags: [option.short, option.long].filter((flag): flag is string => Boolean(flag)),
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices,
  };
}

export function commandTree(command: Command, path: string[] = []): CommandNode {
  return {
    path,
    name: command.name(),
    summary: command.summary() || command.description().split('\n')[0],
    usage: command.usage(),
    examples: path.length ? examplesOf(command) : [],
    options: command.options.filter((option) => !option.hidden).map(optionNode),
    children: command.commands
      .filter((child) => child.name() !== 'help')
      .map((child) => commandTree(child, [...path, child.name()])),
  };
}

export function* walk(node: CommandNode): Generator<CommandNode> {
  yield node;
  for (const child of node.children) yield* walk(child);
}
