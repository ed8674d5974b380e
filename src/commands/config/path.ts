import type { Command } from 'commander';
import type { Context } from '../../context.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export function define(noun: Command, app: App): Command {
  const command = noun.command('path');
  describe(command, 'Print the paths of the config file, database, log and key file', ['config path', 'config path --json']);
  return command.action(app.handle((ctx) => run(ctx)));
}

export async function run(ctx: Context): Promise<void> {
  const { configFile, databaseFile, logFile, keyFile } = ctx.config.paths;
  const paths = { config: configFile, database: ctx.config.get('database_file') ?? databaseFile, log: logFile, key: keyFile };
  if (ctx.output.format === 'json') {
    ctx.io.out(JSON.stringify(paths, null, 2));
    return;
  }
  if (ctx.output.format === undefined && !ctx.io.isStdoutTTY) {
    // Piped with no format: the config file alone, for `$(atom-stripe config path)`.
    ctx.io.out(configFile);
    return;
  }
  for (const [name, path] of Object.entries(paths)) ctx.io.out(`${name.padEnd(9)}${path}`);
}
