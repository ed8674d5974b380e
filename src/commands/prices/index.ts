import type { Command } from 'commander';
import type { App } from '../app.js';
import { define as defineArchive } from './archive.js';
import { define as defineCreate } from './create.js';
import { define as defineGet } from './get.js';
import { define as defineList } from './list.js';

export function register(noun: Command, app: App): void {
  defineList(noun, app);
  defineGet(noun, app);
  defineCreate(noun, app);
  defineArchive(noun, app);
}
