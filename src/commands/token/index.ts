import type { Command } from 'commander';
import type { App } from '../app.js';
import { define as defineDelete } from './delete.js';
import { define as defineExport } from './export.js';
import { define as defineImport } from './import.js';
import { define as defineList } from './list.js';
import { define as defineMigrate } from './migrate.js';
import { define as defineRefresh } from './refresh.js';
import { define as defineRotateKey } from './rotate-key.js';
import { define as defineShow } from './show.js';

export function register(noun: Command, app: App): void {
  defineList(noun, app);
  defineShow(noun, app);
  defineDelete(noun, app);
  defineImport(noun, app);
  defineExport(noun, app);
  defineMigrate(noun, app);
  defineRefresh(noun, app);
  defineRotateKey(noun, app);
}
