import type { Command } from 'commander';
import type { App } from '../app.js';
import { define as defineCancel } from './cancel.js';
import { define as defineCapture } from './capture.js';
import { define as defineConfirm } from './confirm.js';
import { define as defineCreate } from './create.js';
import { define as defineGet } from './get.js';
import { define as defineList } from './list.js';
import { define as defineRefund } from './refund.js';
import { define as defineRefunds } from './refunds.js';
import { define as defineSearch } from './search.js';

export function register(noun: Command, app: App): void {
  defineList(noun, app);
  defineGet(noun, app);
  defineSearch(noun, app);
  defineCreate(noun, app);
  defineConfirm(noun, app);
  defineCapture(noun, app);
  defineCancel(noun, app);
  defineRefund(noun, app);
  defineRefunds(noun, app);
}
