/**
 * The webhook store's figures, for `health` (dead events) and `metrics` (delivery, retries,
 * payments), read through the event store's read API (src/webhooks/types.ts: countsByStatus,
 * attemptSummary, countsByType). The event store lives where the token store does.
 */
import type { Context } from '../context.js';
import type { EventStatus } from '../webhooks/types.js';

export interface WebhookStats {
  /** Where the events live, without secrets. */
  location: string;
  /** Every stored event by status (not windowed: a dead event needs an operator whenever it died). */
  byStatus: Record<EventStatus, number>;
  /** Forward attempts in the window, and how many got a 2xx. */
  forwardAttempts: number;
  forwardSucceeded: number;
  /** Replay and trigger attempts in the window. */
  otherAttempts: number;
  /** Events received in the window. */
  received: number;
  /** payment_intent.* events received in the window, by type. */
  paymentIntents: Record<string, number>;
}

export async function readWebhookStats(ctx: Context, since: Date, until: Date): Promise<WebhookStats> {
  const store = await ctx.events();
  const [byStatus, attempts, byType] = await Promise.all([
    store.countsByStatus(),
    store.attemptSummary(since, until),
    store.countsByType(since, until),
  ]);
  const paymentIntents = Object.fromEntries(Object.entries(byType).filter(([type]) => type.startsWith('payment_intent.')));
  return {
    location: store.location,
    byStatus,
    forwardAttempts: attempts.byKind.forward.attempts,
    forwardSucceeded: attempts.byKind.forward.succeeded,
    otherAttempts: attempts.byKind.replay.attempts + attempts.byKind.trigger.attempts,
    received: Object.values(byType).reduce((sum, n) => sum + Number(n), 0),
    paymentIntents,
  };
}
