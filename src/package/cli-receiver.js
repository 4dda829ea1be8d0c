// The command line's receiving commands:
// - `deliveries list|show|stats|redrive` drive a durable receiver's admin API
//   (durableReceiver of realtimekit-webhooks/d1, given an ADMIN_TOKEN secret);
// - `init worker DIR` writes a project with a durable receiver: the files of
//   the repository's www/worker (which the build makes into
//   worker-template.js), a development key pair and local secrets.
import { chmod, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { generateTestKeys } from "./node.js";
import { CommandFailed, OUTPUT, UsageError, escapeHidden, oneLine, table } from "./cli-output.js";
import { WORKER_TEMPLATE } from "./worker-template.js";

const NAME = "realtimekit-webhooks";

/** Where a durable receiver is and how to get in: flags, or the environment. */
export const RECEIVER_SETTINGS = {
  receiver: { type: "string", env: "REALTIMEKIT_RECEIVER_URL", help: "the durable receiver's URL (its admin API is /admin on that origin)" },
  "admin-token": { type: "string", env: "REALTIMEKIT_ADMIN_TOKEN", help: "its ADMIN_TOKEN secret (never printed; for a receiver on loopback, default: ADMIN_TOKEN of ./.dev.vars)" },
};

const SINCE = { type: "string", help: "only those received since a time: 30m, 6h, 2d, an ISO date, or ms since the epoch" };

export const RECEIVER_COMMANDS = {
  "deliveries list": {
    args: [],
    options: {
      state: { type: "string", help: "only those queued, handling, done or dead" },
      event: { type: "string", help: "only those of this event" },
      since: SINCE,
      limit: { type: "string", help: "at most this many, newest first (default 50, at most 1000)" },
      ...OUTPUT,
    },
    settings: RECEIVER_SETTINGS,
    summary: "list a durable receiver's deliveries, newest first",
    run: listDeliveries,
  },
  "deliveries show": {
    args: ["rtk-uuid"],
    options: { ...OUTPUT },
    settings: RECEIVER_SETTINGS,
    summary: "show one delivery: its state, attempts, last error and body",
    run: showDelivery,
  },
  "deliveries stats": {
    args: [],
    options: { ...OUTPUT },
    settings: RECEIVER_SETTINGS,
    summary: "count a durable receiver's deliveries by state and event, and say how long the oldest waiting one has waited",
    run: stats,
  },
  "deliveries redrive": {
    args: ["rtk-uuid?"],
    options: {
      all: { type: "boolean", help: "every dead delivery (with --since: those that died since then)" },
      since: { type: "string", help: "with --all: only those that died since a time (30m, 6h, 2d, an ISO date, ms)" },
      "body-hash": { type: "string", help: "with an rtk-uuid that has several bodies: which one" },
      ...OUTPUT,
    },
    settings: RECEIVER_SETTINGS,
    summary: "send dead deliveries back through the queue (one, or --all); safe to repeat",
    run: redrive,
  },
  "init worker": {
    args: ["dir"],
    options: {
      package: { type: "string", help: "the realtimekit-webhooks dependency to write (default: this version; a path or a tarball to test one)" },
      ...OUTPUT,
    },
    summary: "write a Cloudflare Worker project with a durable receiver (Queues + D1) that runs offline with wrangler dev",
    run: initWorker,
  },
};

// ---- deliveries ----------------------------------------------------------------------------

async function listDeliveries({ values, command, out }) {
  const query = new URLSearchParams();
  if (values.state !== undefined) {
    if (!["queued", "handling", "done", "dead"].includes(values.state)) throw new UsageError(`${command}: --state is queued, handling, done or dead`, { cause: command });
    query.set("state", values.state);
  }
  if (values.event !== undefined) query.set("event", values.event);
  if (values.since !== undefined) query.set("since", String(since(values.since, command)));
  if (values.limit !== undefined) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`${command}: --limit is a whole number from 1 to 1000`, { cause: command });
    query.set("limit", String(limit));
  }
  const { deliveries } = await admin(values, command, "GET", `/deliveries${query.size > 0 ? `?${query}` : ""}`);
  if (!Array.isArray(deliveries) || !deliveries.every(isDelivery)) throw notTheAdminAPI();
  if (out.asJSON) return out.json(deliveries);
  if (deliveries.length === 0) return out.line("no deliveries");
  out.line(table(
    ["RTK-UUID", "BODY", "EVENT", "STATE", "ATTEMPTS", "RECEIVED", "LAST ERROR"],
    // Queued after a failed attempt: waiting for its retry, not new.
    deliveries.map((d) => [d.id, d.bodyHash.slice(0, 12), d.event, d.state === "queued" && d.attempts > 0 ? "retrying" : d.state, d.attempts, iso(d.receivedAt), d.lastError ? oneLine(d.lastError, 80) : ""].map((cell) => shown(cell))),
  ));
}

