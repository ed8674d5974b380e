/**
 * API errors in Stripe's wire shape: `{"error": {"type", "code", "message", "param", "request_log_url"}}`.
 * Handlers throw ApiError; the server renders it with the request's log URL.
 */
export type StripeErrorType =
  | 'api_error'
  | 'card_error'
  | 'idempotency_error'
  | 'invalid_request_error';

export interface ApiErrorOptions {
  code?: string;
  param?: string;
  /** Extra fields Stripe adds for some errors (decline_code, payment_intent, charge...). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: StripeErrorType;
  readonly code?: string;
  readonly param?: string;
  readonly extra?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  constructor(status: number, type: StripeErrorType, message: string, options: ApiErrorOptions = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = options.code;
    this.param = options.param;
    this.extra = options.extra;
    this.headers = options.headers;
  }

  toBody(requestLogUrl: string): { error: Record<string, unknown> } {
    return {
      error: {
        type: this.type,
        code: this.code ?? null,
        message: this.message,
        param: this.param ?? null,
        request_log_url: requestLogUrl,
        ...(this.code ? { doc_url: `https://stripe.com/docs/error-codes/${this.code.replaceAll('_', '-')}` } : {}),
        ...this.extra,
      },
    };
  }
}

export function invalidRequest(message: string, options?: ApiErrorOptions): ApiError {
  return new ApiError(400, 'invalid_request_error', message, options);
}

export function missingParam(param: string): ApiError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

export function invalidParam(param: string, message: string, code = 'parameter_invalid_string'): ApiError {
  return invalidRequest(message, { code, param });
}

export function noSuch(objectName: string, id: string, param = 'id'): ApiError {
  return new ApiError(404, 'invalid_request_error', `No such ${objectName}: '${id}'`, { code: 'resource_missing', param });
}

export function unrecognizedUrl(method: string, path: string): ApiError {
  return new ApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
}

export function unauthorized(message: string, code?: string): ApiError {
  return new ApiError(401, 'invalid_request_error', message, { code });
}

export function permissionDenied(message: string, code?: string): ApiError {
  return new ApiError(403, 'invalid_request_error', message, { code });
}

export function rateLimited(): ApiError {
  return new ApiError(429, 'invalid_request_error', 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.', {
    code: 'rate_limit',
  });
}

/** Stripe's answer while another request with the same idempotency key is still running. */
export function idempotencyKeyInUse(key?: string): ApiError {
  return new ApiError(
    409,
    'idempotency_error',
    `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key ?? 'the key'}. Please try again later.`,
    { code: 'idempotency_key_in_use' },
  );
}

export function internalError(): ApiError {
  return new ApiError(500, 'api_error', 'An unknown error occurred while processing your request. Please try again.');
}

export function unexpectedState(message: string, extra?: Record<string, unknown>): ApiError {
  return invalidRequest(message, { code: 'payment_intent_unexpected_state', extra });
}
