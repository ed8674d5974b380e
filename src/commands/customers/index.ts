import type { Command } from 'commander';
import type { App } from '../app.js';
import { notYetAvailable } from '../help.js';

export function register(noun: Command, app: App): void {
  notYetAvailable(noun, app);
}
