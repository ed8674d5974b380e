/**
 * `atom-stripe metrics`: the guide's monitoring figures, computed from the local stores and this
 * host's log over a window, as a list of gauges. Every output (Prometheus text, JSON, table, tsv)
 * is derived from that one list.
 *
 * Sources: the token store (status of each connection, last_verified_at), the log
 * (`token.refresh.summary` and `token.refresh.roll_failed` lines written by `token refresh`), and
 * the webhook event store (statuses, forward attempts, payment_intent events).
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Context } from '../context.js';
import { formatError } from '../errors.js';
import type { TokenRecord } from '../store/types.js';
import { readWebhookStats } from './webhook-stats.js';

export const METRIC_PREFIX = 'atom_stripe_';
export const METRICS_SCHEMA = 'atom-stripe.metrics/1';

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface Metric {
  /** Without the atom_stripe_ prefix. */
  name: string;
  help: string;
  type: 'gauge';
  samples: Sample[];
}

export type SourceName = 'token_store' | 'webhook_store' | 'log';

export interface SourceState {
  up: boolean;
  location?: string;
  error?: string;
}

export interface MetricsResult {
  generatedAt: Date;
  windowMs: number;
  since: Date;
  sources: Record<SourceName, SourceState>;
  metrics: Metric[];
}

const ratio = (numerator: number, denominator: number): Sample[] => (denominator > 0 ? [{ value: numerator / denominator }] : []);
const one = (value: number): Sample[] => [{ value }];

interface RefreshTotals {
  runs: number;
  outcomes: Record<'verified' | 'rolled' | 'needs_reconnect' | 'temporary' | 'failed' | 'skipped', number>;
  rollFailures: number;
}

/** Reads the log and its rotated files (only those written to within the window), line by line. */
export async function readRefreshTotals(logFile: string, since: Date, until: Date): Promise<RefreshTotals> {
  const totals: RefreshTotals = { runs: 0, outcomes: { verified: 0, rolled: 0, needs_reconnect: 0, temporary: 0, failed: 0, skipped: 0 }, rollFailures: 0 };
  const folder = dirname(logFile);
  if (!existsSync(folder)) return totals;
  const prefix = basename(logFile);
  const files = readdirSync(folder)
    .filter((name) => name === prefix || name.startsWith(`${prefix}.`))
    .map((name) => join(folder, name))
    .filter((file) => statSync(file).mtimeMs >= since.getTime());
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      // Cheap filter first: the log is mostly request lines.
      if (!line.includes('"token.refresh.')) continue;
      let entry: { time?: string; event?: string; [key: string]: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      const time = entry.time ? new Date(entry.time).getTime() : Number.NaN;
      if (!(time >= since.getTime() && time <= until.getTime())) continue;
      if (entry.event === 'token.refresh.summary') {
        if (entry.dry_run === true) continue;
        totals.runs++;
        for (const key of Object.keys(totals.outcomes) as Array<keyof RefreshTotals['outcomes']>) {
          const value = Number(entry[key]);
          if (Number.isFinite(value)) totals.outcomes[key] += value;
        }
      } else if (entry.event === 'token.refresh.roll_failed') {
        totals.rollFailures++;
      }
    }
  }
  return totals;
}

