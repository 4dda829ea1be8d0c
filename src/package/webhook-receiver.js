// WebhookReceiver: typed per-event handlers over the receiving core
// (src/receive.rs, through ReceiverCore), and the HTTP around it: a fetch
// handler (`receiver.fetch(request)`) for Workers, Deno and Bun, and
// `createNodeHandler(receiver)` for node:http and Express.
//
// This is a package module beside the wasm glue, not a wasm snippet (in pkg/
// beside `./realtimekit_webhooks.js`, generated, and src/wasm/'s snippets):
// the core verifies, de-duplicates, and decides every status; this file
// routes events to handlers and writes the answer.
import { ReceiverCore } from "./realtimekit_webhooks.js";
import { VERIFIER_OPTIONS, WebhookVerifier, concat, deliveryInput, readRequest, verifierCore } from "./webhook-verifier.js";
import { APIConnectionError, ValidationError } from "./errors.js";
import { describe } from "./fetch.js";
import { WEBHOOK_EVENTS, isWebhookEvent } from "./events.js";
import { knownKeys, suggestion } from "./input.js";
const DEFAULT_LEASE_MS = 60_000;
/** The shortest lease: it is renewed every third of it. */
const MIN_LEASE_MS = 100;
const RECEIVER_OPTIONS = ["verifier", "store", "leaseMs", "replayProtection", "onError"];
/** Its own options, then those it hands on to its verifier. */
const ALL_OPTIONS = [...RECEIVER_OPTIONS, ...VERIFIER_OPTIONS];
/** How createNodeHandler tells a receiver's `onError` of an error (not public). */
const REPORT = Symbol("report");
/** Outcomes on our side that `onError` hears of (forged and malformed deliveries are the sender's). */
const OUR_FAILURES = new Set(["key-unavailable", "store-failed", "handler-failed"]);
/**
 * What an HTTP answer says of each outcome: its name, and for a final one
 * (4xx) a generic reason. The caller may be anyone, so an answer shows no
 * detail (a key URL, a key server's reply, a store's error): those go to `onError`.
 */
const ANSWERS = {
  handled: "handled",
  repeat: "repeat",
  forged: "forged: the signature does not verify",
  malformed: "malformed: not a webhook delivery",
  "key-unavailable": "key-unavailable",
  "in-progress": "in-progress",
  "store-failed": "store-failed",
  "handler-failed": "handler-failed",
  unreadable: "unreadable",
};
/** The methods of a DeliveryStore. */
const STORE_METHODS = ["claim", "renew", "complete", "release"];

/** Verifies deliveries, handles each once, and answers RealtimeKit with the status that makes it retry or not. */
export class WebhookReceiver {
  // Its name, whatever the minifier calls it (the build keeps no other names in exports.js).
  static {
    Object.defineProperty(this, "name", { value: "WebhookReceiver" });
  }

  #core;
  #verifier;
  #maxBody;
  #byEvent = new Map();
  #any = [];
  #unknown = [];
  #onError;

  constructor(options = {}) {
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new ValidationError("options: must be an object", "options");
    }
    knownKeys(options, ALL_OPTIONS, ALL_OPTIONS.length, "an option of WebhookReceiver");
    const verifierOptions = {};
    for (const key of Object.keys(options)) {
      if (VERIFIER_OPTIONS.includes(key)) verifierOptions[key] = options[key];
    }
    const { verifier, store, leaseMs = DEFAULT_LEASE_MS, replayProtection = true, onError } = options;
    if (verifier !== undefined) {
      if (!(verifier instanceof WebhookVerifier)) throw new ValidationError("verifier: must be a WebhookVerifier", "verifier");
      if (Object.keys(verifierOptions).length > 0) {
        throw new ValidationError(`verifier: give a verifier, or its options (${Object.keys(verifierOptions).join(", ")}), not both`, "verifier");
      }
    }
    if (store !== undefined && store !== null && !isStore(store)) {
      const missing = STORE_METHODS.filter((method) => typeof store?.[method] !== "function");
      throw new ValidationError(`store: must be a DeliveryStore, with ${STORE_METHODS.map((m) => `${m}()`).join(", ")} (this one has no ${missing.join("(), ")}())`, "store");
    }
    if (!Number.isInteger(leaseMs) || leaseMs < MIN_LEASE_MS || leaseMs > 86_400_000) {
      throw new ValidationError(`leaseMs: must be a whole number of milliseconds, from ${MIN_LEASE_MS} to 86400000`, "leaseMs");
    }
    if (typeof replayProtection !== "boolean") throw new ValidationError("replayProtection: must be true or false", "replayProtection");
    if (onError !== undefined && typeof onError !== "function") throw new ValidationError("onError: must be a function", "onError");
    this.#verifier = verifier ?? new WebhookVerifier(Object.keys(verifierOptions).length > 0 ? verifierOptions : undefined);
    const core = verifierCore(this.#verifier);
    this.#maxBody = core.maxBodyBytes();
    this.#core = new ReceiverCore(core, store, leaseMs, replayProtection);
    this.#onError = onError;
  }

