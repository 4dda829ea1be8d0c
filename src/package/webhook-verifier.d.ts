/**
 * Checks the `rtk-signature` of incoming deliveries and hands back their payloads.
 *
 * `new WebhookVerifier()` fetches RealtimeKit's public key and caches it;
 * `new WebhookVerifier({ publicKey })` uses the given PEM key.
 * A delivery that is forged for certain rejects with `SignatureError` (answer
 * 401); a verified delivery that is not a webhook payload, or has no
 * `rtk-uuid`, with `PayloadError` (answer 400); when the key is not available
 * now (its fetch failed, or it may have been rotated and cannot be fetched
 * again yet), with `KeyUnavailableError` (answer 503: RealtimeKit delivers
 * again later). The key cache never makes a genuine delivery a `SignatureError`.
 */
export class WebhookVerifier {
    /**
     * Makes a verifier; throws `ValidationError` for bad options or a `publicKey` that is not a PEM public key.
     */
    constructor(options?: VerifierOptions | null);
    /**
     * The URL the public key is fetched from (undefined for a given key).
     */
    readonly keyURL: string | undefined;
    /**
     * Verifies a delivery given as a fetch `Request` (its body is read).
     */
    verify(request: Request): Promise<Delivery>;
    /**
     * Verifies a delivery's raw body (string, `Uint8Array` or `ArrayBuffer`) and its headers (`Headers` or a plain object).
     */
    verifyBody(body: string | Uint8Array | ArrayBuffer, headers: Headers | Record<string, string | string[] | undefined>): Promise<Delivery>;
    /**
     * Releases the object's wasm memory now (else the garbage collector does, later). Calls after it reject
     * with ValidationError; a second free() does nothing.
     */
    free(): void;
}

/**
 * The keys a `DeliveryStore` is given for a verified delivery: its identity
 * (its `rtk-uuid` and the SHA-256 of its raw body), and (with replay
 * protection, the default) that hash as its replay key, unless its event's
 * bodies can repeat for real. For queues and stores of one's own that
 * de-duplicate as `WebhookReceiver` does.
 */
export function deliveryKey(delivery: Delivery | UnknownDelivery, body: string | Uint8Array | ArrayBuffer, replayProtection?: boolean | null): Promise<DeliveryKey>;

/**
 * The raw body of a delivery given as a fetch `Request`, read up to
 * `maxBodyBytes` (default 1048576): a larger one rejects with `PayloadError`
 * (answer 400) as soon as the read passes the limit, and its stream is
 * cancelled, so an endless body costs no more than the limit. A body that
 * cannot be read rejects with `APIConnectionError` (answer 503). For
 * pipelines of one's own, with `verifyBody` and `deliveryKey`.
 */
export function readDeliveryBody(request: Request, maxBodyBytes?: number): Promise<Uint8Array>;
