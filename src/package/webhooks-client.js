// WebhooksClient: thin methods over the wasm module's one client entry,
// ClientCore.call(operation, request) (src/wasm/client_core.rs), where the
// operation is the client's own name for it ("list", "create", ...: the names
// of src/boundary.rs's `op`, which a test checks against this file) and the
// request is the object input.js makes of the arguments. input.js checks each
// argument's type and keys here; the core checks what they mean, sends,
// retries and maps errors. This class owns the object's lifecycle (free,
// using, util.inspect).
//
// A package module beside the wasm glue, not a wasm snippet: in pkg/ the build
// puts it beside the glue (`./realtimekit_webhooks.js`, generated) and the
// snippets of src/wasm/ (`./errors.js`, `./fetch.js`, `./shape.js`).
import { ClientCore, makeClientCore } from "./realtimekit_webhooks.js";
import { INSPECT, freed, shown } from "./lifecycle.js";
import { clientOptions, requestOptions, webhookId, webhookInput, webhookPatch } from "./input.js";

/** What the operations on no one webhook pass as their id. */
const NO_ID = Symbol("no id");

/** A client for one RealtimeKit app's webhooks. */
export class WebhooksClient {
  // Its name, whatever the minifier calls it (the build keeps no other names in exports.js).
  static {
    Object.defineProperty(this, "name", { value: "WebhooksClient" });
  }

  #core;
  /** `[accountId, appId, baseURL]`, which never change. */
  #settings;

  constructor(options) {
    const core = makeClientCore(clientOptions(options));
    if (!(core instanceof ClientCore)) throw core; // the ValidationError
    this.#core = core;
    this.#settings = core.settings();
  }

  get accountId() {
    return this.#setting(0);
  }

  get appId() {
    return this.#setting(1);
  }

  get baseURL() {
    return this.#setting(2);
  }

  list(options) {
    return this.#call("list", options, NO_ID);
  }

  create(webhook, options) {
    return this.#call("create", options, NO_ID, webhookInput, webhook);
  }

  get(id, options) {
    return this.#call("get", options, id);
  }

  replace(id, webhook, options) {
    return this.#call("replace", options, id, webhookInput, webhook);
  }

  edit(id, patch, options) {
    return this.#call("edit", options, id, webhookPatch, patch);
  }

  delete(id, options) {
    return this.#call("delete", options, id);
  }

  supportedEvents(options) {
    return this.#call("supportedEvents", options, NO_ID);
  }

  ensure(webhook, options) {
    return this.#call("ensure", options, NO_ID, webhookInput, webhook);
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

  /**
   * One operation: `id` when it acts on one webhook (NO_ID when it does not),
   * and `input` read by `read` (webhookInput or webhookPatch) when it takes
   * one. Bad input rejects, as every other failure does; nothing is sent.
   */
  #call(operation, options, id, read, input) {
    if (!this.#core) return Promise.reject(freed("WebhooksClient"));
    let request;
    try {
      // Checked in this order: the options, then the id, then the input.
      request = requestOptions(options);
      if (id !== NO_ID) request.id = webhookId(id);
      if (read) Object.assign(request, read(input));
    } catch (error) {
      return Promise.reject(error);
    }
    // The checks run the caller's getters, which may have freed this client.
    if (!this.#core) return Promise.reject(freed("WebhooksClient"));
    return this.#core.call(operation, request);
  }

  #setting(at) {
    if (!this.#core) throw freed("WebhooksClient");
    return this.#settings[at];
  }
}

if (typeof Symbol.dispose === "symbol") WebhooksClient.prototype[Symbol.dispose] = WebhooksClient.prototype.free;
