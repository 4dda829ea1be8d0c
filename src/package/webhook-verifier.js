// WebhookVerifier: reads deliveries in JS (a Request's body and headers, a
// raw body in any of its forms) and hands the bytes and a lookup of the
// headers to the wasm module's VerifierCore (src/wasm/verifier_core.rs), which picks
// the delivery headers, checks the signature, keeps the key cache and decodes
// the payload. webhook-receiver.js reads deliveries with the same functions.
//
// A package module beside the wasm glue, not a wasm snippet: in pkg/ the build
// puts it beside the glue (`./realtimekit_webhooks.js`, generated) and the
// snippets of src/wasm/ (`./errors.js`, `./fetch.js`, `./shape.js`).
import { VerifierCore, deliveryKeyOf, makeVerifierCore } from "./realtimekit_webhooks.js";
import { APIConnectionError, PayloadError } from "./errors.js";
import { describe } from "./fetch.js";
import { INSPECT, freed, shown } from "./lifecycle.js";
import { asciiLower, get, invalid, keysOf, knownKeys } from "./input.js";

/** The options of `new WebhookVerifier(options)`; WebhookReceiver hands these of its own on to its verifier. */
export const VERIFIER_OPTIONS = ["publicKey", "keyURL", "fetch", "maxBodyBytes", "keyCooldown", "keyMaxAge", "previousKeyGrace"];
/** The longest `keyCooldown` and `keyMaxAge`: a day, in ms. */
const MAX_KEY_MS = 86_400_000;
/** The longest `previousKeyGrace`: a week, in ms. */
const MAX_GRACE_MS = 604_800_000;
/** The largest body read by default (the core's default too), in bytes. */
const DEFAULT_MAX_BODY = 1024 * 1024;

const utf8 = new TextEncoder();

/** The body readRequest gives for a Request whose content-length is over the limit: none, refused unread. */
const UNREAD = undefined;
/** The header lookup of headers that could not be read: none of them. */
const NO_HEADERS = () => undefined;

let coreOf;

/** Checks the `rtk-signature` of incoming deliveries and hands back their payloads. */
export class WebhookVerifier {
  // Its name, whatever the minifier calls it (the build keeps no other names in exports.js).
  static {
    Object.defineProperty(this, "name", { value: "WebhookVerifier" });
  }

  #core;
  #keyURL;
  #maxBody;
  /** Calls under way: free() lets them finish before it releases the core. */
  #pending = 0;
  #freed = false;

