/**
 * Loads stripe-node. `npm run build` bundles it into dist/vendor/stripe.js with esbuild: the package
 * is ~1,000 small ES modules, and resolving them costs a command 3-4x more start-up time than
 * parsing one file. The bundle is the same code; without it (a build that skipped the step), the
 * package itself is loaded.
 */
import type StripeDefault from 'stripe';

export type StripeConstructor = typeof StripeDefault;

let loaded: Promise<StripeConstructor> | undefined;

export function loadStripe(): Promise<StripeConstructor> {
  loaded ??= (async () => {
    const vendored: string = '../vendor/stripe.js';
    try {
      return ((await import(vendored)) as { default: StripeConstructor }).default;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      return (await import('stripe')).default;
    }
  })();
  return loaded;
}
