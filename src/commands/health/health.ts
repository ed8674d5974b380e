import type { Command } from 'commander';
import type { Context } from '../../context.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface HealthOptions {
  timeoutMs: number;
  strict: boolean;
  junit?: string;
}

export function define(noun: Command, app: App): Command {
  noun
    .option('--timeout <duration>', 'time limit per check: 10s, 1500ms, 1m', '10s')
    .option('--strict', 'warnings fail too (exit 1)')
    .option('--junit <file>', 'also write a JUnit XML report to FILE');
  describe(
    noun,
    'Check configuration, token store, Stripe and connections',
    ['health', 'health --json', 'health --strict --timeout 5s', 'health --junit health.xml --format tsv'],
    [0, 1, 2, 130],
    [
      'Checks (concurrent, each under --timeout):',
      '  config          settings are valid (keys, URLs, store, numbers)',
      '  store           the token store opens, migrations current',
      '  keychain        the OS keychain answers, when it is the store or key holder',
      '  stripe          GET /v1/balance authenticates: latency, test or live mode',
      '  connections     stored connections are active and verified lately',
      '  webhook-secret  a whsec_ signing secret is configured',
      '  webhook-dead    the webhook store holds no dead events',
      '',
      'A checklist on a terminal, tsv when piped, --json for the documented',
      'schema, --junit FILE for CI. Exit 1 when a check fails; warnings fail',
      'only with --strict.',
    ].join('\n'),
  );
  return noun.action(
    app.handle<{ timeout: string; strict?: boolean; junit?: string }>(async (ctx, _args, flags) => {
      const { parseDuration } = await import('../../checks/engine.js');
      return run({ timeoutMs: parseDuration(flags.timeout, '--timeout'), strict: Boolean(flags.strict), junit: flags.junit }, ctx);
    }),
  );
}

export async function run(options: HealthOptions, ctx: Context): Promise<void> {
  const { healthChecks } = await import('../../checks/health.js');
  const { executeChecks, resolveJUnitPath } = await import('../../checks/runner.js');
  const { runId } = await import('../../context.js');
  const junit = resolveJUnitPath(ctx, options.junit);
  await executeChecks(ctx, {
    command: 'health',
    checks: healthChecks(ctx),
    context: { ctx, runId: runId(), timeoutMs: options.timeoutMs },
    timeoutMs: options.timeoutMs,
    strict: options.strict,
    junit,
  });
}
