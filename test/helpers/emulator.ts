/**
 * The in-process Stripe emulator for tests: `withEmulator()` starts one on a free port for the
 * file (beforeAll) and closes it after (afterAll); `stripeFor()` points stripe-node at it.
 */
import { afterAll, beforeAll } from 'vitest';
import Stripe from 'stripe';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

export interface EmulatorHandle {
  /** The running emulator; valid inside tests and hooks, after beforeAll. */
  readonly current: Emulator;
}

export function withEmulator(options: EmulatorOptions = {}): EmulatorHandle {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, webhookRetryScale: 0.001, ...options });
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return {
    get current(): Emulator {
      if (!emulator) throw new Error('the emulator is not running yet: use it inside a test or hook');
      return emulator;
    },
  };
}

export interface StripeForOptions {
  maxNetworkRetries?: number;
  stripeAccount?: string;
  timeout?: number;
}

/** A stripe-node client talking to the emulator over plain HTTP. */
export function stripeFor(emulator: Emulator, key: string = emulator.secretKey, options: StripeForOptions = {}): Stripe {
  return new Stripe(key, {
    host: emulator.host,
    port: emulator.port,
    protocol: 'http',
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    timeout: options.timeout ?? 10_000,
    ...(options.stripeAccount ? { stripeAccount: options.stripeAccount } : {}),
  });
}


/** Awaits a request that must fail and returns stripe-node's error for assertions. */
export async function expectStripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the request to fail');
}
