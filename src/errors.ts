/**
 * Typed errors and the one place that maps any error to an exit code and a one-line message.
 * Commands throw; only src/main.ts prints and exits.
 */
import { redact } from './redact.js';

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  temporary: 5,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_TABLE: ReadonlyArray<[number, string]> = [
  [0, 'success'],
  [1, 'the operation failed'],
  [2, 'usage or validation error (bad flag, bad amount, bad id); no request is sent'],
  [3, 'not found'],
  [4, 'authentication or permission, including a revoked token that needs reconnecting'],
  [5, 'temporary: network, rate limit or Stripe 5xx after retries, or a lock held by another run; safe to retry: a re-run of the same command within 24 h sends its writes with the same idempotency keys, so nothing is written twice'],
  [130, 'interrupted'],
];

export class AtomError extends Error {
  readonly exitCode: number = ExitCode.failed;
  /** A short hint appended to the message, e.g. the flag that fixes it. */
  readonly hint?: string;
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}
export class OperationError extends AtomError {}
export class UsageError extends AtomError {
  override readonly exitCode = ExitCode.usage;
}
export class NotFoundError extends AtomError {
  override readonly exitCode = ExitCode.notFound;
}
export class AuthError extends AtomError {
  override readonly exitCode = ExitCode.auth;
}
export class TemporaryError extends AtomError {
  override readonly exitCode = ExitCode.temporary;
}
export class InterruptedError extends AtomError {
  override readonly exitCode = ExitCode.interrupted;
  constructor(message = 'interrupted') {
    super(message);
  }
}

/** The shape of a stripe-node error, duck-typed so this module never loads stripe. */
interface StripeLikeError {
  type?: string;
  rawType?: string;
  code?: string;
  param?: string;
  statusCode?: number;
  requestId?: string;
  message?: string;
  decline_code?: string;
}

export function isStripeError(error: unknown): error is StripeLikeError & Error {
  return (
    error instanceof Error &&
    typeof (error as StripeLikeError).type === 'string' &&
    (error as StripeLikeError).type!.startsWith('Stripe')
  );
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof AtomError) return error.exitCode;
  if (isStripeError(error)) {
    const status = error.statusCode ?? 0;
    switch (error.type) {
      case 'StripeAuthenticationError':
      case 'StripePermissionError':
        return ExitCode.auth;
      case 'StripeRateLimitError':
      case 'StripeConnectionError':
      case 'StripeAPIError':
        return ExitCode.temporary;
      case 'StripeIdempotencyError':
        return ExitCode.failed;
      case 'StripeInvalidGrantError':
      case 'StripeInvalidClientError':
        return ExitCode.auth;
      default:
        if (error.code === 'resource_missing' || status === 404) return ExitCode.notFound;
        if (status === 401 || status === 403) return ExitCode.auth;
        if (status === 429 || status >= 500) return ExitCode.temporary;
        return ExitCode.failed;
    }
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EAI_AGAIN') {
    return ExitCode.temporary;
  }
  if ((error as Error | undefined)?.name === 'AbortError') return ExitCode.interrupted;
  return ExitCode.failed;
}

/** One actionable line, secrets masked. */
export function formatError(error: unknown): string {
  if (isStripeError(error)) {
    const details = [
      error.rawType ? `type=${error.rawType}` : undefined,
      error.code ? `code=${error.code}` : undefined,
      error.decline_code ? `decline_code=${error.decline_code}` : undefined,
      error.param ? `param=${error.param}` : undefined,
      error.requestId ? `request=${error.requestId}` : undefined,
    ].filter(Boolean);
    const message = (error.message || 'Stripe request failed').replace(/\s+/g, ' ').trim();
    // Not JSON: a proxy, gateway or wrong host answered (an HTML error page, say), not Stripe.
    const hint = /^Invalid JSON received/.test(message) ? ' (something other than Stripe answered: check --api-base and HTTPS_PROXY)' : '';
    return redact(`Stripe: ${message}${details.length ? ` (${details.join(', ')})` : ''}${hint}`);
  }
  if (error instanceof AtomError) {
    return redact(`${error.message}${error.hint ? ` (${error.hint})` : ''}`);
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return redact(`${error.message}${code && !error.message.includes(code) ? ` (${code})` : ''}`.replace(/\s+/g, ' '));
  }
  return redact(String(error));
}
