// The error classes of realtimekit-webhooks. The wasm module creates its
// errors through `makeError`, `makeApiError` and `makeKeyError`
// (src/wasm/errors.rs); the package entries re-export the classes (never the
// factories).
//
// Every class sets `name` on its prototype, so names survive minification.

/** Base class of every error this package throws or rejects with. */
export class RealtimeKitError extends Error {}

/** Bad input: the request was not sent. `field` names the input at fault. */
export class ValidationError extends RealtimeKitError {
  constructor(message, field) {
    super(message);
    this.field = field;
  }
}

/** The API replied with an error status, `success: false`, or a body it never sends. */
export class APIError extends RealtimeKitError {
  constructor(message, status, errors, requestId, retryAfter, body) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
    this.body = body;
  }
}

export class BadRequestError extends APIError {}
export class AuthenticationError extends APIError {}
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class ConflictError extends APIError {}
export class UnprocessableEntityError extends APIError {}
export class RateLimitError extends APIError {}
export class InternalServerError extends APIError {}

/** No reply: the network or the `fetch` failed, or the body broke off. */
export class APIConnectionError extends RealtimeKitError {}
/** An attempt did not finish within its timeout. */
export class APIConnectionTimeoutError extends APIConnectionError {}
/** The request's `AbortSignal` fired. */
export class APIUserAbortError extends RealtimeKitError {}

/** A delivery is forged or damaged for certain: its signature is missing, malformed, or does not match a current key. Answer 401. */
export class SignatureError extends RealtimeKitError {}
/** A verified delivery is not a webhook delivery (not a JSON payload with an `event`, too large, no `rtk-uuid`). Answer 400. */
export class PayloadError extends RealtimeKitError {}
/**
 * The key needed to judge a delivery is not available now: its fetch failed, it
 * may have been rotated and cannot be fetched again yet, or it cannot be used.
 * Answer 503: RealtimeKit delivers again later. `retryAfter` is in seconds.
 */
export class KeyUnavailableError extends RealtimeKitError {
  constructor(message, retryAfter, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.retryAfter = retryAfter;
  }
}

const classes = {
  RealtimeKitError, ValidationError, APIError, BadRequestError, AuthenticationError,
  PermissionDeniedError, NotFoundError, ConflictError, UnprocessableEntityError,
  RateLimitError, InternalServerError, APIConnectionError, APIConnectionTimeoutError,
  APIUserAbortError, SignatureError, PayloadError, KeyUnavailableError,
};
for (const [name, cls] of Object.entries(classes)) {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
}

const byStatus = {
  400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError,
  404: NotFoundError, 409: ConflictError, 422: UnprocessableEntityError, 429: RateLimitError,
};

/** An error of the class named `kind`, with `field` for a ValidationError. */
export function makeError(kind, message, field) {
  const cls = classes[kind] ?? RealtimeKitError;
  return cls === ValidationError ? new ValidationError(message, field) : new cls(message);
}

/** A KeyUnavailableError; `cause` is the key fetch's own error, if any. */
export function makeKeyError(message, retryAfter, cause) {
  return new KeyUnavailableError(message, retryAfter, cause);
}

/** An APIError of the subclass for `status`. */
export function makeApiError(message, status, errors, requestId, retryAfter, body) {
  const cls = byStatus[status] ?? (status >= 500 ? InternalServerError : APIError);
  return new cls(message, status, errors, requestId, retryAfter, body);
}
