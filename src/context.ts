/**
 * The per-run Context: IO, config, log, clock, the Stripe client factory, the token and event
 * stores and the prompter. Built once per run by src/cli.ts; tests build the same thing with buffers, a fixed clock
 * and the emulator's address (test/helpers/context.ts).
 */
import type Stripe from 'stripe';
import { resolveConfig, type Config } from './config/resolve.js';
import type { Env } from './config/paths.js';
import { checkedSetting } from './config/settings.js';
import { AuthError, NotFoundError, UsageError } from './errors.js';
import { parseFields, parseFormat, type OutputOptions } from './io/output.js';
import { createPrompter, type Prompter } from './io/prompts.js';
import type { IO } from './io/streams.js';
import { fileLogger, type Logger } from './log.js';
import { maskSecret, registerSecret } from './redact.js';
import type { TokenRecord, TokenStore } from './store/types.js';
import { isLiveKey, requestLine, type StripeClientOptions } from './stripe/client.js';
import { createWriteSession, type WriteSession } from './stripe/writes.js';
import type { EventStoreOptions } from './webhooks/open.js';
import type { EventStore } from './webhooks/types.js';

export interface GlobalOptions {
  profile?: string;
  apiKey?: string;
  apiBase?: string;
  account?: string;
  store?: string;
  databaseUrl?: string;
  poolSize?: string;
  format?: string;
  json?: boolean;
  fields?: string;
  /** commander's --no-color sets color to false */
  color?: boolean;
  verbose?: boolean;
  debug?: boolean;
  yes?: boolean;
  live?: boolean;
  idempotencyKey?: string;
  /** Do not reuse an interrupted run's idempotency key (see stripe/writes.ts). */
  newRequest?: boolean;
}

export interface StripeRequest {
  /** A write: the live-mode guard applies. */
  write?: boolean;
  /** Overrides --account: a user id of a stored connection, or acct_...; null for the platform itself. */
  account?: string | null;
}

export interface Context {
  io: IO;
  env: Env;
  cwd: string;
  globals: GlobalOptions;
  config: Config;
  log: Logger;
  now(): Date;
  signal: AbortSignal;
  output: OutputOptions;
  prompter: Prompter;
  /** A Stripe client for the platform key, or for --account's connection. */
  stripe(request?: StripeRequest): Promise<Stripe>;
  /** The chosen token store, opened once. */
  tokens(): Promise<TokenStore>;
  /**
   * The webhook event store, where the token store lives (webhooks/open.ts); opened once per
   * writer-thread mode (`webhook listen` and `webhook replay` commit on one), closed with the Context.
   */
  events(options?: EventStoreOptions): Promise<EventStore>;
  /** A line on stderr with --verbose. */
  verbose(line: string): void;
  /**
   * The key for a write: --idempotency-key, or the run's own (an interrupted identical run's, when
   * the journal has one); scoped for commands that send several writes (`key:price`).
   */
  idempotencyKey(scope?: string): string;
  /** The run's writes and their keys, for the retry advice on exit 5. */
  readonly writes: WriteSession;
  /** Asks before a destructive change on a TTY; requires --yes without one. */
  confirm(message: string): Promise<void>;
  onClose(close: () => Promise<void> | void): void;
  /** Closes the stores; `exitCode` settles the write journal (kept on 5 and 130). */
  close(exitCode?: number): Promise<void>;
}

export interface Runtime {
  env: Env;
  cwd: string;
  io: IO;
  now: () => Date;
  signal: AbortSignal;
  /** The command path, for log lines (`customers list`). */
  command?: string;
  /** Called when a command reads ctx.signal: it takes charge of stopping on Ctrl-C (see main.ts). */
  onSignalUsed?: () => void;
  logger?: Logger;
}

