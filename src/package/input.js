// JS values in: the options objects, webhook inputs and ids of WebhooksClient,
// checked for type and unknown keys before they reach the wasm module (and
// the helpers webhook-verifier.js and webhook-receiver.js check their options with). Every
// read that can run user code (getters, proxies) is caught. What the values
// mean (ids, URLs, header names, event names) is still checked by the Rust
// core (src/validate.rs), before anything is sent.
//
// A package module beside the wasm glue, not a wasm snippet: in pkg/ the build
// puts it beside the glue (`./realtimekit_webhooks.js`, generated) and the
// snippets of src/wasm/ (`./errors.js`, `./fetch.js`, `./shape.js`).
import { ValidationError } from "./errors.js";
import { WEBHOOK_EVENTS, isWebhookEvent } from "./events.js";

/** Largest `maxRetries` accepted. */
const MAX_RETRIES_LIMIT = 10;
/** Largest `timeout` accepted, in ms (the largest `setTimeout` delay). */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** The options of `new WebhooksClient(options)`. */
const CLIENT_OPTIONS = ["accountId", "appId", "apiToken", "apiKey", "apiEmail", "baseURL", "timeout", "maxRetries", "fetch", "defaultHeaders"];
/** The options of a single call. */
const REQUEST_OPTIONS = ["signal", "timeout", "maxRetries", "headers"];
/** The fields of a webhook input; the read-only ones after the first four are ignored. */
const WEBHOOK_FIELDS = ["name", "url", "events", "enabled", "id", "created_at", "updated_at"];

/** `field: message`, as a ValidationError for `field`. */
export const invalid = (field, message) => new ValidationError(`${field}: ${message}`, field);

/** The error for a value of the wrong type. */
function wrongType(field, expected, got) {
  const type = got === null ? "null" : Array.isArray(got) ? "an array" : typeof got;
  return invalid(field, `must be ${expected}, got ${type}`);
}

/** `value` if it is a plain object (not `null`, an array or a function). */
function object(value, field) {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
  throw wrongType(field, "an object", value);
}

/** `o[key]`; a getter or proxy that throws is a ValidationError. */
export function get(o, key) {
  try {
    return o[key];
  } catch {
    throw invalid(key, "could not be read");
  }
}

function string(o, key) {
  const value = get(o, key);
  if (value === undefined || typeof value === "string") return value;
  throw wrongType(key, "a string", value);
}

function requiredString(o, key) {
  const value = string(o, key);
  if (value === undefined) throw invalid(key, "is required");
  if (value === "") throw invalid(key, "must not be empty");
  return value;
}

function boolean(o, key) {
  const value = get(o, key);
  if (value === undefined || typeof value === "boolean") return value;
  throw wrongType(key, "a boolean", value);
}

/** `Object.keys`, with a throwing proxy a ValidationError for `field`. */
export function keysOf(o, field) {
  try {
    return Object.keys(o);
  } catch {
    throw invalid(field, "could not be read");
  }
}

/**
 * Rejects keys that are not in `allowed` (the first `shown` of them are named
 * in the message): a misspelt option or field is a bug, not a no-op.
 */
export function knownKeys(o, allowed, shown, what) {
  for (const key of keysOf(o, "options")) {
    if (allowed.includes(key)) continue;
    throw invalid(key, `is not ${what} (${suggestion(key, allowed)}expected ${allowed.slice(0, shown).join(", ")})`);
  }
}

/** Lower case for ASCII letters only, as HTTP header names and Rust's `to_ascii_lowercase`. */
export const asciiLower = (text) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** `"did you mean NAME? "`, naming the allowed name `key` is most likely a typo of, or `""` when none is near. */
export function suggestion(key, allowed) {
  const near = closest(key, allowed);
  return near === undefined ? "" : `did you mean ${near}? `;
}

