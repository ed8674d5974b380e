/**
 * The checks of `atom-stripe health`: the original service's detailed health endpoint (stripe,
 * database, redis) turned into a command for operators and container HEALTHCHECKs.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Context } from '../context.js';
import { SETTINGS, settingProblem } from '../config/settings.js';
import { formatError } from '../errors.js';
import type { TokenRecord } from '../store/types.js';
import { ago } from './time.js';
import { fail, pass, skip, warn, type Check, type CheckContext, type CheckOutcome } from './types.js';
import { readWebhookStats } from './webhook-stats.js';

/** The guide's goal for API response times. */
export const SLOW_STRIPE_MS = 2000;
/** A connection not verified for this long is a warning: the refresh cron is probably not running. */
export const STALE_VERIFICATION_MS = 7 * 86_400_000;

/**
 * Every setting's own check (config/settings.ts, the same one `config set` runs), plus what only
 * holds across settings: a key at all, a database URL for the postgres store, key and environment
 * agreeing.
 */
export function configProblems(ctx: Context): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const get = (key: string) => ctx.config.get(key);
  const apiKey = get('api_key');
  if (!apiKey) problems.push('no Stripe API key (set STRIPE_API_KEY or pass --api-key)');
  if ((get('store') ?? 'sqlite') === 'postgres' && !get('database_url')) problems.push('the postgres store needs DATABASE_URL or --database-url');
  for (const { key } of SETTINGS) {
    const value = get(key);
    const problem = value === undefined ? undefined : settingProblem(key, value);
    if (problem) problems.push(`${ctx.config.lookup(key)?.source ?? key} ${problem}`);
  }
  const environment = get('environment') ?? 'development';
  if (apiKey && environment === 'production' && /_test_/.test(apiKey)) warnings.push('ENVIRONMENT is production but the Stripe key is a test key');
  if (apiKey && environment !== 'production' && /_live_/.test(apiKey)) warnings.push(`ENVIRONMENT is ${environment} but the Stripe key is a live key`);
  return { problems, warnings };
}

export const configCheck: Check = {
  id: 'config',
  title: 'Configuration is valid',
  async run({ ctx }) {
    const { problems, warnings } = configProblems(ctx);
    const data = { profile: ctx.config.profile, environment: ctx.config.get('environment') ?? 'development', store: ctx.config.get('store') ?? 'sqlite' };
    if (problems.length) return fail(problems.join('; '), data);
    if (warnings.length) return warn(warnings.join('; '), data);
    return pass(`profile ${data.profile}, ${data.environment}, ${data.store} store`, data);
  },
};

/** A quick connection with the check's own timeout, so a PostgreSQL that never answers fails in time and leaves nothing open. */
async function probePostgres(url: string, timeoutMs: number): Promise<{ current: number; latest: number }> {
  const { openPgPool, postgresTokensStatus } = await import('../store/postgres.js');
  const pool = await openPgPool(url, { poolSize: 2, connectTimeoutMs: Math.max(500, timeoutMs - 250) });
  try {
    const status = await postgresTokensStatus(pool);
    return { current: status.current, latest: status.latest };
  } finally {
    await pool.end().catch(() => {});
  }
}

export const storeCheck: Check = {
  id: 'store',
  title: 'Token store reachable, migrations current',
  async run({ ctx, timeoutMs }) {
    const kind = ctx.config.get('store') ?? 'sqlite';
    const databaseUrl = ctx.config.get('database_url');
    if (kind === 'postgres' && databaseUrl) {
      const schema = await probePostgres(databaseUrl, timeoutMs);
      if (schema.current < schema.latest) {
        return fail(`the token table is at schema version ${schema.current}, this atom-stripe needs ${schema.latest}; run atom-stripe db migrate --store postgres`, {
          kind,
          schema_version: schema.current,
          schema_latest: schema.latest,
        });
      }
    }
    const store = await ctx.tokens();
    const records = await store.list();
    const schema = await store.schemaStatus();
    const data: Record<string, unknown> = { kind: store.kind, location: store.location, connections: records.length };
    if (schema) Object.assign(data, { schema_version: schema.current, schema_latest: schema.latest });
    if (schema && schema.current < schema.latest) {
      return fail(`${store.kind} ${store.location}: schema version ${schema.current}, needs ${schema.latest}; run atom-stripe db migrate`, data);
    }
    const schemaText = schema ? `, schema v${schema.current} (current)` : '';
    return pass(`${store.kind} ${store.location}, ${records.length} ${records.length === 1 ? 'connection' : 'connections'}${schemaText}`, data);
  },
};

