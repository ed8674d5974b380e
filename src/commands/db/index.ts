import type { Command } from 'commander';
import type { App } from '../app.js';
import { define as defineBackup } from './backup.js';
import { define as defineMigrate } from './migrate.js';
import { define as defineStatus } from './status.js';

export function register(noun: Command, app: App): void {
  defineMigrate(noun, app);
  defineStatus(noun, app);
  defineBackup(noun, app);
}