/** The allowed name `key` is most likely a typo of: the same but for case, or at most two edits away. */
function closest(key, allowed) {
  const lower = asciiLower(key);
  let best;
  let bestDistance = 3;
  for (const name of allowed) {
    const distance = editDistance(lower, asciiLower(name));
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

/** Levenshtein distance of two short strings, by code point. */
function editDistance(a, b) {
  const bs = Array.from(b);
  const row = bs.map((_, j) => j + 1);
  row.unshift(0);
  let i = 0;
  for (const ca of a) {
    let previous = row[0];
    row[0] = ++i;
    for (let j = 0; j < bs.length; j++) {
      const substitute = previous + (ca === bs[j] ? 0 : 1);
      previous = row[j + 1];
      row[j + 1] = Math.min(substitute, previous + 1, row[j] + 1);
    }
  }
  return row[bs.length];
}

function events(o) {
  const value = get(o, "events");
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw wrongType("events", "an array of event names", value);
  const names = [];
  let length;
  try {
    length = value.length; // a Proxy's trap may throw, here and below
  } catch {
    throw invalid("events", "could not be read");
  }
  for (let i = 0; i < length; i++) {
    let name;
    try {
      name = value[i];
    } catch {
      throw invalid(`events[${i}]`, "could not be read");
    }
    if (typeof name !== "string") throw wrongType(`events[${i}]`, "a string", name);
    names.push(name);
  }
  return names;
}

function timeout(o) {
  const value = get(o, "timeout");
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw wrongType("timeout", "a number of milliseconds", value);
  if (value > 0 && value <= MAX_TIMEOUT_MS) return value;
  throw invalid("timeout", `must be more than 0 and at most ${MAX_TIMEOUT_MS} ms`);
}

function maxRetries(o) {
  const value = get(o, "maxRetries");
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw wrongType("maxRetries", "a number", value);
  if (Number.isInteger(value) && value >= 0 && value <= MAX_RETRIES_LIMIT) return value;
  throw invalid("maxRetries", `must be a whole number from 0 to ${MAX_RETRIES_LIMIT}`);
}

/** A header map (a plain object of strings, or a `Headers`) as `[name, value, name, value, ...]`. */
function headers(o, field) {
  const value = get(o, field);
  const flat = [];
  if (value === undefined) return flat;
  if (typeof Headers === "function" && value instanceof Headers) {
    try {
      // What is not a pair of strings is skipped, as a Headers never yields one.
      for (const [name, item] of value) if (typeof name === "string" && typeof item === "string") flat.push(name, item);
    } catch {
      throw invalid(field, "could not be read");
    }
    return flat;
  }
  const map = object(value, field);
  for (const name of keysOf(map, field)) {
    const item = get(map, name);
    if (typeof item !== "string") throw wrongType(`${field}.${name}`, "a string", item);
    flat.push(name, item);
  }
  return flat;
}

function isAbortSignal(value) {
  if (typeof AbortSignal === "function" && value instanceof AbortSignal) return true;
  try {
    return value !== null && typeof value === "object" && typeof value.aborted === "boolean" && typeof value.addEventListener === "function";
  } catch {
    return false;
  }
}

/**
 * The client's settings that the environment gives when the options leave
 * them out, where the runtime has a `process.env` (Node, Deno, Bun; not
 * Workers, whose settings come in each request's `env`, nor browsers). The
 * command line reads the same variables for its flags (cli.js says what each
 * is): `realtimekit-webhooks --help` prints them, and a test holds the
 * README's table to it.
 */
export const ENVIRONMENT = [
  { option: "accountId", variable: "CLOUDFLARE_ACCOUNT_ID", flag: "account" },
  { option: "appId", variable: "REALTIMEKIT_APP_ID", flag: "app" },
  { option: "apiToken", variable: "CLOUDFLARE_API_TOKEN", flag: "token" },
  { option: "apiKey", variable: "CLOUDFLARE_API_KEY", flag: "api-key" },
  { option: "apiEmail", variable: "CLOUDFLARE_EMAIL", flag: "api-email" },
  { option: "baseURL", variable: "REALTIMEKIT_BASE_URL", flag: "base-url" },
];
const VARIABLE = Object.fromEntries(ENVIRONMENT.map(({ option, variable }) => [option, variable]));

/** The environment's value for `option` (its variable, not empty), where there is a `process.env`. */
function fromEnvironment(env, option) {
  if (!env) return undefined;
  try {
    const value = env[VARIABLE[option]];
    return typeof value === "string" && value !== "" ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `process.env`, where the runtime has one to read (Node, Deno, Bun; not
 * Workers, whose settings come in each request's `env`, nor browsers).
 */
function processEnv() {
  try {
    if (globalThis.navigator?.userAgent === "Cloudflare-Workers") return undefined;
    const env = globalThis.process?.env;
    return env !== null && typeof env === "object" ? env : undefined;
  } catch {
    return undefined;
  }
}

/** The credentials: given, or else the environment's, as the official SDK reads them: `[apiToken, apiKey, apiEmail]`. */
function credentials(o) {
  let [token, key, email] = [string(o, "apiToken"), string(o, "apiKey"), string(o, "apiEmail")];
  const env = processEnv();
  if (token === undefined && key === undefined && email === undefined && env) {
    token = fromEnvironment(env, "apiToken");
    [key, email] = token === undefined ? [fromEnvironment(env, "apiKey"), fromEnvironment(env, "apiEmail")] : [undefined, undefined];
  }
  if (token !== undefined) {
    if (key !== undefined || email !== undefined) throw invalid("apiToken", "give apiToken or apiKey and apiEmail, not both");
    return [token, undefined, undefined];
  }
  if (key !== undefined && email !== undefined) return [undefined, key, email];
  if (key !== undefined) throw invalid("apiEmail", "is required with apiKey");
  if (email !== undefined) throw invalid("apiKey", "is required with apiEmail");
  if (env) {
    throw invalid(
      "apiToken",
      "is required (or apiKey and apiEmail), and CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL) " +
        "is not set in process.env either",
    );
  }
  throw invalid(
    "apiToken",
    "is required (or apiKey and apiEmail): this runtime has no process.env to read CLOUDFLARE_API_TOKEN from; " +
      "in a Worker, pass it from the Worker's env (apiToken: env.CLOUDFLARE_API_TOKEN)",
  );
}

/** A required setting: given, or else the environment's. */
function settingOrEnvironment(o, option, env) {
  const value = string(o, option) ?? fromEnvironment(env, option);
  if (value === "") throw invalid(option, "must not be empty");
  if (value !== undefined) return value;
  throw invalid(
    option,
    env
      ? `is required, and ${VARIABLE[option]} is not set in process.env either`
      : `is required: this runtime has no process.env to read ${VARIABLE[option]} from; in a Worker, pass it from the Worker's env`,
  );
}

/**
 * `new WebhooksClient(options)`'s options, checked, as ClientCore reads them
 * (`ClientSettings` in src/wasm/client_core.rs): the credentials resolved,
 * `defaultHeaders` as `[name, value, ...]`.
 */
export function clientOptions(options) {
  // None at all: everything from the environment.
  const o = options === undefined ? {} : object(options, "options");
  knownKeys(o, CLIENT_OPTIONS, CLIENT_OPTIONS.length, "an option of WebhooksClient");
  const env = processEnv();
  const accountId = settingOrEnvironment(o, "accountId", env);
  const appId = settingOrEnvironment(o, "appId", env);
  const [apiToken, apiKey, apiEmail] = credentials(o);
  const baseURL = string(o, "baseURL") ?? fromEnvironment(env, "baseURL");
  const time = timeout(o);
  const retries = maxRetries(o);
  const fetch = get(o, "fetch");
  if (fetch !== undefined && typeof fetch !== "function") throw wrongType("fetch", "a function", fetch);
  return { accountId, appId, apiToken, apiKey, apiEmail, baseURL, timeout: time, maxRetries: retries, fetch, defaultHeaders: headers(o, "defaultHeaders") };
}

/**
 * The optional last argument of every method, checked, as the start of the
 * request ClientCore.call reads (`CallRequest` in src/wasm/client_core.rs):
 * `{ signal, timeout, maxRetries, headers }`, headers as `[name, value, ...]`.
 */
export function requestOptions(options) {
  if (options === undefined || options === null) return {};
  const o = object(options, "options");
  knownKeys(o, REQUEST_OPTIONS, REQUEST_OPTIONS.length, "an option of a call");
  const signal = get(o, "signal");
  if (signal !== undefined && !isAbortSignal(signal)) throw wrongType("signal", "an AbortSignal", signal);
  return { signal, timeout: timeout(o), maxRetries: maxRetries(o), headers: headers(o, "headers") };
}

/** A webhook id argument. */
export function webhookId(value) {
  if (typeof value === "string") return value;
  throw wrongType("webhookId", "a string", value);
}

/**
 * The input of `create`, `replace` and `ensure`, checked, as `{ name, url, events, enabled }`.
 * The read-only fields of a `Webhook` (`id`, `created_at`, `updated_at`) may be
 * present and are ignored, so `replace(hook.id, { ...hook, url })` works.
 */
export function webhookInput(value) {
  const o = object(value, "webhook");
  knownKeys(o, WEBHOOK_FIELDS, 4, "a webhook field");
  const name = requiredString(o, "name");
  const url = requiredString(o, "url");
  const names = events(o);
  if (names === undefined) throw invalid("events", "is required");
  return { name, url, events: known(names), enabled: boolean(o, "enabled") };
}

/** The input of `edit`, any subset of the fields, checked, as `{ name, url, events, enabled }`. */
export function webhookPatch(value) {
  const o = object(value, "patch");
  knownKeys(o, WEBHOOK_FIELDS, 4, "a webhook field");
  const names = events(o);
  return { name: string(o, "name"), url: string(o, "url"), events: names && known(names), enabled: boolean(o, "enabled") };
}

/**
 * `names`, each an event (else a ValidationError naming the one it was likely
 * meant to be). The core checks events too, for the Rust API, without the hint.
 */
function known(names) {
  names.forEach((name, i) => {
    if (!isWebhookEvent(name)) {
      throw invalid(`events[${i}]`, `${JSON.stringify(name)} is not a webhook event (${suggestion(name, WEBHOOK_EVENTS)}expected one of ${WEBHOOK_EVENTS.join(", ")})`);
    }
  });
  return names;
}

/**
 * Event names read from elsewhere (a config file, an environment variable),
 * as `WebhookEvent[]`: a list of strings, or one string of names separated by
 * commas. A name that is not an event (with the name it was likely meant to
 * be) or is listed twice is a ValidationError, never dropped in silence.
 */
export function parseEvents(list) {
  const given = typeof list === "string" ? list.split(",").map((name) => name.trim()).filter((name) => name !== "") : list;
  const names = events({ events: given });
  if (names === undefined) throw wrongType("events", "an array of event names, or a string of them separated by commas", list);
  if (names.length === 0) throw invalid("events", "must list at least one event");
  known(names).forEach((name, i) => {
    const first = names.indexOf(name);
    if (first < i) throw invalid(`events[${i}]`, `${JSON.stringify(name)} is listed already, at events[${first}]`);
  });
  return names;
}
