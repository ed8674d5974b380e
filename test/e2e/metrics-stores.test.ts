/**
 * `atom-stripe metrics` end to end: seeded token store, webhook store and log, read back as
 * Prometheus text, JSON and tsv.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, type Env } from '../helpers/cli.js';
import { closedPort, seedTokens, seedWebhookEvents } from '../checks/support.js';

function logLine(env: Env, entry: Record<string, unknown>): void {
  const folder = join(env.XDG_STATE_HOME!, 'atom-stripe');
  mkdirSync(folder, { recursive: true });
  appendFileSync(join(folder, 'atom-stripe.log'), `${JSON.stringify({ level: 'info', pid: 1, command: 'token refresh', ...entry })}\n`);
}

/** Prometheus text into { 'name{labels}': value }, checking HELP and TYPE come first. */
function parsePrometheus(text: string): Record<string, number> {
  const samples: Record<string, number> = {};
  const typed = new Set<string>();
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(meta[3]).toBe('gauge');
        typed.add(meta[2]);
      }
      continue;
    }
    const sample = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    expect(sample, `not a Prometheus sample line: ${line}`).not.toBeNull();
    expect(sample![1].startsWith('atom_stripe_')).toBe(true);
    expect(typed.has(sample![1]), `${sample![1]} has no TYPE line before it`).toBe(true);
    samples[`${sample![1]}${sample![2] ?? ''}`] = Number(sample![3]);
  }
  return samples;
}

async function seeded(): Promise<Env> {
  const env = isolatedEnv();
  const now = new Date();
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
  await seedTokens(env, [
    { user_id: 'acme', access_token: 'sk_test_acmetokenmetrics', status: 'active', last_verified_at: hoursAgo(1) },
    { user_id: 'globex', access_token: 'sk_test_globextokenmetric', status: 'needs_reconnect', last_verified_at: hoursAgo(30), last_error: 'invalid_grant' },
    { user_id: 'initech', access_token: 'sk_test_initechtokenmetri', status: 'revoked' },
  ]);
  logLine(env, { time: hoursAgo(2), event: 'token.refresh.summary', selected: 10, verified: 7, rolled: 1, needs_reconnect: 1, temporary: 0, failed: 1, skipped: 0 });
  logLine(env, { time: hoursAgo(1), event: 'token.refresh.roll_failed', user_id: 'globex' });
  // Outside the window, and a dry run: both ignored.
  logLine(env, { time: hoursAgo(30), event: 'token.refresh.summary', selected: 50, verified: 50, rolled: 0, needs_reconnect: 0, temporary: 0, failed: 0, skipped: 0 });
  logLine(env, { time: hoursAgo(1), event: 'token.refresh.summary', dry_run: true, selected: 5, verified: 5 });
  await seedWebhookEvents(env, [
    { type: 'payment_intent.succeeded', status: 'forwarded', attempts: [200] },
    { type: 'payment_intent.succeeded', status: 'forwarded', attempts: [500, 200] },
    { type: 'payment_intent.succeeded', status: 'forwarded', attempts: [200] },
    { type: 'payment_intent.payment_failed', status: 'dead', attempts: [500, 502, 500] },
    { type: 'customer.subscription.created', status: 'received' },
  ]);
  return env;
}

