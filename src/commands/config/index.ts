import type { Command } from 'commander';
import type { App } from '../app.js';
import { define as defineGet } from './get.js';
import { define as defineList } from './list.js';
import { define as definePath } from './path.js';
import { define as defineSet } from './set.js';
import { define as defineUnset } from './unset.js';

export function register(noun: Command, app: App): void {
  defineList(noun, app);
  defineGet(noun, app);
  defineSet(noun, app);
  defineUnset(noun, app);
  definePath(noun, app);
}
