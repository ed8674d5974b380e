/**
 * The event store ("inbox"): every webhook event atom-stripe receives, polls, triggers or replays,
 * stored before it is acknowledged, with its forwarding state and every delivery attempt.
 *
 * Two implementations behind one interface: SQLite (the default, same file as the token store) and
 * PostgreSQL (same database as the token store; several listeners on several hosts may share it).
 * The metrics and health commands read it through the small read API at the end of EventStore.
 */

export const EVENT_STATUSES = ['received', 'forwarded', 'failed', 'dead'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
export const EVENT_SOURCES = ['push', 'poll', 'trigger', 'replay'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];
export type AttemptKind = 'forward' | 'replay' | 'trigger';

/** An event to store, parsed from the raw body. */
export interface IncomingEvent {
  eventId: string;
  type: string;
  /** The connected account (acct_...) for Connect events; null for the platform's own. */
  account: string | null;
  livemode: boolean;
  /** Stripe's `created`, unix seconds. */
  created: number | null;
  source: EventSource;
  /** The body exactly as received: signatures are over these bytes. */
  payload: Buffer;
  signature: string | null;
  receivedAt: Date;
}

export type InsertOutcome = 'stored' | 'duplicate';

export interface StoredEvent {
  /** The store's row id; monotonic in arrival order. */
  row: number;
  event_id: string;
  type: string;
  account: string | null;
  livemode: boolean;
  created: number | null;
  received_at: string;
  source: EventSource;
  payload: Buffer;
  signature: string | null;
  status: EventStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  forwarded_at: string | null;
  /** How many more times the same event arrived after it was stored. */
  duplicates: number;
}

export interface DeliveryAttempt {
  id: number;
  event_row: number;
  kind: AttemptKind;
  target: string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  attempted_at: string;
}

/** The outcome of one delivery, and the state the event moves to. */
export interface AttemptResult {
  row: number;
  kind: AttemptKind;
  target: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  attemptedAt: Date;
  /** The event's new state; undefined leaves status and schedule alone (a dry replay, a trigger). */
  next?: { status: EventStatus; nextAttemptAt: Date | null; lastError: string | null; countAttempt: boolean };
}

export interface EventFilter {
  types?: string[];
  status?: EventStatus[];
  since?: Date;
  account?: string;
  eventIds?: string[];
  /** Received at or before this time: a bound that keeps a long read from taking in later arrivals. */
  until?: Date;
  /** Undefined: no cap. */
  limit?: number;
  /** By arrival time, then row id; newest first unless `oldest` (replay sends in Stripe's order). */
  order?: 'newest' | 'oldest';
}

export interface Cursor {
  eventId: string | null;
  eventCreated: number | null;
  updatedAt: string;
}

export interface AttemptSummary {
  attempts: number;
  succeeded: number;
  failed: number;
  byKind: Record<AttemptKind, { attempts: number; succeeded: number }>;
}

/** The database stopped answering (a lost connection), or answers again after `downMs`. */
export type AvailabilityChange = { available: false; error: Error } | { available: true; downMs: number };

export interface EventStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the events live, without secrets. */
  readonly location: string;
  /** True when inserts commit off this thread (SQLite writer thread, PostgreSQL): callers may queue several batches. */
  readonly pipelined: boolean;
  /** Stores a batch in one transaction (the unit of group commit); one outcome per event, in order. */
  insert(events: IncomingEvent[]): Promise<InsertOutcome[]>;
  /** By Stripe event id; `account` disambiguates the same id seen on two accounts. */
  get(eventId: string, account?: string | null): Promise<StoredEvent | undefined>;
  /** Newest first (or `order: 'oldest'`), streamed in pages (flat memory for --all). */
  list(filter: EventFilter): AsyncIterable<StoredEvent>;
  /** How many events `list(filter)` would yield, ignoring `limit`. */
  count(filter: EventFilter): Promise<number>;
  /**
   * Takes up to `limit` events due for forwarding (received or failed, next_attempt_at <= now) and
   * pushes their next_attempt_at `leaseMs` ahead, so no other listener takes them meanwhile. If this
   * process dies, the lease runs out and another picks them up. PostgreSQL: FOR UPDATE SKIP LOCKED.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<StoredEvent[]>;
  /** The earliest next_attempt_at of a pending event, to know when to look again. */
  nextDue(): Promise<Date | undefined>;
  /** Records attempts and the events' new states, all in one transaction. */
  recordAttempts(results: AttemptResult[]): Promise<void>;
  attempts(row: number): Promise<DeliveryAttempt[]>;
  getCursor(name: string): Promise<Cursor | undefined>;
  setCursor(name: string, eventId: string | null, eventCreated: number | null, now: Date): Promise<void>;

  // The read API for `metrics` and `health`.
  /** How many events are in each status (dead ones need an operator). */
  countsByStatus(): Promise<Record<EventStatus, number>>;
  /** Delivery attempts in [since, until): totals, successes (2xx), by kind. */
  attemptSummary(since: Date, until?: Date): Promise<AttemptSummary>;
  /** Events received in [since, until) by type, optionally under a prefix (`payment_intent.`). */
  countsByType(since: Date, until?: Date, typePrefix?: string): Promise<Record<string, number>>;
  /**
   * PostgreSQL: calls `watcher` once when the database stops answering and once when it answers
   * again, however many statements fail meanwhile (the listener logs one line per outage).
   */
  watchAvailability?(watcher: (change: AvailabilityChange) => void): void;
  close(): Promise<void>;
}

/** 2xx counts as delivered; everything else (including no response) is a failure. */
export const isSuccess = (statusCode: number | null) => statusCode !== null && statusCode >= 200 && statusCode < 300;
