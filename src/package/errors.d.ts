/** Base class of every error this package throws or rejects with. */
export class RealtimeKitError extends Error {}

/** Bad input: the request was not sent. */
export class ValidationError extends RealtimeKitError {
  /** The input at fault: `name`, `events[2]`, `webhookId`, `options`, ... */
  readonly field: string;
}

/** One `{code, message}` item of an API error envelope. */
export interface APIErrorDetail {
  /** The API's error code (Cloudflare codes can exceed 65535); null when the envelope has none. */
  code: number | null;
  /** The API's message. */
  message: string;
}

/** The API replied with an error status, `success: false`, or a body it never sends. */
export class APIError extends RealtimeKitError {
  /** The HTTP status. */
  readonly status: number;
  /** The `{code, message}` items of whichever error envelope came back. */
  readonly errors: APIErrorDetail[];
  /** The `cf-ray` header, which identifies the request to Cloudflare support. */
  readonly requestId: string | undefined;
  /** How long the server asked to wait before retrying, in seconds. */
  readonly retryAfter: number | undefined;
  /** The reply's body text (at most 8 KiB of it). */
  readonly body: string;
}

/** 400 */
export class BadRequestError extends APIError {}
/** 401: the token or key was refused. */
export class AuthenticationError extends APIError {}
/** 403: the credentials lack a permission. */
export class PermissionDeniedError extends APIError {}
/** 404 */
export class NotFoundError extends APIError {}
/** 409 */
export class ConflictError extends APIError {}
/** 422 */
export class UnprocessableEntityError extends APIError {}
/** 429: see `retryAfter`. */
export class RateLimitError extends APIError {}
/** 500 and above. */
export class InternalServerError extends APIError {}

/** No reply: the network or the `fetch` failed, or the body broke off. */
export class APIConnectionError extends RealtimeKitError {}
/** An attempt did not finish within its timeout. */
export class APIConnectionTimeoutError extends APIConnectionError {}
/** The request's `AbortSignal` fired. */
export class APIUserAbortError extends RealtimeKitError {}

/** A delivery is forged or damaged for certain: its signature is missing, malformed, or does not match a current key. Answer 401 (RealtimeKit does not retry it). */
export class SignatureError extends RealtimeKitError {}
/** A verified delivery is not a webhook delivery (not a JSON payload with an `event`, too large, no `rtk-uuid`). Answer 400 (not retried). */
export class PayloadError extends RealtimeKitError {}
/**
 * The key needed to judge a delivery is not available now: its fetch failed,
 * it may have been rotated and cannot be fetched again yet, or it cannot be
 * used. Never a verdict on the delivery: answer 503 and RealtimeKit delivers
 * it again later.
 */
export class KeyUnavailableError extends RealtimeKitError {
  /** Seconds until the key may be fetched again, when known. */
  readonly retryAfter: number | undefined;
  /** The key fetch's own error (an `APIError` or `APIConnectionError`), when a fetch failed. */
  readonly cause?: unknown;
}
