/**
 * The checks of `atom-stripe smoke`: read-only by default, a test-mode write cycle with --write,
 * and remote checks of a deployed application with --webhook-url and --health-url.
 */
import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { formatError, isStripeError } from '../errors.js';
import { loadStripe } from '../stripe/load.js';
import { formatAmount } from '../stripe/money.js';
import { fail, pass, skip, type Check, type CheckOutcome } from './types.js';

/** Metadata on everything smoke creates, so a leftover is easy to find and delete. */
export const SMOKE_METADATA_KEY = 'atom_stripe_smoke';

export const authCheck: Check = {
  id: 'auth',
  title: 'Key or --account token authenticates',
  async run({ ctx }) {
    const account = ctx.config.get('account');
    const stripe = await ctx.stripe();
    try {
      const own = await stripe.accounts.retrieve(null);
      const who = account ? `connection ${account}` : 'platform key';
      return pass(`${who}: ${own.id}${own.business_profile?.name ? ` (${own.business_profile.name})` : ''}`, { account: own.id });
    } catch (error) {
      // A restricted key may not read /v1/account: a 403 still proves it authenticated.
      if (isStripeError(error) && error.type === 'StripePermissionError') {
        return pass('authenticated (this key may not read /v1/account)', { restricted: true });
      }
      throw error;
    }
  },
};

export const balanceCheck: Check = {
  id: 'balance',
  title: 'Balance readable',
  async run({ ctx }) {
    const stripe = await ctx.stripe();
    const balance = await stripe.balance.retrieve();
    const available = balance.available.map((a) => formatAmount(a.amount, a.currency)).join(', ') || 'none';
    return pass(`${balance.livemode ? 'live' : 'test'} mode, available ${available}`, { livemode: balance.livemode });
  },
};

export const customersCheck: Check = {
  id: 'customers',
  title: 'customers list --limit 1 works',
  async run({ ctx }) {
    const stripe = await ctx.stripe();
    const page = await stripe.customers.list({ limit: 1 });
    return pass(page.data.length ? `first customer ${page.data[0].id}` : 'no customers yet (the list answered)', { count: page.data.length });
  },
};

export const storeRoundTripCheck: Check = {
  id: 'store-roundtrip',
  title: 'Token store round-trips a record',
  async run({ ctx, runId }) {
    const store = (await ctx.tokens()) as import('../store/types.js').TokenStore;
    const userId = `atom-stripe-smoke-${runId}`;
    // A fake token, not a credential: it only proves the store seals and unseals.
    const accessToken = `sk_test_smoke${randomBytes(12).toString('hex')}`;
    try {
      await store.put({ user_id: userId, access_token: accessToken, stripe_user_id: 'acct_smoke', livemode: false });
      const read = await store.get(userId);
      if (!read) return fail(`${store.kind} ${store.location}: the record written was not found`);
      if (read.access_token !== accessToken) return fail(`${store.kind} ${store.location}: the record read back differs from the one written`);
    } finally {
      await store.delete(userId).catch(() => undefined);
    }
    if (await store.get(userId)) return fail(`${store.kind} ${store.location}: the temporary record could not be deleted (${userId})`);
    return pass(`${store.kind} ${store.location}: write, read, delete`, { kind: store.kind });
  },
};

