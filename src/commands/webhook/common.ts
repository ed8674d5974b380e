/** What the webhook verbs share: secrets from flags or the profile, and the stored-event columns. */
import type { Context } from '../../context.js';
import type { Column } from '../../io/output.js';
import { registerSecret } from '../../redact.js';
import { splitSecrets } from '../../webhooks/parse.js';
import { summarize } from '../../webhooks/summary.js';
import type { StoredEvent } from '../../webhooks/types.js';

/** --secret values (repeatable, comma-separated), else the profile's webhook_secret list. */
export function webhookSecrets(ctx: Context, flagValues: string[] | undefined): string[] {
  const fromFlags = splitSecrets(flagValues ?? []);
  for (const secret of fromFlags) registerSecret(secret);
  return fromFlags.length ? fromFlags : splitSecrets([ctx.config.get('webhook_secret')]);
}

export function parsePayload(event: StoredEvent): unknown {
  try {
    return JSON.parse(event.payload.toString('utf8'));
  } catch {
    return null;
  }
}

/** The JSON shape of a stored event: its columns, and the event itself parsed. */
export function eventRecord(event: StoredEvent): Record<string, unknown> {
  const { payload: _payload, row: _row, event_id, ...rest } = event;
  return { id: event_id, ...rest, event: parsePayload(event) };
}

export const EVENT_COLUMNS: Column<Record<string, unknown>>[] = [
  { key: 'received_at', kind: 'time' },
  { key: 'type' },
  { key: 'id' },
  { key: 'account', get: (row) => (row.account as string | null) ?? '' },
  { key: 'status' },
  { key: 'attempts' },
  { key: 'summary', get: (row) => summarize(row.event) },
];