async function showDelivery({ values, positionals, command, out }) {
  // By query, not path: an rtk-uuid such as ".." is no path segment.
  const { deliveries } = await admin(values, command, "GET", `/deliveries?${new URLSearchParams({ id: positionals[0] })}`);
  if (!Array.isArray(deliveries) || !deliveries.every(isDelivery)) throw notTheAdminAPI();
  if (out.asJSON) return out.json(deliveries);
  out.line(deliveries.map((d) => [
    table([], [
      ["rtk-uuid", d.id], ["body sha-256", d.bodyHash], ["webhook", d.webhookId ?? ""], ["event", d.event], ["state", d.state],
      ["attempts", d.attempts], ["received", iso(d.receivedAt)], ["updated", iso(d.updatedAt)], ["last error", d.lastError ?? ""],
    ].map((row) => row.map((cell) => shown(cell)))),
    "body:",
    shown(pretty(d.body), Infinity, true),
  ].join("\n")).join("\n\n"));
}

async function stats({ values, command, out }) {
  const counts = await admin(values, command, "GET", "/stats");
  const { total, byState, byEvent, oldestPendingMs } = counts;
  const count = (n) => Number.isSafeInteger(n) && n >= 0;
  const states = (o) => isObject(o) && ["queued", "handling", "done", "dead"].every((state) => count(o[state]));
  if (!count(total) || !states(byState) || !isObject(byEvent) || !Object.values(byEvent).every(states) || !(oldestPendingMs === null || count(oldestPendingMs))) {
    throw notTheAdminAPI();
  }
  if (out.asJSON) return out.json(counts);
  const events = Object.entries(byEvent).sort(([a], [b]) => a.localeCompare(b));
  out.line([
    `${total} ${total === 1 ? "delivery" : "deliveries"}: ${byState.queued} queued, ${byState.handling} handling, ${byState.done} done, ${byState.dead} dead`,
    oldestPendingMs === null ? "none waiting" : `the oldest waiting has waited ${duration(oldestPendingMs)}`,
    ...(events.length > 0 ? ["", table(["EVENT", "QUEUED", "HANDLING", "DONE", "DEAD"], events.map(([event, n]) => [shown(event), n.queued, n.handling, n.done, n.dead]))] : []),
  ].join("\n"));
}

async function redrive({ values, positionals, command, out }) {
  const [id] = positionals;
  if ((id === undefined) === (values.all !== true)) throw new UsageError(`${command}: give an rtk-uuid, or --all`, { cause: command });
  if (values.since !== undefined && id !== undefined) throw new UsageError(`${command}: --since goes with --all`, { cause: command });
  if (values["body-hash"] !== undefined && id === undefined) throw new UsageError(`${command}: --body-hash goes with an rtk-uuid`, { cause: command });
  const asked = id !== undefined
    ? { id, ...(values["body-hash"] !== undefined ? { bodyHash: values["body-hash"] } : {}) }
    : { all: true, ...(values.since !== undefined ? { since: since(values.since, command) } : {}) };
  const result = await admin(values, command, "POST", "/redrive", asked);
  const { redriven, skipped } = result;
  if (!Array.isArray(redriven) || !Array.isArray(skipped) || ![...redriven, ...skipped].every(isObject)) throw notTheAdminAPI();
  if (out.asJSON) return out.json(result);
  const lines = [
    ...redriven.map((d) => `redriven ${shown(d.id)} (${shown(d.event)}): queued again, its attempts from zero`),
    ...skipped.map((d) => `not redriven ${shown(d.id)}: ${shown(d.why)}`),
  ];
  if (redriven.length === 0 && id === undefined) lines.push(`no dead deliveries${values.since !== undefined ? ` since ${shown(values.since)}` : ""}: nothing to redrive`);
  if (lines.length > 0) out.line(lines.join("\n"));
}

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const isText = (value) => typeof value === "string";
const isTime = (value) => Number.isSafeInteger(value) && value >= 0;

/** A delivery as the admin API lists it (a hostile receiver's of another shape is refused, not shown as if true). */
function isDelivery(d) {
  return isObject(d) && isText(d.id) && isText(d.bodyHash) && isText(d.event) && ["queued", "handling", "done", "dead"].includes(d.state)
    && Number.isSafeInteger(d.attempts) && d.attempts >= 0 && isTime(d.receivedAt) && (d.updatedAt === undefined || isTime(d.updatedAt))
    && [d.lastError, d.webhookId].every((v) => v == null || isText(v)) && (d.body === undefined || d.body === null || isText(d.body));
}

