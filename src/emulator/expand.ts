/**
 * `expand[]=customer`, `expand[]=latest_charge.balance_transaction`, `expand[]=data.customer`:
 * replaces id strings in a response with the objects they name, copying along the path so stored
 * objects and shared defaults are never mutated. Stripe allows four levels.
 */
import type { Engine } from './engine.js';
import { invalidRequest } from './errors.js';
import { render } from './shapes.js';

const MAX_DEPTH = 4;

type Json = Record<string, unknown>;

function expandPath(engine: Engine, scope: string, value: unknown, path: string[], fullPath: string): unknown {
  if (path.length === 0) return value;
  if (Array.isArray(value)) return value.map((item) => expandPath(engine, scope, item, path, fullPath));
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Json;
  const [field, ...rest] = path;
  if (!(field in object)) throw invalidRequest(`This property cannot be expanded (${fullPath}).`, { param: 'expand' });
  let child = object[field];
  if (typeof child === 'string') {
    const found = engine.find(scope, child);
    if (!found) throw invalidRequest(`This property cannot be expanded (${fullPath}).`, { param: 'expand' });
    child = render(found);
  } else if (child !== null && typeof child !== 'object') {
    throw invalidRequest(`This property cannot be expanded (${fullPath}).`, { param: 'expand' });
  }
  return { ...object, [field]: expandPath(engine, scope, child, rest, fullPath) };
}

export function applyExpansions(engine: Engine, scope: string, body: unknown, expand: string[]): unknown {
  let result = body;
  for (const entry of expand) {
    // total_count is a search option that travels in expand[]; it's not a property.
    if (entry === 'total_count') continue;
    const path = entry.split('.');
    if (path.length > MAX_DEPTH) {
      throw invalidRequest(`You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${entry}`, { param: 'expand' });
    }
    result = expandPath(engine, scope, result, path, entry);
  }
  return result;
}