  static {
    coreOf = (verifier) => (verifier.#freed ? undefined : verifier.#core);
  }

  constructor(options) {
    const core = makeVerifierCore(verifierOptions(options));
    if (!(core instanceof VerifierCore)) throw core; // the ValidationError
    this.#core = core;
    this.#keyURL = this.#core.keyURL();
    this.#maxBody = this.#core.maxBodyBytes();
  }

  get keyURL() {
    if (this.#freed) throw freed("WebhookVerifier");
    return this.#keyURL;
  }

  verify(request) {
    return this.#verify(() => readRequest(request, this.#maxBody));
  }

  verifyBody(body, headers) {
    return this.#verify(() => deliveryInput(body, headers));
  }

  /**
   * Releases the wasm memory (once the calls under way have finished); later
   * calls reject with ValidationError, a second free() does nothing.
   */
  free() {
    if (this.#freed) return;
    this.#freed = true;
    if (this.#pending === 0) this.#core.free();
  }

  [INSPECT](depth, options, inspect) {
    if (this.#freed) return "WebhookVerifier (freed)";
    const url = this.#keyURL;
    return url === undefined ? "WebhookVerifier { publicKey: (given) }" : `WebhookVerifier { keyURL: ${shown(url, options, inspect)} }`;
  }

  /** Reads the delivery with `read`, then verifies it; every failure rejects. */
  async #verify(read) {
    if (this.#freed) throw freed("WebhookVerifier");
    const core = this.#core;
    this.#pending++;
    try {
      const [body, lookup] = await read();
      return await core.verify(body, lookup);
    } finally {
      if (--this.#pending === 0 && this.#freed) core.free();
    }
  }
}

if (typeof Symbol.dispose === "symbol") WebhookVerifier.prototype[Symbol.dispose] = WebhookVerifier.prototype.free;

/** The core of a verifier (for webhook-receiver.js, which shares it); a freed verifier throws. */
export function verifierCore(verifier) {
  const core = coreOf(verifier);
  if (!core) throw freed("WebhookVerifier");
  return core;
}

/** `new WebhookVerifier(options)`'s options, checked, as VerifierCore reads them (`VerifierSettings` in src/wasm/verifier_core.rs). */
function verifierOptions(options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) throw invalid("options", "must be an object");
  knownKeys(options, VERIFIER_OPTIONS, VERIFIER_OPTIONS.length, "an option of WebhookVerifier");
  const [publicKey, keyURL, fetch, maxBody, cooldown, maxAge, grace] = VERIFIER_OPTIONS.map((key) => get(options, key));
  if (publicKey !== undefined) {
    if (typeof publicKey !== "string") throw invalid("publicKey", "must be a PEM string");
    if (keyURL !== undefined || fetch !== undefined || cooldown !== undefined || maxAge !== undefined || grace !== undefined) {
      throw invalid("publicKey", "give publicKey, or keyURL (with fetch, keyCooldown, keyMaxAge, previousKeyGrace), not both");
    }
  }
  if (keyURL !== undefined && typeof keyURL !== "string") throw invalid("keyURL", "must be a string");
  if (fetch !== undefined && typeof fetch !== "function") throw invalid("fetch", "must be a function");
  for (const [field, value, max] of [["keyCooldown", cooldown, MAX_KEY_MS], ["keyMaxAge", maxAge, MAX_KEY_MS], ["previousKeyGrace", grace, MAX_GRACE_MS]]) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= max)) {
      throw invalid(field, `must be a whole number of milliseconds, from 0 to ${max}`);
    }
  }
  if (maxBody !== undefined && !(Number.isInteger(maxBody) && maxBody >= 1 && maxBody <= 1e15)) {
    throw invalid("maxBodyBytes", "must be a whole number of bytes, at least 1");
  }
  return { publicKey, keyURL, fetch, maxBodyBytes: maxBody, keyCooldown: cooldown, keyMaxAge: maxAge, previousKeyGrace: grace };
}

/** A raw delivery body (string, Uint8Array, ArrayBuffer or another view of one) as bytes. */
export function deliveryBody(body) {
  if (typeof body === "string") return utf8.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body !== null && typeof body === "object") {
    throw invalid(
      "body",
      "must be the raw body as a string, Uint8Array or ArrayBuffer, not a parsed object: the signature covers the exact bytes " +
        "received (in Express, take this route's body with express.raw({ type: \"application/json\" }) before any JSON parser; " +
        "in Node's http, collect the request's chunks into a Buffer)",
    );
  }
  throw invalid("body", "must be the raw body as a string, Uint8Array or ArrayBuffer");
}

/**
 * A lookup of a delivery's headers, `(lower-case name) => string | undefined`,
 * over a `Headers` or a plain object (any case; a list, as a header sent
 * twice, gives its items joined by ", ", as `Headers` does). Which headers a
 * delivery has (rtk-*, or the older dyte-*) is the core's to say.
 */
export function deliveryHeaders(headers) {
  if (headers === null || typeof headers !== "object" || Array.isArray(headers)) {
    throw invalid("headers", "must be a Headers or a plain object of header values");
  }
  let getter;
  try {
    getter = headers.get;
  } catch {}
  if (typeof getter === "function") {
    return (name) => {
      try {
        const value = getter.call(headers, name);
        return typeof value === "string" ? value : undefined;
      } catch {
        return undefined;
      }
    };
  }
  // A plain object: its keys read once, each name as written by its lower
  // case (the first of any that differ only in case).
  const byName = new Map();
  for (const key of keysOf(headers, "headers")) {
    const lower = asciiLower(key);
    if (!byName.has(lower)) byName.set(lower, key);
  }
  return (name) => {
    if (!byName.has(name)) return undefined;
    let value;
    try {
      value = headers[byName.get(name)];
      if (Array.isArray(value)) value = value.filter((item) => typeof item === "string").join(", ");
    } catch {
      return undefined;
    }
    return typeof value === "string" ? value : undefined;
  };
}

/** A raw body and its headers, as `verifyBody` takes them: `[bytes, header lookup]`. */
export function deliveryInput(body, headers) {
  return [deliveryBody(body), deliveryHeaders(headers)];
}

/**
 * A fetch Request's body and headers, as `[bytes, header lookup]`; the bytes
 * are UNREAD (undefined) when the body is over `maxBody`: refused by its
 * content-length unread, or by a read that stops (and cancels the stream) as
 * soon as it passes the limit. Throws ValidationError for a value that is not
 * a readable Request, APIConnectionError when reading the body fails.
 */
export async function readRequest(request, maxBody) {
  let headers;
  try {
    headers = request.headers;
  } catch {}
  if (headers === null || typeof headers !== "object") throw invalid("request", "must be a fetch Request");
  const body = await boundedBody(request, headers, maxBody);
  return [body, safeHeaders(headers)];
}

/**
 * The raw body of a delivery given as a fetch `Request`, read up to
 * `maxBodyBytes` (default 1 MiB): a larger one rejects with PayloadError
 * (answer 400) as soon as the read passes the limit, its stream cancelled, so
 * an endless body costs no more than the limit. For pipelines of one's own
 * (with `verifyBody` and `deliveryKey`).
 */
export async function readDeliveryBody(request, maxBodyBytes = DEFAULT_MAX_BODY) {
  if (!(Number.isInteger(maxBodyBytes) && maxBodyBytes >= 1 && maxBodyBytes <= 1e15)) {
    throw invalid("maxBodyBytes", "must be a whole number of bytes, at least 1");
  }
  let headers;
  try {
    headers = request.headers;
  } catch {}
  if (headers === null || typeof headers !== "object") throw invalid("request", "must be a fetch Request");
  const body = await boundedBody(request, headers, maxBodyBytes);
  if (body === UNREAD) throw new PayloadError(`the body is larger than ${maxBodyBytes} bytes`);
  return body;
}

/** `request`'s body as bytes, or UNREAD past `maxBody` (see readRequest). */
async function boundedBody(request, headers, maxBody) {
  let length;
  try {
    length = headers.get("content-length")?.trim();
  } catch {}
  if (typeof length === "string" && /^\+?[0-9]+$/.test(length) && Number(length) > maxBody) return UNREAD;
  let used;
  let stream;
  let read;
  try {
    used = request.bodyUsed;
    stream = request.body;
    read = request.arrayBuffer;
  } catch {}
  if (used === true) throw invalid("request", "its body was already read; pass the raw body to verifyBody");
  if (stream === null) return new Uint8Array(0);
  try {
    if (stream && typeof stream.getReader === "function") return await readStream(stream.getReader(), maxBody);
  } catch (error) {
    throw new APIConnectionError(`connection error: reading the request body failed: ${describe(error)}`);
  }
  // No stream to read bit by bit (a Request of a polyfill): read it whole.
  if (typeof read !== "function") throw invalid("request", "must be a fetch Request");
  let buffer;
  try {
    buffer = await read.call(request);
  } catch (error) {
    throw new APIConnectionError(`connection error: reading the request body failed: ${describe(error)}`);
  }
  const bytes = deliveryBody(buffer);
  return bytes.length > maxBody ? UNREAD : bytes;
}

/** A body stream's bytes, or UNREAD once they pass `max` (the stream is then cancelled). */
async function readStream(reader, max) {
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = typeof value === "string" ? utf8.encode(value) : deliveryBody(value);
    total += chunk.length;
    if (total > max) {
      reader.cancel().catch(() => {});
      return UNREAD;
    }
    chunks.push(chunk);
  }
  return concat(chunks, total);
}

/** `chunks` (of `total` bytes in all) as one array. */
export function concat(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** A Request's header lookup; headers that cannot be read are none. */
function safeHeaders(headers) {
  try {
    return deliveryHeaders(headers);
  } catch {
    return NO_HEADERS;
  }
}

/**
 * The keys a `DeliveryStore` is given for a verified delivery: its `rtk-uuid`,
 * and (with replay protection, the default) the SHA-256 of its raw body,
 * unless its event's bodies can repeat for real.
 */
export async function deliveryKey(delivery, body, replayProtection) {
  let id;
  let event;
  let webhookId;
  try {
    ({ id, event, webhookId } = delivery);
  } catch {}
  if (typeof id !== "string" || id === "" || typeof event !== "string") {
    throw invalid("delivery", "must be a delivery that verify gave ({ id, webhookId, event, payload })");
  }
  const bytes = deliveryBody(body);
  const replay = replayProtection === undefined || replayProtection === null ? true : Boolean(replayProtection);
  return deliveryKeyOf({ id, webhookId: typeof webhookId === "string" ? webhookId : undefined, event }, bytes, replay);
}
