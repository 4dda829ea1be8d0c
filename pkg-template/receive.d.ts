// realtimekit-webhooks/receive: verifying and receiving deliveries only, over
// a wasm module of its own. The same classes and types as the package's name gives.
export {
  WebhookVerifier, deliveryKey, readDeliveryBody, WebhookReceiver, MemoryDeliveryStore, createNodeHandler,
  WEBHOOK_EVENTS, isWebhookEvent, parseEvents,
  RealtimeKitError, ValidationError, APIError, BadRequestError, AuthenticationError, PermissionDeniedError, NotFoundError,
  ConflictError, UnprocessableEntityError, RateLimitError, InternalServerError, APIConnectionError, APIConnectionTimeoutError,
  APIUserAbortError, SignatureError, PayloadError, KeyUnavailableError,
} from "../index.js";
export type * from "../index.js";