/** An answer of another shape than the admin API's (from another server, or a hostile one). */
const notTheAdminAPI = () => new CommandFailed("the receiver's answer is not what the admin API answers: is --receiver a durable receiver?");

/** The most of an answer the command reads (a list of 1 000, or one delivery and its body, are far less). */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** A response's text, read at most `MAX_ANSWER_BYTES` (the rest cancelled): a receiver cannot fill this machine's memory. */
async function answerText(response, origin) {
  const chunks = [];
  let size = 0;
  const reader = response.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => {});
      throw new CommandFailed(`${origin} answered ${response.status} with more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB: not the admin API`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Calls the admin API; resolves to its JSON answer, or fails with what to do about it. */
async function admin(values, command, method, path, body) {
  const receiver = values.receiver ?? (process.env[RECEIVER_SETTINGS.receiver.env] || undefined);
  if (!receiver) throw new UsageError(`${command}: give --receiver <url> (or ${RECEIVER_SETTINGS.receiver.env}): the durable receiver's URL`, { cause: command });
  let url;
  try {
    // The admin API is /admin on the receiver's origin, whatever path deliveries are sent to.
    url = new URL(`/admin${path}`, receiver);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http");
  } catch {
    throw new UsageError(`${command}: --receiver ${receiver} is not an http(s) URL`, { cause: command });
  }
  if (url.protocol === "http:" && !loopback(url)) {
    throw new UsageError(`${command}: --receiver ${url.origin} is plain http: the admin token would cross the network unencrypted; give its https:// URL`, { cause: command });
  }
  const token = values["admin-token"] ?? (process.env[RECEIVER_SETTINGS["admin-token"].env] || (await localToken(url)));
  if (!token) {
    throw new UsageError(`${command}: give --admin-token (or ${RECEIVER_SETTINGS["admin-token"].env}): the receiver's ADMIN_TOKEN secret`, { cause: command });
  }
  if (/[\0-\x1f\x7f]/.test(token)) throw new UsageError(`${command}: the admin token has control characters (a line break pasted with it?)`, { cause: command });
  /** Text from elsewhere (an error, a receiver's answer) with the token, should it echo it, blacked out (a token too short to be one is left). */
  const redacted = (text) => (token.length >= 6 ? String(text).replaceAll(token, "[redacted]") : String(text));
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new CommandFailed(redacted(`could not reach ${url.origin}: ${error?.cause?.code ?? error?.cause?.message ?? error?.message}`));
  }
  let text;
  try {
    text = await answerText(response, url.origin);
  } catch (error) {
    if (error instanceof CommandFailed) throw error;
    throw new CommandFailed(redacted(`${url.origin} stopped answering: ${error?.cause?.code ?? error?.message}`));
  }
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    // Not the admin API's JSON: said below.
  }
  if (response.status === 401) throw new CommandFailed(`${url.origin} refused the admin token (401): give the ADMIN_TOKEN secret the receiver has`);
  if (response.status === 404 && answer?.error === "not found") {
    throw new CommandFailed(`${url.origin} has no admin API (404): give the receiver an ADMIN_TOKEN secret (npx wrangler secret put ADMIN_TOKEN; locally, in .dev.vars), or check --receiver`);
  }
  if (!response.ok || answer === null || typeof answer !== "object") {
    throw new CommandFailed(redacted(`${url.origin} answered ${response.status}: ${shown(typeof answer?.error === "string" ? answer.error : oneLine(text))}`));
  }
  return answer;
}

/** Whether a URL is on this machine. */
function loopback(url) {
  return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/**
 * Text from a receiver as a terminal shows it: its hidden characters escaped
 * (escapeHidden), and cut at `max` characters unless `whole`. Line breaks stay
 * in a `whole` text (a body).
 */
function shown(value, max = 120, whole = false) {
  const text = escapeHidden(String(value ?? ""), { lineBreaks: whole });
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * ADMIN_TOKEN of ./.dev.vars (the local secrets wrangler dev reads), for a
 * receiver on loopback only: a local token never goes anywhere else.
 */
async function localToken(url) {
  if (!loopback(url)) return undefined;
  const vars = await readFile(".dev.vars", "utf8").catch(() => "");
  return /^ADMIN_TOKEN\s*=\s*"?([^"\n]+)"?\s*$/m.exec(vars)?.[1];
}

/** A time given as 30m / 6h / 2d (ago), an ISO date, or ms since the epoch: ms since the epoch. */
function since(text, command) {
  const relative = /^(\d+)(s|m|h|d)$/.exec(text);
  if (relative) return Date.now() - Number(relative[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2]];
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`${command}: --since ${text} is not a time: give 30m, 6h, 2d, an ISO date, or ms since the epoch`, { cause: command });
  return ms;
}

