/**
 * The stripe-node client for OAuth calls. OAuth authenticates with the platform's secret key (the
 * `client_secret`), which may differ from the `api_key` a profile uses for API commands, so this
 * builds its own client with the same factory, hooks and API base as ctx.stripe().
 * stripe-node sends /oauth/token and /oauth/deauthorize to the configured host when one is set
 * (the emulator); otherwise to connect.stripe.com.
 */
import type Stripe from 'stripe';
import type { Context } from '../context.js';
import { checkedSetting } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { registerSecret } from '../redact.js';

export interface PlatformSecret {
  secret: string;
  /** Which setting it came from, for messages. */
  source: 'client_secret' | 'api_key';
}

/** STRIPE_CLIENT_SECRET, or the profile's own secret key when it is the platform's. */
export function platformSecret(ctx: Context): PlatformSecret | undefined {
  const clientSecret = ctx.config.get('client_secret');
  if (clientSecret) return { secret: clientSecret, source: 'client_secret' };
  const apiKey = ctx.config.get('api_key');
  if (apiKey && /^sk_/.test(apiKey)) return { secret: apiKey, source: 'api_key' };
  return undefined;
}

export function requirePlatformSecret(ctx: Context): PlatformSecret {
  const found = platformSecret(ctx);
  if (!found) {
    throw new UsageError('missing setting: STRIPE_CLIENT_SECRET (the Connect platform secret key)', {
      hint: 'export STRIPE_CLIENT_SECRET=sk_..., or run `atom-stripe config set client_secret sk_...`',
    });
  }
  return found;
}

export interface OAuthClientOptions {
  /** Overrides the max_network_retries setting (token refresh does its own 429 back-off). */
  maxNetworkRetries?: number;
  /** Log every request (default). Token refresh logs them only with --verbose: 1,000 lines a run is noise. */
  logRequests?: boolean;
}

export async function oauthClient(ctx: Context, secret: string, options: OAuthClientOptions = {}): Promise<Stripe> {
  registerSecret(secret);
  const { createStripeClient, requestLine } = await import('../stripe/client.js');
  return createStripeClient({
    apiKey: secret,
    apiBase: ctx.config.get('api_base'),
    timeoutMs: Number(checkedSetting(ctx.config, 'timeout')),
    maxNetworkRetries: options.maxNetworkRetries ?? Number(checkedSetting(ctx.config, 'max_network_retries')),
    env: ctx.env,
    onResponse: (event) => {
      ctx.verbose(requestLine(event));
      if (options.logRequests !== false) ctx.log.debug('stripe.request', { ...event });
    },
  });
}

/** The connected account's display name: business profile, then dashboard, then company. */
export function businessName(account: Stripe.Account): string | null {
  return account.business_profile?.name || account.settings?.dashboard?.display_name || account.company?.name || null;
}
