import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { createIO } from '../../io/streams.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export function define(noun: Command, app: App): Command {
  noun.argument('[shell]', 'bash, zsh or fish');
  describe(
    noun,
    'Print a shell completion script: bash, zsh or fish',
    [
      'completion bash > /etc/bash_completion.d/atom-stripe',
      'completion zsh > "${fpath[1]}/_atom-stripe"',
      'completion fish > ~/.config/fish/completions/atom-stripe.fish',
    ],
    [0, 2],
  );
  return noun.action(app.handle((ctx, [shell]) => run({ shell }, ctx)));
}

export async function run(options: { shell?: string }, ctx: Context): Promise<void> {
  const { SHELLS } = await import('../../completion/scripts.js');
  const shell = options.shell as keyof typeof SHELLS | undefined;
  if (!shell || !(shell in SHELLS)) {
    throw new UsageError(`unknown shell "${options.shell ?? ''}"`, { hint: 'use bash, zsh or fish' });
  }
  ctx.io.stdout.write(SHELLS[shell](await fullTree(ctx)));
}

/** The whole tree, every noun loaded, built on a silent IO. */
export async function fullTree(ctx: Pick<Context, 'env' | 'cwd' | 'now' | 'signal'>) {
  const { buildProgram } = await import('../../cli.js');
  const { commandTree } = await import('../../completion/tree.js');
  const io = createIO({
    stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(),
    isStdoutTTY: false, isStderrTTY: false, isStdinTTY: false, env: {}, noColor: true,
  });
  const program = await buildProgram({ env: ctx.env, cwd: ctx.cwd, io, now: ctx.now, signal: ctx.signal }, [], { loadAll: true });
  return commandTree(program);
}
