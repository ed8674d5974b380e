import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { AuthError, InterruptedError, OperationError, TemporaryError, UsageError } from '../../errors.js';
import { createRecordWriter, effectiveFormat, type Column } from '../../io/output.js';
import { parseDuration } from '../../oauth/duration.js';
import type { RefreshOptions, RefreshResult } from '../../oauth/refresh.js';
import { DATABASE_UNREACHABLE } from '../../store/pg-connection.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export type { RefreshOptions };

interface Flags {
  userId?: string;
  all?: boolean;
  roll?: boolean;
  maxAge?: string;
  concurrency?: string;
  rate?: string;
  dryRun?: boolean;
}

const COLUMNS: Column<RefreshResult>[] = [
  { key: 'user_id' },
  { key: 'stripe_user_id', header: 'account' },
  { key: 'action' },
  { key: 'outcome' },
  { key: 'status' },
  { key: 'reason' },
  { key: 'error' },
];

function parseInteger(value: string, flag: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new UsageError(`${flag} "${value}" must be a whole number from ${min} to ${max}`);
  return number;
}

export function define(noun: Command, app: App): Command {
  const command = noun
    .command('refresh')
    .option('--user-id <name>', 'refresh one connection')
    .option('--all', 'refresh every stored connection (revoked ones are skipped)')
    .option('--roll', 'roll every selected token with the refresh_token grant, not only verify it')
    .option('--max-age <duration>', 'roll tokens whose last roll is older than this, or that expire within it (30m, 12h, 7d)')
    .option('--concurrency <n>', 'tokens processed at once', '4')
    .option('--rate <n>', 'at most this many Stripe requests per second (0: no limit)', '20')
    .option('--dry-run', 'print what would be done, send nothing');
  describe(
    command,
    'Verify stored OAuth tokens and roll them with the refresh token (cron-safe; quiet on success)',
    [
      'token refresh --all                              # verify every token (cron: prints nothing when all is well)',
      'token refresh --all --max-age 7d                 # and roll those not rolled for a week',
      'token refresh --user-id acme --roll --json',
      'token refresh --all --max-age 7d --dry-run',
      'token refresh --all --store postgres --concurrency 8 --rate 50   # from several hosts at once',
    ],
    [0, 1, 2, 3, 4, 5, 130],
    [
      'Verify calls GET /v1/account with each token: success sets last_verified_at, a 401 or permission error marks it',
      'needs_reconnect. Rolls take the record\'s lock, so overlapping runs (postgres: on other hosts) skip what another run',
      'holds or rolled after this run started (--verbose names them). Nothing is printed on success unless --verbose or',
      '--json; a summary line goes to the log.',
      'Exit 4 if any token needs reconnecting, 5 if the only failures were temporary, 1 for other failures.',
    ].join('\n'),
  );
  return command.action(
    app.handle<Flags>((ctx, _args, flags) => {
      if (flags.userId && flags.all) throw new UsageError('--user-id and --all cannot be combined', { hint: 'pass one of them' });
      if (!flags.userId && !flags.all) throw new UsageError('choose the tokens to refresh', { hint: 'pass --user-id NAME or --all' });
      const rate = Number(flags.rate ?? '20');
      if (!Number.isFinite(rate) || rate < 0) throw new UsageError(`--rate "${flags.rate}" must be a number of requests per second (0: no limit)`);
      return run(
        {
          userId: flags.userId,
          all: Boolean(flags.all),
          roll: Boolean(flags.roll),
          maxAgeMs: flags.maxAge === undefined ? undefined : parseDuration(flags.maxAge),
          concurrency: parseInteger(flags.concurrency ?? '4', '--concurrency', 1, 64),
          rate,
          dryRun: Boolean(flags.dryRun),
        },
        ctx,
      );
    }),
  );
}

