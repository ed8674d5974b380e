/**
 * A subset of Stripe's Search Query Language: `field:'value'`, `field~'sub'`, `-field:'value'`,
 * `metadata['key']:'value'`, `field:null`, numeric `>`, `>=`, `<`, `<=` on numbers, joined by
 * AND or OR (Stripe refuses a query that mixes them).
 */
import type { ApiContext } from './engine.js';
import { invalidParam, invalidRequest } from './errors.js';
import { optionalString, requiredString } from './params.js';
import { readLimit } from './list.js';
import { render, renderedField } from './shapes.js';
import type { StoredObject } from './store.js';

export type FieldKind = 'string' | 'number' | 'boolean';

type Operator = ':' | '~' | '>' | '<' | '>=' | '<=';

interface Clause {
  field: string;
  metadataKey?: string;
  operator: Operator;
  value: string | number | null;
  negated: boolean;
}

export interface Query {
  join: 'AND' | 'OR';
  clauses: Clause[];
}

function queryError(message: string): Error {
  return invalidRequest(message, { param: 'query', code: 'parameter_invalid_string' });
}

export function parseQuery(text: string, fields: Record<string, FieldKind>, resource: string): Query {
  const clauses: Clause[] = [];
  let join: 'AND' | 'OR' | undefined;
  let position = 0;
  const skipSpace = () => {
    while (position < text.length && /\s/.test(text[position])) position++;
  };
  const readQuoted = (): string => {
    const quote = text[position];
    let out = '';
    position++;
    while (position < text.length && text[position] !== quote) {
      if (text[position] === '\\' && position + 1 < text.length) position++;
      out += text[position++];
    }
    if (text[position] !== quote) throw queryError(`Unterminated string in query: ${text}`);
    position++;
    return out;
  };

  while (true) {
    skipSpace();
    if (position >= text.length) break;
    if (clauses.length > 0) {
      const word = /^(AND|OR)\b/.exec(text.slice(position));
      if (!word) throw queryError(`Expected AND or OR at position ${position} of the query.`);
      const keyword = word[1] as 'AND' | 'OR';
      if (join && join !== keyword) throw queryError('Queries may not mix AND and OR clauses.');
      join = keyword;
      position += keyword.length;
      skipSpace();
    }
    const negated = text[position] === '-';
    if (negated) position++;
    const name = /^[a-z_][a-z0-9_.]*/i.exec(text.slice(position));
    if (!name) throw queryError(`Expected a field name at position ${position} of the query.`);
    const field = name[0];
    position += field.length;
    let metadataKey: string | undefined;
    if (field === 'metadata') {
      if (text[position] !== '[') throw queryError("metadata fields are written metadata['key'].");
      position++;
      metadataKey = readQuoted();
      if (text[position] !== ']') throw queryError("metadata fields are written metadata['key'].");
      position++;
    } else if (!(field in fields)) {
      throw queryError(`Field \`${field}\` is an unsupported search field for resource \`${resource}\`. See http://stripe.com/docs/search#query-fields-for-${resource.replace(/_/g, '-')} for a list of supported fields.`);
    }
    const operator = /^(>=|<=|:|~|>|<)/.exec(text.slice(position))?.[1] as Operator | undefined;
    if (!operator) throw queryError(`Expected an operator after \`${field}\`.`);
    position += operator.length;
    let value: string | number | null;
    if (text[position] === "'" || text[position] === '"') value = readQuoted();
    else {
      const bare = /^[^\s)]+/.exec(text.slice(position))?.[0] ?? '';
      position += bare.length;
      if (bare === 'null') value = null;
      else if (/^-?\d+(\.\d+)?$/.test(bare)) value = Number(bare);
      else throw queryError(`Values in search queries must be quoted: \`${bare}\`.`);
    }
    const kind: FieldKind = metadataKey !== undefined ? 'string' : fields[field];
    if (['>', '<', '>=', '<='].includes(operator) && kind !== 'number') {
      throw queryError(`Field \`${field}\` does not support the ${operator} operator.`);
    }
    if (operator === '~' && (typeof value !== 'string' || value.length < 3)) {
      throw queryError('The ~ operator needs a quoted value of at least 3 characters.');
    }
    clauses.push({ field, metadataKey, operator, value, negated });
  }
  if (clauses.length === 0) throw queryError('The query is empty.');
  if (clauses.length > 10) throw queryError('A query may have at most 10 clauses.');
  return { join: join ?? 'AND', clauses };
}

