/**
 * Building blocks shared by the resource modules: load-or-404, create with a `.created` event,
 * update with a `.updated` event carrying previous_attributes, and the list/search routes.
 */
import type { ApiContext } from '../engine.js';
import { noSuch } from '../errors.js';
import { newId } from '../ids.js';
import { listObjects } from '../list.js';
import type { Router } from '../router.js';
import { searchObjects, type FieldKind } from '../search.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';

export interface ResourceInfo {
  /** The `object` value and store type, e.g. `payment_intent`. */
  type: string;
  prefix: string;
  /** The URL segment, e.g. `payment_intents`. */
  collection: string;
  /** Event type prefix when it differs from `type`, e.g. `customer.subscription`. */
  eventPrefix?: string;
  /** Whether Stripe records `.created` / `.updated` events for this type. */
  events?: boolean;
}

export function objectName(info: ResourceInfo): string {
  return info.type.replace(/_/g, ' ');
}

export function load<T extends StoredObject = StoredObject>(ctx: ApiContext, info: ResourceInfo, id: string, param = 'id'): T {
  const record = ctx.engine.store.get<T>(ctx.scope, info.type, id);
  if (!record || record.deleted === true) throw noSuch(objectName(info), id, param);
  return record;
}

export function create<T extends StoredObject>(ctx: ApiContext, info: ResourceInfo, fields: Omit<T, 'id' | 'object'>, options: { id?: string } = {}): T {
  const record = {
    id: options.id ?? newId(info.prefix),
    object: info.type,
    created: ctx.engine.unixNow(),
    livemode: ctx.livemode,
    ...fields,
  } as unknown as T;
  ctx.engine.store.insert(ctx.scope, info.type, record);
  if (info.events !== false) ctx.engine.emit(ctx, `${info.eventPrefix ?? info.type}.created`, record);
  return record;
}

/**
 * Applies changes and records `<type>.updated` when something visible changed. `eventType` lets a
 * transition record its own event (e.g. `payment_intent.succeeded`) instead.
 */
export function update<T extends StoredObject>(
  ctx: ApiContext,
  info: ResourceInfo,
  record: T,
  changes: Partial<T>,
  options: { eventType?: string | null } = {},
): T {
  const before = render(record);
  const next = { ...record, ...changes } as T;
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete (next as Record<string, unknown>)[key];
  ctx.engine.store.replace(ctx.scope, info.type, next);
  const eventType = options.eventType === undefined ? `${info.eventPrefix ?? info.type}.updated` : options.eventType;
  // `events: false` only silences the generic `.updated`; an explicit transition event is always recorded.
  if (eventType && (options.eventType || info.events !== false)) {
    const after = render(next);
    if (JSON.stringify(before) !== JSON.stringify(after)) ctx.engine.emit(ctx, eventType, next, before);
  }
  return next;
}

/** Drops keys whose value is undefined, so sparse records stay sparse. */
export function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export function registerRetrieve(router: Router, info: ResourceInfo): void {
  router.get(`/v1/${info.collection}/:id`, (ctx) => render(load(ctx, info, ctx.path.id)));
}

export function registerList<T extends StoredObject>(router: Router, info: ResourceInfo, filter?: (ctx: ApiContext) => ((object: T) => boolean) | undefined): void {
  router.get(`/v1/${info.collection}`, (ctx) =>
    listObjects<T>(ctx, { type: info.type, url: `/v1/${info.collection}`, objectName: objectName(info), filter: filter?.(ctx) }),
  );
}

export function registerSearch(router: Router, info: ResourceInfo, fields: Record<string, FieldKind>): void {
  router.get(`/v1/${info.collection}/search`, (ctx) => searchObjects(ctx, { type: info.type, resource: info.collection, fields }));
}
