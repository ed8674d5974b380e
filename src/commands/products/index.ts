import type { Command } from 'commander';
import type { App } from '../app.js';
import { define as defineArchive } from './archive.js';
import { define as defineCreate } from './create.js';
import { define as defineDelete } from './delete.js';
import { define as defineGet } from './get.js';
import { define as defineList } from './list.js';
import { define as defineSearch } from './search.js';
import { define as defineUpdate } from './update.js';

export function register(noun: Command, app: App): void {
  defineList(noun, app);
  defineGet(noun, app);
  defineSearch(noun, app);
  defineCreate(noun, app);
  defineUpdate(noun, app);
  defineArchive(noun, app);
  defineDelete(noun, app);
}
