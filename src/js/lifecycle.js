// What the wasm-bindgen classes lack, added once: a call on an object after
// its free() rejects with ValidationError (not the bare "null pointer passed
// to rust" of the glue), and util.inspect shows what the object is for
// (never a secret). A package module, imported for these effects by exports.js.
import { WebhooksClient, WebhookVerifier } from "./realtimekit_webhooks.js";
import { ValidationError } from "./errors.js";

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** Wraps each method and getter of `cls` so that a freed object says so. */
function guard(cls) {
  const name = cls.name;
  const freed = () =>
    new ValidationError(`this ${name} was freed (free() was called, or its using block ended): make a new one`, "this");
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
        if (!this.__wbg_ptr) return Promise.reject(freed());
        return method.apply(this, args);
      };
    } else if (typeof descriptor.get === "function") {
      const getter = descriptor.get;
      descriptor.get = function () {
        if (!this.__wbg_ptr) throw freed();
        return getter.call(this);
      };
    } else {
      continue;
    }
    Object.defineProperty(cls.prototype, key, descriptor);
  }
}

guard(WebhooksClient);
guard(WebhookVerifier);

/** A value as util.inspect would show it (JSON where no inspect is given). */
const shown = (value, options, inspect) => (typeof inspect === "function" ? inspect(value, options) : JSON.stringify(value));

WebhooksClient.prototype[INSPECT] = function (depth, options, inspect) {
  if (!this.__wbg_ptr) return "WebhooksClient (freed)";
  const show = (value) => shown(value, options, inspect);
  return `WebhooksClient { accountId: ${show(this.accountId)}, appId: ${show(this.appId)}, baseURL: ${show(this.baseURL)} }`;
};

WebhookVerifier.prototype[INSPECT] = function (depth, options, inspect) {
  if (!this.__wbg_ptr) return "WebhookVerifier (freed)";
  const url = this.keyURL;
  return url === undefined ? "WebhookVerifier { publicKey: (given) }" : `WebhookVerifier { keyURL: ${shown(url, options, inspect)} }`;
};