  /** The verifier in use (share it, and its cached key, with other code). */
  get verifier() {
    return this.#verifier;
  }

  /** The largest body accepted, in bytes. */
  get maxBodyBytes() {
    return this.#maxBody;
  }

  /** Runs `handler(delivery, context)` for deliveries of `events` (one name or a list), in the order registered. */
  on(events, handler) {
    const names = eventNames(events);
    checkHandler(handler);
    for (const name of names) {
      if (!this.#byEvent.has(name)) this.#byEvent.set(name, []);
      this.#byEvent.get(name).push(handler);
    }
    return this;
  }

  /** Stops running `handler` for deliveries of `events` (one name or a list); a handler not registered for them is ignored. */
  off(events, handler) {
    for (const name of eventNames(events)) {
      const list = this.#byEvent.get(name) ?? [];
      const at = list.lastIndexOf(handler);
      if (at >= 0) list.splice(at, 1);
    }
    return this;
  }

  /** Runs `handler(delivery, context)` for every delivery, after its event's own handlers. */
  onAny(handler) {
    checkHandler(handler);
    this.#any.push(handler);
    return this;
  }

  /** Runs `handler(delivery, context)` for deliveries of events this version does not know. */
  onUnknown(handler) {
    checkHandler(handler);
    this.#unknown.push(handler);
    return this;
  }

  /**
   * Runs the handlers of a verified delivery, one after another; rejects with
   * the first handler's error (the rest do not run). `receive` calls it; call
   * it yourself for a delivery verified elsewhere (a queue consumer, say).
   */
  async dispatch(delivery, context) {
    const own = isWebhookEvent(delivery.event) ? this.#byEvent.get(delivery.event) ?? [] : this.#unknown;
    for (const handler of own) await handler(delivery, context);
    for (const handler of this.#any) await handler(delivery, context);
  }

  /**
   * Receives a delivery given as a fetch `Request`: verifies it, claims it in
   * the store, runs its handlers. Resolves to `{ outcome, status, delivery?,
   * error?, storeError?, retryAfter? }`; rejects only for a value that is not
   * a readable Request.
   */
  async receive(request, context) {
    return this.#receive(await readRequest(request, this.#maxBody), context);
  }

  /** `receive` for a raw body (string, Uint8Array, ArrayBuffer) and its headers (Headers or a plain object). */
  async receiveBody(body, headers, context) {
    return this.#receive(deliveryInput(body, headers), context);
  }

  /**
   * Runs the handlers of a delivery verified before (by a queue consumer,
   * say) once across the store, as `receive` does after verifying: claims it,
   * renews the claim while the handlers run, and records the outcome.
   * `key` is `deliveryKey(delivery, body)`'s. Resolves to a ReceiveResult
   * (`handled`, `repeat`, `in-progress`, `store-failed` or `handler-failed`).
   */
  async handleOnce(delivery, key, context) {
    const id = field(delivery, "id", "delivery");
    field(delivery, "event", "delivery");
    if (field(key, "id", "key") !== id) throw new ValidationError("key: is not this delivery's (its id differs): make it with deliveryKey(delivery, body)", "key");
    field(key, "bodyHash", "key");
    const handle = (verified) => this.dispatch(verified, context);
    return this.#report(await this.#core.handleOnce(delivery, key, handle));
  }

  /** A delivery read by webhook-verifier.js (`[bytes, header lookup]`), through the core. */
  async #receive([body, lookup], context) {
    const handle = (delivery) => this.dispatch(delivery, context);
    return this.#report(await this.#core.receive(body, lookup, handle));
  }

  /** A fetch handler: `export default { fetch: (request, env, ctx) => receiver.fetch(request, { env, ctx }) }`. */
  async fetch(request, context) {
    if (request && typeof request === "object" && typeof request.method === "string" && request.method !== "POST") {
      return new Response("POST RealtimeKit webhook deliveries here.\n", { status: 405, headers: { allow: "POST" } });
    }
    let result;
    try {
      result = await this.receive(request, context);
    } catch (error) {
      // Not a readable request (a programming error), or its body broke off: 500, so it comes back.
      this[REPORT](error, { outcome: "unreadable", status: 500, error });
      return new Response(`${ANSWERS.unreadable}\n`, { status: 500, headers: TEXT });
    }
    const headers = { ...TEXT };
    if (result.retryAfter !== undefined) headers["retry-after"] = String(Math.ceil(result.retryAfter));
    return new Response(`${ANSWERS[result.outcome]}\n`, { status: result.status, headers });
  }

  /**
   * Tells `onError` of a failure on our side, of a store that could not
   * record an outcome, and of a claim taken over while the handlers ran.
   */
  #report(result) {
    if (OUR_FAILURES.has(result.outcome)) this.#tell(result.error, result);
    if (result.storeError !== undefined) this.#tell(result.storeError, result);
    if (result.leaseLost) {
      this.#tell(new Error(
        "the store gave this delivery's claim to another attempt while its handlers ran (its lease ran out unrenewed: the store was " +
          "unreachable, or its renew() answered false), so they may have run twice",
      ), result);
    }
    return result;
  }

  [REPORT](error, result) {
    this.#tell(error, result);
  }

  #tell(error, result) {
    if (!this.#onError) return;
    try {
      const returned = this.#onError(error, result);
      // An async logger that rejects must not become an unhandled rejection (which ends a Node process).
      if (typeof returned?.then === "function") returned.then(undefined, () => {});
    } catch {
      // A logger that throws must not change the answer.
    }
  }
}

