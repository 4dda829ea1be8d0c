// The public surface of realtimekit-webhooks/client: managing webhooks, over
// the client's own wasm module (no verifier, no receiver). Bundled by the
// build with the package modules it names; the snippets (errors.js, ...) stay
// the root's one copy, so its error classes are the package's.
export { WebhooksClient } from "../webhooks-client.js";
export { WEBHOOK_EVENTS, isWebhookEvent } from "../events.js";
export { parseEvents } from "../input.js";
export {
  RealtimeKitError,
  ValidationError,
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  SignatureError,
  PayloadError,
  KeyUnavailableError,
} from "../errors.js";
