// A CommonJS consumer (`require` under Node's resolution): the `require`
// branch of the package's `exports` must give the same precise types.
import { WebhooksClient, NotFoundError, APIError } from "realtimekit-webhooks";
import type { Webhook, WebhookEvent } from "realtimekit-webhooks";
import { PostgresDeliveryStore } from "realtimekit-webhooks/postgres";
import { WebhooksClient as ClientOnly } from "realtimekit-webhooks/client";
import { WebhookReceiver as ReceiverOnly } from "realtimekit-webhooks/receive";
import type { PgPoolLike } from "realtimekit-webhooks/postgres";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

export type ListResult = Expect<Equal<ReturnType<WebhooksClient["list"]>, Promise<Webhook[]>>>;
export type Subclass = Expect<Equal<NotFoundError extends APIError ? true : false, true>>;

const events: WebhookEvent[] = ["meeting.started"];

export async function main(): Promise<number | undefined> {
  const client = new WebhooksClient({ accountId: "account", appId: "app", apiToken: "token" });
  const hook: Webhook = await client.create({ name: "meetings", url: "https://example.com/rtk", events });
  try {
    await client.get(hook.id);
  } catch (error) {
    if (error instanceof NotFoundError) return error.status;
  }
  return undefined;
}

/** realtimekit-webhooks/postgres from CommonJS: its `require` branch, with its types. */
export async function fleetStore(pool: PgPoolLike): Promise<PostgresDeliveryStore> {
  const store = new PostgresDeliveryStore(pool);
  await store.migrate();
  return store;
}

/** The modules from CommonJS: their `require` branch, with their types. */
export function modules(): [ClientOnly, ReceiverOnly] {
  return [new ClientOnly({ accountId: "a", appId: "b", apiToken: "t" }), new ReceiverOnly()];
}
