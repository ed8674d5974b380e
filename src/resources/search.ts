/** Stripe's search query language: checked for the mistakes a shell makes before it is sent. */
import { UsageError } from '../errors.js';

export function validateQuery(query: string | undefined): string {
  const text = (query ?? '').trim();
  if (!text) throw new UsageError('the search query is empty', { hint: "for example \"email:'jane@example.com'\"" });
  if (text.length > 10_000) throw new UsageError('the search query is longer than Stripe allows (10000 characters)');
  // A shell that ate the quotes leaves `email:jane@example.com`; Stripe needs the value quoted.
  const unquoted = /(^|\s)([a-z_]+(\[['"][^'"]+['"]\])?)(:|~|>=|<=|>|<)(?![='"\d-])(\S+)/i.exec(text);
  if (unquoted && !/^(AND|OR|null)$/i.test(unquoted[5])) {
    throw new UsageError(`search value "${unquoted[5]}" must be quoted`, { hint: `write ${unquoted[2]}${unquoted[4]}'${unquoted[5]}' and wrap the whole query in double quotes` });
  }
  return text;
}
