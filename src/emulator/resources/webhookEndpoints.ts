/**
 * Webhook endpoints. The signing secret is shown once, in the create response; it's kept in an
 * internal field the wire shape never includes.
 */
import type { ApiContext } from '../engine.js';
import { API_VERSION } from '../engine.js';
import { invalidParam } from '../errors.js';
import { newSecret } from '../ids.js';
import { mergeMetadata, nullableString, optionalBoolean, optionalString, requiredString, stringArray } from '../params.js';
import type { Router } from '../router.js';
import { render } from '../shapes.js';
import type { StoredObject } from '../store.js';
import { create, defined, load, registerList, registerRetrieve, update, type ResourceInfo } from './crud.js';

export const WEBHOOK_ENDPOINT: ResourceInfo = { type: 'webhook_endpoint', prefix: 'we', collection: 'webhook_endpoints', events: false };

export interface WebhookEndpointRecord extends StoredObject {
  url: string;
  enabled_events: string[];
  status: 'enabled' | 'disabled';
  api_version: string | null;
  connect?: boolean;
  metadata?: Record<string, string>;
  _secret: string;
}

function readUrl(ctx: ApiContext, required: boolean): string | undefined {
  const url = required ? requiredString(ctx.params, 'url') : optionalString(ctx.params, 'url');
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidParam('url', `Invalid URL: ${url}`, 'url_invalid');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidParam('url', `Invalid URL: ${url}. URLs must begin with http or https.`, 'url_invalid');
  return url;
}

function readEvents(ctx: ApiContext, required: boolean): string[] | undefined {
  if (ctx.params.enabled_events === undefined) {
    if (required) throw invalidParam('enabled_events', 'Missing required param: enabled_events.', 'parameter_missing');
    return undefined;
  }
  const events = stringArray(ctx.params, 'enabled_events');
  if (events.length === 0) throw invalidParam('enabled_events', 'enabled_events must contain at least one event type.', 'parameter_invalid_empty');
  for (const type of events) {
    if (type !== '*' && !/^[a-z_]+(\.[a-z_]+)+$/.test(type)) throw invalidParam('enabled_events', `Invalid event type: ${type}`);
  }
  return events;
}

export function registerWebhookEndpoints(router: Router): void {
  router.post('/v1/webhook_endpoints', (ctx) => {
    const endpoint = create<WebhookEndpointRecord>(ctx, WEBHOOK_ENDPOINT, defined({
      api_version: optionalString(ctx.params, 'api_version') ?? API_VERSION,
      application: null,
      connect: optionalBoolean(ctx.params, 'connect'),
      description: nullableString(ctx.params, 'description'),
      enabled_events: readEvents(ctx, true),
      metadata: mergeMetadata(ctx.params),
      status: 'enabled',
      url: readUrl(ctx, true),
      _secret: newSecret('whsec_', 32),
    }) as WebhookEndpointRecord);
    return { ...render(endpoint), secret: endpoint._secret };
  });

  registerRetrieve(router, WEBHOOK_ENDPOINT);

  router.post('/v1/webhook_endpoints/:id', (ctx) => {
    const endpoint = load<WebhookEndpointRecord>(ctx, WEBHOOK_ENDPOINT, ctx.path.id);
    const disabled = optionalBoolean(ctx.params, 'disabled');
    return render(update(ctx, WEBHOOK_ENDPOINT, endpoint, defined({
      description: nullableString(ctx.params, 'description'),
      enabled_events: readEvents(ctx, false),
      metadata: mergeMetadata(ctx.params, endpoint.metadata),
      status: disabled === undefined ? undefined : disabled ? 'disabled' : 'enabled',
      url: readUrl(ctx, false),
    }) as Partial<WebhookEndpointRecord>));
  });

  router.delete('/v1/webhook_endpoints/:id', (ctx) => {
    const endpoint = load<WebhookEndpointRecord>(ctx, WEBHOOK_ENDPOINT, ctx.path.id);
    ctx.engine.store.remove(ctx.scope, WEBHOOK_ENDPOINT.type, endpoint.id);
    return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
  });

  registerList<WebhookEndpointRecord>(router, WEBHOOK_ENDPOINT);
}
