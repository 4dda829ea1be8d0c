// The public surface of realtimekit-webhooks/receive: verifying and receiving
// deliveries, over the receiving side's own wasm module (no client). Bundled
// by the build with the package modules it names; the snippets (errors.js,
// ...) stay the root's one copy, so its error classes are the package's.
export { WebhookVerifier, deliveryKey, readDeliveryBody } from "../webhook-verifier.js";
export { WebhookReceiver, MemoryDeliveryStore, createNodeHandler } from "../webhook-receiver.js";
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
