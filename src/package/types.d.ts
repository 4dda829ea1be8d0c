// The plain-object types of the JS API: webhooks, inputs, the classes'
// options. (Hand-written; the build puts them in the package's index.d.ts
// beside the classes' own declarations and the event unions it generates from
// the crate's one list of events, src/models.rs.)

declare const unknownEvent: unique symbol;
/**
 * An event name this version does not know, as the API gave it (in a
 * webhook's `events`, or from `supportedEvents()`). It can be passed back
 * where event names go, so reading then writing compiles; a name written by
 * hand cannot be one, so a typo stays a compile error. At run time only the
 * `WebhookEvent` names are accepted as input (a newer version knows more).
 */
export type UnknownEvent = string & { readonly [unknownEvent]: true };

/** A registered webhook, with the API's own field names. */
export interface Webhook {
  /** The webhook's id (a uuid). */
  id: string;
  /** Its name. */
  name: string;
  /** The URL deliveries are POSTed to. */
  url: string;
  /** The events it is subscribed to; names unknown to this version are kept as they came. */
  events: (WebhookEvent | UnknownEvent)[];
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
  /** Events to subscribe to (at least one, each once: a repeat is a ValidationError). */
  events: readonly (WebhookEvent | UnknownEvent)[];
  /** Whether it is active (default true). */
  enabled?: boolean;
}

/** The input of `edit`: fields left out keep their value. */
export interface WebhookPatch {
  /** New name (non-empty). */
  name?: string;
  /** New absolute http:// or https:// URL. */
  url?: string;
  /** New event list (replaces the old one; at least one). */
  events?: readonly (WebhookEvent | UnknownEvent)[];
  /** Enable or disable. */
  enabled?: boolean;
}

/** What `ensure` did, and the webhook as it now is. */
export interface EnsureResult {
  /** The webhook as it now is. */
  webhook: Webhook;
  /** What was done: created (none had the name), updated (it differed), or nothing. */
  action: "created" | "updated" | "unchanged";
  /** Other webhooks with the same name, left as they are (the oldest is the one kept in shape): delete them if they are duplicates. */
  duplicates: Webhook[];
}

/**
 * Options of `new WebhooksClient(options)`: give `apiToken`, or `apiKey` and
 * `apiEmail`. Where there is a `process.env` (Node, Deno, Bun), what is left
 * out is read from it: `CLOUDFLARE_ACCOUNT_ID`, `REALTIMEKIT_APP_ID`,
 * `CLOUDFLARE_API_TOKEN` (or `CLOUDFLARE_API_KEY` and `CLOUDFLARE_EMAIL`),
 * `REALTIMEKIT_BASE_URL`, as the command line reads them.
 */
export type ClientOptions = {
  /** The Cloudflare account id (default: `CLOUDFLARE_ACCOUNT_ID` of `process.env`; required where there is none). */
  accountId?: string;
  /** The RealtimeKit app id (default: `REALTIMEKIT_APP_ID` of `process.env`; required where there is none). */
  appId?: string;
  /** The API's base URL (default: `REALTIMEKIT_BASE_URL` of `process.env`, else "https://api.cloudflare.com/client/v4"); the emulator's for offline use. */
  baseURL?: string;
  /** Milliseconds allowed for each attempt (default 60000). */
  timeout?: number;
  /** Retries after the first attempt, 0 to 10 (default 2). */
  maxRetries?: number;
  /** The fetch to call, as `fetch(url, init)` (default: the global fetch). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string> | Headers;
} & (
  | {
      /**
       * An API token with the "Realtime Admin" or "Realtime" permission. When no
       * credential is given, `CLOUDFLARE_API_TOKEN` (or `CLOUDFLARE_API_KEY` and
       * `CLOUDFLARE_EMAIL`) is read from `process.env` where there is one; a
       * missing one is a `ValidationError`.
       */
      apiToken?: string | undefined;
      apiKey?: undefined;
      apiEmail?: undefined;
    }
  | {
      apiToken?: undefined;
      /** A global API key (legacy). */
      apiKey: string | undefined;
      /** The email of the key's account. */
      apiEmail: string | undefined;
    }
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

/** Options of `new WebhookVerifier(options)`: a given `publicKey`, or a `keyURL` to fetch it from (default RealtimeKit's). */
export type VerifierOptions = {
  /** Bodies larger than this many bytes are refused with PayloadError (default 1 MiB). */
  maxBodyBytes?: number;
} & (
  | { /** The PEM SPKI public key ("-----BEGIN PUBLIC KEY-----"); escaped \n newlines are fine. */ publicKey: string; keyURL?: undefined; fetch?: undefined; keyCooldown?: undefined; keyMaxAge?: undefined; previousKeyGrace?: undefined }
  | {
      publicKey?: undefined;
      /** Where to fetch `{"data":{"publicKey":...}}` (default "https://api.realtime.cloudflare.com/.well-known/webhooks.json"). */
      keyURL?: string;
      /** The fetch to call for the key, as `fetch(url, init)` (default: the global fetch). */
      fetch?: (input: string, init: RequestInit) => Promise<Response>;
      /** Least milliseconds between two fetches of the key (default 10000), so forged deliveries cannot flood the key URL. */
      keyCooldown?: number;
      /** Milliseconds a fetched key is used before it is fetched again (default 600000). */
      keyMaxAge?: number;
      /**
       * Milliseconds a key stays accepted after the key URL started serving a new one (default 86400000, a day):
       * RealtimeKit's retries of a delivery signed before a rotation carry the old signature. 0: not at all
       * (for a rotation that revokes a leaked key).
       */
      previousKeyGrace?: number;
    }
);

/**
 * Event names read from elsewhere (a config file, an environment variable)
 * as `WebhookEvent[]`: a list of strings, or one string of names separated by
 * commas. A name that is not an event, or is listed twice, throws a
 * `ValidationError` naming it (with the name it was likely meant to be):
 * never dropped in silence, as `.filter(isWebhookEvent)` would.
 */
export declare function parseEvents(list: readonly string[] | string): WebhookEvent[];
