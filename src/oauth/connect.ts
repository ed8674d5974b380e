/**
 * The Connect OAuth flow behind `atom-stripe connect`: authorize in the browser, catch the redirect
 * on the loopback listener (or take a pasted code), exchange the code, read the account, store the
 * token. Secrets never leave this module except into the token store.
 */
import type Stripe from 'stripe';
import type { Context } from '../context.js';
import { AuthError, InterruptedError, UsageError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { isLiveKey } from '../stripe/client.js';
import { DecryptError, readOrUnreadable } from '../store/errors.js';
import type { TokenRecord, TokenStore } from '../store/types.js';
import {
  authorizeUrl,
  connectBase,
  describeOAuthError,
  newState,
  parsePasted,
  parseScope,
  resolveRedirectUri,
  SCOPES,
  type Scope,
} from './authorize.js';
import { openBrowser } from './browser.js';
import { businessName, oauthClient, platformSecret } from './client.js';
import { startCallbackListener, type CallbackListener } from './listener.js';
import { failurePage, successPage } from './pages.js';

export interface ConnectOptions {
  userId?: string;
  scope?: string;
  express: boolean;
  redirectUri?: string;
  port?: number;
  /** false with --no-browser */
  browser: boolean;
  timeoutSeconds: number;
  code?: string;
  force: boolean;
}

/** What `connect` prints: never a token. */
export interface ConnectResult {
  user_id: string;
  stripe_user_id: string;
  business_name: string | null;
  email: string | null;
  livemode: boolean;
  scope: string | null;
  replaced: boolean;
}

interface Settings {
  clientId?: string;
  clientSecret: string;
  scope: Scope;
}

/** Missing settings are asked for on a TTY; without one they are one usage error that lists them all. */
async function resolveSettings(options: ConnectOptions, ctx: Context): Promise<Settings> {
  let scope = options.scope === undefined ? undefined : parseScope(options.scope);
  let clientId = ctx.config.get('client_id');
  const secret = platformSecret(ctx);
  const needClientId = !clientId && options.code === undefined;
  const missing = [
    needClientId ? 'STRIPE_CLIENT_ID (or `atom-stripe config set client_id ca_...`)' : undefined,
    scope ? undefined : '--scope read_write|read_only',
    secret ? undefined : 'STRIPE_CLIENT_SECRET (the platform secret key)',
  ].filter((item): item is string => Boolean(item));
  if (missing.length && (!ctx.prompter.enabled || !secret)) {
    throw new UsageError(`missing ${missing.join(', ')}`, { hint: 'set them in the environment or the profile, or pass the flag' });
  }
  if (needClientId) {
    clientId = await ctx.prompter.input('Connect platform client id (ca_...):', {
      validate: (value) => (/^ca_[A-Za-z0-9]+$/.test(value.trim()) ? true : 'a client id starts with ca_'),
    });
    clientId = clientId.trim();
  }
  if (!scope) {
    scope = await ctx.prompter.select<Scope>('Scope to request:', SCOPES.map((value) => ({ name: value, value })));
  }
  return { clientId, clientSecret: secret!.secret, scope };
}

/** Refuses to replace an existing connection unless --force, --yes, or a yes at the prompt. */
/** The stored record of this name; one that does not decrypt is returned as its error, so --force can replace it. */
async function existingRecord(store: TokenStore, userId: string): Promise<TokenRecord | DecryptError | undefined> {
  const read = await readOrUnreadable(() => store.get(userId));
  return 'value' in read ? read.value : read.unreadable;
}

async function checkReplace(userId: string, existing: TokenRecord | DecryptError | undefined, options: ConnectOptions, ctx: Context): Promise<void> {
  if (!existing || options.force || ctx.globals.yes) return;
  const what =
    existing instanceof DecryptError
      ? `a connection named "${userId}" exists but does not decrypt (${existing.message})`
      : `a connection named "${userId}" already exists${existing.stripe_user_id ? ` (${existing.stripe_user_id})` : ''}`;
  if (!ctx.prompter.enabled) throw new UsageError(what, { hint: 'pass --force to replace it, or choose another --user-id' });
  if (!(await ctx.prompter.confirm(`${what[0].toUpperCase()}${what.slice(1)}. Replace it?`, false))) {
    throw new UsageError('cancelled; nothing was changed');
  }
}

interface Authorization {
  code: string;
  /** Answers the browser when the code came through the listener. */
  respond?: (status: number, html: string) => void;
}

/**
 * On a TTY, the user may paste the code or the redirect URL while the listener waits: whichever
 * comes first wins. @inquirer/prompts is called directly for its abort signal.
 */
async function pasteOrCallback(listener: CallbackListener | undefined, state: string, ctx: Context): Promise<Authorization> {
  if (!ctx.prompter.enabled) {
    if (!listener) throw new UsageError('no way to receive the authorization code without a terminal');
    const callback = await listener.result;
    return { code: callback.code, respond: callback.respond };
  }
  const controller = new AbortController();
  const abortPrompt = () => controller.abort();
  ctx.signal.addEventListener('abort', abortPrompt, { once: true });
  const { input } = await import('@inquirer/prompts');
  const prompt = input(
    { message: 'Waiting for the browser; or paste the code or the redirect URL here:', validate: (value) => (value.trim() ? true : 'paste the code or the URL') },
    { input: ctx.io.stdin as NodeJS.ReadableStream, output: ctx.io.stderr as NodeJS.WritableStream, signal: controller.signal, clearPromptOnDone: true },
  ).then(
    (text) => ({ pasted: text }),
    (error: Error) => {
      if (error.name === 'ExitPromptError') return { interrupted: true as const };
      return { aborted: true as const };
    },
  );
  // Without a listener only the paste can answer.
  const callback = (listener?.result ?? new Promise<never>(() => {})).then(
    (value) => ({ callback: value }),
    (error: Error) => ({ error }),
  );
  try {
    const first = await Promise.race([prompt, callback]);
    if ('callback' in first) return { code: first.callback.code, respond: first.callback.respond };
    if ('error' in first) throw first.error;
    if ('interrupted' in first) throw new InterruptedError();
    if ('aborted' in first) {
      // Aborted by Ctrl-C (the listener reports it) or by the callback winning.
      const outcome = await callback;
      if ('error' in outcome) throw outcome.error;
      return { code: outcome.callback.code, respond: outcome.callback.respond };
    }
    const pasted = parsePasted(first.pasted);
    if (pasted.error) throw new AuthError(describeOAuthError(pasted.error, pasted.errorDescription), { hint: 'run atom-stripe connect again and approve the request' });
    if (pasted.state !== undefined && pasted.state !== state) {
      throw new AuthError('the pasted redirect URL belongs to another sign-in (its state does not match)', { hint: 'paste the URL from this sign-in' });
    }
    if (!pasted.code) throw new UsageError('the pasted URL has no code', { hint: 'paste the whole redirect URL, or pass --code' });
    return { code: pasted.code };
  } finally {
    controller.abort();
    ctx.signal.removeEventListener('abort', abortPrompt);
  }
}

/** The listener takes plain http on the loopback interface; a redirect elsewhere never reaches it. */
function reachesListener(uri: URL): boolean {
  return uri.protocol === 'http:' && (['localhost', '[::1]'].includes(uri.hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(uri.hostname));
}

async function authorize(settings: Settings, options: ConnectOptions, ctx: Context, livemode: boolean): Promise<{ authorization: Authorization; listener?: CallbackListener }> {
  const redirectUri = resolveRedirectUri(options.redirectUri ?? ctx.config.get('redirect_uri'), options.port, livemode);
  const state = newState();
  const url = authorizeUrl({
    base: connectBase(ctx.config.get('connect_base'), ctx.config.get('api_base')),
    clientId: settings.clientId!,
    scope: settings.scope,
    state,
    redirectUri: redirectUri.toString(),
    express: options.express,
  });
  if (!reachesListener(redirectUri)) {
    // An https or remote redirect (live mode needs https): the browser lands on that page, and the
    // code is copied from its address. Waiting on a listener there would only time out.
    const opened = options.browser && ctx.prompter.enabled ? await openBrowser(url, ctx.env) : false;
    ctx.io.err(opened ? 'Opened the browser to authorize with Stripe. If it did not open, visit:' : 'To authorize with Stripe, open this URL in a browser:');
    ctx.io.err(`  ${url}`);
    const target = `${redirectUri.origin}${redirectUri.pathname}`;
    ctx.io.err(`Stripe redirects to ${target}, which this command cannot receive (its listener takes plain http on a loopback address only: 127.0.0.1, [::1] or localhost).`);
    if (!ctx.prompter.enabled) {
      throw new UsageError(`the redirect URI ${target} cannot reach this command's callback listener`, {
        hint: 'approve in the browser, then run atom-stripe connect --code with the code or the whole redirect URL',
      });
    }
    return { authorization: await pasteOrCallback(undefined, state, ctx) };
  }
  const listener = await startCallbackListener({
    redirectUri,
    state,
    timeoutMs: options.timeoutSeconds * 1000,
    signal: ctx.signal,
    log: ctx.log,
    onRejected: (reason) => ctx.io.err(`warning: ${reason}; still waiting`),
  });
  try {
    const opened = options.browser ? await openBrowser(url, ctx.env) : false;
    ctx.io.err(opened ? 'Opened the browser to authorize with Stripe. If it did not open, visit:' : 'To authorize with Stripe, open this URL in a browser:');
    ctx.io.err(`  ${url}`);
    ctx.io.err(`Waiting for the redirect on ${listener.url} (up to ${options.timeoutSeconds} s; Ctrl-C to cancel).`);
    ctx.log.info('oauth.authorize', { url: url.replace(/state=[^&]+/, 'state=****'), opened });
    return { authorization: await pasteOrCallback(listener, state, ctx), listener };
  } catch (error) {
    await listener.close();
    throw error;
  }
}

export async function connectAccount(options: ConnectOptions, ctx: Context): Promise<ConnectResult> {
  if (options.userId !== undefined && options.userId.trim() === '') throw new UsageError('--user-id must not be empty');
  const settings = await resolveSettings(options, ctx);
  const livemode = isLiveKey(settings.clientSecret);
  const store = await ctx.tokens();
  if (options.userId) await checkReplace(options.userId, await existingRecord(store, options.userId), options, ctx);

  let listener: CallbackListener | undefined;
  let authorization: Authorization;
  if (options.code !== undefined) {
    const pasted = parsePasted(options.code);
    if (pasted.error) throw new AuthError(describeOAuthError(pasted.error, pasted.errorDescription));
    if (!pasted.code) throw new UsageError('--code has no authorization code in it', { hint: 'pass the ac_... code or the whole redirect URL' });
    authorization = { code: pasted.code };
  } else {
    ({ authorization, listener } = await authorize(settings, options, ctx, livemode));
  }
  registerSecret(authorization.code);

  try {
    const result = await exchangeAndStore(authorization.code, settings, options, ctx);
    authorization.respond?.(200, successPage(`${result.business_name ?? result.stripe_user_id} is connected as "${result.user_id}".`));
    return result;
  } catch (error) {
    authorization.respond?.(400, failurePage('Connecting the account failed.'));
    throw error;
  } finally {
    await listener?.close();
  }
}

async function exchangeAndStore(code: string, settings: Settings, options: ConnectOptions, ctx: Context): Promise<ConnectResult> {
  const stripe = await oauthClient(ctx, settings.clientSecret);
  const spinner = await ctx.io.spinner('Exchanging the authorization code');
  let token: Stripe.OAuthToken;
  try {
    // client_secret is also the request's key; Stripe accepts either, the emulator checks both.
    token = await stripe.oauth.token({ grant_type: 'authorization_code', code, client_secret: settings.clientSecret } as Stripe.OAuthTokenParams);
  } catch (error) {
    spinner.fail('The code exchange failed');
    throw error;
  }
  if (!token.access_token || !token.stripe_user_id) {
    spinner.fail();
    throw new AuthError('Stripe returned no access token for the code', { hint: 'run atom-stripe connect again' });
  }
  registerSecret(token.access_token);
  registerSecret(token.refresh_token);
  spinner.update('Reading the connected account');
  let account: Stripe.Account | undefined;
  try {
    account = await stripe.accounts.retrieve(null, {}, { apiKey: token.access_token });
  } catch (error) {
    // The token is stored anyway: a fresh code cannot be exchanged twice, so losing it means reconnecting.
    ctx.log.warn('oauth.account.failed', { stripe_user_id: token.stripe_user_id, error: String(error) });
    ctx.io.err(`warning: could not read account ${token.stripe_user_id}; storing the token without its name`);
  }

  const store = await ctx.tokens();
  const userId = options.userId ?? token.stripe_user_id;
  const existing = await existingRecord(store, userId);
  if (!options.userId && existing && (existing instanceof DecryptError || existing.stripe_user_id !== token.stripe_user_id)) {
    // The default name collides with an unrelated record; only an explicit --force may replace it.
    await checkReplace(userId, existing, options, ctx);
  }
  const now = ctx.now().toISOString();
  const record = await store.put({
    user_id: userId,
    access_token: token.access_token,
    refresh_token: token.refresh_token ?? null,
    token_type: token.token_type ?? 'bearer',
    stripe_user_id: token.stripe_user_id,
    stripe_publishable_key: token.stripe_publishable_key ?? null,
    scope: token.scope ?? settings.scope,
    livemode: token.livemode ?? false,
    status: 'active',
    last_verified_at: account ? now : null,
    last_refreshed_at: null,
    last_error: null,
  });
  spinner.succeed(`Connected ${token.stripe_user_id}`);
  ctx.log.info('oauth.connected', { user_id: record.user_id, stripe_user_id: record.stripe_user_id, livemode: record.livemode, scope: record.scope, replaced: Boolean(existing) });
  return {
    user_id: record.user_id,
    stripe_user_id: token.stripe_user_id,
    business_name: account ? businessName(account) : null,
    email: account?.email ?? null,
    livemode: record.livemode,
    scope: record.scope,
    replaced: Boolean(existing),
  };
}
