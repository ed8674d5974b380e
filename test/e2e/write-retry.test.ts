/**
 * "Exit 5: safe to retry" for writes (#12 finding 4), end to end with the built binary: a proxy
 * loses Stripe's answer after the emulator has charged, the CLI exits 5, and following only what it
 * printed (the same command line again, or the printed --idempotency-key command) gives exactly one
 * PaymentIntent, in every trial. Also: Ctrl-C during a held write, --new-request, a command that
 * sends several writes (products create --price), and the journal's file mode.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { collect, isolatedEnv, runCli, spawnCli, type Env } from '../helpers/cli.js';
import { startCuttingProxy, type CuttingProxy } from '../helpers/cutting-proxy.js';
import { stripeFor, withEmulator } from '../helpers/emulator.js';
import { waitFor } from '../helpers/wait.js';

const emulator = withEmulator();
let proxy: CuttingProxy;

beforeAll(async () => {
  proxy = await startCuttingProxy({ host: emulator.current.host, port: emulator.current.port });
});
afterAll(async () => {
  await proxy?.close();
});

/** One user's machine: its own journal, the emulator behind the proxy. */
const machine = (): Env => isolatedEnv({ STRIPE_API_BASE: proxy.url, STRIPE_API_KEY: emulator.current.secretKey });

const paymentArgs = (order: string) => ['payments', 'create', '--amount', '20.00', '--currency', 'usd', '--payment-method', 'pm_card_visa', '--confirm', '--metadata', `order=${order}`];

async function paymentsFor(order: string): Promise<Stripe.PaymentIntent[]> {
  const all = await stripeFor(emulator.current).paymentIntents.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return all.filter((intent) => intent.metadata?.order === order);
}

/** Runs a write whose answer the proxy loses; it must end with exit 5 and the retry advice. */
async function lostAnswer(args: string[], env: Env): Promise<{ key: string; stderr: string }> {
  proxy.mode = 'cut';
  try {
    const result = await runCli(args, { env });
    expect(result.code, result.stderr).toBe(5);
    const key = /sent with idempotency key (\S+?)[.:]/.exec(result.stderr)?.[1];
    expect(key, result.stderr).toBeDefined();
    return { key: key!, stderr: result.stderr };
  } finally {
    proxy.mode = 'pass';
  }
}

/** The words of the printed retry line that carries --idempotency-key. */
function printedKeyCommand(stderr: string): string[] {
  const line = stderr.split('\n').find((text) => /^ {2}atom-stripe .*--idempotency-key \S+$/.test(text));
  expect(line, stderr).toBeDefined();
  return line!.trim().split(/\s+/).slice(1);
}