type FieldReader = (field: string) => unknown;

function matchesClause(read: FieldReader, clause: Clause): boolean {
  const actual =
    clause.metadataKey !== undefined
      ? (read('metadata') as Record<string, string> | undefined)?.[clause.metadataKey]
      : read(clause.field);
  let result: boolean;
  if (clause.value === null) result = actual === null || actual === undefined || actual === '';
  else if (clause.operator === ':') {
    if (typeof actual === 'number' || typeof clause.value === 'number') result = Number(actual) === Number(clause.value);
    else result = String(actual ?? '').toLowerCase() === String(clause.value).toLowerCase();
  } else if (clause.operator === '~') {
    result = String(actual ?? '').toLowerCase().includes(String(clause.value).toLowerCase());
  } else {
    const left = Number(actual);
    const right = Number(clause.value);
    result =
      clause.operator === '>' ? left > right : clause.operator === '<' ? left < right : clause.operator === '>=' ? left >= right : left <= right;
  }
  return clause.negated ? !result : result;
}

export function matchesQuery(read: FieldReader, query: Query): boolean {
  return query.join === 'AND'
    ? query.clauses.every((clause) => matchesClause(read, clause))
    : query.clauses.some((clause) => matchesClause(read, clause));
}

function recordMatches(record: StoredObject, query: Query): boolean {
  return record.deleted !== true && matchesQuery((field) => renderedField(record, field), query);
}

export interface SearchOptions {
  type: string;
  /** Stripe's resource name in messages and URLs, e.g. `payment_intents`. */
  resource: string;
  fields: Record<string, FieldKind>;
}

/** `next_page` tokens are opaque to clients; here they carry the last id of the previous page. */
function encodePage(lastId: string): string {
  return Buffer.from(`after:${lastId}`).toString('base64url');
}

function decodePage(token: string, scope: string, ctx: ApiContext, type: string): string {
  const decoded = Buffer.from(token, 'base64url').toString();
  const id = decoded.startsWith('after:') ? decoded.slice(6) : '';
  if (!id || !ctx.engine.store.has(scope, type, id)) throw invalidParam('page', `Invalid page token: ${token}`);
  return id;
}

export function searchObjects(ctx: ApiContext, options: SearchOptions): Record<string, unknown> {
  const query = parseQuery(requiredString(ctx.params, 'query'), { created: 'number', ...options.fields }, options.resource);
  const limit = readLimit(ctx);
  const page = optionalString(ctx.params, 'page');
  const after = page ? decodePage(page, ctx.scope, ctx, options.type) : undefined;
  const wantsTotal = (ctx.params.expand as unknown[] | undefined)?.includes('total_count') ?? false;

  const data: Record<string, unknown>[] = [];
  let hasMore = false;
  for (const record of ctx.engine.store.walk<StoredObject>(ctx.scope, options.type, 'older', after)) {
    if (!recordMatches(record, query)) continue;
    if (data.length === limit) {
      hasMore = true;
      break;
    }
    data.push(render(record));
  }
  const result: Record<string, unknown> = {
    object: 'search_result',
    data,
    has_more: hasMore,
    next_page: hasMore ? encodePage(data[data.length - 1].id as string) : null,
    url: `/v1/${options.resource}/search`,
  };
  if (wantsTotal) {
    let total = 0;
    for (const record of ctx.engine.store.walk<StoredObject>(ctx.scope, options.type)) {
      if (recordMatches(record, query)) total++;
    }
    result.total_count = total;
  }
  return result;
}
