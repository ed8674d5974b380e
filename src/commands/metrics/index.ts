import type { Command } from 'commander';
import type { App } from '../app.js';
import { define } from './metrics.js';

export function register(noun: Command, app: App): void {
  define(noun, app);
}
