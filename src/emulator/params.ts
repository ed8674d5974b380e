/**
 * Reading typed parameters out of a parsed form, with Stripe's validation messages.
 * Everything on the wire is a string; these helpers turn it into numbers, booleans and metadata.
 */
import { invalidParam, invalidRequest, missingParam } from './errors.js';
import type { FormObject, FormValue } from './form.js';

export type Params = FormObject;

export function has(params: Params, name: string): boolean {
  return params[name] !== undefined;
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParam(name, `Invalid string: ${JSON.stringify(value)}`);
  return value;
}

export function requiredString(params: Params, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined || value === '') throw missingParam(name);
  return value;
}

/** Stripe lets an empty string unset a nullable field. */
export function nullableString(params: Params, name: string): string | null | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  return value === '' ? null : value;
}

export function optionalInteger(params: Params, name: string, options: { min?: number; max?: number } = {}): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw invalidParam(name, `Invalid integer: ${typeof value === 'string' ? value : JSON.stringify(value)}`, 'parameter_invalid_integer');
  }
  const number = Number(value);
  if (options.min !== undefined && number < options.min) {
    throw invalidParam(name, `Invalid ${name}: must be greater than or equal to ${options.min}`, 'parameter_invalid_integer');
  }
  if (options.max !== undefined && number > options.max) {
    throw invalidParam(name, `Invalid ${name}: must be less than or equal to ${options.max}`, 'parameter_invalid_integer');
  }
  return number;
}

export function requiredInteger(params: Params, name: string, options?: { min?: number; max?: number }): number {
  const value = optionalInteger(params, name, options);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidParam(name, `Invalid boolean: ${String(value)}`, 'parameter_invalid_boolean');
}

export function optionalEnum<T extends string>(params: Params, name: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw invalidParam(name, `Invalid ${name}: must be one of ${allowed.join(', ')}`, 'parameter_invalid_string');
  }
  return value as T;
}

export function optionalObject(params: Params, name: string): FormObject | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest(`Invalid object`, { param: name, code: 'parameter_invalid_object' });
  return value;
}

export function optionalArray(params: Params, name: string): FormValue[] | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) return value;
  // stripe-node sends arrays as `name[0]=`, but a hand-written `name[a]=` object is read as its values.
  if (typeof value === 'object') return Object.values(value);
  throw invalidRequest(`Invalid array`, { param: name, code: 'parameter_invalid_array' });
}

export function stringArray(params: Params, name: string): string[] {
  return (optionalArray(params, name) ?? []).map((item) => {
    if (typeof item !== 'string') throw invalidRequest(`Invalid array`, { param: name, code: 'parameter_invalid_array' });
    return item;
  });
}

/**
 * Metadata as Stripe merges it: keys are added or replaced, a key set to '' is removed,
 * and `metadata=''` clears everything. Returns undefined when the request doesn't touch it.
 */
export function mergeMetadata(params: Params, current: Record<string, string> = {}): Record<string, string> | undefined {
  const value = params.metadata;
  if (value === undefined) return undefined;
  if (value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('Invalid metadata: must be an object', { param: 'metadata' });
  const next = { ...current };
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw invalidRequest(`Invalid value for metadata[${key}]: must be a string`, { param: `metadata[${key}]` });
    if (key.length > 40) throw invalidRequest(`Metadata keys can have up to 40 characters; "${key}" has ${key.length}.`, { param: `metadata[${key}]` });
    if (entry.length > 500) throw invalidRequest(`Metadata values can have up to 500 characters, but you passed in a value that is ${entry.length} characters.`, { param: `metadata[${key}]` });
    if (entry === '') delete next[key];
    else next[key] = entry;
  }
  if (Object.keys(next).length > 50) throw invalidRequest('You can have up to 50 metadata keys.', { param: 'metadata' });
  return next;
}

/** `created=123` or `created[gte]=…&created[lt]=…`, for lists. */
export interface RangeFilter {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

export function rangeFilter(params: Params, name: string): RangeFilter | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const exact = optionalInteger(params, name)!;
    return { gte: exact, lte: exact };
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam(name, `Invalid ${name}`, 'parameter_invalid_integer');
  const range: RangeFilter = {};
  for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
    const number = optionalInteger(value, bound);
    if (number !== undefined) range[bound] = number;
  }
  for (const key of Object.keys(value)) {
    if (!['gt', 'gte', 'lt', 'lte'].includes(key)) throw invalidRequest(`Received unknown parameter: ${name}[${key}]`, { param: `${name}[${key}]`, code: 'parameter_unknown' });
  }
  return range;
}

export function inRange(value: number, range: RangeFilter | undefined): boolean {
  if (!range) return true;
  if (range.gt !== undefined && !(value > range.gt)) return false;
  if (range.gte !== undefined && !(value >= range.gte)) return false;
  if (range.lt !== undefined && !(value < range.lt)) return false;
  if (range.lte !== undefined && !(value <= range.lte)) return false;
  return true;
}
