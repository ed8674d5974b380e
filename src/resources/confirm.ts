/**
 * Destructive verbs (delete, cancel, refund, archive) ask before changing anything, showing what
 * will change. Without a TTY they need --yes, and refuse before sending any request, so a script
 * that forgot --yes has touched nothing, not even read the object.
 */
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

/**
 * @param action what would happen, without details (`refund pi_123`), for the refusal
 * @param describe fetches the object and returns the question (`Refund $20.00 USD of pi_123 to Jane <jane@x.com>?`)
 */
export async function confirmDestructive(ctx: Context, action: string, describe: () => Promise<string>): Promise<void> {
  if (ctx.globals.yes) return;
  if (!ctx.prompter.enabled) {
    throw new UsageError(`refusing to ${action} without confirmation`, { hint: 'pass --yes' });
  }
  await ctx.confirm(await describe());
}
