// One process of the fleet (fleet.test.mjs): a WebhookReceiver on
// node:http whose store is the fleet's one PostgreSQL, through the packed
// package's realtimekit-webhooks/postgres, as an app would write it.
//
// Its handler's work is a row in `effects` (no unique key: a second run shows
// as a second row). Deliveries named in `failures` fail that many times
// (across the fleet); the first run of one named in `stalls` prints
// "running <meeting>" and never ends (the test kills its process then).
import { createServer } from "node:http";
import pg from "pg";
import { WebhookReceiver, createNodeHandler } from "realtimekit-webhooks";
import { PostgresDeliveryStore } from "realtimekit-webhooks/postgres";

const { DATABASE_URL, PUBLIC_KEY, NAME } = process.env;
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
const store = new PostgresDeliveryStore(pool);
await store.migrate();

const receiver = new WebhookReceiver({
  publicKey: PUBLIC_KEY,
  store,
  leaseMs: 2000,
  onError: (error, result) => {
    if (result.outcome !== "handler-failed") console.error(`${NAME} ${result.outcome} ${result.delivery?.id ?? ""}: ${error?.message ?? error}`);
  },
}).on("meeting.started", async ({ id, payload }) => {
  const meeting = payload.meeting.id;
  const failing = await pool.query("UPDATE failures SET times = times - 1 WHERE meeting = $1 AND times > 0 RETURNING times", [meeting]);
  if (failing.rowCount > 0) throw new Error(`injected: ${meeting} fails`);
  const stalling = await pool.query("UPDATE stalls SET runs = runs + 1 WHERE meeting = $1 RETURNING runs", [meeting]);
  if (stalling.rows[0]?.runs === 1) {
    process.stdout.write(`running ${meeting}\n`);
    await new Promise(() => {}); // until the process is killed
  }
  await pool.query("INSERT INTO effects (meeting, delivery, process) VALUES ($1, $2, $3)", [meeting, id, NAME]);
});

const server = createServer(createNodeHandler(receiver));
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening on ${server.address().port}\n`));
