// Helpers for users' tests: a key pair, signed deliveries, and the documented
// example payload of each event, so a receiver can be tested without
// RealtimeKit. Plain WebCrypto: they run wherever the package does.
// (`./errors.js` is src/wasm/'s, and `./examples.js` the build's, from
// emulator/fixtures: in pkg/ both sit beside this module.)
import { ValidationError } from "./errors.js";
import { EXAMPLES } from "./examples.js";
import { suggestion } from "./input.js";

const ALGORITHM = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

function subtle() {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new ValidationError("WebCrypto (crypto.subtle) is not available in this runtime", "crypto");
  return subtle;
}

/** A fresh RSA-2048 key pair for signing test deliveries, as PEM (SPKI public, PKCS#8 private). */
export async function generateTestKeys() {
  const pair = await subtle().generateKey({ ...ALGORITHM, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ["sign", "verify"]);
  const [spki, pkcs8] = await Promise.all([subtle().exportKey("spki", pair.publicKey), subtle().exportKey("pkcs8", pair.privateKey)]);
  return { publicKey: pem("PUBLIC KEY", spki), privateKey: pem("PRIVATE KEY", pkcs8) };
}

/**
 * Signs a delivery as RealtimeKit does: `body` is the raw text, or a payload
 * object (serialised once; the signature covers exactly the returned body).
 * Resolves to `{ body, headers }` with `rtk-signature`, `rtk-uuid` (`id`, or
 * a fresh UUID), `rtk-webhook-id` and `content-type`.
 */
export async function signDelivery(body, options) {
  if (options === null || typeof options !== "object") throw new ValidationError("options: must be an object with a privateKey", "options");
  const { privateKey, id = globalThis.crypto?.randomUUID?.(), webhookId = "test-webhook", ...rest } = options;
  for (const key of Object.keys(rest)) throw new ValidationError(`${key}: is not an option of signDelivery (privateKey, id, webhookId)`, key);
  if (typeof privateKey !== "string") throw new ValidationError("privateKey: must be a PEM private key (PKCS#8, as generateTestKeys gives)", "privateKey");
  if (typeof id !== "string" || id === "") throw new ValidationError("id: must be a non-empty string", "id");
  if (typeof webhookId !== "string" || webhookId === "") throw new ValidationError("webhookId: must be a non-empty string", "webhookId");
  let text;
  if (typeof body === "string") text = body;
  else if (body !== null && typeof body === "object" && !Array.isArray(body)) text = JSON.stringify(body);
  else throw new ValidationError("body: must be the raw body (a string) or a payload object", "body");
  let key;
  try {
    key = await subtle().importKey("pkcs8", der(privateKey, "PRIVATE KEY"), ALGORITHM, false, ["sign"]);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(`privateKey: cannot be used to sign (${error?.message ?? error}): give an RSA PKCS#8 PEM key`, "privateKey");
  }
  const signature = await subtle().sign(ALGORITHM, key, new TextEncoder().encode(text));
  return {
    body: text,
    headers: { "content-type": "application/json", "rtk-signature": base64(signature), "rtk-uuid": id, "rtk-webhook-id": webhookId },
  };
}

/**
 * The documented example payload of `event` (a copy, yours to change). With
 * `{ freshIds: true }` each distinct uuid in it is replaced by a new one (the
 * same new one wherever it appears), so that each is a new event, and not a
 * replay, to a receiver with replay protection.
 */
export function exampleDelivery(event, options = {}) {
  if (!Object.hasOwn(EXAMPLES, event)) {
    const hint = typeof event === "string" ? suggestion(event, Object.keys(EXAMPLES)) : "";
    throw new ValidationError(`event: ${JSON.stringify(event)} is not a webhook event (${hint}expected one of ${Object.keys(EXAMPLES).join(", ")})`, "event");
  }
  if (options === null || typeof options !== "object") throw new ValidationError("options: must be an object", "options");
  for (const key of Object.keys(options)) {
    if (key !== "freshIds") throw new ValidationError(`${key}: is not an option of exampleDelivery (freshIds)`, key);
  }
  const example = structuredClone(EXAMPLES[event]);
  return options.freshIds === true ? withFreshIds(example) : example;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** `payload` with each distinct uuid in it replaced by a fresh one. */
function withFreshIds(payload) {
  const fresh = new Map();
  return JSON.parse(JSON.stringify(payload).replace(UUID, (uuid) => {
    if (!fresh.has(uuid)) fresh.set(uuid, crypto.randomUUID());
    return fresh.get(uuid);
  }));
}

function base64(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function pem(label, buffer) {
  const lines = base64(buffer).match(/.{1,64}/g).join("\n");
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}

/** The DER bytes of a PEM block with `label` (real or escaped newlines). */
function der(text, label) {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(text.replaceAll("\\n", "\n"));
  if (!match) throw new ValidationError(`privateKey: is not a PEM "${label}" block (as generateTestKeys gives)`, "privateKey");
  try {
    return Uint8Array.from(atob(match[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    throw new ValidationError("privateKey: its PEM body is not base64", "privateKey");
  }
}
