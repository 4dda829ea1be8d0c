/**
 * What a `DeliveryStore` is told of a delivery: the keys it de-duplicates on,
 * and what the delivery is. A delivery is its `id` **and** its `bodyHash`:
 * only the body is signed, so the same `rtk-uuid` with other bytes is another
 * delivery, never a repeat of this one.
 */
export interface DeliveryKey {
  /** The `rtk-uuid`: retries of a delivery share it (but it is not signed). */
  id: string;
  /** The SHA-256 of the raw body (hex): with `id`, the delivery's identity. */
  bodyHash: string;
  /** The SHA-256 of the raw body (hex) when replay protection applies: a delivery whose replay key is done is done, whatever its `id`. Else null. */
  replayKey: string | null;
  /** The body's `event`. */
  event: string;
  /** The `rtk-webhook-id`. */
  webhookId: string | null;
}

/** What `DeliveryStore.claim` found: new (handle it now), done already (a repeat), or claimed by another attempt right now. */
export type Claim = "claimed" | "done" | "busy";

/**
 * Where deliveries are recorded so that each is handled once. To hold across
 * isolates and machines, back it with storage they all share and that is
 * consistent at once: D1, PostgreSQL or a Durable Object (not KV, whose
 * writes take up to a minute to reach other locations). A method that throws
 * or rejects makes the receiver answer 503, so the delivery comes back.
 *
 * What a store must guarantee:
 * - a delivery is its `id` and `bodyHash` together; a delivery whose
 *   `replayKey` is done is done, and one whose `replayKey` is claimed is busy;
 * - `claim` is atomic: of two attempts at once, one gets "claimed";
 * - a claim has an owner (a token each attempt makes): only the owner's
 *   `renew`, `complete` and `release` act on it, and each returns false when
 *   the claim is not (or no longer) the owner's; `complete` by the same owner
 *   twice returns true both times (the receiver retries a write that failed);
 * - a done delivery stays done at least as long as RealtimeKit may send it
 *   again (a day is safe).
 */
export interface DeliveryStore {
  /**
   * Claims the delivery for `owner` until `leaseMs` from now: "claimed" when it
   * is new, released, or its last claim's lease ran out; "done" when it (or
   * its `replayKey`) is done; "busy" when another claim holds it (or its `replayKey`).
   */
  claim(delivery: DeliveryKey, owner: string, leaseMs: number): Claim | Promise<Claim>;
  /** Extends `owner`'s claim to `leaseMs` from now (the receiver calls it every third of the lease while the handlers run): true while the claim is the owner's, false when not. */
  renew(delivery: DeliveryKey, owner: string, leaseMs: number): boolean | Promise<boolean>;
  /** The handlers succeeded: the delivery (and its `replayKey`) is done. False (and nothing changes) when the claim is not `owner`'s. */
  complete(delivery: DeliveryKey, owner: string): boolean | void | Promise<boolean | void>;
  /** The handlers failed (`reason` says how): drop the claim, so the next attempt claims it. False when the claim is not `owner`'s. */
  release(delivery: DeliveryKey, owner: string, reason: string): boolean | void | Promise<boolean | void>;
}

/** Options of `new MemoryDeliveryStore(options)`. */
export interface MemoryStoreOptions {
  /** Deliveries kept (default 10000); the oldest are forgotten first. */
  maxEntries?: number;
  /** Milliseconds a delivery is remembered (default 86400000, a day). */
  ttl?: number;
}

/**
 * A `DeliveryStore` in this process's memory: for tests and single-process
 * servers (each Worker isolate would have its own; use D1 or a Durable Object
 * to de-duplicate across isolates). Past `maxEntries` the oldest deliveries
 * are forgotten first, but the replay keys of handled deliveries are kept for
 * their whole `ttl`, so a flood of requests cannot flush them.
 */
export class MemoryDeliveryStore implements DeliveryStore {
  constructor(options?: MemoryStoreOptions);
  /** How many deliveries it holds. */
  readonly size: number;
  claim(delivery: DeliveryKey, owner: string, leaseMs: number): Claim;
  renew(delivery: DeliveryKey, owner: string, leaseMs: number): boolean;
  complete(delivery: DeliveryKey, owner: string): boolean;
  release(delivery: DeliveryKey, owner: string, reason?: string): boolean;
}

/** The payload of event `E`. */
export type PayloadOf<E extends WebhookEvent> = Extract<WebhookPayload, { event: E }>;

