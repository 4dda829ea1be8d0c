// One HTTP exchange for the wasm transport (src/transport.rs): the fetch, the
// per-attempt timeout, the caller's AbortSignal and a bounded read of the
// body, as one call and one promise, so a request costs a single crossing of
// the wasm boundary each way.
//
// Nothing here throws or rejects: the outcome is a plain object that the
// Rust side reads, `{ status, headers, body, truncated }` for a reply and
// `{ failure: "timeout" | "aborted" | "connection", message, error, unsent }`
// for none (`error`: what was thrown, or the abort's reason, for the JS
// error's `cause`; `unsent`: aborted before it was sent).

/** Set once a fetch refused the `cache` option: it is not given again. */
let cacheOptionRefused = false;

/** One decoder for every body (decoding without `stream` keeps no state between calls). */
const utf8 = new TextDecoder();

/** UTF-8 bytes as text; malformed sequences become U+FFFD. */
export function decodeUtf8(bytes) {
  return utf8.decode(bytes);
}

/** A thrown or rejected value as text: an Error's name and message (and Node's `cause`), or the value. */
export function describe(value) {
  try {
    if (value instanceof Error || (value && typeof value.message === "string")) {
      const name = value.name && value.name !== "Error" ? `${value.name}: ` : "";
      const cause = value.cause && (value.cause.code || value.cause.message);
      return `${name}${value.message}${cause ? ` (${cause})` : ""}`;
    }
    return typeof value === "symbol" ? value.toString() : String(value);
  } catch {
    return "an unprintable value";
  }
}

/** The value as a Response: a real one, or one shaped like it (as polyfills return). */
function asResponse(value) {
  if (typeof Response === "function" && value instanceof Response) return value;
  try {
    const ok = value && typeof value === "object" && typeof value.status === "number" &&
      typeof value.text === "function" && value.headers && typeof value.headers.get === "function";
    return ok ? value : null;
  } catch {
    return null;
  }
}

/** Reads at most `max` bytes of the body as text: `text()` when content-length shows it fits, else a stream read. */
async function readBody(response, max, until) {
  let length = NaN;
  try {
    length = Number.parseInt(response.headers.get("content-length") ?? "", 10);
  } catch {}
  let stream = null;
  try {
    stream = response.body;
  } catch {}
  if (length <= max || !stream || typeof stream.getReader !== "function") {
    const text = await until(response.text());
    if (typeof text !== "string") throw new TypeError("the response's text() did not give a string");
    return text.length > max ? [text.slice(0, max), true] : [text, false];
  }
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await until(reader.read());
    if (done) break;
    if (!(value instanceof Uint8Array)) throw new TypeError("the body stream gave a chunk that is not bytes");
    if (total + value.length > max) {
      chunks.push(value.subarray(0, max - total));
      total = max;
      truncated = true;
      reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    total += value.length;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return [utf8.decode(bytes), truncated];
}

/**
 * Sends one request and reads its reply.
 * @param {Function | undefined} custom  the user's fetch, called as `fetch(url, init)`; the global one when undefined
 * @param {string} base  the client's URL, which `path` follows
 * @param {string[][]} headers  `[name, value]` pairs, already checked (the client's, made once: copied, never changed)
 * @param {string | undefined} body
 * @param {boolean} noStore  ask caches for no stored copy (`cache: "no-store"`, where the runtime takes it)
 * @param {AbortSignal | undefined} signal  the caller's
 * @param {number} maxSuccess  body bytes read for a 2xx reply
 * @param {number} maxError  body bytes read for any other reply
 */
export async function exchange(custom, base, path, method, headers, body, noStore, timeoutMs, signal, maxSuccess, maxError) {
  if (signal && signal.aborted) return { failure: "aborted", message: "the request was aborted", error: signal.reason, unsent: true };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  if (signal) signal.addEventListener("abort", onAbort);
  // A user's fetch may ignore its signal: then every wait also races the abort.
  let until = (promise) => promise;
  if (custom) {
    const stopped = new Promise((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
    });
    stopped.catch(() => {});
    until = (promise) => Promise.race([promise, stopped]);
  }
  try {
    // The fetch gets its own copy of the client's headers, which it (or a
    // wrapper around the global fetch) may change.
    const init = { method, headers: headers.map((pair) => pair.slice()), signal: controller.signal };
    if (body !== undefined) init.body = body;
    if (noStore && !cacheOptionRefused) init.cache = "no-store";
    const fetchFn = custom ?? globalThis.fetch;
    if (typeof fetchFn !== "function") return { failure: "connection", message: "there is no global fetch in this runtime" };
    // Called as a function, never as a method of an options object (browsers throw "Illegal invocation").
    const send = () => until(Promise.resolve().then(() => fetchFn(base + path, init)));
    let sent;
    try {
      sent = await send();
    } catch (error) {
      // A runtime that has no `cache` option (workerd before its
      // cache_option_enabled date) refuses it at once: send it without.
      if (!("cache" in init) || controller.signal.aborted || !/cache/i.test(describe(error))) throw error;
      cacheOptionRefused = true;
      delete init.cache;
      sent = await send();
    }
    const response = asResponse(sent);
    if (!response) return { failure: "connection", message: "fetch did not return a Response" };
    const status = response.status;
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      return { failure: "connection", message: `fetch returned a Response with status ${String(status)}` };
    }
    const max = status >= 200 && status < 300 ? maxSuccess : maxError;
    const [text, truncated] = await readBody(response, max, until);
    return { status, headers: response.headers, body: text, truncated };
  } catch (error) {
    if (signal && signal.aborted) return { failure: "aborted", message: "the request was aborted", error: signal.reason };
    if (timedOut) return { failure: "timeout", message: "the request timed out" };
    return { failure: "connection", message: describe(error), error };
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener("abort", onAbort);
  }
}

/** Waits `ms`; resolves to false at once if `signal` fires first. */
export function sleep(ms, signal) {
  if (signal && signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** A header of a reply (`null` when absent or unreadable). */
export function header(headers, name) {
  try {
    const value = headers.get(name);
    return typeof value === "string" ? value : null;
  } catch {
    return null;
  }
}