export function createContext(runtime: Runtime, globals: GlobalOptions): Context {
  const config = resolveConfig({
    env: runtime.env,
    cwd: runtime.cwd,
    profile: globals.profile,
    flags: {
      api_key: globals.apiKey,
      api_base: globals.apiBase,
      account: globals.account,
      store: globals.store,
      database_url: globals.databaseUrl,
      pool_size: globals.poolSize,
    },
  });
  const log = runtime.logger ?? fileLogger({ file: config.paths.logFile, now: runtime.now, command: runtime.command });
  const closers: Array<() => Promise<void> | void> = [];
  const clients = new Map<string, Stripe>();
  let tokenStore: Promise<TokenStore> | undefined;
  const eventStores = new Map<string, Promise<EventStore>>();
  const output: OutputOptions = { format: parseFormat(globals.format, globals.json), fields: parseFields(globals.fields) };
  // Made on first use: a prompter holds stdin, and opening stdin costs every command a few ms.
  let prompter: Prompter | undefined;
  /** Writes started from event handlers, awaited before the stores close. */
  const pending: Array<Promise<void>> = [];
  const writes = createWriteSession({
    explicitKey: globals.idempotencyKey || undefined,
    newRequest: globals.newRequest,
    profile: config.profile,
    stateDir: config.paths.stateDir,
    now: runtime.now,
    err: (line) => runtime.io.err(line),
    log,
  });

  /** Stripe said 401 to a stored token: the account revoked it. Later runs refuse it with exit 4. */
  const markNeedsReconnect = async (connection: TokenRecord) => {
    try {
      const store = await ctx.tokens();
      await store.update(connection.user_id, connection.version, {
        status: 'needs_reconnect',
        last_error: 'Stripe answered 401: the token was revoked or expired',
      });
      log.warn('token.needs_reconnect', { user_id: connection.user_id });
    } catch (error) {
      log.warn('token.mark_failed', { user_id: connection.user_id, error: String(error) });
    }
  };

  const ctx: Context = {
    io: runtime.io,
    env: runtime.env,
    cwd: runtime.cwd,
    globals,
    config,
    log,
    now: runtime.now,
    // A command that reads the signal promises to stop on it (listeners drain and return); any
    // other command is ended at once by Ctrl-C. See installSignalHandlers in main.ts.
    get signal() {
      runtime.onSignalUsed?.();
      return runtime.signal;
    },
    output,
    get prompter() {
      return (prompter ??= createPrompter(runtime.io));
    },
    verbose(line) {
      if (globals.verbose || globals.debug) runtime.io.err(line);
    },
    idempotencyKey: (scope) => writes.keyFor(scope),
    writes,
    async confirm(message) {
      if (globals.yes) return;
      if (!ctx.prompter.enabled) {
        throw new UsageError(`${message.replace(/\?$/, '')}: refusing without confirmation`, { hint: 'pass --yes' });
      }
      if (!(await ctx.prompter.confirm(message, false))) throw new UsageError('cancelled; nothing was changed');
    },
    tokens() {
      tokenStore ??= (async () => {
        const { configuredPoolSize, openTokenStore, storeOptionsFrom } = await import('./store/index.js');
        const store = await openTokenStore({ ...storeOptionsFrom(ctx), poolSize: configuredPoolSize(config) });
        closers.push(() => store.close());
        return store;
      })();
      return tokenStore;
    },
    events(options = {}) {
      const mode = String(options.writerThread ?? false);
      let store = eventStores.get(mode);
      if (!store) {
        store = (async () => {
          const { eventStoreLocation, openEventStoreAt } = await import('./webhooks/open.js');
          const opened = await openEventStoreAt(eventStoreLocation(ctx), options);
          closers.push(() => opened.close());
          return opened;
        })();
        eventStores.set(mode, store);
      }
      return store;
    },
    async stripe(request = {}) {
      const account = request.account === undefined ? config.get('account') : request.account ?? undefined;
      let apiKey = config.get('api_key');
      let stripeAccount: string | undefined;
      let livemode: boolean | undefined;
      let connection: TokenRecord | undefined;
      if (account) {
        // A stored connection is used with its own token: by user id, or by its acct_ id. An acct_ id
        // with no stored token acts through the platform key and the Stripe-Account header.
        const store = await ctx.tokens();
        connection = account.startsWith('acct_')
          ? (await store.list({ onUnreadable: () => {} })).find((record) => record.stripe_user_id === account)
          : await store.get(account);
        if (!connection && !account.startsWith('acct_')) {
          throw new NotFoundError(`no connection named "${account}" in profile ${config.profile}`, {
            hint: `run atom-stripe connect --user-id ${account}`,
          });
        }
        if (!connection) stripeAccount = account;
      }
      if (connection) {
        if (connection.status !== 'active') {
          throw new AuthError(`connection "${connection.user_id}" is ${connection.status}`, {
            hint: `run atom-stripe connect --user-id ${connection.user_id} to reconnect`,
          });
        }
        registerSecret(connection.access_token);
        apiKey = connection.access_token;
        livemode = connection.livemode;
      }
      if (!apiKey) {
        throw new UsageError('no Stripe API key', {
          hint: 'set STRIPE_API_KEY, pass --api-key, or run `atom-stripe config set api_key` (try `atom-stripe emulator` for an offline key)',
        });
      }
      if (request.write && (livemode ?? isLiveKey(apiKey)) && !globals.live) {
        throw new UsageError(`this write would use a live-mode key (${maskSecret(apiKey)})`, {
          hint: 'pass --live to confirm, or use a test key',
        });
      }
      const cacheKey = `${apiKey}|${stripeAccount ?? ''}`;
      const cached = clients.get(cacheKey);
      if (cached) return cached;
      const { createStripeClient } = await import('./stripe/client.js');
      const options: StripeClientOptions = {
        apiKey,
        apiBase: config.get('api_base'),
        stripeAccount,
        timeoutMs: Number(checkedSetting(config, 'timeout')),
        maxNetworkRetries: Number(checkedSetting(config, 'max_network_retries')),
        env: runtime.env,
        chooseKey: (attempt) => writes.resolve(attempt, account ?? ''),
        onResponse: (event) => {
          if (event.status === 401 && connection) pending.push(markNeedsReconnect(connection));
          ctx.verbose(requestLine(event));
          log.info('stripe.request', { ...event });
        },
      };
      const client = await createStripeClient(options);
      clients.set(cacheKey, client);
      return client;
    },
    onClose(close) {
      closers.push(close);
    },
    async close(exitCode = 0) {
      writes.settle(exitCode);
      await Promise.all(pending.splice(0));
      for (const close of closers.splice(0).reverse()) {
        try {
          await close();
        } catch (error) {
          log.warn('close.failed', { error: String(error) });
        }
      }
    },
  };
  return ctx;
}

/** A per-run unique id, for logs and smoke-test tags. */
// globalThis.crypto, not node:crypto: loading that module costs every command's start a few ms.
export const runId = () => globalThis.crypto.randomUUID();