/**
 * The keychain matters when it is the store, or when it holds the encryption key (no
 * ATOM_STRIPE_ENCRYPTION_KEY, no SECRET_KEY, no key file). Decided before the checks run, because the
 * store check may create the key file.
 */
export function keychainCheck(ctx: Context): Check {
  const store = ctx.config.get('store') ?? 'sqlite';
  const keychainOff = ['0', 'false', 'off'].includes(ctx.env.ATOM_STRIPE_KEYCHAIN_KEY ?? '');
  let role: 'store' | 'key' | undefined;
  let reason = '';
  if (store === 'keychain') role = 'store';
  else if (ctx.config.get('encryption_key')) reason = 'not used: the key comes from ATOM_STRIPE_ENCRYPTION_KEY';
  else if (ctx.config.get('secret_key')) reason = 'not used: the key is derived from SECRET_KEY';
  else if (existsSync(ctx.config.paths.keyFile)) reason = `not used: the key is in ${ctx.config.paths.keyFile}`;
  else if (keychainOff) reason = 'not used: ATOM_STRIPE_KEYCHAIN_KEY is off';
  else role = 'key';
  return {
    id: 'keychain',
    title: 'Keychain available',
    async run({ timeoutMs }) {
      if (!role) return skip(reason);
      const { openKeychain } = await import('../store/keytar.js');
      const { KEYCHAIN_KEY_ACCOUNT, KEYCHAIN_KEY_SERVICE } = await import('../store/keys.js');
      try {
        const keychain = await openKeychain(Math.max(500, timeoutMs - 250));
        const key = await keychain.get(KEYCHAIN_KEY_SERVICE, KEYCHAIN_KEY_ACCOUNT);
        if (role === 'store') return pass('the Secret Service answers (keychain store)', { role });
        return pass(key ? 'the Secret Service answers and holds the encryption key' : 'the Secret Service answers', { role });
      } catch (error) {
        if (role === 'store') return fail(formatError(error), { role });
        // Without a keychain the key goes to a key file: it works, but the operator should know.
        return warn(`${formatError(error)}; the encryption key will be kept in a key file`, { role });
      }
    },
  };
}

export const stripeCheck: Check = {
  id: 'stripe',
  title: 'Stripe reachable, key authenticates',
  async run({ ctx }) {
    if (!ctx.config.get('api_key')) return skip('no API key (see the config check)');
    const stripe = await ctx.stripe({ account: null });
    const started = performance.now();
    const balance = await stripe.balance.retrieve();
    const latencyMs = Math.round(performance.now() - started);
    const mode = balance.livemode ? 'live' : 'test';
    const data = { latency_ms: latencyMs, mode, api_base: ctx.config.get('api_base') };
    if (latencyMs > SLOW_STRIPE_MS) return warn(`${mode} mode, slow: GET /v1/balance took ${latencyMs} ms (goal under ${SLOW_STRIPE_MS} ms)`, data);
    return pass(`${mode} mode, GET /v1/balance in ${latencyMs} ms`, data);
  },
};

