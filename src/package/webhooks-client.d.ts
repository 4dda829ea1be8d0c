/**
 * A client for one RealtimeKit app's webhooks.
 *
 * Every method returns the `data` of the API's envelope as plain objects,
 * takes a last optional `RequestOptions`, and rejects only with errors of the
 * exported classes (`ValidationError` when nothing was sent).
 */
export class WebhooksClient {
    /**
     * Makes a client; throws `ValidationError` for missing ids or credentials or a bad option.
     */
    constructor(options?: ClientOptions);
    /**
     * The account id.
     */
    readonly accountId: string;
    /**
     * The RealtimeKit app id.
     */
    readonly appId: string;
    /**
     * The API's base URL.
     */
    readonly baseURL: string;
    /**
     * All webhooks of the app.
     */
    list(options?: RequestOptions | null): Promise<Webhook[]>;
    /**
     * Creates a webhook. Retried only when that cannot make a second one.
     */
    create(webhook: WebhookInput, options?: RequestOptions | null): Promise<Webhook>;
    /**
     * One webhook by id.
     */
    get(id: string, options?: RequestOptions | null): Promise<Webhook>;
    /**
     * Replaces all fields of a webhook.
     */
    replace(id: string, webhook: WebhookInput, options?: RequestOptions | null): Promise<Webhook>;
    /**
     * Changes the given fields of a webhook.
     */
    edit(id: string, patch: WebhookPatch, options?: RequestOptions | null): Promise<Webhook>;
    /**
     * Deletes a webhook; resolves to the deleted webhook.
     */
    delete(id: string, options?: RequestOptions | null): Promise<Webhook>;
    /**
     * The event names the server supports (`GET .../webhooks/all`).
     */
    supportedEvents(options?: RequestOptions | null): Promise<(WebhookEvent | UnknownEvent)[]>;
    /**
     * Makes a webhook with this name look like `webhook`: creates, edits or leaves it; never duplicates.
     */
    ensure(webhook: WebhookInput, options?: RequestOptions | null): Promise<EnsureResult>;
    /**
     * Releases the object's wasm memory now (else the garbage collector does, later). Calls after it reject
     * with ValidationError; a second free() does nothing.
     */
    free(): void;
}