/**
 * A DeliveryStore in this process's memory: for tests and single-process
 * servers. Each Worker isolate would have its own, so use D1 or a Durable
 * Object to de-duplicate across isolates. It remembers a handled delivery for
 * `ttl` ms (default a day) whatever the volume: its replay key, and its
 * identity (at most the newest 16 of one body). A flood cannot push them out
 * (an attacker can only send bodies RealtimeKit signed, so there are no more
 * of them than genuine deliveries; a flood of one body under fresh ids pushes
 * out that body's own older identities only). Of deliveries not handled yet
 * it keeps the newest `maxEntries` (default 10 000), and never one whose
 * handler is running. (The same rules as the Rust crate's `MemoryStore`.)
 */
export class MemoryDeliveryStore {
  // Its name, whatever the minifier calls it (the build keeps no other names in exports.js).
  static {
    Object.defineProperty(this, "name", { value: "MemoryDeliveryStore" });
  }

  /** Keys not handled yet, by first claim: `{ state: "claimed" | "free", owner, until, at }`. */
  #live = new Map();
  /** Handled keys, by when: `{ state: "done", owner, at }`. */
  #done = new Map();
  /** Body hash to its handled identities, oldest first. */
  #doneByBody = new Map();
  #maxEntries;
  #ttl;