/** A verified delivery of one of the events `E`; checking `event` narrows `payload`. */
export type DeliveryFor<E extends WebhookEvent> = E extends WebhookEvent ? DeliveryOf<PayloadOf<E>> : never;

/** A verified delivery of an event this version does not know. */
export interface UnknownDelivery {
  /** `rtk-uuid`. */
  id: string;
  /** `rtk-webhook-id`. */
  webhookId: string | null;
  /** The body's `event`. */
  event: string;
  /** The parsed body, untouched. */
  payload: UnknownPayload;
}

/** What became of a delivery, and the status that answers RealtimeKit. */
export type ReceiveOutcome =
  /** 200: verified, new, and every handler succeeded. */
  | "handled"
  /** 200: handled before (same `rtk-uuid` and body, or the same body under another `rtk-uuid`: a replay); no handler ran. */
  | "repeat"
  /** 401: the signature is missing, malformed, or does not match a current key (`error` is a SignatureError). Not retried. */
  | "forged"
  /** 400: verified, but not a webhook delivery (`error` is a PayloadError). Not retried. */
  | "malformed"
  /** 503: the key is not available now (`error` is a KeyUnavailableError). RealtimeKit delivers again. */
  | "key-unavailable"
  /** 503: another attempt of the same delivery is being handled right now. RealtimeKit delivers again. */
  | "in-progress"
  /** 503: the store failed (`error` is its error). RealtimeKit delivers again. */
  | "store-failed"
  /** 500: a handler threw or rejected (`error` is what it threw). RealtimeKit delivers again. */
  | "handler-failed";

/** What `receive` resolves to. */
export interface ReceiveResult {
  /** What became of the delivery. */
  outcome: ReceiveOutcome;
  /** The status to answer: 200, 400, 401, 500 or 503. */
  status: number;
  /** The verified delivery (absent for forged, malformed, key-unavailable). */
  delivery?: Delivery | UnknownDelivery;
  /** Why it was not handled. */
  error?: unknown;
  /** The store's error when it could not record the outcome after every retry (handled: a redelivery is handled again; handler-failed: the next attempt waits for the lease). */
  storeError?: unknown;
  /** True when the store gave the claim to another attempt while the handlers ran (its lease ran out unrenewed): they may have run twice. */
  leaseLost?: boolean;
  /** Seconds until the key may be fetched again (key-unavailable). */
  retryAfter?: number;
}

/** What `onError` hears when a request could not be read at all (not a Request, its body already read, or broken off): it was answered 500. */
export interface UnreadableResult {
  outcome: "unreadable";
  status: 500;
  error: unknown;
  delivery?: undefined;
}

/** A failure on our side: `onError(error, result)` hears of key-unavailable, store-failed and handler-failed outcomes, of store errors, and of requests that could not be read. */
export type ReceiverErrorHandler = (error: unknown, result: ReceiveResult | UnreadableResult) => void;

/** Options of `new WebhookReceiver(options)`: a verifier's options (or a `verifier`), and how to de-duplicate. */
export type ReceiverOptions = (
  | (VerifierOptions & { verifier?: undefined })
  | {
      /** A verifier to use (and share its cached key with). */
      verifier: WebhookVerifier;
      publicKey?: undefined;
      keyURL?: undefined;
      fetch?: undefined;
      maxBodyBytes?: undefined;
      keyCooldown?: undefined;
      keyMaxAge?: undefined;
      previousKeyGrace?: undefined;
    }
) & {
  /** Where deliveries are recorded so each is handled once (default: none, so repeats are handled again). */
  store?: DeliveryStore | null;
  /**
   * Milliseconds a claim holds unrenewed before another attempt may take the
   * delivery over (default 60000). It is renewed every third of it while the
   * handlers run, so it only needs to outlast the store being unreachable.
   */
  leaseMs?: number;
  /**
   * With a store: a body handled before under another `rtk-uuid` is a repeat
   * (default true). RealtimeKit signs only the body, so a captured delivery can
   * be re-sent under a new `rtk-uuid`; its SHA-256 gives it away. Deliveries of
   * `livestreaming.statusUpdate` (no time in the body: a stream that goes LIVE
   * twice sends the same body twice) and of unknown events are keyed on
   * `rtk-uuid` only.
   */
  replayProtection?: boolean;
  /** Hears of failures on our side (nothing is logged otherwise). */
  onError?: ReceiverErrorHandler;
};

