import type { Command } from 'commander';
import type { App } from '../app.js';
import { define } from './disconnect.js';

/** `disconnect` is a verb on its own: the noun's command is the verb. */
export function register(noun: Command, app: App): void {
  define(noun, app);
}