/** A time of the receiver's (ms since the epoch, checked by isDelivery) as ISO. */
const iso = (ms) => (ms == null ? "" : new Date(Math.min(ms, 8.64e15)).toISOString());

function duration(ms) {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  return s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

/** A body as indented JSON when it is JSON, else as it is. */
function pretty(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return String(body ?? "");
  }
}

// ---- init worker ---------------------------------------------------------------------------

/** The port `wrangler dev` listens on by default. */
const DEV_URL = "http://127.0.0.1:8787";

async function initWorker({ values, positionals, command, out }) {
  const dir = resolve(positionals[0]);
  const present = await readdir(dir).catch((error) => {
    if (error.code === "ENOENT") return [];
    throw new UsageError(`${command}: ${positionals[0]} ${error.code === "ENOTDIR" ? "is a file" : `cannot be read (${error.code})`}: give a new directory`, { cause: command });
  });
  if (present.length > 0) throw new UsageError(`${command}: ${positionals[0]} is not empty: give a new directory`, { cause: command });
  const manifest = JSON.parse(await readFile(new URL("./package.json", import.meta.url), "utf8"));
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "rtk-receiver";
  // A path (a tarball, a directory) as npm reads it from the project: absolute.
  const local = values.package !== undefined && (await stat(values.package).then(() => true, () => false));
  if (values.package !== undefined && !local && /^[./~]|\.(tgz|tar\.gz)$/.test(values.package)) {
    throw new UsageError(`${command}: --package ${values.package} is not there: give the path of the tarball (npm pack writes it), or a version`, { cause: command });
  }
  const dependency = local ? `file:${resolve(values.package)}` : values.package ?? `^${manifest.version}`;

  await mkdir(join(dir, ".rtk-keys"), { recursive: true });
  for (const [file, text] of Object.entries(WORKER_TEMPLATE)) {
    let written = text;
    // What only the repository's copy needs: its paragraph of the README; a lockfile left out of git (an app keeps its own).
    if (file === "README.md") written = written.replace(/<!-- repository only[^>]*-->[\s\S]*?<!-- \/repository only -->\n?/g, "");
    if (file === ".gitignore") written = written.replace(/^package-lock\.json\n/m, "");
    if (file === "wrangler.toml") written = written.replace(/^name = ".*"$/m, `name = "${name}"`);
    if (file === "package.json") {
      const pkg = JSON.parse(text);
      pkg.name = name;
      pkg.dependencies["realtimekit-webhooks"] = dependency;
      written = `${JSON.stringify(pkg, null, 2)}\n`;
    }
    await writeFile(join(dir, file), written);
  }
  const keys = await generateTestKeys();
  await writeFile(join(dir, ".rtk-keys", "public.pem"), keys.publicKey);
  await writeFile(join(dir, ".rtk-keys", "private.pem"), keys.privateKey, { mode: 0o600 });
  await chmod(join(dir, ".rtk-keys", "private.pem"), 0o600);
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
  await writeFile(join(dir, ".dev.vars"), [
    "# Local secrets for `wrangler dev`: never deployed, never committed (see .gitignore).",
    "# The public key of .rtk-keys, which `realtimekit-webhooks trigger --key .rtk-keys` signs with.",
    "# Remove it to take deliveries signed by RealtimeKit's own key (or set RTK_KEY_URL for the emulator's).",
    `RTK_PUBLIC_KEY="${keys.publicKey.trim().replaceAll("\n", "\\n")}"`,
    "# The admin API's token: `realtimekit-webhooks deliveries ...` reads it from here for a receiver on loopback.",
    `ADMIN_TOKEN="${token}"`,
    "",
  ].join("\n"), { mode: 0o600 });

  const shown = positionals[0];
  out.result({ dir, files: [...Object.keys(WORKER_TEMPLATE), ".dev.vars", ".rtk-keys/public.pem", ".rtk-keys/private.pem"], url: DEV_URL }, [
    `wrote a durable receiver (Cloudflare Queues + D1) in ${shown}:`,
    "  worker.js, handlers.js  the Worker (durableReceiver) and your work for each event",
    "  wrangler.toml           its queue, dead-letter queue, D1 database and cron",
    "  .dev.vars, .rtk-keys/   local secrets: a development key pair and an admin token",
    "  README.md               how it works, how to deploy it",
    "",
    "Run it (offline):",
    `  cd ${shown} && npm install && npm run migrate:local && npm run dev`,
    "Then, in another terminal in that directory:",
    `  npx ${NAME} trigger meeting.ended --to ${DEV_URL}/ --key .rtk-keys`,
    `  npx ${NAME} deliveries list --receiver ${DEV_URL}`,
  ].join("\n"));
}
