/**
 * The test-facing control surface: in-process as `emulator.control`, and over HTTP under
 * `/_emulator/…` (authenticated with the platform's secret key) for tests in another process.
 */
import { SYSTEM_SCOPE, systemContext, type Engine } from './engine.js';
import { parseFaultSpec, type FaultInjector, type FaultSpec } from './faults.js';
import type { ApprovalResult, OAuthProvider } from './oauth.js';
import type { IdempotencyKeyStats, RequestLog, RequestRecord, RequestStats } from './requests.js';
import { renewDueSubscriptions } from './resources/subscriptions.js';
import { seed, type SeedOptions, type SeedResult } from './seed.js';
import { render } from './shapes.js';
import type { DeliveryAttempt, WebhookDispatcher } from './webhooks.js';

export interface ConnectedAccountInput {
  email?: string;
  businessName?: string;
  country?: string;
}

export interface OAuthApprovalInput {
  scope?: 'read_write' | 'read_only';
  redirectUri?: string;
  state?: string;
  /** Connect this existing account instead of creating a new one. */
  account?: string;
  email?: string;
  businessName?: string;
}

export interface EmulatorControl {
  setLatency(ms: number): void;
  setFailRate(rate: number): void;
  /** Queues faults; each matching request consumes one. `{status: 500, count: 2, path: '/v1/payment_intents'}`, `{drop: true}`. */
  injectFaults(faults: FaultSpec[]): void;
  clearFaults(): void;
  pendingFaults(): FaultSpec[];
  requests(): RequestStats;
  requestCount(method: string, path: string): number;
  idempotencyStats(key: string): IdempotencyKeyStats | undefined;
  findRequest(requestId: string): RequestRecord | undefined;
  resetRequests(): void;
  /** Deletes every object and connected account; keeps the platform account and its keys. */
  reset(): void;
  createConnectedAccount(input?: ConnectedAccountInput): Record<string, unknown>;
  /** Approves an OAuth authorization as the user would, returning the code and the redirect. */
  approveOAuth(input?: OAuthApprovalInput): ApprovalResult;
  /** Refresh-token grants that ran (not replays), per connected account id. */
  refreshGrants(): Record<string, number>;
  /** Revokes every OAuth token of a connected account; returns how many. */
  revokeTokens(accountId: string): number;
  webhookAttempts(filter?: { eventId?: string; endpointId?: string }): DeliveryAttempt[];
  /** Resolves when no webhook delivery is in flight or scheduled for retry. */
  webhooksIdle(): Promise<void>;
  seed(options: SeedOptions): SeedResult;
  /** Moves the emulator's clock forward and renews subscriptions whose period ended. */
  advanceClock(seconds: number): { renewed: number };
  now(): Date;
}

export interface ControlDeps {
  engine: Engine;
  faults: FaultInjector;
  requestLog: RequestLog;
  oauth: OAuthProvider;
  webhooks: WebhookDispatcher;
}

export function createControl({ engine, faults, requestLog, oauth, webhooks }: ControlDeps): EmulatorControl {
  return {
    setLatency(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error('latency must be a non-negative number of milliseconds');
      faults.latencyMs = ms;
    },
    setFailRate(rate) {
      if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new Error('fail rate must be between 0 and 1');
      faults.failRate = rate;
    },
    injectFaults: (list) => faults.schedule(list),
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending(),
    requests: () => requestLog.stats(),
    requestCount: (method, path) => requestLog.count(method.toUpperCase(), path),
    idempotencyStats: (key) => requestLog.stats().byIdempotencyKey[key],
    findRequest: (requestId) => requestLog.find(requestId),
    resetRequests: () => requestLog.reset(),
    reset() {
      const platform = engine.account(engine.keys.platformAccountId)!;
      engine.store.clear();
      engine.store.insert(SYSTEM_SCOPE, 'account', platform);
      requestLog.reset();
      oauth.resetGrants();
      faults.clear();
      webhooks.clearAttempts();
    },
    createConnectedAccount: (input = {}) => render(engine.createAccount({ ...input, connected: true })),
    approveOAuth(input = {}) {
      return oauth.approve(
        {
          ...(input.state !== undefined ? { state: input.state } : {}),
          ...(input.account ? { _emulator_account: input.account } : {}),
          stripe_user: { ...(input.email ? { email: input.email } : {}), ...(input.businessName ? { business_name: input.businessName } : {}) },
        },
        input.redirectUri ?? oauth.redirectUris[0],
        input.scope ?? 'read_write',
      );
    },
    refreshGrants: () => oauth.refreshGrants(),
    revokeTokens: (accountId) => oauth.revokeAccount(accountId),
    webhookAttempts: (filter) => webhooks.attempts(filter),
    webhooksIdle: () => webhooks.idle(),
    seed: (options) => seed(engine, options),
    advanceClock(seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) throw new Error('seconds must be a non-negative number');
      engine.advanceClock(seconds);
      const scopes = engine.store.scopeNames().filter((scope) => scope !== SYSTEM_SCOPE);
      return { renewed: renewDueSubscriptions((scope) => systemContext(engine, scope), scopes) };
    },
    now: () => engine.now(),
  };
}