describe('metrics', () => {
  it('prints the Prometheus text exposition format with the guide\'s figures', async () => {
    const env = await seeded();
    const { code, stdout, stderr } = await runCli(['metrics', '--prometheus', '--window', '24h'], { env });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const m = parsePrometheus(stdout);
    expect(m.atom_stripe_metrics_window_seconds).toBe(86400);
    expect(m['atom_stripe_source_up{source="token_store"}']).toBe(1);
    expect(m['atom_stripe_tokens{status="active"}']).toBe(1);
    expect(m['atom_stripe_tokens{status="needs_reconnect"}']).toBe(1);
    expect(m['atom_stripe_tokens{status="revoked"}']).toBe(1);
    expect(m.atom_stripe_tokens_needs_reconnect).toBe(1);
    expect(m.atom_stripe_tokens_verified_in_window).toBe(1);
    expect(m.atom_stripe_token_refresh_runs).toBe(1);
    expect(m['atom_stripe_token_checks{outcome="verified"}']).toBe(7);
    expect(m.atom_stripe_token_verification_success_ratio).toBeCloseTo(8 / 10, 6);
    expect(m.atom_stripe_token_refresh_success_ratio).toBeCloseTo(1 / 2, 6);
    expect(m['atom_stripe_webhook_events{status="dead"}']).toBe(1);
    expect(m['atom_stripe_webhook_events{status="forwarded"}']).toBe(3);
    expect(m.atom_stripe_webhook_dead_events).toBe(1);
    expect(m.atom_stripe_webhook_events_received).toBe(5);
    expect(m.atom_stripe_webhook_forward_attempts).toBe(7);
    expect(m.atom_stripe_webhook_forward_retries).toBe(4);
    expect(m.atom_stripe_webhook_delivery_success_ratio).toBeCloseTo(3 / 7, 6);
    expect(m['atom_stripe_payment_intent_events{type="payment_intent.succeeded"}']).toBe(3);
    expect(m.atom_stripe_payment_success_ratio).toBeCloseTo(3 / 4, 6);
    expect(stdout).not.toMatch(/sk_test_/);
  });

  it('--json carries the same figures under a stable schema; tsv when piped', async () => {
    const env = await seeded();
    const json = await runCli(['metrics', '--json'], { env });
    expect(json.code).toBe(0);
    const document = JSON.parse(json.stdout) as { schema: string; window_seconds: number; sources: Record<string, { up: boolean }>; metrics: Array<{ name: string; samples: Array<{ value: number }> }> };
    expect(document.schema).toBe('atom-stripe.metrics/1');
    expect(document.window_seconds).toBe(86400);
    expect(Object.values(document.sources).every((s) => s.up)).toBe(true);
    expect(document.metrics.find((m) => m.name === 'atom_stripe_payment_success_ratio')?.samples[0].value).toBeCloseTo(0.75, 6);
    const tsv = await runCli(['metrics', '--window', '7d'], { env });
    const lines = tsv.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('metric\tlabels\tvalue');
    expect(lines).toContain('metrics_window_seconds\t\t604800');
    expect(lines).toContain('payment_success_ratio\t\t75.00%');
    // A week back, the older refresh run counts too.
    expect(lines).toContain('token_refresh_runs\t\t2');
  });

  it('an empty home: ratios are left out, not reported as 0 or NaN', async () => {
    const { code, stdout } = await runCli(['metrics', '--prometheus'], { env: isolatedEnv() });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# TYPE atom_stripe_webhook_delivery_success_ratio gauge$/m);
    expect(stdout).not.toMatch(/^atom_stripe_webhook_delivery_success_ratio /m);
    expect(stdout).not.toMatch(/NaN/);
  });

  it('--textfile writes atomically for node_exporter; a source that cannot be read exits 1 with source_up 0', async () => {
    const env = isolatedEnv({ ATOM_STRIPE_STORE: 'postgres', DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/test` });
    const file = join(env.HOME!, 'atom_stripe.prom');
    const result = await runCli(['metrics', '--textfile', file], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: metrics: could not read token_store \(cannot connect to PostgreSQL/m);
    const m = parsePrometheus(readFileSync(file, 'utf8'));
    expect(m['atom_stripe_source_up{source="token_store"}']).toBe(0);
    expect(m['atom_stripe_source_up{source="log"}']).toBe(1);
    const wrongName = await runCli(['metrics', '--textfile', join(env.HOME!, 'metrics.txt')], { env });
    expect(wrongName.code).toBe(2);
  });

  it('a bad --window is a usage error', async () => {
    const result = await runCli(['metrics', '--window', 'yesterday'], { env: isolatedEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--window "yesterday" is not a duration \(for example --window 10s, 1500ms, 2m, 24h or 7d\)/);
  });
});
