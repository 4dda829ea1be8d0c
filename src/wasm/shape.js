// Replies for the JS facade, read in JavaScript: one call parses a reply,
// checks its envelope and the shape of its `data`, where reading each field
// from wasm would cross the boundary thousands of times. The data is then
// handed to the caller as it came.
//
// The rules and messages are the Rust decoder's (`envelope_data` and
// `check_webhook` in src/models.rs, used by the Rust API): keep the two alike.

const STRING_FIELDS = ["id", "name", "url", "created_at", "updated_at"];

/** The shapes a reply's `data` may have to have (src/boundary.rs names the same). */
export const SHAPE = { WEBHOOK: 0, WEBHOOKS: 1, NAMES: 2 };

function kind(value) {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string": return "a string";
    case "number": return "a number";
    case "boolean": return "a boolean";
    default: return "an object";
  }
}

function strings(value, path) {
  if (!Array.isArray(value)) return `${path} should be an array, is ${kind(value)}`;
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string") return `${path}[${i}] should be a string, is ${kind(value[i])}`;
  }
  return "";
}

function webhook(value, path) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return `${path} should be a webhook object, is ${kind(value)}`;
  }
  for (const field of STRING_FIELDS) {
    if (typeof value[field] !== "string") return `${path}.${field} should be a string, is ${kind(value[field])}`;
  }
  if (typeof value.enabled !== "boolean") return `${path}.enabled should be a boolean, is ${kind(value.enabled)}`;
  return strings(value.events, `${path}.events`);
}

/** What is wrong with a reply's `data` for `shape` (one of `SHAPE`); "" if nothing. */
export function shapeError(data, shape) {
  if (shape === SHAPE.WEBHOOK) return webhook(data, "data");
  if (shape === SHAPE.NAMES) return strings(data, "data");
  if (!Array.isArray(data)) return `data should be an array, is ${kind(data)}`;
  for (let i = 0; i < data.length; i++) {
    const error = webhook(data[i], `data[${i}]`);
    if (error) return error;
  }
  return "";
}

/** A 2xx reply's body: `{ data }` when it is `{success, data}` with `data` of `shape`, else `{ problem }`. */
export function decodeReply(text, shape) {
  let reply;
  try {
    reply = JSON.parse(text);
  } catch (error) {
    return { problem: `the reply is not JSON (${error && error.message})` };
  }
  if (reply === null || typeof reply !== "object" || Array.isArray(reply)) return { problem: "the reply is not a JSON object" };
  if (reply.success === false) return { problem: "the reply says success: false" };
  const data = reply.data;
  if (data === undefined || data === null) return { problem: "the reply has no data" };
  const error = shapeError(data, shape);
  return error ? { problem: `the reply is not what the API sends: ${error}` } : { data };
}
