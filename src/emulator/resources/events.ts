import { optionalString, stringArray } from '../params.js';
import type { Router } from '../router.js';
import type { EventRecord } from '../engine.js';
import { registerList, registerRetrieve, type ResourceInfo } from './crud.js';

export const EVENT: ResourceInfo = { type: 'event', prefix: 'evt', collection: 'events', events: false };

/** `customer.*` matches every customer event, as Stripe's `type` filter allows. */
export function eventTypeMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export function registerEvents(router: Router): void {
  registerRetrieve(router, EVENT);
  registerList<EventRecord>(router, EVENT, (ctx) => {
    const type = optionalString(ctx.params, 'type');
    const types = ctx.params.types !== undefined ? stringArray(ctx.params, 'types') : undefined;
    return (event) =>
      (type === undefined || eventTypeMatches(type, event.type)) && (types === undefined || types.includes(event.type));
  });
}