describe('a write whose answer was lost (exit 5)', () => {
  it('re-running the same command line gives one PaymentIntent, in each of 5 trials', async () => {
    for (let trial = 1; trial <= 5; trial++) {
      const order = `rerun-${trial}`;
      const env = machine();
      const { key, stderr } = await lostAnswer([...paymentArgs(order), '--json'], env);
      expect(stderr).toMatch(/could not reach/);
      expect(stderr).toContain(`atom-stripe payments create --amount 20.00 --currency usd --payment-method pm_card_visa --confirm --metadata order=${order} --json    # on this host: reuses the key`);
      expect(await paymentsFor(order)).toHaveLength(1);

      const rerun = await runCli([...paymentArgs(order), '--json'], { env });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stderr).toMatch(new RegExp(`^reusing idempotency key ${key} from an interrupted run at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; pass --new-request to send a new one$`, 'm'));
      const [payment] = await paymentsFor(order);
      expect(JSON.parse(rerun.stdout)).toMatchObject({ id: payment!.id, status: 'succeeded' });
      expect(await paymentsFor(order)).toHaveLength(1);
    }
  });

  it('the printed --idempotency-key command gives one PaymentIntent, from any machine, in each of 5 trials', async () => {
    for (let trial = 1; trial <= 5; trial++) {
      const order = `printed-${trial}`;
      const { key, stderr } = await lostAnswer(paymentArgs(order), machine());
      const retry = printedKeyCommand(stderr);
      expect(retry.slice(-2)).toEqual(['--idempotency-key', key]);
      // Another machine: no journal there, only the key.
      const result = await runCli(retry, { env: machine() });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/reusing/);
      expect(await paymentsFor(order)).toHaveLength(1);
    }
  });

  it('after a success the same command line is a new request again', async () => {
    const env = machine();
    await lostAnswer(paymentArgs('twice'), env);
    expect((await runCli(paymentArgs('twice'), { env })).code).toBe(0);
    const again = await runCli(paymentArgs('twice'), { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/reusing/);
    expect(await paymentsFor('twice')).toHaveLength(2);
  });

  it('--new-request sends a new key: a second PaymentIntent', async () => {
    const env = machine();
    const { key } = await lostAnswer(paymentArgs('new-request'), env);
    const fresh = await runCli([...paymentArgs('new-request'), '--new-request', '--verbose'], { env });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).not.toMatch(/reusing/);
    expect(fresh.stderr).not.toContain(key);
    expect(await paymentsFor('new-request')).toHaveLength(2);
  });

  it('an explicit --idempotency-key is kept and named, and its re-run gives one PaymentIntent', async () => {
    const env = machine();
    const args = [...paymentArgs('explicit'), '--idempotency-key', 'order-explicit-1'];
    const { key, stderr } = await lostAnswer(args, env);
    expect(key).toBe('order-explicit-1');
    expect(stderr).not.toMatch(/atom-stripe-[0-9a-f-]{36}/);
    const rerun = await runCli(args, { env: machine() });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await paymentsFor('explicit')).toHaveLength(1);
  });

  it('a command that sends several writes (products create --price) finishes without a second product or price', async () => {
    const env = machine();
    const name = `Journal plan ${Date.now()}`;
    const args = ['products', 'create', '--name', name, '--price', '20.00', '--currency', 'usd', '--interval', 'month', '--json'];
    proxy.cutPath = '/v1/prices';
    let stderr: string;
    try {
      ({ stderr } = await lostAnswer(args, env));
    } finally {
      proxy.cutPath = undefined;
    }
    expect(stderr).toMatch(/was created, but its price was not/);
    const rerun = await runCli(args, { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/^reusing idempotency key /m);
    const stripe = stripeFor(emulator.current);
    const products = (await stripe.products.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).filter((product) => product.name === name);
    expect(products).toHaveLength(1);
    const prices = await stripe.prices.list({ product: products[0]!.id, limit: 100 });
    expect(prices.data).toHaveLength(1);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ id: products[0]!.id, default_price: prices.data[0]!.id });
  });

  it('keeps the journal in a 0600 file in a 0700 folder, and stores no secret', async () => {
    const env = machine();
    await lostAnswer(paymentArgs('modes'), env);
    const file = join(env.XDG_STATE_HOME!, 'atom-stripe', 'writes.db');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(env.XDG_STATE_HOME!, 'atom-stripe')).mode & 0o777).toBe(0o700);
    const { readFileSync } = await import('node:fs');
    const bytes = [file, `${file}-wal`].map((path) => { try { return readFileSync(path, 'latin1'); } catch { return ''; } }).join('');
    expect(bytes).not.toContain(emulator.current.secretKey);
    expect(bytes).not.toContain('order=modes');
  });
});

describe('Ctrl-C during a held write', () => {
  it('exits 130 naming the key, and the re-run gives one PaymentIntent', async () => {
    const env = machine();
    const path = '/v1/payment_intents';
    const before = emulator.current.control.requestCount('POST', path);
    emulator.current.control.setLatency(1_000);
    let interrupted;
    try {
      const child = spawnCli(paymentArgs('ctrl-c'), { env });
      const done = collect(child);
      await waitFor(() => emulator.current.control.requestCount('POST', path) > before, 'the write to arrive', 10_000);
      child.kill('SIGINT');
      interrupted = await done;
    } finally {
      emulator.current.control.setLatency(0);
    }
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const key = /sent with idempotency key (\S+?)\./.exec(interrupted.stderr)?.[1];
    expect(key, interrupted.stderr).toBeDefined();
    // The emulator goes on with the write after the client has gone, as Stripe does.
    await waitFor(() => (emulator.current.control.idempotencyStats(key!)?.executions ?? 0) >= 1, 'the held write to finish', 10_000);
    await waitFor(async () => (await paymentsFor('ctrl-c')).length === 1, 'the payment', 10_000);

    const rerun = await runCli(paymentArgs('ctrl-c'), { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(`reusing idempotency key ${key} from an interrupted run`);
    expect(await paymentsFor('ctrl-c')).toHaveLength(1);
  });
});