export const signatureCheck: Check = {
  id: 'webhook-signature',
  title: 'Webhook signature round-trips locally',
  async run({ ctx, runId }) {
    const StripeConstructor = await loadStripe();
    const webhooks = StripeConstructor.webhooks;
    const configured = (ctx.config.get('webhook_secret') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const secrets = configured.length ? configured : [`whsec_${randomBytes(24).toString('hex')}`];
    const timestamp = Math.floor(ctx.now().getTime() / 1000);
    const payload = JSON.stringify({ id: `evt_smoke_${runId.replace(/-/g, '')}`, object: 'event', type: 'atom_stripe.smoke' });
    for (const secret of secrets) {
      const header = webhooks.generateTestHeaderString({ payload, secret, timestamp });
      const event = webhooks.constructEvent(payload, header, secret, 300, undefined, timestamp);
      if ((event.type as string) !== 'atom_stripe.smoke') return fail('the verified event differs from the one signed');
      // A tampered body must be rejected, or verification proves nothing.
      try {
        webhooks.constructEvent(`${payload} `, header, secret, 300, undefined, timestamp);
        return fail('a tampered payload passed signature verification');
      } catch {
        // expected
      }
    }
    return pass(configured.length ? `sign and verify with ${configured.length} configured ${configured.length === 1 ? 'secret' : 'secrets'}` : 'sign and verify with a generated secret (no STRIPE_WEBHOOK_SECRET)');
  },
};

interface Created {
  customer?: string;
  paymentIntent?: string;
  paymentIntentStatus?: string;
  refund?: string;
}

/**
 * The write cycle as one check: customer, PaymentIntent with pm_card_visa confirmed, refund, delete
 * the customer. Everything carries metadata with the run id, and cleanup runs whatever failed, with
 * no abort signal (an abandoned cycle still cleans up while the engine waits for it).
 */
export const writeCycleCheck: Check = {
  id: 'write-cycle',
  title: 'Write cycle: customer, payment, refund',
  minTimeoutMs: 30_000,
  async run({ ctx, runId }, signal) {
    const stripe = await ctx.stripe({ write: true });
    const metadata = { [SMOKE_METADATA_KEY]: runId };
    const created: Created = {};
    const steps: string[] = [];
    const key = (step: string) => `${SMOKE_METADATA_KEY}-${runId}-${step}`;
    let outcome: CheckOutcome | undefined;
    try {
      const customer = await stripe.customers.create(
        { email: `smoke+${runId.slice(0, 8)}@example.com`, name: 'atom-stripe smoke test', metadata },
        { idempotencyKey: key('customer') },
      );
      created.customer = customer.id;
      steps.push(`customer ${customer.id}`);
      signal.throwIfAborted();
      const intent = await stripe.paymentIntents.create(
        {
          amount: 100,
          currency: 'usd',
          customer: customer.id,
          payment_method: 'pm_card_visa',
          // Server-side confirmation without a return_url: card-like methods only.
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          confirm: true,
          description: 'atom-stripe smoke test',
          metadata,
        },
        { idempotencyKey: key('payment') },
      );
      created.paymentIntent = intent.id;
      created.paymentIntentStatus = intent.status;
      if (intent.status !== 'succeeded') {
        outcome = fail(`PaymentIntent ${intent.id} is ${intent.status}, expected succeeded`);
        return outcome;
      }
      steps.push(`payment ${intent.id} succeeded`);
      signal.throwIfAborted();
      const refund = await stripe.refunds.create({ payment_intent: intent.id, metadata }, { idempotencyKey: key('refund') });
      created.refund = refund.id;
      if (refund.status !== 'succeeded' && refund.status !== 'pending') {
        outcome = fail(`refund ${refund.id} is ${refund.status}`);
        return outcome;
      }
      steps.push(`refund ${refund.id} ${refund.status}`);
      signal.throwIfAborted();
      await stripe.customers.del(customer.id);
      steps.push('customer deleted');
      created.customer = undefined;
      outcome = pass(steps.join(', '), { customer: customer.id, payment_intent: intent.id, refund: refund.id });
      return outcome;
    } catch (error) {
      outcome = fail(`${steps.length ? `after ${steps.join(', ')}: ` : ''}${formatError(error)}`);
      return outcome;
    } finally {
      const leftovers = await cleanUp(stripe, created, metadata);
      if (leftovers.length && outcome) outcome.detail += `; NOT cleaned up: ${leftovers.join(', ')}`;
    }
  },
};

async function cleanUp(stripe: Stripe, created: Created, metadata: Record<string, string>): Promise<string[]> {
  const leftovers: string[] = [];
  if (created.paymentIntent && !created.refund) {
    try {
      if (created.paymentIntentStatus === 'succeeded') await stripe.refunds.create({ payment_intent: created.paymentIntent, metadata });
      else if (created.paymentIntentStatus && !['canceled', 'processing'].includes(created.paymentIntentStatus)) await stripe.paymentIntents.cancel(created.paymentIntent);
    } catch {
      leftovers.push(created.paymentIntent);
    }
  }
  if (created.customer) {
    try {
      await stripe.customers.del(created.customer);
    } catch {
      leftovers.push(created.customer);
    }
  }
  return leftovers;
}

function checkUrl(text: string): URL {
  return new URL(text);
}

/** Delivers a signed test event to a deployed webhook endpoint and expects a 2xx. */
export function webhookUrlCheck(url: string, secret: string, eventType: string): Check {
  return {
    id: 'webhook-endpoint',
    title: `Webhook endpoint accepts a signed event`,
    async run({ ctx, runId }, signal) {
      const StripeConstructor = await loadStripe();
      const created = Math.floor(ctx.now().getTime() / 1000);
      const payload = JSON.stringify(
        {
          id: `evt_smoke_${runId.replace(/-/g, '').slice(0, 24)}`,
          object: 'event',
          api_version: '2026-10-28.endive',
          created,
          type: eventType,
          livemode: false,
          pending_webhooks: 1,
          request: { id: null, idempotency_key: null },
          data: { object: { id: `smoke_${runId.slice(0, 8)}`, object: 'atom_stripe_smoke', metadata: { [SMOKE_METADATA_KEY]: runId } } },
        },
        null,
        2,
      );
      const header = StripeConstructor.webhooks.generateTestHeaderString({ payload, secret, timestamp: created });
      const response = await fetch(checkUrl(url), {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header, 'user-agent': 'atom-stripe smoke' },
        body: payload,
        signal,
        redirect: 'manual',
      });
      await response.body?.cancel().catch(() => undefined);
      const data = { status_code: response.status, event_type: eventType };
      if (response.status >= 200 && response.status < 300) return pass(`${eventType} answered HTTP ${response.status}`, data);
      const hint = response.status === 400 ? ' (a signature mismatch? check --webhook-secret)' : '';
      return fail(`${url} answered HTTP ${response.status} to a signed ${eventType}${hint}`, data);
    },
  };
}

