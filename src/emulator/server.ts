/**
 * The HTTP front: every response gets a Request-Id; requests are counted, delayed and faulted as
 * configured; then routed to the control surface, Connect OAuth, or the API pipeline
 * (authenticate → idempotency → handler → expand → respond).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { keyFromHeaders, maskKey, type Authenticator } from './auth.js';
import { handleControlRequest, type EmulatorControl } from './control.js';
import { API_VERSION, type ApiContext, type Engine } from './engine.js';
import { ApiError, idempotencyKeyInUse, internalError, invalidRequest, permissionDenied, rateLimited, unrecognizedUrl } from './errors.js';
import { applyExpansions } from './expand.js';
import type { FaultInjector } from './faults.js';
import { parseForm, type FormObject } from './form.js';
import { fingerprint, isReplayable, type IdempotencyStore } from './idempotency.js';
import { newId } from './ids.js';
import { OAuthError, type OAuthProvider, type OAuthResponse } from './oauth.js';
import type { RequestLog, RequestRecord } from './requests.js';
import type { Router } from './router.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerDeps {
  engine: Engine;
  authenticator: Authenticator;
  router: Router;
  idempotency: IdempotencyStore;
  faults: FaultInjector;
  requestLog: RequestLog;
  oauth: OAuthProvider;
  control: EmulatorControl;
  baseUrl: () => string;
  /** Aborted when the emulator closes, so delayed requests stop waiting. */
  signal: AbortSignal;
}

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(invalidRequest('Request body is too large.'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseParams(text: string): FormObject {
  try {
    return parseForm(text);
  } catch {
    throw invalidRequest('Invalid request: the body or query string is not valid form encoding.');
  }
}

function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, body: `${JSON.stringify(value, null, 2)}\n`, headers };
}

