import type { Command } from 'commander';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { registerSecret } from '../../redact.js';
import type { App } from '../app.js';
import { describe } from '../help.js';

export interface SmokeOptions {
  timeoutMs: number;
  junit?: string;
  write: boolean;
  emulator: boolean;
  webhookUrl?: string;
  webhookSecret?: string;
  webhookEvent: string;
  healthUrl?: string;
}

interface SmokeFlags {
  timeout: string;
  junit?: string;
  write?: boolean;
  emulator?: boolean;
  webhookUrl?: string;
  webhookSecret?: string;
  webhookEvent: string;
  healthUrl?: string;
}

export const DEFAULT_WEBHOOK_EVENT = 'atom_stripe.smoke_test';

export function define(noun: Command, app: App): Command {
  noun
    .option('--junit <file>', 'also write a JUnit XML report to FILE (one testcase per check)')
    .option('--timeout <duration>', 'time limit per check: 10s, 1500ms, 1m (the write cycle gets at least 30s)', '10s')
    .option('--write', 'add a test-mode write cycle: customer, PaymentIntent (pm_card_visa), refund, delete; cleaned up even on failure')
    .option('--emulator', 'run against a throwaway local emulator and token store (what `npm start` does without STRIPE_API_KEY)')
    .option('--webhook-url <url>', 'deliver a signed test event to this deployed webhook endpoint; expects a 2xx')
    .option('--webhook-secret <whsec>', 'signing secret for --webhook-url (default: STRIPE_WEBHOOK_SECRET)')
    .option('--webhook-event <type>', 'event type of the test event for --webhook-url', DEFAULT_WEBHOOK_EVENT)
    .option('--health-url <url>', 'fetch a deployed health endpoint; expects a 2xx and {"status": "healthy"}');
  describe(
    noun,
    'Post-deployment smoke checks for CI (JUnit or JSON), never prompts',
    [
      'smoke --junit smoke.xml',
      'smoke --json --account acme',
      'smoke --write --junit smoke.xml',
      'smoke --webhook-url https://app.example.com/api/v1/stripe/webhooks --health-url https://app.example.com/health',
      'smoke --emulator --write',
    ],
    [0, 1, 2, 130],
    [
      'Read-only checks: auth (the key or --account token authenticates),',
      'balance, customers (list --limit 1), store-roundtrip (a temporary record',
      'written, read, deleted), webhook-signature (signed and verified locally).',
      '--write adds write-cycle (refused with a live key unless --live); what it',
      'creates carries metadata atom_stripe_smoke=<run id> and is cleaned up.',
      '--webhook-url and --health-url add checks of a deployed application.',
      'Exit 0 only when every selected check passes. It never prompts.',
    ].join('\n'),
  );
  return noun.action(
    app.handle<SmokeFlags>(async (ctx, _args, flags) => {
      const { parseDuration } = await import('../../checks/engine.js');
      return run(
        {
          timeoutMs: parseDuration(flags.timeout, '--timeout'),
          junit: flags.junit,
          write: Boolean(flags.write),
          emulator: Boolean(flags.emulator),
          webhookUrl: flags.webhookUrl,
          webhookSecret: flags.webhookSecret,
          webhookEvent: flags.webhookEvent,
          healthUrl: flags.healthUrl,
        },
        ctx,
      );
    }),
  );
}

function checkUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} "${value}" is not a URL`, { hint: `for example ${flag} https://app.example.com/...` });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http or https URL`);
  return url.toString();
}

/** Every flag is checked before a request is sent or a process started: exit 2 means nothing happened. */
function validate(options: SmokeOptions, ctx: Context): { webhookSecret?: string } {
  if (options.webhookSecret !== undefined) registerSecret(options.webhookSecret);
  if (options.webhookUrl) checkUrl(options.webhookUrl, '--webhook-url');
  if (options.healthUrl) checkUrl(options.healthUrl, '--health-url');
  if (options.webhookSecret !== undefined && !options.webhookUrl) {
    throw new UsageError('--webhook-secret needs --webhook-url', { hint: 'pass the deployed endpoint with --webhook-url URL' });
  }
  if (!/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(options.webhookEvent)) {
    throw new UsageError(`--webhook-event "${options.webhookEvent}" is not an event type`, { hint: 'for example payment_intent.succeeded' });
  }
  let webhookSecret: string | undefined;
  if (options.webhookUrl) {
    webhookSecret = options.webhookSecret ?? ctx.config.get('webhook_secret')?.split(',')[0]?.trim();
    if (!webhookSecret) {
      throw new UsageError('--webhook-url needs a signing secret', { hint: 'pass --webhook-secret whsec_... or set STRIPE_WEBHOOK_SECRET' });
    }
    if (!webhookSecret.startsWith('whsec_')) throw new UsageError('the webhook signing secret must start with whsec_', { hint: 'copy it from the endpoint in the Stripe Dashboard' });
  }
  if (options.emulator && ctx.globals.account) {
    throw new UsageError('--account cannot be used with --emulator', { hint: 'the throwaway emulator has no stored connections; drop --account' });
  }
  // No key is not a usage error here: the checks that need Stripe fail with that reason, so CI
  // still gets its JUnit or JSON report to publish (a missing secret is what it must show).
  return { webhookSecret };
}

export async function run(options: SmokeOptions, ctx: Context): Promise<void> {
  const { smokeChecks } = await import('../../checks/smoke.js');
  const { executeChecks, resolveJUnitPath } = await import('../../checks/runner.js');
  const { runId } = await import('../../context.js');
  const { webhookSecret } = validate(options, ctx);
  const junit = resolveJUnitPath(ctx, options.junit);

  let target = ctx;
  if (options.emulator) {
    const { emulatorContext, startEmulatorProcess } = await import('../../checks/emulator-process.js');
    const spinner = await ctx.io.spinner('starting a local emulator');
    const emulator = await startEmulatorProcess(ctx).finally(() => spinner.stop());
    ctx.onClose(() => emulator.stop());
    ctx.io.err(`smoke: against a throwaway emulator at ${emulator.apiBase}`);
    target = emulatorContext(ctx, emulator);
  } else if (options.write && (ctx.config.get('api_key') || ctx.globals.account)) {
    // The live-mode guard, before anything runs: a live key needs --live (exit 2 otherwise).
    await ctx.stripe({ write: true });
  }

  await executeChecks(ctx, {
    command: 'smoke',
    checks: smokeChecks({ write: options.write, webhookUrl: options.webhookUrl, webhookSecret, webhookEvent: options.webhookEvent, healthUrl: options.healthUrl }),
    context: { ctx: target, runId: runId(), timeoutMs: options.timeoutMs },
    timeoutMs: options.timeoutMs,
    strict: true,
    junit,
  });
}
