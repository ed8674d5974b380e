/**
 * Stripe's form encoding: `metadata[plan]=gold`, `items[0][price]=price_1`, `expand[]=customer`.
 * Parses a urlencoded string (body or query) into nested objects and arrays of strings.
 */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** `a[b][0]` → ['a', 'b', '0']; `expand[]` → ['expand', '']. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  const pattern = /\[([^\]]*)\]/g;
  pattern.lastIndex = open;
  let match: RegExpExecArray | null;
  let end = open;
  while ((match = pattern.exec(key)) !== null && match.index === end) {
    parts.push(match[1]);
    end = pattern.lastIndex;
  }
  // Trailing text that isn't a bracket pair stays part of the last segment, as qs does.
  if (end < key.length) parts[parts.length - 1] += key.slice(end);
  return parts;
}

function isIndex(segment: string): boolean {
  return segment === '' || /^\d+$/.test(segment);
}

function assign(container: FormObject | FormValue[], parts: string[], value: string): void {
  const [head, ...rest] = parts;
  if (Array.isArray(container)) {
    const index = head === '' ? container.length : Number(head);
    if (rest.length === 0) {
      container[index] = value;
      return;
    }
    let child = container[index];
    if (typeof child !== 'object' || child === null) {
      child = isIndex(rest[0]) ? [] : {};
      container[index] = child;
    }
    assign(child, rest, value);
    return;
  }
  if (rest.length === 0) {
    container[head] = value;
    return;
  }
  let child = container[head];
  if (typeof child !== 'object' || child === null) {
    child = isIndex(rest[0]) ? [] : {};
    container[head] = child;
  }
  assign(child, rest, value);
}

/** Arrays written with sparse indices (`items[0]`, `items[2]`) are compacted, as Stripe does. */
function compact(value: FormValue): FormValue {
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(compact);
  if (typeof value === 'object') {
    for (const key of Object.keys(value)) value[key] = compact(value[key]);
  }
  return value;
}

export function parseForm(text: string): FormObject {
  const result: FormObject = {};
  if (!text) return result;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    const value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    if (!key) continue;
    assign(result, splitKey(key), value);
  }
  return compact(result) as FormObject;
}
