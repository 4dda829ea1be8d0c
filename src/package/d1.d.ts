// The declarations of realtimekit-webhooks/d1 (d1.js).
import type { Claim, DeliveryFor, DeliveryKey, DeliveryStore, ReceiverErrorHandler, UnknownDelivery, Delivery, WebhookEvent } from "realtimekit-webhooks/receive";

/** The parts of a D1 binding (`env.DB`) the store uses. */
export interface D1Like {
  prepare(query: string): unknown;
  batch(statements: unknown[]): Promise<unknown>;
}

/** A delivery as the admin API lists it (`show` adds its `body`). */
export interface DeliveryRecord {
  id: string;
  bodyHash: string;
  webhookId: string | null;
  event: string;
  state: "queued" | "handling" | "done" | "dead";
  attempts: number;
  lastError: string | null;
  /** ms since the epoch. */
  receivedAt: number;
  /** ms since the epoch. */
  updatedAt: number;
  /** The raw body (`show` only). */
  body?: string;
}

/** Counts of the deliveries by state, by event (and state), and how long the oldest not done has waited (ms). */
export interface DeliveryStats {
  total: number;
  byState: Record<"queued" | "handling" | "done" | "dead", number>;
  byEvent: Record<string, Record<"queued" | "handling" | "done" | "dead", number>>;
  oldestPendingMs: number | null;
}

/** What a redrive moved, and what it left (and why). */
export interface RedriveResult {
  redriven: { id: string; bodyHash: string; event: string; redrives: number }[];
  skipped: { id: string; bodyHash: string; state: string; why: string }[];
}

/**
 * A DeliveryStore in a D1 database (the `deliveries` table of the package's
 * migrations: `migrations_dir = "node_modules/realtimekit-webhooks/migrations"`,
 * then `wrangler d1 migrations apply`). One row per delivery, keyed on its
 * rtk-uuid and body hash, unique on its replay key; claims owned, with leases.
 * Its other methods are what `durableReceiver` keeps beside the claims.
 */
export declare class D1DeliveryStore implements DeliveryStore {
  constructor(db: D1Like);
  claim(delivery: DeliveryKey, owner: string, leaseMs: number): Promise<Claim>;
  renew(delivery: DeliveryKey, owner: string, leaseMs: number): Promise<boolean>;
  complete(delivery: DeliveryKey, owner: string): Promise<boolean>;
  release(delivery: DeliveryKey, owner: string, reason: string): Promise<boolean>;
  /** Records a verified delivery (its raw body's text too) unless it is recorded already; resolves to its row's id, body hash, state and redrives. */
  record(key: DeliveryKey, body: string, now?: number): Promise<{ id: string; bodyHash: string; state: string; redrives: number }>;
  /** A recorded delivery, as `verify` and `deliveryKey` give it, or null (none, or no body recorded to handle). */
  find(id: string, bodyHash?: string | null): Promise<{ delivery: Delivery | UnknownDelivery; key: DeliveryKey } | null>;
  /** Marks a delivery that kept failing dead (not one done, nor one whose handlers run now), only if it was redriven `redrives` times and has `minAttempts`. */
  deadLetter(id: string, bodyHash?: string | null, as?: { redrives?: number; minAttempts?: number }, now?: number): Promise<void>;
  /** Deliveries not done and untouched since `before` (ms): their queue message may be lost. */
  unfinished(before: number, limit?: number): Promise<{ id: string; bodyHash: string; attempts: number; redrives: number }[]>;
  /** Marks a delivery as just enqueued again. */
  touch(id: string, bodyHash: string, now?: number): Promise<void>;
  /** Forgets done deliveries handled before `before` (ms); the dead stay until redriven. */
  prune(before: number): Promise<void>;
  /** Deliveries, newest first, of a state, an event, received since (ms), at most `limit` (default 50). */
  list(filter?: { state?: string; event?: string; since?: number; limit?: number }): Promise<DeliveryRecord[]>;
  /** The deliveries of one rtk-uuid (one per body), bodies included. */
  show(id: string): Promise<DeliveryRecord[]>;
  /** Counts by state and by event, and the oldest waiting. */
  stats(now?: number): Promise<DeliveryStats>;
  /** Queues dead deliveries again: one (`id`, `bodyHash`), or all dead since (ms). Safe to repeat. */
  redrive(which: { id?: string; bodyHash?: string; since?: number }, now?: number): Promise<RedriveResult>;
}

/** What a handler of the durable receiver is given beside the delivery. */
export interface DurableContext<Env> {
  env: Env;
  ctx: unknown;
}

/** A handler of the durable receiver: throw (or reject) to have it retried. */
export type DurableHandler<D, Env> = (delivery: D, context: DurableContext<Env>) => unknown;

/** Options of `durableReceiver`. */
export interface DurableReceiverOptions<Env> {
  /** The handlers, by event name (one or a list each); checking `delivery.event` narrows `delivery.payload`. */
  on?: { [E in WebhookEvent]?: DurableHandler<DeliveryFor<E>, Env> | DurableHandler<DeliveryFor<E>, Env>[] };
  /** Runs for every delivery, after its event's own handlers. */
  onAny?: DurableHandler<Delivery | UnknownDelivery, Env>;
  /** Runs for deliveries of events this version does not know. */
  onUnknown?: DurableHandler<UnknownDelivery, Env>;
  /** Hears of failures on our side (default: console.error). */
  onError?: ReceiverErrorHandler;
  /** The D1 binding's name (default "DB"). */
  db?: string;
  /** The queue producer binding's name (default "DELIVERIES"). */
  queue?: string;
  /** The dead-letter queue's name, as wrangler.toml names it (default "rtk-deliveries-dlq"). */
  deadLetterQueue?: string;
}

/** A Worker's handlers: `export default durableReceiver({ ... })`. */
export interface DurableReceiver<Env> {
  fetch(request: Request, env: Env, ctx?: unknown): Promise<Response>;
  queue(batch: { queue: string; messages: readonly unknown[] }, env: Env, ctx?: unknown): Promise<void>;
  scheduled(controller: unknown, env: Env, ctx?: unknown): Promise<void>;
}

/**
 * The durable receiver on Queues + D1, as a Worker's `{ fetch, queue,
 * scheduled }`: fetch verifies, records in D1, enqueues and answers 202; the
 * queue consumer handles each delivery once (owned, renewed leases), retries
 * with backoff, and the dead-letter queue marks what kept failing dead; the
 * cron sweeps what was never handled. With an ADMIN_TOKEN secret it serves
 * the admin API under /admin (list, show, stats, redrive). Settings come
 * from the Worker's env: see the README's "Receiving at scale".
 */
export declare function durableReceiver<Env = any>(options: DurableReceiverOptions<Env>): DurableReceiver<Env>;
