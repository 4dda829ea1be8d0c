// The declarations of realtimekit-webhooks/postgres (postgres.js).
import type { Claim, DeliveryKey, DeliveryStore } from "realtimekit-webhooks/receive";

/** The parts of a `pg` Pool the store uses. */
export interface PgPoolLike {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
  connect(): Promise<{
    query(config: { text: string; values?: unknown[]; query_timeout?: number }): Promise<{ rows: any[]; rowCount: number | null }>;
    release(destroy?: boolean): void;
  }>;
}

/**
 * A DeliveryStore in PostgreSQL, over the app's `pg` Pool, so that every
 * process of a fleet de-duplicates through one table: `new
 * PostgresDeliveryStore(pool)`, then `await store.migrate()` once at start-up.
 * It listens for the pool's and its connections' "error" (a database restart
 * never ends the process), gives a pool with none a
 * `connectionTimeoutMillis` of 8 s, and runs each of its queries with a
 * `query_timeout` of 10 s.
 */
export declare class PostgresDeliveryStore implements DeliveryStore {
  /** `table` names the table (default "rtk_deliveries"). */
  constructor(pool: PgPoolLike, options?: { table?: string });
  /** Makes the table if it is not there (safe from every process at once). */
  migrate(): Promise<void>;
  claim(delivery: DeliveryKey, owner: string, leaseMs: number): Promise<Claim>;
  renew(delivery: DeliveryKey, owner: string, leaseMs: number): Promise<boolean>;
  complete(delivery: DeliveryKey, owner: string): Promise<boolean>;
  release(delivery: DeliveryKey, owner: string, reason: string): Promise<boolean>;
  /** Forgets deliveries last touched before `before` (ms since the epoch): done ones, and claims and releases left behind by then (never a lease that holds now). */
  prune(before: number): Promise<void>;
}
