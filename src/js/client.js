// WebhooksClient: thin methods over the wasm module's one client entry,
// ClientCore.call(op, id, input, options) (src/js/client.rs). The core checks
// every input, sends, retries and maps errors; this class only names the
// operations and owns the object's lifecycle (free, using, util.inspect).
//
// A package module beside the wasm glue, not a wasm snippet.
import { ClientCore } from "./realtimekit_webhooks.js";
import { INSPECT, freed, shown } from "./lifecycle.js";

/** The operations of ClientCore.call (the same codes as src/boundary.rs, which a test checks). */
const OP = { LIST: 0, CREATE: 1, GET: 2, REPLACE: 3, EDIT: 4, DELETE: 5, SUPPORTED_EVENTS: 6, ENSURE: 7 };

/** A client for one RealtimeKit app's webhooks. */
export class WebhooksClient {
  #core;
  #names;

  constructor(options) {
    this.#core = new ClientCore(options);
    this.#names = this.#core.names();
  }

  get accountId() {
    return this.#name(0);
  }

  get appId() {
    return this.#name(1);
  }

  get baseURL() {
    return this.#name(2);
  }

  list(options) {
    return this.#call(OP.LIST, undefined, undefined, options);
  }

  create(webhook, options) {
    return this.#call(OP.CREATE, undefined, webhook, options);
  }

  get(id, options) {
    return this.#call(OP.GET, id, undefined, options);
  }

  replace(id, webhook, options) {
    return this.#call(OP.REPLACE, id, webhook, options);
  }

  edit(id, patch, options) {
    return this.#call(OP.EDIT, id, patch, options);
  }

  delete(id, options) {
    return this.#call(OP.DELETE, id, undefined, options);
  }

  supportedEvents(options) {
    return this.#call(OP.SUPPORTED_EVENTS, undefined, undefined, options);
  }

  ensure(webhook, options) {
    return this.#call(OP.ENSURE, undefined, webhook, options);
  }

  /** Releases the wasm memory now; later calls reject with ValidationError, a second free() does nothing. */
  free() {
    const core = this.#core;
    this.#core = undefined;
    if (core) core.free();
  }

  [INSPECT](depth, options, inspect) {
    if (!this.#core) return "WebhooksClient (freed)";
    const show = (value) => shown(value, options, inspect);
    return `WebhooksClient { accountId: ${show(this.accountId)}, appId: ${show(this.appId)}, baseURL: ${show(this.baseURL)} }`;
  }

  #call(op, id, input, options) {
    // Every method resolves to a promise: a freed client rejects like the rest.
    if (!this.#core) return Promise.reject(freed("WebhooksClient"));
    return this.#core.call(op, id, input, options);
  }

  #name(at) {
    if (!this.#core) throw freed("WebhooksClient");
    return this.#names[at];
  }
}

if (typeof Symbol.dispose === "symbol") WebhooksClient.prototype[Symbol.dispose] = WebhooksClient.prototype.free;
