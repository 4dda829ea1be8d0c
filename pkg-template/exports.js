// The package's public surface, shared by every runtime entry. Each entry
// initialises the wasm module its own way, then re-exports this. The build
// bundles this file with the package modules it names (src/package/), leaving
// out the wasm glue and the JS snippets it imports (errors.js, fetch.js,
// shape.js), which stay one copy each.
export { WebhooksClient } from "./webhooks-client.js";
export { WebhookVerifier, deliveryKey, readDeliveryBody } from "./webhook-verifier.js";
export { WebhookReceiver, MemoryDeliveryStore, createNodeHandler } from "./webhook-receiver.js";
export { generateTestKeys, signDelivery, exampleDelivery } from "./testing.js";
export { WEBHOOK_EVENTS, isWebhookEvent } from "./events.js";
export { parseEvents } from "./input.js";
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
} from "./errors.js";
