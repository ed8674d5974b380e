/**
 * `atom-stripe emulator`: a local stateful Stripe for offline work, demos and CI smoke runs. The only
 * command module that imports src/emulator.
 */
import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { OperationError, UsageError } from '../../errors.js';
import { maskSecret } from '../../redact.js';
import type { App } from '../app.js';
import { collect, describe } from '../help.js';

export interface EmulatorCommandOptions {
  host: string;
  port: number;
  dataFile?: string;
  latencyMs?: number;
  failRate?: number;
  seedCustomers?: number;
  seedProducts?: number;
  clientId?: string;
  redirectUris: string[];
  webhookRetryScale?: number;
  rotateRefreshTokens?: boolean;
}

interface Flags {
  host: string;
  port: string;
  data?: string;
  latency?: string;
  failRate?: string;
  seedCustomers?: string;
  seedProducts?: string;
  clientId?: string;
  redirectUri: string[];
  webhookRetryScale?: string;
  rotateRefreshTokens?: boolean;
}

function number(flag: string, value: string | undefined, { min, max, integer }: { min: number; max: number; integer?: boolean }) {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
    throw new UsageError(`${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

export function define(noun: Command, app: App): Command {
  noun
    .option('--host <address>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '12111')
    .option('--data <file>', 'keep state in this SQLite file, surviving restarts (default: memory)')
    .option('--latency <ms>', 'delay every API request')
    .option('--fail-rate <ratio>', 'answer this fraction (0-1) of API requests with a 500')
    .option('--seed-customers <n>', 'create N customers at start')
    .option('--seed-products <n>', 'create N products, each with a monthly default price')
    .option('--client-id <ca_id>', 'Connect client id (default: generated, or kept in --data)')
    .option('--redirect-uri <uri>', 'register an OAuth redirect URI (repeatable)', collect, [])
    .option('--webhook-retry-scale <factor>', 'multiply the webhook retry schedule (0.001 for tests)')
    .option('--rotate-refresh-tokens', 'answer every refresh_token grant with a new refresh token and revoke the old one, as Stripe may');
  describe(
    noun,
    'Run a local stateful Stripe emulator for offline work and tests',
    [
      'emulator',
      'emulator --port 0 --json',
      'emulator --data ./emulator.db --seed-customers 1000',
      'emulator --latency 50 --fail-rate 0.1',
      'emulator --api-key sk_test_offlinedemo123   # also accept this key',
    ],
    [0, 1, 2, 130],
    [
      'Prints the API base, a test secret key, the Connect client id and the registered redirect URIs',
      '(as KEY=value lines, or one JSON line with --json), then serves until Ctrl-C. A test key given',
      'with --api-key or STRIPE_API_KEY is accepted as the platform key too. Point commands at it with',
      '--api-base or STRIPE_API_BASE. Control endpoints for tests live under /_emulator/.',
    ].join('\n'),
  );
  return noun.action(
    app.handle<Flags>((ctx, _args, flags) =>
      run(
        {
          host: flags.host,
          port: number('--port', flags.port, { min: 0, max: 65535, integer: true })!,
          dataFile: flags.data,
          latencyMs: number('--latency', flags.latency, { min: 0, max: 600_000 }),
          failRate: number('--fail-rate', flags.failRate, { min: 0, max: 1 }),
          seedCustomers: number('--seed-customers', flags.seedCustomers, { min: 0, max: 10_000_000, integer: true }),
          seedProducts: number('--seed-products', flags.seedProducts, { min: 0, max: 1_000_000, integer: true }),
          clientId: flags.clientId,
          redirectUris: flags.redirectUri,
          webhookRetryScale: number('--webhook-retry-scale', flags.webhookRetryScale, { min: 0, max: 1000 }),
          rotateRefreshTokens: Boolean(flags.rotateRefreshTokens),
        },
        ctx,
      ),
    ),
  );
}

export async function run(options: EmulatorCommandOptions, ctx: Context): Promise<void> {
  if (options.clientId && !options.clientId.startsWith('ca_')) {
    throw new UsageError(`--client-id must start with ca_, got "${options.clientId}"`);
  }
  const configuredKey = ctx.config.get('api_key');
  const { startEmulator } = await import('../../emulator/index.js');
  const spinner = await ctx.io.spinner('Starting the emulator');
  let emulator;
  try {
    emulator = await startEmulator({
      host: options.host,
      port: options.port,
      dataFile: options.dataFile,
      latencyMs: options.latencyMs,
      failRate: options.failRate,
      seed: { customers: options.seedCustomers, products: options.seedProducts },
      clientId: options.clientId,
      redirectUris: options.redirectUris.length ? options.redirectUris : undefined,
      webhookRetryScale: options.webhookRetryScale,
      rotateRefreshTokens: options.rotateRefreshTokens,
      // A configured key is accepted as the platform's, in its own mode: a live key makes livemode
      // objects, so the --live guard can be tried offline. It is never printed.
      apiKeys: configuredKey && /^(sk|rk)_(test|live)_/.test(configuredKey) ? [configuredKey] : undefined,
      now: ctx.now,
    });
  } catch (error) {
    spinner.fail();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new OperationError(`port ${options.port} on ${options.host} is already in use`, { hint: 'pass --port 0 for a free one' });
    }
    throw error;
  }
  spinner.stop();
  // The emulator's own test key is printed on purpose: it is the credential of a local fake. A key
  // the operator configured may be a real Stripe key too: it is only ever shown masked, with where it came from.
  const accepted = configuredKey && /^(sk|rk)_(test|live)_/.test(configuredKey) ? configuredKey : undefined;
  const acceptedFrom = accepted ? ctx.config.lookup('api_key')?.source : undefined;
  const info = {
    api_base: emulator.url,
    secret_key: emulator.secretKey,
    ...(accepted ? { accepted_key: maskSecret(accepted), accepted_key_source: acceptedFrom } : {}),
    publishable_key: emulator.publishableKey,
    client_id: emulator.clientId,
    redirect_uri: emulator.redirectUris[0],
    redirect_uris: emulator.redirectUris,
  };
  if (ctx.output.format === 'json' || ctx.output.format === 'jsonl') {
    ctx.io.out(JSON.stringify(info));
  } else {
    ctx.io.out(`STRIPE_API_BASE=${info.api_base}`);
    ctx.io.out(`STRIPE_API_KEY=${info.secret_key}`);
    ctx.io.out(`STRIPE_CLIENT_ID=${info.client_id}`);
    ctx.io.out(`STRIPE_CLIENT_SECRET=${info.secret_key}`);
    ctx.io.out(`STRIPE_REDIRECT_URI=${info.redirect_uri}`);
    ctx.io.err(`Emulator listening on ${emulator.url}${options.dataFile ? ` (state in ${options.dataFile})` : ' (state in memory)'}. Ctrl-C stops it.`);
    if (accepted && /^(sk|rk)_live_/.test(accepted)) {
      ctx.io.err(`The live key ${maskSecret(accepted)} from ${acceptedFrom} is accepted too: what it writes has livemode true, and needs --live.`);
    } else if (accepted) {
      ctx.io.err(`The test key ${maskSecret(accepted)} from ${acceptedFrom} is accepted too, as the platform key.`);
    }
  }
  ctx.log.info('emulator.started', { url: emulator.url, dataFile: options.dataFile });
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await emulator.close();
  ctx.io.err('Emulator stopped.');
}
