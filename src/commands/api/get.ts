import type { Command } from 'commander';
import type { App } from '../app.js';
import { defineVerb } from './request.js';

export function define(noun: Command, app: App): Command {
  return defineVerb(noun, app, 'GET', [
    'api get /v1/balance',
    'api get /v1/customers -d limit=3 --format tsv',
    'api get /v1/customers -d limit=3 --fields id,email --json',
    'api get /v1/customers/cus_123 -d expand[]=default_source',
  ]);
}
