/** A key pair for signing test deliveries, as PEM: SPKI public key, PKCS#8 private key. */
export interface TestKeys {
  /** "-----BEGIN PUBLIC KEY-----…": give it to `new WebhookVerifier({ publicKey })` or `WebhookReceiver`. */
  publicKey: string;
  /** "-----BEGIN PRIVATE KEY-----…": sign with it in `signDelivery`. */
  privateKey: string;
}

/** Options of `signDelivery`. */
export interface SignOptions {
  /** The PKCS#8 PEM private key to sign with (from `generateTestKeys`). */
  privateKey: string;
  /** The `rtk-uuid` (default: a fresh UUID). */
  id?: string;
  /** The `rtk-webhook-id` (default "test-webhook"). */
  webhookId?: string;
}

/** A signed delivery: the exact body that was signed, and its headers. */
export interface SignedDelivery {
  /** The raw body: send exactly these characters. */
  body: string;
  /** `content-type`, `rtk-signature`, `rtk-uuid` and `rtk-webhook-id`. */
  headers: Record<string, string>;
}

/** A fresh RSA-2048 key pair, made with WebCrypto, for signing test deliveries. */
export function generateTestKeys(): Promise<TestKeys>;

/**
 * Signs a delivery as RealtimeKit does. `body` is the raw text, or a payload
 * serialised once (the signature covers exactly the returned `body`).
 * `new WebhookVerifier({ publicKey }).verifyBody(body, headers)` accepts it.
 * Two deliveries of the same body are one event to a receiver with replay
 * protection: change a field (a fresh id) to make a second event.
 */
export function signDelivery(body: string | WebhookPayload | UnknownPayload, options: SignOptions): Promise<SignedDelivery>;

/** Options of `exampleDelivery`. */
export interface ExampleOptions {
  /** Replace each distinct uuid in it by a new one, so that each example is a new event to a receiver with replay protection (default false: the documented values). */
  freshIds?: boolean;
}

/** The documented example payload of `event` (a copy, yours to change). */
export function exampleDelivery<E extends WebhookEvent>(event: E, options?: ExampleOptions): PayloadOf<E>;
