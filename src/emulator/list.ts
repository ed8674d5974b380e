/**
 * Stripe list semantics shared by every resource: newest first, `limit` 1–100 (default 10),
 * `starting_after` / `ending_before` cursors, `created` ranges, `{object: "list", data, has_more, url}`.
 */
import type { ApiContext } from './engine.js';
import { invalidParam, noSuch } from './errors.js';
import { inRange, optionalInteger, optionalString, rangeFilter } from './params.js';
import { render } from './shapes.js';
import type { StoredObject } from './store.js';

export interface ListObject {
  object: 'list';
  data: Record<string, unknown>[];
  has_more: boolean;
  url: string;
}

export interface ListOptions<T extends StoredObject> {
  type: string;
  url: string;
  /** Name used in "No such …" errors for a bad cursor. */
  objectName?: string;
  filter?: (object: T) => boolean;
  scope?: string;
}

export function readLimit(ctx: ApiContext): number {
  return optionalInteger(ctx.params, 'limit', { min: 1, max: 100 }) ?? 10;
}

export function listObjects<T extends StoredObject>(ctx: ApiContext, options: ListOptions<T>): ListObject {
  const { params, engine } = ctx;
  const scope = options.scope ?? ctx.scope;
  const limit = readLimit(ctx);
  const startingAfter = optionalString(params, 'starting_after');
  const endingBefore = optionalString(params, 'ending_before');
  if (startingAfter && endingBefore) {
    throw invalidParam('ending_before', 'You may only specify one of these parameters: ending_before, starting_after.', 'parameter_invalid_string');
  }
  const created = rangeFilter(params, 'created');
  const cursor = startingAfter ?? endingBefore;
  if (cursor !== undefined && !engine.store.has(scope, options.type, cursor)) {
    throw noSuch(options.objectName ?? options.type.replace(/_/g, ' '), cursor, startingAfter ? 'starting_after' : 'ending_before');
  }
  const accepts = (object: T): boolean =>
    object.deleted !== true && inRange(object.created as number, created) && (!options.filter || options.filter(object));

  const page: T[] = [];
  let hasMore = false;
  const direction = endingBefore ? 'newer' : 'older';
  for (const object of engine.store.walk<T>(scope, options.type, direction, cursor)) {
    if (!accepts(object)) continue;
    if (page.length === limit) {
      hasMore = true;
      break;
    }
    page.push(object);
  }
  // ending_before pages walk towards newer objects; Stripe still returns them newest first.
  if (endingBefore) page.reverse();
  return { object: 'list', data: page.map((object) => render(object)), has_more: hasMore, url: options.url };
}
