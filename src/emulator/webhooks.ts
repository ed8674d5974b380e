/**
 * Webhook delivery: every event is POSTed, signed, to each enabled endpoint subscribed to its type;
 * failures are retried on a backoff schedule (scalable for tests); every attempt is recorded.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { scopeFor, type Engine, type EventRecord } from './engine.js';
import { newId } from './ids.js';
import { eventTypeMatches } from './resources/events.js';
import type { WebhookEndpointRecord } from './resources/webhookEndpoints.js';
import { render } from './shapes.js';

/** Seconds between attempts. Test mode retries three times over a few hours; live mode for three days. */
const TEST_MODE_BACKOFF = [300, 1800, 7200];
const LIVE_MODE_BACKOFF = [60, 300, 1800, 3600, 7200, 14400, 28800, 43200, 43200, 43200, 43200, 43200];
const DELIVERY_TIMEOUT_MS = 10_000;
const ATTEMPTS_KEPT = 10_000;

export interface DeliveryAttempt {
  id: string;
  eventId: string;
  eventType: string;
  endpointId: string;
  url: string;
  /** 1 for the first delivery, 2 for the first retry, ... */
  attempt: number;
  status: number | null;
  error: string | null;
  succeeded: boolean;
  durationMs: number;
  attemptedAt: string;
  /** When the next retry is due, or null when this was the last attempt. */
  nextRetryAt: string | null;
}

/** The `Stripe-Signature` header: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`. */
export function signatureHeader(secret: string, payload: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

interface Delivery {
  event: EventRecord;
  scope: string;
  endpoint: WebhookEndpointRecord;
  endpointScope: string;
  attempt: number;
}

export class WebhookDispatcher {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private attemptLog: DeliveryAttempt[] = [];
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly engine: Engine,
    private readonly options: { retryScale: number; wallClock: () => Date },
  ) {
    engine.onEvent((event, scope) => this.dispatch(event, scope));
  }

  /** Endpoints that get this event: the account's own, plus the platform's Connect endpoints for a connected account's event. */
  private endpointsFor(event: EventRecord, scope: string): Array<{ endpoint: WebhookEndpointRecord; scope: string }> {
    const matches = (endpoint: WebhookEndpointRecord) =>
      endpoint.status === 'enabled' && endpoint.enabled_events.some((pattern) => eventTypeMatches(pattern, event.type));
    const chosen: Array<{ endpoint: WebhookEndpointRecord; scope: string }> = [];
    for (const endpoint of this.engine.store.walk<WebhookEndpointRecord>(scope, 'webhook_endpoint', 'newer')) {
      if (endpoint.connect !== true && matches(endpoint)) chosen.push({ endpoint, scope });
    }
    if (event.account) {
      const platformScope = scopeFor(this.engine.keys.platformAccountId, event.livemode);
      for (const endpoint of this.engine.store.walk<WebhookEndpointRecord>(platformScope, 'webhook_endpoint', 'newer')) {
        if (endpoint.connect === true && matches(endpoint)) chosen.push({ endpoint, scope: platformScope });
      }
    }
    return chosen;
  }

  private dispatch(event: EventRecord, scope: string): void {
    if (this.closed) return;
    const targets = this.endpointsFor(event, scope);
    if (targets.length === 0) return;
    this.setPending(event, scope, targets.length);
    for (const target of targets) this.deliver({ event, scope, endpoint: target.endpoint, endpointScope: target.scope, attempt: 1 });
  }

  private setPending(event: EventRecord, scope: string, pending: number): void {
    const current = this.engine.store.get<EventRecord>(scope, 'event', event.id);
    if (current) this.engine.store.replace(scope, 'event', { ...current, pending_webhooks: Math.max(0, pending) });
  }

  private deliver(delivery: Delivery): void {
    const work = this.attempt(delivery).finally(() => {
      this.inFlight.delete(work);
      this.notifyIfIdle();
    });
    this.inFlight.add(work);
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { endpoint, attempt } = delivery;
    // The endpoint may have been deleted, disabled or re-pointed since the event happened.
    const current = this.engine.store.get<WebhookEndpointRecord>(delivery.endpointScope, 'webhook_endpoint', endpoint.id);
    if (!current || current.status !== 'enabled') return;
    const event = this.engine.store.get<EventRecord>(delivery.scope, 'event', delivery.event.id) ?? delivery.event;
    const payload = JSON.stringify(render(event), null, 2);
    const timestamp = Math.floor(this.options.wallClock().getTime() / 1000);
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = await post(current.url, payload, signatureHeader(current._secret, payload, timestamp));
    } catch (failure) {
      error = (failure as Error).message;
    }
    const succeeded = status !== null && status >= 200 && status < 300;
    const schedule = event.livemode ? LIVE_MODE_BACKOFF : TEST_MODE_BACKOFF;
    const retryInSeconds = !succeeded && !this.closed ? schedule[attempt - 1] : undefined;
    const retryInMs = retryInSeconds === undefined ? undefined : Math.max(1, Math.round(retryInSeconds * 1000 * this.options.retryScale));
    this.record({
      id: newId('wha'),
      eventId: event.id,
      eventType: event.type,
      endpointId: current.id,
      url: current.url,
      attempt,
      status,
      error: error ?? (succeeded ? null : `HTTP ${status}`),
      succeeded,
      durationMs: Date.now() - started,
      attemptedAt: this.options.wallClock().toISOString(),
      nextRetryAt: retryInMs === undefined ? null : new Date(this.options.wallClock().getTime() + retryInMs).toISOString(),
    });
    if (retryInMs !== undefined) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.deliver({ ...delivery, attempt: attempt + 1 });
      }, retryInMs);
      this.timers.add(timer);
    } else {
      const latest = this.engine.store.get<EventRecord>(delivery.scope, 'event', event.id);
      if (latest) this.setPending(latest, delivery.scope, (latest.pending_webhooks as number) - 1);
    }
  }

  private record(attempt: DeliveryAttempt): void {
    this.attemptLog.push(attempt);
    if (this.attemptLog.length > ATTEMPTS_KEPT) this.attemptLog.splice(0, this.attemptLog.length - ATTEMPTS_KEPT);
  }

  attempts(filter: { eventId?: string; endpointId?: string } = {}): DeliveryAttempt[] {
    return this.attemptLog.filter(
      (attempt) => (!filter.eventId || attempt.eventId === filter.eventId) && (!filter.endpointId || attempt.endpointId === filter.endpointId),
    );
  }

  clearAttempts(): void {
    this.attemptLog = [];
  }

  /** Resolves once no delivery is in flight and no retry is scheduled. */
  idle(): Promise<void> {
    if (this.inFlight.size === 0 && this.timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIfIdle(): void {
    if (this.inFlight.size > 0 || this.timers.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Cancels scheduled retries and waits for deliveries already on the wire. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
    this.notifyIfIdle();
  }
}

function post(url: string, payload: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(
      target,
      {
        method: 'POST',
        agent: false,
        timeout: DELIVERY_TIMEOUT_MS,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(payload),
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'Stripe-Signature': signature,
          Connection: 'close',
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`timed out after ${DELIVERY_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(payload);
  });
}
