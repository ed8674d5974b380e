/**
 * The object store: per scope (an account in test or live mode) and per type, objects kept in
 * creation order, which is the order Stripe lists them in (newest first) and pages through.
 *
 * Memory is the working copy; an optional Persistence (SQLite) gets every write, so state survives
 * a restart. Objects are stored sparse (only fields that were set) and rendered with defaults on the
 * way out, so 100,000 seeded customers stay small.
 */

export interface StoredObject {
  id: string;
  object: string;
  [field: string]: unknown;
}

export interface PersistedRow {
  scope: string;
  type: string;
  id: string;
  body: string;
}

export interface Persistence {
  /** Rows in insertion order. */
  load(): Iterable<PersistedRow>;
  insert(row: PersistedRow): void;
  update(row: PersistedRow): void;
  remove(scope: string, type: string, id: string): void;
  clear(): void;
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  transaction<T>(work: () => T): T;
  close(): void;
}

const TOMBSTONE = '';

/**
 * One type in one scope. `order` keeps ids in creation order with tombstones for deletions, so
 * that `starting_after` finds its place in O(1) and a page costs O(limit), not O(collection).
 */
class Collection {
  readonly objects = new Map<string, StoredObject>();
  private readonly position = new Map<string, number>();
  private order: string[] = [];
  private tombstones = 0;

  get size(): number {
    return this.objects.size;
  }

  insert(object: StoredObject): void {
    if (this.objects.has(object.id)) throw new Error(`duplicate id ${object.id}`);
    this.objects.set(object.id, object);
    this.position.set(object.id, this.order.length);
    this.order.push(object.id);
  }

  replace(object: StoredObject): void {
    if (!this.objects.has(object.id)) throw new Error(`no such id ${object.id}`);
    this.objects.set(object.id, object);
  }

  remove(id: string): boolean {
    const index = this.position.get(id);
    if (index === undefined) return false;
    this.objects.delete(id);
    this.position.delete(id);
    this.order[index] = TOMBSTONE;
    this.tombstones++;
    if (this.tombstones > 1024 && this.tombstones > this.order.length / 2) this.compact();
    return true;
  }

  /** Walks from newest to oldest (or the reverse), starting just past `fromId` when given. */
  *walk(direction: 'older' | 'newer', fromId?: string): Generator<StoredObject> {
    let index: number;
    if (fromId !== undefined) {
      const from = this.position.get(fromId);
      if (from === undefined) return;
      index = direction === 'older' ? from - 1 : from + 1;
    } else {
      index = direction === 'older' ? this.order.length - 1 : 0;
    }
    const step = direction === 'older' ? -1 : 1;
    for (; index >= 0 && index < this.order.length; index += step) {
      const id = this.order[index];
      if (id === TOMBSTONE) continue;
      const object = this.objects.get(id);
      if (object) yield object;
    }
  }

  private compact(): void {
    this.order = this.order.filter((id) => id !== TOMBSTONE);
    this.position.clear();
    this.order.forEach((id, index) => this.position.set(id, index));
    this.tombstones = 0;
  }
}

export class Store {
  private readonly scopes = new Map<string, Map<string, Collection>>();
  constructor(private readonly persistence?: Persistence) {
    if (persistence) {
      for (const row of persistence.load()) this.collection(row.scope, row.type).insert(JSON.parse(row.body) as StoredObject);
    }
  }

  private collection(scope: string, type: string): Collection {
    let types = this.scopes.get(scope);
    if (!types) {
      types = new Map();
      this.scopes.set(scope, types);
    }
    let collection = types.get(type);
    if (!collection) {
      collection = new Collection();
      types.set(type, collection);
    }
    return collection;
  }

  get<T extends StoredObject = StoredObject>(scope: string, type: string, id: string): T | undefined {
    return this.scopes.get(scope)?.get(type)?.objects.get(id) as T | undefined;
  }

  has(scope: string, type: string, id: string): boolean {
    return this.scopes.get(scope)?.get(type)?.objects.has(id) ?? false;
  }

  count(scope: string, type: string): number {
    return this.scopes.get(scope)?.get(type)?.size ?? 0;
  }

  insert<T extends StoredObject>(scope: string, type: string, object: T): T {
    this.collection(scope, type).insert(object);
    this.persistence?.insert({ scope, type, id: object.id, body: JSON.stringify(object) });
    return object;
  }

  replace<T extends StoredObject>(scope: string, type: string, object: T): T {
    this.collection(scope, type).replace(object);
    this.persistence?.update({ scope, type, id: object.id, body: JSON.stringify(object) });
    return object;
  }

  remove(scope: string, type: string, id: string): boolean {
    const removed = this.scopes.get(scope)?.get(type)?.remove(id) ?? false;
    if (removed) this.persistence?.remove(scope, type, id);
    return removed;
  }

  walk<T extends StoredObject = StoredObject>(scope: string, type: string, direction: 'older' | 'newer' = 'older', fromId?: string): Iterable<T> {
    const collection = this.scopes.get(scope)?.get(type);
    return (collection ? collection.walk(direction, fromId) : []) as Iterable<T>;
  }

  scopeNames(): string[] {
    return [...this.scopes.keys()];
  }

  /** Runs many writes as one durable transaction (seeding, multi-object updates). */
  batch<T>(work: () => T): T {
    return this.persistence ? this.persistence.transaction(work) : work();
  }

  clear(): void {
    this.scopes.clear();
    this.persistence?.clear();
  }

  getMeta(key: string): string | undefined {
    return this.persistence?.getMeta(key);
  }

  setMeta(key: string, value: string): void {
    this.persistence?.setMeta(key, value);
  }

  close(): void {
    this.persistence?.close();
  }
}
