import type { Command } from 'commander';
import type { App } from '../app.js';
import { define as defineDelete } from './delete.js';
import { define as defineGet } from './get.js';
import { define as definePost } from './post.js';

export function register(noun: Command, app: App): void {
  defineGet(noun, app);
  definePost(noun, app);
  defineDelete(noun, app);
}
