import type { Command } from 'commander';
import type { App } from '../app.js';
import { define as defineEndpointsCreate } from './endpoints-create.js';
import { define as defineEndpointsDelete } from './endpoints-delete.js';
import { define as defineEndpointsList } from './endpoints-list.js';
import { define as defineEndpointsUpdate } from './endpoints-update.js';
import { define as defineEventsList } from './events-list.js';
import { define as defineEventsShow } from './events-show.js';
import { define as defineListen } from './listen.js';
import { define as defineReplay } from './replay.js';
import { define as defineTrigger } from './trigger.js';

export function register(noun: Command, app: App): void {
  defineListen(noun, app);
  const events = noun.command('events').summary('List and show stored webhook events').description('List and show stored webhook events');
  defineEventsList(events, app);
  defineEventsShow(events, app);
  defineReplay(noun, app);
  defineTrigger(noun, app);
  const endpoints = noun
    .command('endpoints')
    .summary('Manage Stripe webhook endpoints: list, create, update, delete')
    .description('Manage Stripe webhook endpoints: list, create, update, delete');
  defineEndpointsList(endpoints, app);
  defineEndpointsCreate(endpoints, app);
  defineEndpointsUpdate(endpoints, app);
  defineEndpointsDelete(endpoints, app);
}