export function createRequestHandler(deps: ServerDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const { engine, faults, requestLog } = deps;

  const errorReply = (error: ApiError, requestId: string): Reply =>
    json(error.status, error.toBody(`${deps.baseUrl()}/_emulator/requests/${requestId}`), error.headers);

  function api(request: IncomingMessage, url: URL, body: string, requestId: string, idempotencyKey: string | undefined): Reply & { account?: string; replayed?: boolean } {
    const method = request.method ?? 'GET';
    const params = method === 'POST' ? { ...parseParams(url.search.slice(1)), ...parseParams(body) } : parseParams(url.search.slice(1));
    const caller = deps.authenticator.authenticate(request.headers);
    if (caller.readOnly && method !== 'GET') {
      const key = keyFromHeaders(request.headers)!;
      throw permissionDenied(`The provided key '${maskKey(key)}' does not have the required permissions for this endpoint on account '${caller.accountId}'. This key was granted read_only access.`);
    }
    const match = deps.router.match(method, url.pathname);
    if (!match) throw unrecognizedUrl(method, url.pathname);

    const idempotent = method === 'POST' && idempotencyKey !== undefined;
    const requestFingerprint = idempotent ? fingerprint(method, url.pathname, params) : '';
    if (idempotent) {
      const saved = deps.idempotency.lookup(caller.scope, idempotencyKey, requestFingerprint);
      if (saved) {
        requestLog.executed(idempotencyKey, true);
        return { status: saved.status, body: saved.body, headers: { 'Idempotent-Replayed': 'true', 'Original-Request': saved.requestId }, account: caller.accountId, replayed: true };
      }
    }
    requestLog.executed(idempotencyKey, false);
    const ctx: ApiContext = { ...caller, engine, params, path: match.path, requestId, idempotencyKey };
    // An ApiError can follow writes (a declined card records a failed charge), so it must not
    // roll back the SQLite transaction: it is caught inside the batch and rendered after it.
    const outcome = engine.store.batch(() => {
      try {
        return { result: match.handler(ctx) };
      } catch (error) {
        if (error instanceof ApiError) return { error };
        throw error;
      }
    });
    let reply: Reply;
    try {
      if (outcome.error) throw outcome.error;
      const expand = Array.isArray(params.expand) ? params.expand.filter((entry): entry is string => typeof entry === 'string') : [];
      reply = json(200, expand.length ? applyExpansions(engine, caller.scope, outcome.result, expand) : outcome.result);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      reply = errorReply(error, requestId);
    }
    if (idempotent && isReplayable(reply.status)) {
      deps.idempotency.save(caller.scope, idempotencyKey, requestFingerprint, { status: reply.status, body: reply.body, requestId });
    }
    return { ...reply, account: caller.accountId };
  }

  /**
   * The OAuth endpoints with Stripe's idempotency: a POST with an Idempotency-Key made by the
   * platform replays the first response for the same parameters (a refresh_token grant retried
   * after a crash gets the same new tokens instead of invalid_grant), and the same key with other
   * parameters is an idempotency_error. Keys are per platform account, shared with /v1 as at Stripe.
   */
  function oauth(request: IncomingMessage, url: URL, body: string, requestId: string, idempotencyKey: string | undefined): Reply & { replayed?: boolean } {
    const method = request.method ?? 'GET';
    const params = { ...parseParams(url.search.slice(1)), ...parseParams(body) };
    const bearer = keyFromHeaders(request.headers);
    const platformKey = [bearer, params.client_secret].find((key): key is string => typeof key === 'string' && deps.authenticator.isPlatformSecret(key));
    if (method !== 'POST' || idempotencyKey === undefined || platformKey === undefined) return runOAuth(request, url, params, bearer);
    const scope = deps.authenticator.authenticate({ authorization: `Bearer ${platformKey}` }).scope;
    const requestFingerprint = fingerprint(method, url.pathname, params);
    const saved = deps.idempotency.lookup(scope, idempotencyKey, requestFingerprint);
    if (saved) {
      requestLog.executed(idempotencyKey, true);
      return { status: saved.status, body: saved.body, headers: { 'Idempotent-Replayed': 'true', 'Original-Request': saved.requestId }, replayed: true };
    }
    requestLog.executed(idempotencyKey, false);
    const reply = runOAuth(request, url, params, bearer);
    if (isReplayable(reply.status)) deps.idempotency.save(scope, idempotencyKey, requestFingerprint, { status: reply.status, body: reply.body, requestId });
    return reply;
  }

  function runOAuth(request: IncomingMessage, url: URL, params: FormObject, bearer: string | undefined): Reply {
    const method = request.method ?? 'GET';
    let result: OAuthResponse;
    try {
      if (/^\/(express\/)?oauth\/authorize$/.test(url.pathname) && (method === 'GET' || method === 'POST')) result = deps.oauth.authorize(params);
      else if (url.pathname === '/oauth/token' && method === 'POST') result = deps.oauth.token(params, bearer);
      else if (url.pathname === '/oauth/deauthorize' && method === 'POST') result = deps.oauth.deauthorize(params, bearer);
      else result = { kind: 'json', status: 404, body: { error: 'invalid_request', error_description: `Unrecognized request URL (${method}: ${url.pathname})` } };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      result = { kind: 'json', status: error.status, body: error.toBody() };
    }
    if (result.kind === 'redirect') return { status: 302, body: '', headers: { Location: result.location } };
    if (result.kind === 'html') return { status: result.status, body: result.body, headers: { 'Content-Type': 'text/html; charset=utf-8' } };
    return json(result.status, result.body);
  }

  async function control(request: IncomingMessage, url: URL, body: string, requestId: string): Promise<Reply> {
    if (!deps.authenticator.isPlatformSecret(keyFromHeaders(request.headers))) {
      return errorReply(new ApiError(401, 'invalid_request_error', 'The control endpoints need the platform secret key: Authorization: Bearer sk_test_…'), requestId);
    }
    let fields: Record<string, unknown> = {};
    if (body.trim()) {
      const isJson = (header(request, 'content-type') ?? '').includes('json');
      try {
        fields = isJson ? (JSON.parse(body) as Record<string, unknown>) : parseParams(body);
      } catch {
        return json(400, { error: { type: 'invalid_request_error', message: 'The body is not valid JSON.' } });
      }
    }
    const result = await handleControlRequest(deps.control, request.method ?? 'GET', url.pathname, url.searchParams, fields);
    return json(result.status, result.body);
  }

  const inFlight = new Set<string>();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const requestId = newId('req', 14);
    const url = new URL(request.url ?? '/', 'http://emulator.invalid');
    const idempotencyKey = header(request, 'idempotency-key');
    const stripeAccount = header(request, 'stripe-account');
    response.setHeader('Request-Id', requestId);
    response.setHeader('Stripe-Version', header(request, 'stripe-version') ?? API_VERSION);
    if (idempotencyKey) response.setHeader('Idempotency-Key', idempotencyKey);
    if (stripeAccount) response.setHeader('Stripe-Account', stripeAccount);

    const send = (reply: Reply) => {
      response.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
      response.end(reply.body);
    };

    if (url.pathname.startsWith('/_emulator/')) {
      send(await control(request, url, await readBody(request), requestId));
      return;
    }

    requestLog.arrived(method, url.pathname, idempotencyKey);
    const record: RequestRecord = { id: requestId, method, path: url.pathname, status: 0, idempotencyKey, replayed: false, at: engine.now().toISOString() };
    // As Stripe: while a request with an idempotency key runs, another with the same key (same
    // credentials, same account) gets a 409 instead of waiting for it or running twice.
    const flight = idempotencyKey && method === 'POST' ? `${header(request, 'authorization')}|${stripeAccount ?? ''}|${idempotencyKey}` : undefined;
    if (flight && inFlight.has(flight)) {
      const error = idempotencyKeyInUse(idempotencyKey);
      record.status = error.status;
      send(errorReply(error, requestId));
      requestLog.finished(record);
      return;
    }
    if (flight) inFlight.add(flight);
    try {
      if (faults.latencyMs > 0) await delay(faults.latencyMs, undefined, { signal: deps.signal });
      const fault = faults.next(method, url.pathname);
      if (fault?.kind === 'drop') {
        record.fault = 'drop';
        request.socket.destroy();
        return;
      }
      if (fault) {
        record.fault = String(fault.status);
        const error = fault.status === 429 ? rateLimited() : fault.status === 409 ? idempotencyKeyInUse(idempotencyKey) : internalError();
        record.status = error.status;
        send(errorReply(error, requestId));
        return;
      }
      const body = await readBody(request);
      let reply: Reply & { account?: string; replayed?: boolean };
      if (url.pathname.startsWith('/v1/')) {
        try {
          reply = api(request, url, body, requestId, idempotencyKey);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          reply = errorReply(error, requestId);
        }
      } else if (url.pathname.startsWith('/oauth/') || url.pathname.startsWith('/express/oauth/')) {
        try {
          reply = oauth(request, url, body, requestId, idempotencyKey);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          reply = errorReply(error, requestId);
        }
      } else {
        reply = errorReply(unrecognizedUrl(method, url.pathname), requestId);
      }
      record.status = reply.status;
      record.account = reply.account;
      record.replayed = reply.replayed ?? false;
      send(reply);
    } catch (error) {
      if (deps.signal.aborted) {
        request.socket.destroy();
        return;
      }
      const apiError = error instanceof ApiError ? error : internalError();
      record.status = apiError.status;
      if (!(error instanceof ApiError)) record.fault = `internal: ${(error as Error).message}`;
      if (!response.headersSent) send(errorReply(apiError, requestId));
    } finally {
      if (flight) inFlight.delete(flight);
      requestLog.finished(record);
    }
  }

  return (request, response) => {
    void handle(request, response);
  };
}