export async function run(options: RefreshOptions, ctx: Context): Promise<void> {
  const { refreshTokens } = await import('../../oauth/refresh.js');
  const { oauthClient, platformSecret } = await import('../../oauth/client.js');
  const store = await ctx.tokens();
  const secret = platformSecret(ctx);
  if (!secret && (options.roll || options.maxAgeMs !== undefined) && !options.dryRun) {
    throw new UsageError('rolling tokens needs STRIPE_CLIENT_SECRET (the Connect platform secret key)', {
      hint: 'export STRIPE_CLIENT_SECRET=sk_..., or run `atom-stripe config set client_secret sk_...`',
    });
  }
  // Verify sends each token as its own key; the client's default key is only used by the roll.
  const stripe = await oauthClient(ctx, secret?.secret ?? 'sk_unused_verify_only', {
    maxNetworkRetries: 0,
    logRequests: Boolean(ctx.globals.verbose || ctx.globals.debug),
  });
  // Lock slots are sized from the same pool size the store was opened with (--pool-size, env, profile).
  const { configuredPoolSize, poolSizeOf } = await import('../../store/index.js');
  const poolSize = poolSizeOf({ poolSize: configuredPoolSize(ctx.config), env: ctx.env });
  // The run began when the process did: a roll another run made after that came from an overlapping
  // run (cron started both at once), so this one does not roll that token again.
  const startedAt = new Date(ctx.now().getTime() - Math.round(process.uptime() * 1000));
  const { results, summary, interrupted, total } = await refreshTokens(options, ctx, { store, stripe, poolSize, startedAt });
  ctx.log.info('token.refresh.summary', { ...summary, dry_run: options.dryRun, store: store.kind, interrupted });

  const format = effectiveFormat(ctx.io, ctx.output);
  if (format === 'json' && !ctx.output.fields) {
    ctx.io.out(JSON.stringify({ summary: { ...summary, dry_run: options.dryRun }, results }, null, 2));
  } else if (options.dryRun || ctx.globals.verbose || ctx.output.format !== undefined) {
    const writer = createRecordWriter(ctx.io, COLUMNS, ctx.output);
    for (const result of results) writer.write(result);
    await writer.end();
  }

  const problems = results.filter((result) => ['needs_reconnect', 'temporary', 'failed'].includes(result.outcome) && result.reason !== 'interrupted');
  // A lost database fails every token after it the same way: one line for them all, not one per token.
  const unreachable = problems.filter((problem) => problem.outcome === 'temporary' && problem.error?.startsWith(DATABASE_UNREACHABLE));
  if (unreachable.length && unreachable.length < problems.length) ctx.io.err(`${unreachable.length} tokens: temporary: ${unreachable[0].error}`);
  for (const problem of problems) {
    if (unreachable.includes(problem)) continue;
    ctx.io.err(`${problem.user_id}${problem.stripe_user_id ? ` (${problem.stripe_user_id})` : ''}: ${problem.outcome.replace('_', ' ')}: ${problem.error ?? ''}`);
  }
  if (ctx.globals.verbose) {
    for (const held of results.filter((result) => result.reason === 'locked by another run')) {
      ctx.io.err(`${held.user_id}: skipped: locked by another run${held.holder ? ` (${held.holder})` : ''}`);
    }
  }
  if (ctx.globals.verbose && !problems.length) {
    ctx.io.err(`${summary.selected} tokens: ${summary.verified} verified, ${summary.rolled} rolled, ${summary.skipped} skipped in ${summary.elapsed_ms} ms`);
  }
  if (interrupted) {
    const finished = results.filter((result) => result.reason !== 'interrupted').length;
    throw new InterruptedError(`interrupted after ${finished} of ${total} tokens (the next run picks up the rest)`);
  }
  const line = `${problems.length} of ${summary.selected} tokens failed`;
  const reconnect = results.filter((result) => result.outcome === 'needs_reconnect');
  if (reconnect.length) {
    const names = reconnect.slice(0, 5).map((result) => result.user_id);
    throw new AuthError(`${reconnect.length} of ${summary.selected} tokens need reconnecting (${names.join(', ')}${reconnect.length > 5 ? ', ...' : ''})`, {
      hint: `run atom-stripe connect --user-id ${names[0]} --force`,
    });
  }
  if (unreachable.length && unreachable.length === problems.length) {
    throw new TemporaryError(`${unreachable[0].error} (${line.replace(/failed$/, 'not refreshed')})`, { hint: 'the next run retries them; it is safe' });
  }
  if (problems.length && problems.every((result) => result.outcome === 'temporary')) {
    throw new TemporaryError(`${line}, temporarily`, { hint: 'the next run retries them; it is safe' });
  }
  if (problems.length) throw new OperationError(line, { hint: 'see the lines above and the log' });
}