/** Fetches a deployed application's health endpoint: a 2xx with `status: healthy`. */
export function healthUrlCheck(url: string): Check {
  return {
    id: 'health-endpoint',
    title: 'Health endpoint reports healthy',
    async run(_context, signal) {
      const response = await fetch(checkUrl(url), { headers: { accept: 'application/json', 'user-agent': 'atom-stripe smoke' }, signal });
      const text = await response.text();
      if (response.status < 200 || response.status >= 300) return fail(`${url} answered HTTP ${response.status}`, { status_code: response.status });
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return fail(`${url} answered HTTP ${response.status} but not JSON`, { status_code: response.status });
      }
      const status = (body as { status?: unknown } | null)?.status;
      if (status !== 'healthy') return fail(`${url} reports status ${JSON.stringify(status ?? null)}, expected "healthy"`, { status_code: response.status, status });
      return pass(`HTTP ${response.status}, status healthy`, { status_code: response.status });
    },
  };
}

export interface SmokeSelection {
  write: boolean;
  webhookUrl?: string;
  webhookSecret?: string;
  webhookEvent: string;
  healthUrl?: string;
}

export function smokeChecks(selection: SmokeSelection): Check[] {
  const checks: Check[] = [authCheck, balanceCheck, customersCheck, storeRoundTripCheck, signatureCheck];
  if (selection.write) checks.push(writeCycleCheck);
  if (selection.webhookUrl && selection.webhookSecret) checks.push(webhookUrlCheck(selection.webhookUrl, selection.webhookSecret, selection.webhookEvent));
  if (selection.healthUrl) checks.push(healthUrlCheck(selection.healthUrl));
  return checks;
}

export { skip };
