/** What the webhook verbs share: secrets from flags or the profile, and the stored-event columns. */
import type { Context } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import type { Column } from '../../io/output.js';
import { registerSecret } from '../../redact.js';
import { splitSecrets } from '../../webhooks/parse.js';
import { describeEvent } from '../../webhooks/summary.js';
import type { StoredEvent } from '../../webhooks/types.js';

/**
 * The global --account as a filter on stored events, which record the account id: acct_... as is,
 * a connection's user id through the token store. Undefined when --account was not given.
 */
export async function eventAccountFilter(ctx: Context): Promise<string | undefined> {
  const account = ctx.globals.account;
  if (!account || account.startsWith('acct_')) return account || undefined;
  const connection = await (await ctx.tokens()).get(account);
  if (!connection?.stripe_user_id) {
    throw new NotFoundError(`no connection named "${account}" with an account id in profile ${ctx.config.profile}`, { hint: 'pass --account acct_...' });
  }
  return connection.stripe_user_id;
}

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

const PAYLOAD_SLOT = '\u0000atom-stripe-payload\u0000';
/** Deeper than this, a payload is shown as received: indenting it would be quadratic in size (and V8 may overflow). */
const MAX_PRETTY_DEPTH = 64;

/** The deepest nesting of objects and arrays in JSON text, found by one scan (strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === '}' || char === ']') depth--;
  }
  return deepest;
}

const tooDeep = (stored: StoredEvent) => jsonDepth(stored.payload.toString('utf8')) > MAX_PRETTY_DEPTH;

/**
 * JSON.stringify of a document holding a stored event's parsed payload at `event`. A payload too
 * deep to indent or to stringify (a validly signed event nested 5,000 deep) is spliced in as the
 * bytes received, which are JSON already: showing a stored event never fails because of what it holds.
 */
export function stringifyWithPayload(document: Record<string, unknown>, stored: StoredEvent, indent?: number): string {
  if (!tooDeep(stored)) return JSON.stringify(document, null, indent);
  const text = JSON.stringify({ ...document, event: PAYLOAD_SLOT }, null, indent);
  return text.replace(JSON.stringify(PAYLOAD_SLOT), () => stored.payload.toString('utf8'));
}

/** The payload pretty-printed, or as received when it is too deep to indent. */
export function prettyPayload(parsed: unknown, stored: StoredEvent): string {
  return tooDeep(stored) ? stored.payload.toString('utf8') : JSON.stringify(parsed, null, 2);
}

export const EVENT_COLUMNS: Column<Record<string, unknown>>[] = [
  { key: 'received_at', kind: 'time' },
  { key: 'type' },
  { key: 'id' },
  { key: 'account', get: (row) => (row.account as string | null) ?? '' },
  { key: 'status' },
  { key: 'attempts' },
  { key: 'summary', get: (row) => describeEvent(row.event) },
];
