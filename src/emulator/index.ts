/**
 * A stateful emulator of the part of Stripe's API that atom-stripe uses, faithful enough on the
 * wire that an unmodified stripe-node client (host/port/protocol) works against it. Started in-process
 * by tests on port 0, and by `atom-stripe emulator` for offline use.
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator } from './auth.js';
import { createControl, type EmulatorControl } from './control.js';
import { Engine, SYSTEM_SCOPE, type Keys } from './engine.js';
import { FaultInjector } from './faults.js';
import { IdempotencyStore } from './idempotency.js';
import { newId, newSecret } from './ids.js';
import { OAuthProvider } from './oauth.js';
import { RequestLog } from './requests.js';
import { registerResources } from './resources/index.js';
import { Router } from './router.js';
import { seed, type SeedOptions } from './seed.js';
import { createRequestHandler } from './server.js';
import { openSqlitePersistence } from './sqlite.js';
import { Store } from './store.js';
import { WebhookDispatcher } from './webhooks.js';

export type { EmulatorControl, ConnectedAccountInput, OAuthApprovalInput } from './control.js';
export type { FaultSpec } from './faults.js';
export type { RequestStats, RequestRecord, IdempotencyKeyStats } from './requests.js';
export type { DeliveryAttempt } from './webhooks.js';
export type { SeedOptions, SeedResult } from './seed.js';
export { signatureHeader } from './webhooks.js';

export const DEFAULT_REDIRECT_URIS = ['http://127.0.0.1:8789/callback', 'http://localhost:8789/callback'];

export interface EmulatorOptions {
  /** Interface to bind; 127.0.0.1 unless asked otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Keep state in this SQLite file (survives restarts, keeps the same keys); in memory when unset. */
  dataFile?: string;
  /** Delay every API request by this many milliseconds. */
  latencyMs?: number;
  /** Fraction (0–1) of API requests answered with a 500. */
  failRate?: number;
  /** Bulk data created at start, e.g. `{ customers: 100_000 }`. */
  seed?: SeedOptions;
  /** Multiplies the webhook retry schedule (minutes to hours); 0.001 makes it milliseconds for tests. */
  webhookRetryScale?: number;
  /** The Connect platform's client id (ca_…); generated when unset. */
  clientId?: string;
  /** Redirect URIs registered for the client id; OAuth refuses any other. */
  redirectUris?: string[];
  /** Further secret keys accepted as the platform's (sk_test_…, rk_test_…, sk_live_…). */
  apiKeys?: string[];
  /** Every refresh_token grant answers a new refresh token and revokes the one it used, as Stripe may. */
  rotateRefreshTokens?: boolean;
  /** Aborting it closes the emulator. */
  signal?: AbortSignal;
  /** The clock; tests inject a fixed one. */
  now?: () => Date;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT`: the API base for atom-stripe's --api-base. */
  url: string;
  host: string;
  port: number;
  /** The platform's test secret key. */
  secretKey: string;
  /** The platform's live secret key: objects it creates have livemode true. */
  liveKey: string;
  publishableKey: string;
  clientId: string;
  redirectUris: string[];
  platformAccountId: string;
  control: EmulatorControl;
  /** Stops accepting requests, cancels webhook retries, drains deliveries and closes the data file. */
  close(): Promise<void>;
}

/** Keys survive a restart with a data file, so a client configured once keeps working. */
function loadOrCreateKeys(store: Store, clientId: string | undefined): Keys {
  const saved = store.getMeta('keys');
  const keys: Keys = saved
    ? (JSON.parse(saved) as Keys)
    : {
        platformAccountId: newId('acct', 16),
        secretKey: newSecret('sk_test_', 48),
        liveKey: newSecret('sk_live_', 48),
        publishableKey: newSecret('pk_test_', 48),
        livePublishableKey: newSecret('pk_live_', 48),
        clientId: newSecret('ca_', 32),
      };
  if (clientId) keys.clientId = clientId;
  store.setMeta('keys', JSON.stringify(keys));
  return keys;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const persistence = options.dataFile ? await openSqlitePersistence(options.dataFile) : undefined;
  const store = new Store(persistence);
  const keys = loadOrCreateKeys(store, options.clientId);
  const clock = options.now ?? (() => new Date());
  const engine = new Engine(store, keys, clock);
  if (!engine.account(keys.platformAccountId)) {
    store.insert(SYSTEM_SCOPE, 'account', {
      id: keys.platformAccountId,
      object: 'account',
      business_profile: { mcc: null, name: 'Emulator Platform', support_email: 'platform@example.com', support_phone: null, support_url: null, url: null },
      created: engine.unixNow(),
      email: 'platform@example.com',
      settings: { dashboard: { display_name: 'Emulator Platform', timezone: 'Etc/UTC' } },
      _connected: false,
      _publishableKey: keys.publishableKey,
    });
  }

  const redirectUris = options.redirectUris?.length ? options.redirectUris : DEFAULT_REDIRECT_URIS;
  const authenticator = new Authenticator(engine, options.apiKeys);
  const faults = new FaultInjector({ latencyMs: options.latencyMs, failRate: options.failRate });
  const requestLog = new RequestLog();
  const oauth = new OAuthProvider(engine, keys.clientId, redirectUris, (key) => authenticator.isPlatformSecret(key), {
    rotateRefreshTokens: options.rotateRefreshTokens,
  });
  const webhooks = new WebhookDispatcher(engine, { retryScale: options.webhookRetryScale ?? 1, wallClock: clock });
  const control = createControl({ engine, faults, requestLog, oauth, webhooks });
  if (options.seed) seed(engine, options.seed);

  const shutdown = new AbortController();
  // Every delayed request (--latency) listens for shutdown while it waits; hundreds at once are normal.
  setMaxListeners(0, shutdown.signal);
  let url = '';
  const server = http.createServer(
    createRequestHandler({
      engine,
      authenticator,
      router: registerResources(new Router()),
      idempotency: new IdempotencyStore(store, () => engine.unixNow()),
      faults,
      requestLog,
      oauth,
      control,
      baseUrl: () => url,
      signal: shutdown.signal,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      shutdown.abort();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await webhooks.close();
      server.closeAllConnections();
      await stopped;
      store.close();
    })();
    return closing;
  };
  if (options.signal) {
    if (options.signal.aborted) await close();
    else options.signal.addEventListener('abort', () => void close(), { once: true });
  }

  return {
    url,
    host,
    port,
    secretKey: keys.secretKey,
    liveKey: keys.liveKey,
    publishableKey: keys.publishableKey,
    clientId: keys.clientId,
    redirectUris,
    platformAccountId: keys.platformAccountId,
    control,
    close,
  };
}