/**
 * Verifies deliveries, runs each one's handlers once, and answers with the
 * status that makes RealtimeKit retry or not: 200 handled or a repeat, 401
 * forged, 400 malformed, 503 when the key or the store is unavailable or the
 * same delivery is being handled now, 500 when a handler failed. `C` is the
 * context handed to every handler (whatever `fetch`, `receive` or the Node
 * handler is given): name it to have it checked, as in
 * `new WebhookReceiver<{ env: Env; ctx: ExecutionContext }>()`.
 */
export class WebhookReceiver<C = any> {
  constructor(options?: ReceiverOptions);
  /** The verifier in use. */
  readonly verifier: WebhookVerifier;
  /** The largest body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Runs `handler` for deliveries of `events` (one name or a list), in the order registered; checking `delivery.event` narrows `delivery.payload`. */
  on<E extends WebhookEvent>(events: E | readonly E[], handler: (delivery: DeliveryFor<E>, context: C) => unknown): this;
  /** Stops running `handler` (as given to `on`) for deliveries of `events`. */
  off<E extends WebhookEvent>(events: E | readonly E[], handler: (delivery: DeliveryFor<E>, context: C) => unknown): this;
  /** Runs `handler` for every delivery, after its event's own handlers. */
  onAny(handler: (delivery: Delivery | UnknownDelivery, context: C) => unknown): this;
  /** Runs `handler` for deliveries of events this version does not know. */
  onUnknown(handler: (delivery: UnknownDelivery, context: C) => unknown): this;
  /** Runs a verified delivery's handlers one after another; rejects with the first handler's error. */
  dispatch(delivery: Delivery | UnknownDelivery, context?: C): Promise<void>;
  /**
   * Runs the handlers of a delivery verified before (by a queue consumer, say)
   * once across the store, as `receive` does after verifying: claims it, renews
   * the claim while they run, and records the outcome (a failed write is retried
   * on its own, for about 25 s: nobody waits for a queue consumer). `key` is
   * `deliveryKey(delivery, body)`'s.
   */
  handleOnce(delivery: Delivery | UnknownDelivery, key: DeliveryKey, context?: C): Promise<ReceiveResult>;
  /** Verifies, de-duplicates and handles a delivery given as a fetch `Request`; rejects only for a value that is not a readable Request. */
  receive(request: Request, context?: C): Promise<ReceiveResult>;
  /** `receive` for a raw body and its headers. */
  receiveBody(
    body: string | Uint8Array | ArrayBuffer,
    headers: Headers | Record<string, string | string[] | undefined>,
    context?: C,
  ): Promise<ReceiveResult>;
  /** A fetch handler: answers 405 to anything but POST, else `receive`'s status. */
  fetch(request: Request, context?: C): Promise<Response>;
}

/** The parts of a node:http `IncomingMessage` the Node handler reads. */
export interface NodeRequest extends AsyncIterable<Uint8Array | string> {
  method?: string;
  /** The path and query (for the `path` option). */
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  /** What a body parser left: a Buffer or string is used as the raw body; a parsed object is an error (unless `rawBody` is there). */
  body?: unknown;
  /** The raw bytes a parser's `verify` kept (`express.json({ verify: (req, res, buf) => { req.rawBody = buf } })`). */
  rawBody?: unknown;
  readableEnded?: boolean;
}

/** The parts of a node:http `ServerResponse` the Node handler writes. */
export interface NodeResponse {
  headersSent?: boolean;
  writeHead(status: number, headers?: Record<string, string>): unknown;
  end(body?: string): unknown;
}

/** Options of `createNodeHandler`. */
export interface NodeHandlerOptions<C> {
  /**
   * The route deliveries come to, such as "/rtk-webhooks": requests to any
   * other path go to `next()` (Express), or get a 404 (node:http). Without
   * it, every request is a delivery (non-POSTs get a 405).
   */
  path?: string;
  /** Makes the context handed to the handlers from the request. */
  context?: (req: NodeRequest, res: NodeResponse) => C;
}

/**
 * A `(req, res, next?)` handler for node:http and Express-style frameworks:
 * it reads the raw body itself (or takes the Buffer or string express.raw()
 * or express.text() left in `req.body`, or the raw bytes a parser's `verify`
 * kept in `req.rawBody`), receives the delivery and answers.
 * A body already parsed into an object cannot be verified: that is a
 * `ValidationError` saying how to fix it, passed to `next` (or answered 500
 * and told to `onError`), so RealtimeKit delivers again once it is fixed.
 */
export function createNodeHandler<C = any>(
  receiver: WebhookReceiver<C>,
  options?: NodeHandlerOptions<C>,
): (req: NodeRequest, res: NodeResponse, next?: (error?: unknown) => void) => Promise<void>;
