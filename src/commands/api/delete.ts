import type { Command } from 'commander';
import type { App } from '../app.js';
import { defineVerb } from './request.js';

export function define(noun: Command, app: App): Command {
  return defineVerb(noun, app, 'DELETE', ['api delete /v1/customers/cus_123', 'api delete /v1/webhook_endpoints/we_123 --live']);
}