  constructor(options = {}) {
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new ValidationError("options: must be an object", "options");
    }
    for (const key of Object.keys(options)) {
      if (key !== "maxEntries" && key !== "ttl") throw new ValidationError(`${key}: is not an option of MemoryDeliveryStore (maxEntries, ttl)`, key);
    }
    const { maxEntries = 10_000, ttl = 86_400_000 } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new ValidationError("maxEntries: must be a whole number, at least 1", "maxEntries");
    if (!Number.isInteger(ttl) || ttl < 0) throw new ValidationError("ttl: must be a whole number of milliseconds", "ttl");
    this.#maxEntries = maxEntries;
    this.#ttl = ttl;
  }

  /** How many deliveries it holds. */
  get size() {
    let deliveries = 0;
    for (const map of [this.#live, this.#done]) for (const key of map.keys()) if (key.startsWith(IDENTITY)) deliveries++;
    return deliveries;
  }

  /** Claims a delivery for `owner` until `leaseMs` from now: "claimed", "done" (handled already) or "busy" (claimed by another attempt). */
  claim(delivery, owner, leaseMs) {
    const keys = keysOf(delivery);
    checkOwner(owner);
    const now = Date.now();
    this.#evict(now);
    let busy = false;
    for (const key of keys) {
      if (this.#done.has(key)) return "done";
      const entry = this.#live.get(key);
      if (entry?.state === "claimed" && entry.until > now) busy = true;
    }
    if (busy) return "busy";
    const until = now + Math.max(0, Number(leaseMs) || 0);
    for (const key of keys) {
      const entry = this.#live.get(key);
      if (entry) Object.assign(entry, { state: "claimed", owner, until });
      else this.#live.set(key, { state: "claimed", owner, until, at: now });
    }
    this.#evict(now);
    return "claimed";
  }

  /** Extends `owner`'s claim to `leaseMs` from now: true while the claim is the owner's, false when not. */
  renew(delivery, owner, leaseMs) {
    const keys = keysOf(delivery);
    if (!this.#claimedBy(keys[0], owner)) return false;
    const until = Date.now() + Math.max(0, Number(leaseMs) || 0);
    for (const key of keys) if (this.#claimedBy(key, owner)) this.#live.get(key).until = until;
    return true;
  }

  /** Marks a delivery handled: false (nothing changes) when the claim is not `owner`'s. */
  complete(delivery, owner) {
    const keys = keysOf(delivery);
    if (this.#done.get(keys[0])?.owner === owner) return true; // a retried write
    if (!this.#claimedBy(keys[0], owner)) return false;
    const now = Date.now();
    for (const key of keys) {
      this.#live.delete(key);
      this.#done.set(key, { state: "done", owner, at: now });
    }
    const ids = this.#doneByBody.get(delivery.bodyHash) ?? [];
    ids.push(keys[0]);
    this.#doneByBody.set(delivery.bodyHash, ids);
    if (ids.length > IDENTITIES_PER_BODY) this.#done.delete(ids.shift());
    return true;
  }

  /** Drops `owner`'s claim, so that the next attempt can claim the delivery: false when the claim is not the owner's. */
  release(delivery, owner) {
    const keys = keysOf(delivery);
    if (!this.#claimedBy(keys[0], owner)) return false;
    for (const key of keys) if (this.#claimedBy(key, owner)) this.#live.get(key).state = "free";
    return true;
  }

  #claimedBy(key, owner) {
    const entry = this.#live.get(key);
    return entry?.state === "claimed" && entry.owner === owner;
  }

  /**
   * Forgets what is past its `ttl`, then the oldest keys not handled yet
   * while there are too many, but for claims whose lease holds (a handler is
   * running).
   */
  #evict(now) {
    const oldest = now - this.#ttl;
    for (const [key, entry] of this.#live) {
      if (entry.at >= oldest && this.#live.size <= this.#maxEntries * 2) break;
      if (entry.state === "claimed" && entry.until > now) continue;
      this.#live.delete(key);
    }
    for (const [key, entry] of this.#done) {
      if (entry.at >= oldest) break;
      this.#done.delete(key);
      if (key.startsWith(IDENTITY)) this.#forgetIdentity(key);
    }
  }

  /** Takes a handled identity (`delivery:<body hash>:<id>`) off its body's list. */
  #forgetIdentity(key) {
    const bodyHash = key.slice(IDENTITY.length, key.indexOf(":", IDENTITY.length));
    const ids = this.#doneByBody.get(bodyHash);
    if (!ids) return;
    const at = ids.indexOf(key);
    if (at >= 0) ids.splice(at, 1);
    if (ids.length === 0) this.#doneByBody.delete(bodyHash);
  }
}

/** Handled identities remembered per body (a flood of one body under fresh ids pushes out only its own). */
const IDENTITIES_PER_BODY = 16;
const IDENTITY = "delivery:";
const REPLAY = "sha256:";

/** The keys of a delivery in a store: its identity (body hash and id), and its replay key when there is one. */
function keysOf(delivery) {
  let id;
  let bodyHash;
  let replayKey;
  try {
    ({ id, bodyHash, replayKey } = delivery);
  } catch {}
  if (typeof id !== "string" || id === "" || typeof bodyHash !== "string" || bodyHash === "") {
    throw new ValidationError("delivery: must be a DeliveryKey, with a non-empty string id and bodyHash", "delivery");
  }
  const identity = `${IDENTITY}${bodyHash}:${id}`;
  return typeof replayKey === "string" ? [identity, `${REPLAY}${replayKey}`] : [identity];
}

function checkOwner(owner) {
  if (typeof owner !== "string" || owner === "") throw new ValidationError("owner: must be a non-empty string", "owner");
}

/** `object[name]`, a non-empty string, or a ValidationError naming `what`. */
function field(object, name, what) {
  let value;
  try {
    value = object?.[name];
  } catch {}
  if (typeof value !== "string" || value === "") {
    throw new ValidationError(`${what}: must have a non-empty string ${name} (as ${what === "key" ? "deliveryKey" : "verify"} gives it)`, what);
  }
  return value;
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };

function isStore(store) {
  return store !== null && typeof store === "object" && STORE_METHODS.every((method) => typeof store[method] === "function");
}

function checkHandler(handler) {
  if (typeof handler !== "function") throw new ValidationError("handler: must be a function", "handler");
}

const PARSED_BODY = "the request's body was already parsed (by express.json() or another body parser), but verifying needs the raw bytes that were signed: " +
  "register this route before any app.use(express.json()) (a parser mounted before it consumes the body first, whatever the route's own parsers), " +
  "with no parser or with express.raw({ type: \"application/json\" }) on the route itself; " +
  "or keep the raw bytes as req.rawBody: express.json({ verify: (req, res, buf) => { req.rawBody = buf } })";

/**
 * A `(req, res, next?)` handler for node:http and Express-style frameworks: it
 * reads the raw body itself (or takes a Buffer or string that express.raw()
 * or express.text() left in `req.body`), receives it, and answers.
 * A body already parsed into an object is a programming error: a
 * `ValidationError` that says how to fix it goes to `next` (Express answers
 * 500), or the handler answers 500 itself and tells the receiver's `onError`;
 * either way RealtimeKit delivers again once it is fixed.
 */
export function createNodeHandler(receiver, options = {}) {
  if (!(receiver instanceof WebhookReceiver)) throw new ValidationError("receiver: must be a WebhookReceiver", "receiver");
  if (options === null || typeof options !== "object") throw new ValidationError("options: must be an object", "options");
  const { context, path } = options;
  knownKeys(options, NODE_HANDLER_OPTIONS, NODE_HANDLER_OPTIONS.length, "an option of createNodeHandler");
  if (context !== undefined && typeof context !== "function") throw new ValidationError("context: must be a function (req, res) => context", "context");
  if (path !== undefined && (typeof path !== "string" || !path.startsWith("/"))) throw new ValidationError("path: must be a path such as \"/rtk-webhooks\"", "path");
  /** A path without its query and trailing slashes: "/rtk/" is "/rtk" (a webhook URL's slash must not make a 404, which RealtimeKit never retries). */
  const route = (url) => String(url ?? "").split(/[?#]/)[0].replace(/(.)\/+$/, "$1");
  const ours = path === undefined ? undefined : route(path);

  return async function realtimeKitWebhooks(req, res, next) {
    const send = (status, text, headers = {}, then) => {
      if (res.headersSent) return;
      res.writeHead(status, { ...TEXT, ...headers });
      res.end(`${text}\n`, then);
    };
    try {
      // Another route: the next handler's (Express), or 404 (node:http).
      if (ours !== undefined && route(req.url) !== ours) {
        return typeof next === "function" ? next() : send(404, "not found");
      }
      if (req.method !== "POST") return send(405, "POST RealtimeKit webhook deliveries here.", { allow: "POST" });
      const body = await rawBody(req, receiver.maxBodyBytes);
      if (body === TOO_LARGE) {
        // Answered before the rest of the body is read; then the connection
        // is closed, so nothing more of it is read.
        return send(400, ANSWERS.malformed, { connection: "close" }, () => setTimeout(() => req.destroy?.(), 0));
      }
      const result = await receiver.receiveBody(body, req.headers, context ? context(req, res) : undefined);
      const headers = result.retryAfter === undefined ? {} : { "retry-after": String(Math.ceil(result.retryAfter)) };
      send(result.status, ANSWERS[result.outcome], headers);
    } catch (error) {
      // 500, never a 4xx: once the cause is fixed, RealtimeKit's retry gets through.
      if (typeof next === "function") return next(error);
      send(500, ANSWERS.unreadable);
      receiver[REPORT](error, { outcome: "unreadable", status: 500, error });
    }
  };
}

/** The event names `on` and `off` take: one name or a non-empty list, each a known event. */
function eventNames(events) {
  const names = typeof events === "string" ? [events] : events;
  if (!Array.isArray(names) || names.length === 0) {
    throw new ValidationError("events: must be an event name or a non-empty list of them", "events");
  }
  for (const name of names) {
    if (!isWebhookEvent(name)) {
      const hint = typeof name === "string" ? suggestion(name, WEBHOOK_EVENTS) : "";
      throw new ValidationError(
        `events: ${JSON.stringify(name)} is not a webhook event (${hint}expected one of ${WEBHOOK_EVENTS.join(", ")}); handle events this version does not know with onUnknown()`,
        "events",
      );
    }
  }
  return names;
}

const NODE_HANDLER_OPTIONS = ["path", "context"];
const TOO_LARGE = Symbol("too large");
const utf8 = new TextEncoder();

/**
 * The request's raw body: what a raw or text parser left, or the stream read
 * to its end, or TOO_LARGE as soon as it passes `max` bytes (the rest is left
 * unread: the iterator is not closed, which would destroy the socket to
 * answer on).
 */
async function rawBody(req, max) {
  // The raw bytes a body parser's `verify` kept (express.json({ verify: (req, res, buf) => { req.rawBody = buf } })).
  if (req.rawBody instanceof Uint8Array) return req.rawBody.length > max ? TOO_LARGE : req.rawBody;
  const parsed = req.body;
  if (typeof parsed === "string" || parsed instanceof Uint8Array) return parsed;
  if (parsed !== undefined && parsed !== null && (req._body === true || req.readableEnded)) {
    throw new ValidationError(PARSED_BODY, "body");
  }
  if (req.readableEnded) throw new ValidationError("the request's body was already read by another handler; give this handler the raw body", "body");
  const length = typeof req.headers?.["content-length"] === "string" ? req.headers["content-length"].trim() : "";
  if (/^\+?[0-9]+$/.test(length) && Number(length) > max) return TOO_LARGE;
  const chunks = [];
  let total = 0;
  const iterator = req[Symbol.asyncIterator]();
  for (;;) {
    let next;
    try {
      next = await iterator.next();
    } catch (error) {
      throw new APIConnectionError(`connection error: reading the request body failed: ${describe(error)}`);
    }
    if (next.done) break;
    const bytes = typeof next.value === "string" ? utf8.encode(next.value) : next.value;
    total += bytes.length;
    if (total > max) return TOO_LARGE;
    chunks.push(bytes);
  }
  return concat(chunks, total);
}
