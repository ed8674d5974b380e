/**
 * Loads stripe-node. `npm run build` bundles it into dist/vendor/stripe.cjs with esbuild (one
 * minified file): the package is ~1,000 small ES modules, and resolving them costs a command 3-4x
 * more start-up time than parsing one file. The bundle is the same code; without it (a build that
 * skipped the step, or tests running the TypeScript sources), the package itself is loaded.
 * bin/atom-stripe normally runs dist/bundle/main.cjs, which holds this file too (see
 * bin/build-bundle.mjs), so there stripe-node is compiled from the binary's code cache.
 */
import type StripeDefault from 'stripe';

export type StripeConstructor = typeof StripeDefault;

let loaded: Promise<StripeConstructor> | undefined;

export function loadStripe(): Promise<StripeConstructor> {
  loaded ??= (async () => {
    const vendored: string = '../vendor/stripe.cjs';
    try {
      // A CommonJS file: its module.exports is the namespace's default, and holds stripe-node's own default.
      const { default: exported } = (await import(vendored)) as { default: { default: StripeConstructor } };
      return exported.default;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      return (await import('stripe')).default;
    }
  })();
  return loaded;
}
