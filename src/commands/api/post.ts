import type { Command } from 'commander';
import type { App } from '../app.js';
import { defineVerb } from './request.js';

export function define(noun: Command, app: App): Command {
  return defineVerb(noun, app, 'POST', [
    'api post /v1/customers -d email=jane@example.com -d metadata[plan]=gold',
    'api post /v1/customers/cus_123 -d name="Jane Doe" --idempotency-key rename-jane-1',
  ]);
}
