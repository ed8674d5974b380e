import { describe, expect, it } from 'vitest';
import { AuthError, exitCodeFor, formatError, NotFoundError, TemporaryError, UsageError } from '../../src/errors.js';

function stripeError(type: string, fields: Record<string, unknown>) {
  return Object.assign(new Error(String(fields.message ?? 'failed')), { type, ...fields });
}

describe('exit codes', () => {
  it('maps typed errors', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(2);
    expect(exitCodeFor(new NotFoundError('x'))).toBe(3);
    expect(exitCodeFor(new AuthError('x'))).toBe(4);
    expect(exitCodeFor(new TemporaryError('x'))).toBe(5);
    expect(exitCodeFor(new Error('x'))).toBe(1);
  });

  it('maps Stripe errors by type, code and status', () => {
    expect(exitCodeFor(stripeError('StripeInvalidRequestError', { code: 'resource_missing', statusCode: 404 }))).toBe(3);
    expect(exitCodeFor(stripeError('StripeAuthenticationError', { statusCode: 401 }))).toBe(4);
    expect(exitCodeFor(stripeError('StripePermissionError', { statusCode: 403 }))).toBe(4);
    expect(exitCodeFor(stripeError('StripeRateLimitError', { statusCode: 429 }))).toBe(5);
    expect(exitCodeFor(stripeError('StripeAPIError', { statusCode: 500 }))).toBe(5);
    expect(exitCodeFor(stripeError('StripeConnectionError', {}))).toBe(5);
    expect(exitCodeFor(stripeError('StripeCardError', { statusCode: 402, code: 'card_declined' }))).toBe(1);
    expect(exitCodeFor(stripeError('StripeInvalidRequestError', { statusCode: 400 }))).toBe(1);
  });

  it('formats a Stripe error as one line with type, code, param and request id, secrets masked', () => {
    const line = formatError(
      stripeError('StripeInvalidRequestError', {
        message: 'No such customer: cus_123\nfor key sk_test_abcdefghijklmnopqrst',
        rawType: 'invalid_request_error',
        code: 'resource_missing',
        param: 'id',
        requestId: 'req_abc',
      }),
    );
    expect(line).toBe(
      'Stripe: No such customer: cus_123 for key sk_test_…qrst (type=invalid_request_error, code=resource_missing, param=id, request=req_abc)',
    );
  });

  it('appends the hint of a typed error', () => {
    expect(formatError(new UsageError('--amount is required', { hint: 'for example --amount 20.00' }))).toBe(
      '--amount is required (for example --amount 20.00)',
    );
  });
});
