/**
 * The emulator's state and the operations every resource shares: the clock, scopes (one per account
 * and mode), the platform's keys and accounts, recording events, and looking objects up by id.
 */
import { newId, newSecret } from './ids.js';
import { render } from './shapes.js';
import type { Store, StoredObject } from './store.js';
import type { Params } from './params.js';

export const API_VERSION = '2026-10-28.endive';

/** Where account-independent state lives: accounts, OAuth grants, idempotency records. */
export const SYSTEM_SCOPE = '_emulator';

const TYPE_BY_PREFIX: Record<string, string> = {
  cus: 'customer', prod: 'product', price: 'price', pi: 'payment_intent', ch: 'charge', re: 'refund',
  sub: 'subscription', si: 'subscription_item', in: 'invoice', evt: 'event', we: 'webhook_endpoint',
  pm: 'payment_method',
};

export function typeOfId(id: string): string | undefined {
  return TYPE_BY_PREFIX[id.slice(0, id.indexOf('_'))];
}

export interface Keys {
  platformAccountId: string;
  secretKey: string;
  liveKey: string;
  publishableKey: string;
  livePublishableKey: string;
  clientId: string;
}

export interface EventRecord extends StoredObject {
  type: string;
  created: number;
  livemode: boolean;
  account?: string;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
}

export type EventListener = (event: EventRecord, scope: string) => void;

/** What a request is acting as, after authentication and `Stripe-Account`. */
export interface Actor {
  accountId: string;
  livemode: boolean;
  scope: string;
}

/** Everything a resource handler gets for one request. */
export interface ApiContext extends Actor {
  engine: Engine;
  params: Params;
  path: Record<string, string>;
  requestId: string;
  idempotencyKey?: string;
}

export function scopeFor(accountId: string, livemode: boolean): string {
  return livemode ? `${accountId}:live` : accountId;
}

export class Engine {
  private clockOffsetMs = 0;
  private readonly listeners: EventListener[] = [];

  constructor(
    readonly store: Store,
    readonly keys: Keys,
    private readonly baseNow: () => Date,
  ) {}

  now(): Date {
    return new Date(this.baseNow().getTime() + this.clockOffsetMs);
  }

  /** Unix seconds, the unit of every Stripe timestamp. */
  unixNow(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  advanceClock(seconds: number): void {
    this.clockOffsetMs += seconds * 1000;
  }

  get platformScope(): string {
    return this.keys.platformAccountId;
  }

  onEvent(listener: EventListener): void {
    this.listeners.push(listener);
  }

  /** Looks an object up by id in a scope, using the id's prefix to find its type. */
  find(scope: string, id: string): StoredObject | undefined {
    const type = typeOfId(id);
    return type ? this.store.get(scope, type, id) : undefined;
  }

  /**
   * Records an Event for a state change and hands it to the webhook dispatcher. `previous` is the
   * rendered object before an update; only the fields that changed go in previous_attributes.
   */
  emit(actor: Actor & { requestId?: string; idempotencyKey?: string }, type: string, object: StoredObject, previous?: Record<string, unknown>): EventRecord {
    const current = render(object);
    const data: EventRecord['data'] = { object: current };
    if (previous) data.previous_attributes = changedAttributes(previous, current);
    const event: EventRecord = {
      id: newId('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: this.unixNow(),
      data,
      livemode: actor.livemode,
      pending_webhooks: 0,
      request: { id: actor.requestId || null, idempotency_key: actor.idempotencyKey || null },
      type,
      ...(actor.accountId !== this.keys.platformAccountId ? { account: actor.accountId } : {}),
    };
    this.store.insert(actor.scope, 'event', event);
    for (const listener of this.listeners) listener(event, actor.scope);
    return event;
  }

  platformActor(livemode = false): Actor {
    return { accountId: this.keys.platformAccountId, livemode, scope: scopeFor(this.keys.platformAccountId, livemode) };
  }

  account(accountId: string): StoredObject | undefined {
    return this.store.get(SYSTEM_SCOPE, 'account', accountId);
  }

  createAccount(input: { email?: string; businessName?: string; country?: string; connected: boolean }): StoredObject {
    const id = newId('acct', 16);
    const account: StoredObject = {
      id,
      object: 'account',
      business_profile: {
        mcc: null, name: input.businessName ?? null, support_email: input.email ?? null, support_phone: null,
        support_url: null, url: null,
      },
      country: input.country ?? 'US',
      created: this.unixNow(),
      email: input.email ?? null,
      settings: { dashboard: { display_name: input.businessName ?? null, timezone: 'Etc/UTC' } },
      _connected: input.connected,
      _publishableKey: newSecret('pk_test_', 32),
    };
    return this.store.insert(SYSTEM_SCOPE, 'account', account);
  }
}

/** previous_attributes: the old values of the top-level fields that changed. */
export function changedAttributes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changed[key] = before[key] ?? null;
  }
  return changed;
}

/** The account and mode a scope name stands for (`acct_1` or `acct_1:live`). */
export function actorForScope(scope: string): Actor {
  const live = scope.endsWith(':live');
  return { accountId: live ? scope.slice(0, -5) : scope, livemode: live, scope };
}

/** A context for work the emulator does on its own (renewals, seeding), outside any request. */
export function systemContext(engine: Engine, scope: string): ApiContext {
  return { ...actorForScope(scope), engine, params: {}, path: {}, requestId: '' };
}
