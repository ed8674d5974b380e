/**
 * The webhook store's figures, for `health` (dead events) and `metrics` (delivery, retries,
 * payments). They come from the webhook module's read API, `src/webhooks/stats.ts`:
 *
 *   export async function webhookStats(ctx: Context, options: { since?: Date }): Promise<WebhookStats | undefined>
 *
 * (undefined when the store has no webhook tables yet). Until that module ships, every consumer
 * reports "skip" with the reason below instead of guessing at the tables.
 */
import type { Context } from '../context.js';

export interface WebhookStats {
  /** Events stored (received_at within the window, or all when no `since`). */
  received: number;
  forwarded: number;
  /** Failed at least once and still retrying. */
  failed: number;
  dead: number;
  /** Stored and not yet forwarded (no target, or waiting for the next attempt). */
  pending: number;
  /** Delivery attempts to the forward target, and how many of them did not get a 2xx. */
  attempts: number;
  attempts_failed: number;
  /** payment_intent.succeeded and payment_intent.payment_failed events stored. */
  payment_intents_succeeded: number;
  payment_intents_failed: number;
}

export type WebhookStatsSource =
  | { available: true; stats(ctx: Context, options: { since?: Date }): Promise<WebhookStats | undefined> }
  | { available: false; reason: string };

export const WEBHOOK_STATS_MODULE = '../webhooks/stats.js';

export async function loadWebhookStats(specifier: string = WEBHOOK_STATS_MODULE): Promise<WebhookStatsSource> {
  let module: { webhookStats?: unknown };
  try {
    module = (await import(specifier)) as { webhookStats?: unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND') return { available: false, reason: 'the webhook store is not part of this build yet' };
    throw error;
  }
  if (typeof module.webhookStats !== 'function') return { available: false, reason: 'the webhook store has no stats reader in this build' };
  return { available: true, stats: module.webhookStats as (ctx: Context, options: { since?: Date }) => Promise<WebhookStats | undefined> };
}
