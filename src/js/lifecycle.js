// What the wasm-bindgen classes lack, added once: a call on an object after
// its free() rejects with ValidationError (not the bare "null pointer passed
// to rust" of the glue), and util.inspect shows what the object is for
// (never a secret). A package module, imported for these effects by
// exports.js; client.js takes the same helpers for its own class.
import { WebhookVerifier } from "./realtimekit_webhooks.js";
import { ValidationError } from "./errors.js";

/** Node's util.inspect hook. */
export const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** The error of a call on an object of class `name` after its free(). */
export const freed = (name) =>
  new ValidationError(`this ${name} was freed (free() was called, or its using block ended): make a new one`, "this");

/** Wraps each method and getter of `cls` so that a freed object says so. */
function guard(cls) {
  const name = cls.name;
  // free() twice (or free() inside a using block) does nothing the second time.
  const free = cls.prototype.free;
  cls.prototype.free = function () {
    if (this.__wbg_ptr) free.call(this);
  };
  for (const key of Object.getOwnPropertyNames(cls.prototype)) {
    // The glue's own helpers (`__destroy_into_raw`, ...) are left as they are.
    if (key === "constructor" || key === "free" || key.startsWith("__")) continue;
    const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, key);
    if (typeof descriptor.value === "function") {
      const method = descriptor.value;
      descriptor.value = function (...args) {
        // Every method resolves to a promise: a freed object rejects like the rest.
        if (!this.__wbg_ptr) return Promise.reject(freed(name));
        return method.apply(this, args);
      };
    } else if (typeof descriptor.get === "function") {
      const getter = descriptor.get;
      descriptor.get = function () {
        if (!this.__wbg_ptr) throw freed(name);
        return getter.call(this);
      };
    } else {
      continue;
    }
    Object.defineProperty(cls.prototype, key, descriptor);
  }
}

guard(WebhookVerifier);

/** A value as util.inspect would show it (JSON where no inspect is given). */
export const shown = (value, options, inspect) => (typeof inspect === "function" ? inspect(value, options) : JSON.stringify(value));

WebhookVerifier.prototype[INSPECT] = function (depth, options, inspect) {
  if (!this.__wbg_ptr) return "WebhookVerifier (freed)";
  const url = this.keyURL;
  return url === undefined ? "WebhookVerifier { publicKey: (given) }" : `WebhookVerifier { keyURL: ${shown(url, options, inspect)} }`;
};