export async function collectMetrics(ctx: Context, windowMs: number): Promise<MetricsResult> {
  const now = ctx.now();
  const since = new Date(now.getTime() - windowMs);
  const sources: MetricsResult['sources'] = { token_store: { up: false }, webhook_store: { up: false }, log: { up: false } };
  const metrics: Metric[] = [];
  const add = (name: string, help: string, samples: Sample[]) => metrics.push({ name, help, type: 'gauge', samples });

  add('metrics_window_seconds', 'Length of the window the windowed figures cover.', one(windowMs / 1000));

  // Token store: the state of every connection now.
  let records: TokenRecord[] = [];
  try {
    const store = await ctx.tokens();
    records = await store.list();
    sources.token_store = { up: true, location: `${store.kind} ${store.location}` };
  } catch (error) {
    sources.token_store = { up: false, error: formatError(error) };
  }
  // Token refresh runs in the window, from the log.
  let refresh: RefreshTotals | undefined;
  try {
    refresh = await readRefreshTotals(ctx.config.paths.logFile, since, now);
    sources.log = { up: true, location: ctx.config.paths.logFile };
  } catch (error) {
    sources.log = { up: false, location: ctx.config.paths.logFile, error: formatError(error) };
  }
  // The webhook event store.
  let webhooks: Awaited<ReturnType<typeof readWebhookStats>> | undefined;
  if (sources.token_store.up || (ctx.config.get('store') ?? 'sqlite') !== 'postgres') {
    try {
      webhooks = await readWebhookStats(ctx, since, now);
      sources.webhook_store = { up: true, location: webhooks.location };
    } catch (error) {
      sources.webhook_store = { up: false, error: formatError(error) };
    }
  } else {
    sources.webhook_store = { up: false, error: 'skipped: the database is unreachable (see token_store)' };
  }

  add(
    'source_up',
    'Whether a source could be read (1) or not (0): token_store, webhook_store, log.',
    (Object.keys(sources) as SourceName[]).map((source) => ({ labels: { source }, value: sources[source].up ? 1 : 0 })),
  );

  if (sources.token_store.up) {
    const byStatus = { active: 0, needs_reconnect: 0, revoked: 0 };
    for (const record of records) byStatus[record.status]++;
    add('tokens', 'Stored connections by status.', Object.entries(byStatus).map(([status, value]) => ({ labels: { status }, value })));
    add('tokens_needs_reconnect', 'Connections whose token no longer works; reconnect them with atom-stripe connect.', one(byStatus.needs_reconnect));
    const verified = records.filter((r) => r.last_verified_at && new Date(r.last_verified_at).getTime() >= since.getTime()).length;
    add('tokens_verified_in_window', 'Connections whose token was verified within the window.', one(verified));
  }

  if (refresh) {
    const o = refresh.outcomes;
    add('token_refresh_runs', 'token refresh runs that finished within the window (this host\'s log).', one(refresh.runs));
    add('token_checks', 'Token verifications and rolls within the window, by outcome.', Object.entries(o).map(([outcome, value]) => ({ labels: { outcome }, value })));
    const good = o.verified + o.rolled;
    add('token_verification_success_ratio', 'Verified or rolled tokens / tokens checked, within the window (goal > 0.99).', ratio(good, good + o.needs_reconnect + o.temporary + o.failed));
    add('token_refresh_success_ratio', 'Rolled tokens / roll attempts, within the window (goal > 0.99).', ratio(o.rolled, o.rolled + refresh.rollFailures));
  }

  if (webhooks) {
    add('webhook_events', 'Stored webhook events by status (all, not windowed).', Object.entries(webhooks.byStatus).map(([status, value]) => ({ labels: { status }, value: Number(value) })));
    add('webhook_dead_events', 'Events that ran out of forward attempts; resend with atom-stripe webhook replay --dead.', one(Number(webhooks.byStatus.dead)));
    add('webhook_events_received', 'Webhook events received within the window.', one(webhooks.received));
    add('webhook_forward_attempts', 'Forward attempts within the window.', one(webhooks.forwardAttempts));
    add('webhook_forward_retries', 'Forward attempts within the window that did not get a 2xx (each is retried until dead).', one(webhooks.forwardAttempts - webhooks.forwardSucceeded));
    add('webhook_delivery_success_ratio', 'Forward attempts answered 2xx / forward attempts, within the window (goal > 0.99).', ratio(webhooks.forwardSucceeded, webhooks.forwardAttempts));
    add(
      'payment_intent_events',
      'payment_intent events received within the window, by type.',
      Object.entries(webhooks.paymentIntents).map(([type, value]) => ({ labels: { type }, value: Number(value) })),
    );
    const succeeded = Number(webhooks.paymentIntents['payment_intent.succeeded'] ?? 0);
    const failed = Number(webhooks.paymentIntents['payment_intent.payment_failed'] ?? 0);
    add('payment_success_ratio', 'payment_intent.succeeded / (succeeded + payment_failed) events within the window (goal > 0.98).', ratio(succeeded, succeeded + failed));
  }

  return { generatedAt: now, windowMs, since, sources, metrics };
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(10)));
}

/** The Prometheus text exposition format (0.0.4), for a node_exporter textfile collector: no timestamps. */
export function prometheusText(result: MetricsResult): string {
  const lines: string[] = [];
  for (const metric of result.metrics) {
    const name = `${METRIC_PREFIX}${metric.name}`;
    lines.push(`# HELP ${name} ${escapeHelp(metric.help)}`, `# TYPE ${name} ${metric.type}`);
    for (const sample of metric.samples) {
      const labels = sample.labels ? Object.entries(sample.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',') : '';
      lines.push(`${name}${labels ? `{${labels}}` : ''} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function metricsDocument(result: MetricsResult) {
  return {
    schema: METRICS_SCHEMA,
    generated_at: result.generatedAt.toISOString(),
    since: result.since.toISOString(),
    window_seconds: result.windowMs / 1000,
    sources: result.sources,
    metrics: result.metrics.map((m) => ({ name: `${METRIC_PREFIX}${m.name}`, help: m.help, type: m.type, samples: m.samples })),
  };
}

export interface MetricRow {
  metric: string;
  labels: string;
  value: string;
}

/** One row per sample; a metric with no samples (a ratio with nothing to divide) shows as "n/a". */
export function metricRows(result: MetricsResult): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const metric of result.metrics) {
    if (!metric.samples.length) rows.push({ metric: metric.name, labels: '', value: 'n/a' });
    for (const sample of metric.samples) {
      rows.push({
        metric: metric.name,
        labels: sample.labels ? Object.entries(sample.labels).map(([k, v]) => `${k}=${v}`).join(',') : '',
        value: metric.name.endsWith('_ratio') ? `${(sample.value * 100).toFixed(2)}%` : formatValue(sample.value),
      });
    }
  }
  return rows;
}
