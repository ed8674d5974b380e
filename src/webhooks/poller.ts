/**
 * Poll mode: pulls events from Stripe's Events API instead of opening a port, so a laptop behind
 * NAT needs no public URL. Events are processed oldest first after a cursor kept in the store; each
 * then goes through the same path as a pushed one (filter, store, print, forward).
 *
 * Stripe lists newest first. `ending_before=<cursor>` returns the page just newer than the cursor
 * (still newest first), so each page is reversed and the cursor moves to its newest event.
 */
import type Stripe from 'stripe';
import type { EventStore } from './types.js';

export const EVENT_RETENTION_DAYS = 30;

export interface PollerConfig {
  stripe: Stripe;
  store: EventStore;
  cursorName: string;
  intervalMs: number;
  now: () => Date;
  signal: AbortSignal;
  /** Stores and processes one event (the listener's shared path); resolves after the write. */
  process: (event: Stripe.Event, payload: Buffer) => Promise<void>;
  onWarning: (message: string) => void;
  onError: (error: unknown) => void;
}

export function cursorAgeWarning(eventCreated: number | null, now: Date): string | undefined {
  if (eventCreated === null) return undefined;
  const ageDays = (now.getTime() / 1000 - eventCreated) / 86_400;
  if (ageDays <= EVENT_RETENTION_DAYS) return undefined;
  return `the poll cursor is ${Math.floor(ageDays)} days old, but Stripe keeps events for only ${EVENT_RETENTION_DAYS} days: events in between may be gone (check the Dashboard, or reconcile with the API)`;
}

/** One pass: everything newer than the cursor, oldest first. Returns how many events it processed. */
export async function pollOnce(config: Omit<PollerConfig, 'intervalMs' | 'onError'>): Promise<number> {
  let cursor = await config.store.getCursor(config.cursorName);
  if (!cursor) {
    // First run: start at the newest event rather than replaying 30 days into the application.
    const latest = await config.stripe.events.list({ limit: 1 });
    const newest = latest.data[0];
    await config.store.setCursor(config.cursorName, newest?.id ?? null, newest?.created ?? null, config.now());
    return 0;
  }
  const warning = cursorAgeWarning(cursor.eventCreated, config.now());
  if (warning) config.onWarning(warning);
  let processed = 0;
  for (;;) {
    if (config.signal.aborted) return processed;
    let page: Stripe.Event[];
    let hasMore: boolean;
    if (cursor?.eventId) {
      const list = await config.stripe.events.list({ limit: 100, ending_before: cursor.eventId });
      page = [...list.data].reverse();
      hasMore = list.has_more;
    } else {
      // The cursor is at the start of history (there were no events at all): walk everything.
      page = [];
      let startingAfter: string | undefined;
      for (;;) {
        const list = await config.stripe.events.list({ limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) });
        page.push(...list.data);
        if (!list.has_more || !list.data.length) break;
        startingAfter = list.data[list.data.length - 1]!.id;
      }
      page.reverse();
      hasMore = false;
    }
    for (const event of page) {
      if (config.signal.aborted) return processed;
      await config.process(event, Buffer.from(JSON.stringify(event)));
      processed++;
      await config.store.setCursor(config.cursorName, event.id, event.created, config.now());
      cursor = { eventId: event.id, eventCreated: event.created, updatedAt: config.now().toISOString() };
    }
    if (!hasMore || !page.length) return processed;
  }
}

export async function runPoller(config: PollerConfig): Promise<void> {
  while (!config.signal.aborted) {
    try {
      await pollOnce(config);
    } catch (error) {
      if (config.signal.aborted) return;
      config.onError(error);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, config.intervalMs);
      config.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}
