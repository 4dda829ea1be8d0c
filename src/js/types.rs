//! The TypeScript shapes of the JS API, emitted into the package's `.d.ts`.
//! The classes' own signatures come from `#[wasm_bindgen]`; these are the
//! plain-object types they accept and return.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A registered webhook, with the API's own field names. */
export interface Webhook {
  /** The webhook's id (a uuid). */
  id: string;
  /** Its name. */
  name: string;
  /** The URL deliveries are POSTed to. */
  url: string;
  /** The events it is subscribed to; names unknown to this version are kept as strings. */
  events: (WebhookEvent | (string & {}))[];
  /** Whether deliveries are sent. */
  enabled: boolean;
  /** When it was created (ISO-8601). */
  created_at: string;
  /** When it was last changed (ISO-8601). */
  updated_at: string;
}

/** The input of `create`, `replace` and `ensure`. */
export interface WebhookInput {
  /** Name of the webhook (non-empty). */
  name: string;
  /** Absolute http:// or https:// URL to deliver to. */
  url: string;
  /** Events to subscribe to (at least one). */
  events: WebhookEvent[];
  /** Whether it is active (default true). */
  enabled?: boolean;
}

/** The input of `edit`: fields left out keep their value. */
export interface WebhookPatch {
  name?: string;
  url?: string;
  events?: WebhookEvent[];
  enabled?: boolean;
}

/** What `ensure` did, and the webhook as it now is. */
export interface EnsureResult {
  webhook: Webhook;
  action: "created" | "updated" | "unchanged";
}

/** Options of `new WebhooksClient(options)`: give `apiToken`, or `apiKey` and `apiEmail`. */
export type ClientOptions = {
  /** The Cloudflare account id. */
  accountId: string;
  /** The RealtimeKit app id. */
  appId: string;
  /** The API's base URL (default "https://api.cloudflare.com/client/v4"); the emulator's for offline use. */
  baseURL?: string;
  /** Milliseconds allowed for each attempt (default 60000). */
  timeout?: number;
  /** Retries after the first attempt, 0 to 10 (default 2). */
  maxRetries?: number;
  /** The fetch to call (default: the global fetch). */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string> | Headers;
} & (
  | { /** An API token with the "Realtime Admin" or "Realtime" permission. */ apiToken: string; apiKey?: undefined; apiEmail?: undefined }
  | { apiToken?: undefined; /** A global API key (legacy). */ apiKey: string; /** The email of the key's account. */ apiEmail: string }
);

/** Options of a single call. */
export interface RequestOptions {
  /** Aborts the call, including any wait between retries. */
  signal?: AbortSignal;
  /** Milliseconds allowed for each attempt. */
  timeout?: number;
  /** Retries after the first attempt, 0 to 10. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string> | Headers;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `ClientOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "ClientOptions")]
    pub type ClientOptionsArg;
    /// `RequestOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "RequestOptions")]
    pub type RequestOptionsArg;
    /// `WebhookInput` in TypeScript.
    #[wasm_bindgen(typescript_type = "WebhookInput")]
    pub type WebhookInputArg;
    /// `WebhookPatch` in TypeScript.
    #[wasm_bindgen(typescript_type = "WebhookPatch")]
    pub type WebhookPatchArg;
}
