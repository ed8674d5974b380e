import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { OperationError, UsageError } from '../../errors.js';
import { effectiveFormat, printRecords, type Column } from '../../io/output.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface MetricsOptions {
  windowMs: number;
  prometheus: boolean;
  /** Write the Prometheus text to this file atomically (node_exporter textfile collector). */
  textfile?: string;
}

interface MetricsFlags {
  window: string;
  prometheus?: boolean;
  textfile?: string;
}

export function define(noun: Command, app: App): Command {
  noun
    .option('--window <duration>', 'window for the rates and counts: 1h, 24h, 7d', '24h')
    .option('--prometheus', 'print the Prometheus text exposition format (same as --format prometheus)')
    .option('--textfile <file>', 'write the Prometheus text to FILE atomically, for node_exporter\'s textfile collector');
  describe(
    noun,
    'Delivery, refresh and payment metrics from the local stores (Prometheus format too)',
    [
      'metrics',
      'metrics --window 7d --json',
      'metrics --prometheus',
      'metrics --textfile /var/lib/node_exporter/textfile_collector/atom_stripe.prom',
    ],
    [0, 1, 2],
    [
      'Gauges (atom_stripe_ prefix in Prometheus): webhook_delivery_success_ratio,',
      'webhook_forward_attempts, webhook_forward_retries, webhook_dead_events,',
      'webhook_events{status}, webhook_events_received,',
      'token_verification_success_ratio, token_refresh_success_ratio,',
      'token_checks{outcome}, token_refresh_runs, tokens{status},',
      'tokens_needs_reconnect, tokens_verified_in_window,',
      'payment_intent_events{type}, payment_success_ratio, source_up{source}.',
      'Sources: the token store, the webhook store, token refresh lines in the log.',
      'A ratio with nothing to divide is left out (n/a in tables). Exit 1 when a',
      'source cannot be read; the rest is still printed, with source_up 0.',
    ].join('\n'),
  );
  return noun.action(
    app.handle<MetricsFlags>(async (ctx, _args, flags) => {
      const { parseDuration } = await import('../../checks/engine.js');
      return run({ windowMs: parseDuration(flags.window, '--window', 'h'), prometheus: Boolean(flags.prometheus), textfile: flags.textfile }, ctx);
    }),
  );
}

const columns: Column<{ metric: string; labels: string; value: string }>[] = [{ key: 'metric' }, { key: 'labels' }, { key: 'value' }];

export async function run(options: MetricsOptions, ctx: Context): Promise<void> {
  const { collectMetrics, metricRows, metricsDocument, prometheusText } = await import('../../checks/metrics.js');
  const prometheus = options.prometheus || (ctx.globals.format as string | undefined) === 'prometheus';
  if (options.textfile !== undefined && !options.textfile.endsWith('.prom')) {
    throw new UsageError(`--textfile ${options.textfile}: node_exporter reads only files ending in .prom`, { hint: 'for example --textfile /var/lib/node_exporter/textfile_collector/atom_stripe.prom' });
  }
  const result = await collectMetrics(ctx, options.windowMs);
  if (options.textfile) {
    const { writeTextfile } = await import('../../checks/textfile.js');
    writeTextfile(options.textfile, prometheusText(result), ctx.cwd);
  } else if (prometheus) {
    ctx.io.stdout.write(prometheusText(result));
  } else if (effectiveFormat(ctx.io, ctx.output) === 'json') {
    ctx.io.out(JSON.stringify(metricsDocument(result), null, 2));
  } else {
    if (ctx.io.isStderrTTY) ctx.io.err(`window: ${result.since.toISOString()} to ${result.generatedAt.toISOString()}`);
    await printRecords(ctx.io, metricRows(result), columns, ctx.output);
  }
  const down = Object.entries(result.sources).filter(([, state]) => !state.up);
  if (down.length) {
    throw new OperationError(`metrics: could not read ${down.map(([name, state]) => `${name} (${state.error ?? 'unavailable'})`).join('; ')}`);
  }
}