function describeConnection(now: Date, record: TokenRecord): string {
  const account = record.stripe_user_id ? ` (${record.stripe_user_id})` : '';
  const error = record.last_error ? `, last error: ${record.last_error}` : '';
  return `${record.user_id}${account} ${record.status}, verified ${ago(now, record.last_verified_at)}${error}`;
}

export const connectionsCheck: Check = {
  id: 'connections',
  title: 'Stored connections are active',
  needs: ['store'],
  async run({ ctx }) {
    let records: TokenRecord[];
    try {
      records = await (await ctx.tokens()).list();
    } catch (error) {
      return skip(`token store unavailable (see the store check): ${formatError(error)}`);
    }
    if (!records.length) return skip('no stored connections');
    const now = ctx.now();
    const connections = records.map((r) => ({
      user_id: r.user_id,
      stripe_user_id: r.stripe_user_id,
      status: r.status,
      livemode: r.livemode,
      last_verified_at: r.last_verified_at,
      last_refreshed_at: r.last_refreshed_at,
      last_error: r.last_error,
    }));
    const counts = { active: 0, needs_reconnect: 0, revoked: 0 };
    for (const r of records) counts[r.status]++;
    const data = { ...counts, connections };
    const broken = records.filter((r) => r.status !== 'active');
    if (broken.length) {
      const first = broken[0];
      return fail(`${broken.map((r) => describeConnection(now, r)).join('; ')}; run atom-stripe connect --user-id ${first.user_id} to reconnect`, data);
    }
    const stale = records.filter((r) => !r.last_verified_at || now.getTime() - new Date(r.last_verified_at).getTime() > STALE_VERIFICATION_MS);
    if (stale.length) {
      return warn(`${stale.map((r) => `${r.user_id} verified ${ago(now, r.last_verified_at)}`).join('; ')}; is atom-stripe token refresh running?`, data);
    }
    return pass(`${records.length} active, oldest verification ${ago(now, oldest(records))}`, data);
  },
};

function oldest(records: TokenRecord[]): string | null {
  return records.map((r) => r.last_verified_at).filter((v): v is string => Boolean(v)).sort()[0] ?? null;
}

export const webhookSecretCheck: Check = {
  id: 'webhook-secret',
  title: 'Webhook signing secret configured',
  async run({ ctx }) {
    const value = ctx.config.get('webhook_secret');
    if (!value) return warn('no webhook secret: webhook listen cannot verify signatures (set STRIPE_WEBHOOK_SECRET)');
    const secrets = value.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = secrets.filter((s) => !/^whsec_[A-Za-z0-9_]+$/.test(s));
    if (bad.length || !secrets.length) return fail(`${ctx.config.lookup('webhook_secret')?.source ?? 'webhook_secret'} holds a value that is not a whsec_ signing secret`);
    return pass(secrets.length === 1 ? '1 signing secret' : `${secrets.length} signing secrets (rotation)`, { secrets: secrets.length });
  },
};

export const deadEventsCheck: Check = {
  id: 'webhook-dead',
  title: 'No dead webhook events',
  needs: ['store'],
  async run({ ctx }) {
    const now = ctx.now();
    const stats = await readWebhookStats(ctx, new Date(now.getTime() - 86_400_000), now);
    const { dead, failed, received, forwarded } = stats.byStatus;
    const data = { ...stats.byStatus };
    if (dead > 0) {
      return fail(`${dead} dead ${dead === 1 ? 'event' : 'events'}; inspect with atom-stripe webhook events list --status dead, resend with atom-stripe webhook replay --dead`, data);
    }
    if (failed > 0) return warn(`${failed} ${failed === 1 ? 'event is' : 'events are'} failing and being retried`, data);
    return pass(`${received + forwarded} events stored, none dead`, data);
  },
};

export function healthChecks(ctx: Context): Check[] {
  return [configCheck, storeCheck, keychainCheck(ctx), stripeCheck, connectionsCheck, webhookSecretCheck, deadEventsCheck];
}

export type { CheckContext, CheckOutcome };
