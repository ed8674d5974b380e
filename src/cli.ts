/**
 * Builds the commander program. Every noun is registered here from src/commands/registry.ts; only
 * the noun being run is imported, so `--help` and `--version` stay instant.
 */
import { Command, Option } from 'commander';
import { createApp } from './commands/app.js';
import { examplesOf } from './commands/help.js';
import { NOUNS, type NounEntry } from './commands/registry.js';
import { createContext, type Context, type GlobalOptions, type Runtime } from './context.js';
import { EXIT_CODE_TABLE } from './errors.js';
import { FORMATS, SPECIAL_FORMATS } from './io/output.js';
import { VERSION } from './version.js';

/** Global options that take a value, so the noun can be found in argv without parsing it. */
const VALUE_OPTIONS = new Set([
  '--profile', '--api-key', '--api-base', '--account', '--store', '--database-url', '--pool-size', '--format', '--fields', '--idempotency-key', '-p',
]);

export function addGlobalOptions(command: Command): Command {
  return command
    .option('-p, --profile <name>', 'configuration profile (env ATOM_STRIPE_PROFILE)')
    .option('--api-key <key>', 'Stripe secret or restricted key (env STRIPE_API_KEY)')
    .option('--api-base <url>', 'Stripe-compatible API base, e.g. the emulator (env STRIPE_API_BASE)')
    .option('--account <user-id|acct_id>', 'act as a connected account, with its stored OAuth token')
    .addOption(new Option('--store <kind>', 'token store (env ATOM_STRIPE_STORE)').choices(['sqlite', 'postgres', 'keychain']))
    .option('--database-url <url>', 'PostgreSQL URL for the postgres store (env DATABASE_URL)')
    .option('--pool-size <n>', 'PostgreSQL pool size (env ATOM_STRIPE_POOL_SIZE)')
    .addOption(
      new Option('--format <format>', 'output format (default: table on a TTY, tsv when piped; metrics: prometheus)').choices([
        ...FORMATS,
        ...SPECIAL_FORMATS,
      ]),
    )
    .option('--json', 'shorthand for --format json')
    .option('--fields <list>', 'comma-separated columns or dotted JSON paths to print')
    .option('--no-color', 'disable colour (also NO_COLOR)')
    .option('-v, --verbose', 'print each Stripe request to stderr')
    .option('--debug', 'print stack traces on errors')
    .option('-y, --yes', 'answer yes to confirmations (required for destructive verbs without a TTY)')
    .option('--live', 'allow writes with a live-mode key')
    .option('--idempotency-key <key>', 'idempotency key for the write this command sends')
    .option('--new-request', 'send a new idempotency key instead of reusing the one of an identical interrupted run');
}

export function findNoun(argv: string[]): NounEntry | undefined {
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index];
    if (token === '--') return undefined;
    if (token.startsWith('-')) {
      if (VALUE_OPTIONS.has(token)) index++;
      continue;
    }
    if (token === 'help') continue;
    return NOUNS.find((noun) => noun.name === token);
  }
  return undefined;
}

export function rootHelp(): string {
  return [
    '',
    'Examples:',
    '  $ atom-stripe emulator                      # an offline Stripe on 127.0.0.1:12111',
    '  $ atom-stripe customers list --limit 5',
    '  $ atom-stripe payments create --amount 20.00 --currency usd --customer cus_123 --confirm',
    '  $ atom-stripe connect --user-id acme',
    '  $ atom-stripe smoke --junit smoke.xml',
    '  $ atom-stripe token refresh --all',
    '',
    'Exit codes:',
    ...EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padEnd(4)}${meaning}`),
    '',
    'Run `atom-stripe <command> --help` for a command\'s options and examples.',
  ].join('\n');
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

/** Every command with subcommands (a noun, or a group such as `webhook events`) lists their examples. */
function addGroupHelp(command: Command): void {
  if (!command.commands.length) return;
  command.addHelpText('after', () => nounHelp(command));
  for (const child of command.commands) addGroupHelp(child);
}

/** A noun's help: the first example of each verb, and the exit codes. */
function nounHelp(noun: Command): string {
  const examples = noun.commands.flatMap((verb) => examplesOf(verb).slice(0, 1).map((line) => `  $ ${line}`));
  return [
    '',
    'Examples:',
    ...examples,
    '',
    'Exit codes:',
    ...EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padEnd(4)}${meaning}`),
    '',
    `Run \`${commandPath(noun)} <command> --help\` for a command's options and examples.`,
  ].join('\n');
}

/**
 * @param loadAll register every noun's verbs (completions and the README reference need the whole tree)
 */
export async function buildProgram(
  runtime: Omit<Runtime, 'command'>,
  argv: string[],
  options: { loadAll?: boolean; onContext?: (ctx: Context) => void } = {},
): Promise<Command> {
  const program = new Command('atom-stripe');
  program
    .version(VERSION, '-V, --version', 'print the version')
    .description('Command-line administration for Stripe: Connect OAuth, resources, webhooks, smoke checks and token refresh')
    .usage('<command> [options]')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => void runtime.io.stdout.write(text),
      writeErr: (text) => void runtime.io.stderr.write(text),
    })
    .exitOverride()
    .addHelpText('after', rootHelp());
  addGlobalOptions(program);

  const app = createApp((globals: GlobalOptions, command: Command) => {
    const path: string[] = [];
    for (let current: Command | null = command; current && current.parent; current = current.parent) path.unshift(current.name());
    const ctx = createContext({ ...runtime, command: path.join(' ') }, globals);
    options.onContext?.(ctx);
    return ctx;
  });

  const invoked = options.loadAll ? undefined : findNoun(argv);
  for (const entry of NOUNS) {
    const noun = program.command(entry.name).summary(entry.summary).description(entry.summary);
    if (options.loadAll || entry === invoked) {
      const module = await entry.load();
      module.register(noun, app);
      addGroupHelp(noun);
    }
  }
  return program;
}

/** The root help exactly as commander prints it when piped (80 columns, no colour). */
export async function renderRootHelp(): Promise<string> {
  const { PassThrough } = await import('node:stream');
  const { createIO } = await import('./io/streams.js');
  const io = createIO({
    stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(),
    isStdoutTTY: false, isStderrTTY: false, isStdinTTY: false, env: {}, noColor: true,
  });
  const program = await buildProgram({ env: {}, cwd: process.cwd(), io, now: () => new Date(), signal: new AbortController().signal }, []);
  let text = '';
  program.configureOutput({ writeOut: (chunk) => void (text += chunk), getOutHelpWidth: () => 80, getOutHasColors: () => false });
  program.outputHelp();
  return text;
}