export interface ControlResponse {
  status: number;
  body: unknown;
}

function numberField(body: Record<string, unknown>, name: string): number {
  const value = Number(body[name]);
  if (body[name] === undefined || !Number.isFinite(value)) throw new Error(`${name} must be a number`);
  return value;
}

/** Routes `/_emulator/…`; the caller has already checked the platform secret key. */
export async function handleControlRequest(control: EmulatorControl, method: string, path: string, query: URLSearchParams, body: Record<string, unknown>): Promise<ControlResponse> {
  const route = `${method} ${path.replace(/^\/_emulator/, '')}`;
  try {
    switch (route) {
      case 'GET /health':
        return { status: 200, body: { ok: true, now: control.now().toISOString() } };
      case 'POST /latency':
        control.setLatency(numberField(body, 'ms'));
        return { status: 200, body: { ms: Number(body.ms) } };
      case 'POST /fail-rate':
        control.setFailRate(numberField(body, 'rate'));
        return { status: 200, body: { rate: Number(body.rate) } };
      case 'GET /faults':
        return { status: 200, body: { faults: control.pendingFaults() } };
      case 'POST /faults': {
        const list = (Array.isArray(body.faults) ? body.faults : [body]) as Record<string, unknown>[];
        control.injectFaults(list.map(parseFaultSpec));
        return { status: 200, body: { faults: control.pendingFaults() } };
      }
      case 'DELETE /faults':
        control.clearFaults();
        return { status: 200, body: { faults: [] } };
      case 'GET /requests':
        return { status: 200, body: control.requests() };
      case 'DELETE /requests':
        control.resetRequests();
        return { status: 200, body: { reset: true } };
      case 'POST /reset':
        control.reset();
        return { status: 200, body: { reset: true } };
      case 'POST /accounts':
        return { status: 200, body: control.createConnectedAccount({ email: body.email as string | undefined, businessName: body.business_name as string | undefined, country: body.country as string | undefined }) };
      case 'POST /oauth/approve': {
        const approval = control.approveOAuth({
          scope: body.scope as 'read_write' | 'read_only' | undefined,
          redirectUri: body.redirect_uri as string | undefined,
          state: body.state as string | undefined,
          account: body.account as string | undefined,
          email: body.email as string | undefined,
          businessName: body.business_name as string | undefined,
        });
        return { status: 200, body: { code: approval.code, redirect_url: approval.redirectUrl, stripe_user_id: approval.stripeUserId, scope: approval.scope } };
      }
      case 'GET /oauth/grants':
        return { status: 200, body: { grants: control.refreshGrants() } };
      case 'POST /oauth/revoke':
        return { status: 200, body: { revoked: control.revokeTokens(String(body.account ?? '')) } };
      case 'GET /webhooks/attempts':
        return { status: 200, body: { data: control.webhookAttempts({ eventId: query.get('event') ?? undefined, endpointId: query.get('endpoint') ?? undefined }) } };
      case 'POST /webhooks/idle':
        await control.webhooksIdle();
        return { status: 200, body: { idle: true } };
      case 'POST /seed':
        return { status: 200, body: control.seed({ customers: Number(body.customers ?? 0), products: Number(body.products ?? 0) }) };
      case 'POST /clock':
        return { status: 200, body: { ...control.advanceClock(numberField(body, 'advance_seconds')), now: control.now().toISOString() } };
    }
    const requestMatch = /^GET \/requests\/(req_[A-Za-z0-9]+)$/.exec(route);
    if (requestMatch) {
      const record = control.findRequest(requestMatch[1]);
      return record ? { status: 200, body: record } : { status: 404, body: { error: { type: 'invalid_request_error', message: `No such request: ${requestMatch[1]}` } } };
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unknown control endpoint: ${route}` } } };
  } catch (error) {
    return { status: 400, body: { error: { type: 'invalid_request_error', message: (error as Error).message } } };
  }
}
