#!/usr/bin/env node
// realtimekit-webhooks: the package's command line (Node 18+). Manage an app's
// webhooks, make the app match a file of them, and send signed test
// deliveries to a receiver (here); inspect and redrive a durable receiver's
// deliveries, and write a project with one (cli-receiver.js). Not part of the
// browser or Worker entries.
//
// Exit codes: 0 success, 1 an API or receiver failure, 2 bad usage.
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  WebhooksClient, ValidationError, RealtimeKitError, exampleDelivery, generateTestKeys, signDelivery,
} from "./node.js";
// The library's own checks and rules, not public API: the build bundles
// input.js into this file, and ensurePatch is the wasm module's.
import { ENVIRONMENT, parseEvents, suggestion, webhookInput } from "./input.js";
import { ensurePatch } from "./realtimekit_webhooks.js";
import { CommandFailed, OUTPUT, Output, UsageError, describe, oneLine, safeJSON, table } from "./cli-output.js";
import { RECEIVER_COMMANDS, RECEIVER_SETTINGS } from "./cli-receiver.js";

const NAME = "realtimekit-webhooks";

/** What each setting is (the README's table of settings from the environment says the same). */
const SETTING_HELP = {
  account: "the Cloudflare account id",
  app: "the RealtimeKit app id",
  token: "an API token (never printed)",
  "api-key": "or a global API key (never printed), with its email",
  "api-email": "the email of that key's account",
  "base-url": "the API's base URL (default https://api.cloudflare.com/client/v4; the emulator's: http://127.0.0.1:8765/client/v4)",
};
/** The API commands' settings: flags, or the variables the library reads too (input.js's ENVIRONMENT). */
const SETTINGS = Object.fromEntries(ENVIRONMENT.map(({ flag, variable, option }) => [flag, { type: "string", env: variable, option, help: SETTING_HELP[flag] }]));
const FIELDS = {
  name: { type: "string", help: "the webhook's name" },
  url: { type: "string", help: "where deliveries are POSTed (http or https)" },
  events: { type: "string", help: "event names, comma-separated (see `events`)" },
  enabled: { type: "boolean", help: "deliver to it (the default)" },
  disabled: { type: "boolean", help: "do not deliver to it" },
};

const COMMANDS = {
  list: { args: [], options: { ...OUTPUT }, settings: SETTINGS, summary: "list the app's webhooks", run: list },
  get: { args: ["id"], options: { ...OUTPUT }, settings: SETTINGS, summary: "show one webhook", run: get },
  create: { args: [], options: { ...FIELDS, ...OUTPUT }, settings: SETTINGS, summary: "create a webhook (--name, --url, --events)", run: create },
  edit: { args: ["id"], options: { ...FIELDS, ...OUTPUT }, settings: SETTINGS, summary: "change some fields of a webhook", run: edit },
  replace: { args: ["id"], options: { ...FIELDS, ...OUTPUT }, settings: SETTINGS, summary: "replace all fields of a webhook (--name, --url, --events)", run: replace },
  delete: { args: ["id"], options: { ...OUTPUT }, settings: SETTINGS, summary: "delete a webhook", run: remove },
  events: { args: [], options: { ...OUTPUT }, settings: SETTINGS, summary: "list the event names the API supports", run: events },
  ensure: { args: [], options: { ...FIELDS, ...OUTPUT }, settings: SETTINGS, summary: "create the webhook of this --name, or edit it to match; never a duplicate", run: ensure },
  apply: {
    args: ["file.json"],
    options: {
      "dry-run": { type: "boolean", help: "print the plan, change nothing" },
      prune: { type: "boolean", help: "also delete the app's webhooks whose names are not in the file" },
      ...OUTPUT,
    },
    settings: SETTINGS,
    summary: "make the app's webhooks match a file of them, by name",
    run: apply,
  },
  trigger: {
    args: ["event"],
    options: {
      to: { type: "string", multiple: true, help: "the receiver's URL; given more than once, the same delivery goes to each at once (a fleet)" },
      key: { type: "string", help: "the private key to sign with: a PEM file, or the directory keygen wrote" },
      body: { type: "string", help: "a file with the raw body to send (default: the event's example, with fresh ids)" },
      id: { type: "string", help: "the rtk-uuid (default: a fresh one)" },
      "webhook-id": { type: "string", help: "the rtk-webhook-id (default cli-trigger)" },
      tamper: { type: "boolean", help: "change the body after signing, as an attacker would" },
      repeat: { type: "string", help: "send the same delivery (same rtk-uuid) N times (default 1)" },
      ...OUTPUT,
    },
    summary: "send a signed test delivery to a receiver, and say what RealtimeKit would do with its answer",
    run: trigger,
  },
  keygen: {
    args: [],
    options: {
      out: { type: "string", help: "the directory to write public.pem and private.pem to" },
      force: { type: "boolean", help: "overwrite keys already there" },
      ...OUTPUT,
    },
    summary: "write a development key pair for trigger and the verifier",
    run: keygen,
  },
  example: {
    args: ["event"],
    options: {
      "fresh-ids": { type: "boolean", help: "new ids in the body (a meeting's, a session's, ...), so that each run is a new event" },
      json: { type: "boolean", help: "(the body is JSON either way)" },
    },
    summary: "print an example delivery body of an event (for trigger --body, or a test)",
    run: example,
  },
  ...RECEIVER_COMMANDS,
};
/** The commands of two words ("deliveries list"): their first words. */
const GROUPS = new Set(Object.keys(COMMANDS).filter((name) => name.includes(" ")).map((name) => name.split(" ")[0]));

// ---- entry --------------------------------------------------------------------

async function main(argv) {
  let [command, ...rest] = argv;
  // A command of two words: "deliveries list", "init worker".
  if (GROUPS.has(command) && rest.length > 0 && !rest[0].startsWith("-")) [command, ...rest] = [`${command} ${rest[0]}`, ...rest.slice(1)];
  if (command === undefined) {
    process.stderr.write(mainHelp());
    return 2;
  }
  if (command === "--help" || command === "-h" || command === "help") {
    const topic = command === "help" ? rest.join(" ") : undefined;
    process.stdout.write(topic && COMMANDS[topic] ? commandHelp(topic) : mainHelp());
    return 0;
  }
  if (command === "--version") {
    const manifest = JSON.parse(await readFile(new URL("./package.json", import.meta.url), "utf8"));
    process.stdout.write(`${manifest.version}\n`);
    return 0;
  }
  const spec = COMMANDS[command];
  if (!spec && GROUPS.has(command)) {
    const words = Object.keys(COMMANDS).filter((name) => name.startsWith(`${command} `));
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write([`Usage: ${NAME} ${command} <${words.map((w) => w.split(" ")[1]).join("|")}> [options]`, "", ...words.map((w) => `  ${w.padEnd(20)}  ${COMMANDS[w].summary}`), "", `(${NAME} ${words[0]} --help for its options)`, ""].join("\n"));
      return 0;
    }
    throw new UsageError(`${command}: give one of ${words.join(", ")}`);
  }
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(command)} (${suggestion(command, [...Object.keys(COMMANDS), ...GROUPS])}commands: ${Object.keys(COMMANDS).join(", ")})`);
  const options = { ...spec.settings, ...spec.options, help: { type: "boolean", short: "h" } };
  let parsed;
  try {
    const spec = ([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }];
    parsed = parseArgs({ args: rest, options: Object.fromEntries(Object.entries(options).map(spec)), allowPositionals: true, strict: true });
  } catch (error) {
    // A misspelt flag gets the name it was likely meant to be.
    const flag = /^Unknown option '(--?[^']+)'/.exec(error.message)?.[1];
    const hint = flag?.startsWith("--") ? suggestion(flag.slice(2), Object.keys(options)).replace(/^did you mean (.+)\? $/, " (did you mean --$1?)") : "";
    throw new UsageError(`${command}: ${error.message.replace(/\. To specify a positional argument.*$/s, "").replace(/^Unknown/, "unknown")}${hint}`, { cause: command });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  const required = spec.args.filter((a) => !a.endsWith("?")).length;
  if (positionals.length < required || positionals.length > spec.args.length) {
    const want = spec.args.length === 0 ? "no arguments" : argsUsage(spec);
    throw new UsageError(`${command}: takes ${want} (got ${positionals.length === 0 ? "none" : positionals.join(" ")})`, { cause: command });
  }
  const context = { values, positionals, command, out: new Output(values.json) };
  if (spec.settings === SETTINGS) context.client = client(values, command);
  return (await spec.run(context)) ?? 0;
}

/** The client, from the settings' flags or their environment variables. */
function client(values, command) {
  const setting = (flag) => values[flag] ?? (process.env[SETTINGS[flag].env] || undefined);
  const flagged = (flag) => values[flag] !== undefined;
  if (flagged("token") && (flagged("api-key") || flagged("api-email"))) {
    throw new UsageError(`${command}: give --token, or --api-key and --api-email, not both`, { cause: command });
  }
  const missing = ["account", "app"].filter((flag) => !setting(flag)).map((flag) => `--${flag} (or ${SETTINGS[flag].env})`);
  // A token, or a key and its email; a flag wins over the environment.
  const byKey = flagged("api-key") || flagged("api-email") || (!setting("token") && Boolean(setting("api-key") || setting("api-email")));
  const credentials = byKey ? ["api-key", "api-email"] : ["token"];
  if (credentials.some((flag) => !setting(flag))) {
    missing.push(byKey
      ? "--api-key and --api-email (or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL)"
      : "--token (or CLOUDFLARE_API_TOKEN), or --api-key and --api-email (or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL)");
  }
  if (missing.length > 0) throw new UsageError(`${command}: give ${missing.join(", ")}`, { cause: command });
  const options = {};
  for (const flag of ["account", "app", ...credentials, "base-url"]) {
    if (setting(flag)) options[SETTINGS[flag].option] = setting(flag);
  }
  return new WebhooksClient(options);
}

// ---- the API commands --------------------------------------------------------------

async function list({ client, out }) {
  out.webhooks(await client.list());
}

async function get({ client, positionals, out }) {
  out.webhook(await client.get(positionals[0]));
}

async function create({ client, values, out, command }) {
  out.webhook(await client.create(flagsInput(values, command)));
}

async function replace({ client, values, positionals, out, command }) {
  out.webhook(await client.replace(positionals[0], flagsInput(values, command)));
}

async function edit({ client, values, positionals, out, command }) {
  out.webhook(await client.edit(positionals[0], fields(values, command)));
}

async function remove({ client, positionals, out }) {
  const deleted = await client.delete(positionals[0]);
  out.result(deleted, `deleted ${deleted.id} (${deleted.name})`);
}

async function events({ client, out }) {
  const names = await client.supportedEvents();
  out.result(names, names.join("\n"));
}

async function ensure({ client, values, out, command }) {
  const result = await client.ensure(flagsInput(values, command));
  out.result(result, `${result.action} ${result.webhook.id} (${result.webhook.name})\n${describe(result.webhook)}`);
}

/** The webhook fields given as flags. */
function fields(values, command) {
  if (values.enabled && values.disabled) throw new UsageError(`${command}: give --enabled or --disabled, not both`, { cause: command });
  const fields = {};
  if (values.name !== undefined) fields.name = values.name;
  if (values.url !== undefined) fields.url = values.url;
  if (values.events !== undefined) fields.events = values.events.split(",").map((e) => e.trim()).filter(Boolean);
  if (values.enabled) fields.enabled = true;
  if (values.disabled) fields.enabled = false;
  return fields;
}

/** A whole webhook from flags: --name, --url and --events are required. */
function flagsInput(values, command) {
  const input = fields(values, command);
  const missing = ["name", "url", "events"].filter((field) => input[field] === undefined);
  if (missing.length > 0) throw new UsageError(`${command}: give ${missing.map((f) => `--${f}`).join(", ")}`, { cause: command });
  return input;
}

// ---- apply ----------------------------------------------------------------------------

/** Makes the app's webhooks match the file: plan first, then each step; safe to run again after a failure. */
async function apply({ client, values, positionals, out, command }) {
  const wanted = await readWebhookFile(positionals[0], command);
  const plan = planApply(wanted, await client.list(), values.prune === true);
  out.plan(plan);
  const conflicts = plan.filter((step) => step.action === "conflict");
  for (const step of conflicts) out.error(`${step.name}: ${step.why}`);
  if (values["dry-run"]) {
    out.line("dry run: nothing was changed");
    out.json({ plan, dryRun: true, complete: false });
    return conflicts.length > 0 ? 1 : 0;
  }
  let failed = conflicts.length > 0;
  for (const step of plan) {
    try {
      if (step.action === "create") step.webhook = await client.create(step.input);
      else if (step.action === "edit") step.webhook = await client.edit(step.id, step.patch);
      else if (step.action === "delete") await client.delete(step.id);
      else continue;
      out.line(`${step.action === "create" ? "created" : step.action === "edit" ? "edited" : "deleted"} ${step.name}${step.webhook ? ` (${step.webhook.id})` : ` (${step.id})`}`);
    } catch (error) {
      failed = true;
      step.error = `${error.name}: ${error.message}`;
      out.error(`${step.action} ${step.name} failed: ${step.error}`);
    }
  }
  out.json({ plan, dryRun: false, complete: !failed });
  if (failed) out.error("not everything was applied: fix what failed and run apply again (it never creates a duplicate)");
  return failed ? 1 : 0;
}

/**
 * The plan that makes `existing` match `wanted`, by name: each webhook edited
 * by the rule `ensure` edits by (the library's `ensurePatch`). Names the app
 * has twice are conflicts, never guessed at.
 */
function planApply(wanted, existing, prune) {
  const byName = new Map();
  for (const hook of existing) byName.set(hook.name, [...(byName.get(hook.name) ?? []), hook]);
  const plan = [];
  for (const input of wanted) {
    const found = byName.get(input.name) ?? [];
    if (found.length > 1) {
      plan.push({ action: "conflict", name: input.name, ids: found.map((h) => h.id), why: `${found.length} webhooks of the app have this name: delete all but one (or rename them), then apply again` });
    } else if (found.length === 0) {
      plan.push({ action: "create", name: input.name, input });
    } else {
      const [hook] = found;
      const patch = ensurePatch(hook, input);
      plan.push(Object.keys(patch).length === 0 ? { action: "unchanged", name: input.name, id: hook.id } : { action: "edit", name: input.name, id: hook.id, patch });
    }
  }
  if (prune) {
    const names = new Set(wanted.map((w) => w.name));
    for (const hook of existing) if (!names.has(hook.name)) plan.push({ action: "delete", name: hook.name, id: hook.id });
  }
  return plan;
}

/**
 * The file of `apply`: a JSON list of webhook inputs, each checked as the
 * library checks `create`'s (input.js's `webhookInput`, then the core's
 * rules through `ensurePatch`), each name once. Anything wrong is bad usage
 * (exit 2), found before anything is sent.
 */
async function readWebhookFile(path, command) {
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`${command}: cannot read ${path}: ${error.message}`, { cause: command });
  }
  let list;
  try {
    list = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${command}: ${path} is not JSON: ${oneLine(error.message)}`, { cause: command });
  }
  const bad = (why) => new UsageError(`${command}: ${path}: ${why}; the file is [{ "name", "url", "events", "enabled"? }]`, { cause: command });
  if (!Array.isArray(list)) throw bad("it is not a list");
  const names = new Set();
  return list.map((entry, i) => {
    const which = typeof entry?.name === "string" ? JSON.stringify(entry.name) : `entry ${i}`;
    let input;
    try {
      input = webhookInput(entry);
      parseEvents(input.events); // a misspelt event gets the name it was likely meant to be
    } catch (error) {
      if (error instanceof ValidationError) throw bad(`${which}: ${error.message}`);
      throw error;
    }
    const refused = ensurePatch(undefined, input);
    if (refused instanceof ValidationError) throw bad(`${which}: ${refused.message}`);
    if (names.has(input.name)) throw bad(`the name ${which} appears twice`);
    names.add(input.name);
    return input;
  });
}

// ---- trigger and keygen -----------------------------------------------------------------

/** What RealtimeKit does with an answer: 2xx delivered, 5xx or none retried, any other status failed for good. */
function fate(status) {
  if (status === undefined) return "retried";
  if (status >= 200 && status < 300) return "delivered";
  return status >= 500 ? "retried" : "failed";
}
const FATE_TEXT = {
  delivered: "RealtimeKit counts it delivered",
  retried: "RealtimeKit would deliver it again later",
  failed: "RealtimeKit would give up on it: failed for good, never retried",
};

async function trigger({ values, positionals, out, command }) {
  const event = positionals[0];
  if (!values.to) throw new UsageError(`${command}: give --to <url>, the receiver's URL`, { cause: command });
  const urls = values.to.map((to) => {
    try {
      const url = new URL(to);
      if (url.protocol === "http:" || url.protocol === "https:") return url;
    } catch {
      // said below
    }
    throw new UsageError(`${command}: --to ${to} is not an http(s) URL`, { cause: command });
  });
  if (!values.key) throw new UsageError(`${command}: give --key <private.pem> (\`${NAME} keygen --out DIR\` writes one; give the receiver DIR/public.pem)`, { cause: command });
  const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1000) throw new UsageError(`${command}: --repeat is a whole number from 1 to 1000`, { cause: command });
  const privateKey = await readKey(values.key, command);
  let body;
  if (values.body !== undefined) {
    try {
      body = await readFile(values.body, "utf8");
    } catch (error) {
      throw new UsageError(`${command}: cannot read ${values.body}: ${error.message}`, { cause: command });
    }
    let claimed;
    try {
      claimed = JSON.parse(body)?.event;
    } catch {
      // Not JSON: sent as it is (to see the receiver refuse it).
    }
    if (claimed !== undefined && claimed !== event) throw new UsageError(`${command}: ${values.body} is a ${JSON.stringify(claimed)} body, not ${event}`, { cause: command });
  } else {
    try {
      body = JSON.stringify(exampleDelivery(event, { freshIds: true }));
    } catch (error) {
      throw new UsageError(`${command}: ${error.message} (or give --body FILE)`, { cause: command });
    }
  }
  let signed;
  try {
    signed = await signDelivery(body, { privateKey, webhookId: values["webhook-id"] ?? "cli-trigger", ...(values.id ? { id: values.id } : {}) });
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`${command}: ${error.message}`, { cause: command });
    throw error;
  }
  const sent = values.tamper ? tamper(signed.body) : signed.body;
  const answers = [];
  for (let n = 1; n <= repeat; n++) {
    // To every receiver at once: the same delivery, as RealtimeKit's retries can reach two instances together.
    const round = await Promise.all(urls.map(async (url) => ({ url: url.href, ...(await post(url, sent, signed.headers)) })));
    for (const answer of round) {
      answer.fate = fate(answer.status);
      answers.push(answer);
      // The receiver's answer whole, as far as is reasonable: its reasons run long.
      const shown = answer.status === undefined ? `no answer (${answer.error})` : `${answer.status}${answer.text ? ` ${oneLine(answer.text, 400)}` : ""}`;
      out.line(`${repeat > 1 ? `[${n}/${repeat}] ` : ""}POST ${answer.url} rtk-uuid ${signed.headers["rtk-uuid"]}${values.tamper ? " (tampered)" : ""} -> ${shown}: ${FATE_TEXT[answer.fate]}`);
    }
  }
  for (const hint of triggerHints(answers, values)) out.error(hint);
  out.json({ event, id: signed.headers["rtk-uuid"], tampered: values.tamper === true, answers });
  return answers.every((a) => a.fate === "delivered") ? 0 : 1;
}

/** What a person may want to know about the answers: why the receiver refused what trigger signed, or took it for a repeat. */
function triggerHints(answers, values) {
  const hints = [];
  const said = (pattern) => answers.some((a) => pattern.test(a.text ?? ""));
  const key = values.key.endsWith(".pem") ? values.key.replace(/private\.pem$/, "public.pem") : join(values.key, "public.pem");
  const give = `give the receiver the public key of the one trigger signs with (${key}: publicKey in WebhookReceiver's options, RTK_PUBLIC_KEY for the durable Worker)`;
  if (!values.tamper && said(/^forged\b/)) hints.push(`the receiver does not verify what trigger signed: ${give}`);
  if (said(/^key-unavailable\b/)) hints.push(`the receiver could not get a key to verify with (it fetches RealtimeKit's when it has none): ${give}`);
  if (values.body !== undefined && answers.length === 1 && said(/^repeat\b/)) {
    hints.push(`the receiver took it for a repeat: it has handled this body before (${values.id ? "under this rtk-uuid: a retry, or " : ""}under another rtk-uuid: a replay); change the body to make a new event`);
  }
  return hints;
}

/** The example body of an event, as JSON: what `trigger` sends, to edit and give to `trigger --body`. */
async function example({ values, positionals, command }) {
  let body;
  try {
    body = exampleDelivery(positionals[0], { freshIds: values["fresh-ids"] === true });
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`${command}: ${error.message}`, { cause: command });
    throw error;
  }
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
}

/** POSTs a delivery; resolves to `{ status, text }`, or `{ error }` for no answer. */
async function post(url, body, headers) {
  try {
    const response = await fetch(url, { method: "POST", body, headers, signal: AbortSignal.timeout(10_000) });
    return { status: response.status, text: (await response.text()).slice(0, 500) };
  } catch (error) {
    return { error: error?.cause?.code ?? error?.message ?? String(error) };
  }
}

/** The body with a field added after signing, so the signature no longer matches. */
function tamper(body) {
  const trimmed = body.trimEnd();
  return trimmed.endsWith("}") ? `${trimmed.slice(0, -1)},"tampered":true}` : `${body} `;
}

/** The private key: a PEM file, or private.pem in a directory keygen wrote. */
async function readKey(path, command) {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, "private.pem");
    return await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`${command}: cannot read the key ${file}: ${error.message}`, { cause: command });
  }
}

async function keygen({ values, out, command }) {
  if (!values.out) throw new UsageError(`${command}: give --out <dir>`, { cause: command });
  const publicPath = join(values.out, "public.pem");
  const privatePath = join(values.out, "private.pem");
  if (!values.force) {
    for (const path of [publicPath, privatePath]) {
      if (await stat(path).then(() => true, () => false)) throw new UsageError(`${command}: ${path} exists; give --force to replace it`, { cause: command });
    }
  }
  const keys = await generateTestKeys();
  await mkdir(values.out, { recursive: true });
  await writeFile(publicPath, keys.publicKey);
  await writeFile(privatePath, keys.privateKey, { mode: 0o600 });
  await chmod(privatePath, 0o600);
  out.result({ publicKey: publicPath, privateKey: privatePath }, [
    `wrote ${publicPath} and ${privatePath} (a development key pair: never use it for anything real)`,
    `sign test deliveries: ${NAME} trigger meeting.started --to http://127.0.0.1:3000/ --key ${values.out}`,
    `verify them: new WebhookVerifier({ publicKey: <the text of ${publicPath}> }) (or the durable Worker's RTK_PUBLIC_KEY)`,
  ].join("\n"));
}

function mainHelp() {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `Usage: ${NAME} <command> [options]       (${NAME} <command> --help for its options)`,
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`),
    "",
    "Settings of the API commands (flags, or the environment):",
    ...Object.entries(SETTINGS).map(([name, o]) => `  --${name.padEnd(12)} ${o.env.padEnd(24)} ${o.help}`),
    "",
    "Settings of the deliveries commands (flags, or the environment):",
    ...Object.entries(RECEIVER_SETTINGS).map(([name, o]) => `  --${name.padEnd(12)} ${o.env.padEnd(24)} ${o.help}`),
    "",
    "Exit codes: 0 success, 1 an API or receiver failure, 2 bad usage.",
    "",
  ].join("\n");
}

function commandHelp(command) {
  const spec = COMMANDS[command];
  const options = { ...spec.settings, ...spec.options };
  const width = Math.max(...Object.keys(options).map((o) => o.length + (options[o].type === "string" ? 8 : 0)));
  return [
    `Usage: ${NAME} ${command}${spec.args.length > 0 ? ` ${argsUsage(spec)}` : ""} [options]`,
    "",
    `${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.`,
    "",
    "Options:",
    ...Object.entries(options).map(([name, o]) => `  ${`--${name}${o.type === "string" ? " <value>" : ""}`.padEnd(width + 3)}  ${o.help}${o.env ? ` (or ${o.env})` : ""}`),
    "",
  ].join("\n");
}

/** `<id>`, `[<id>]` for an optional one. */
function argsUsage(spec) {
  return spec.args.map((a) => (a.endsWith("?") ? `[<${a.slice(0, -1)}>]` : `<${a}>`)).join(" ");
}

// ---- run -----------------------------------------------------------------------------------

/** With --json, an error is JSON too, on stderr: `{ "error": { "class", "message", ... } }` (the same exit codes). */
const jsonErrors = process.argv.slice(2).includes("--json");

/** The JSON of an error: its class, message, and what the library's errors carry (never a credential: messages are redacted). */
function errorJSON(error, className) {
  const out = { class: className, message: error.message };
  for (const key of ["field", "status", "errors", "requestId", "retryAfter"]) {
    if (error[key] !== undefined && error[key] !== null) out[key] = error[key];
  }
  if (error instanceof UsageError) out.help = `${NAME} ${typeof error.cause === "string" ? `${error.cause} ` : ""}--help`;
  return `${safeJSON({ error: out })}\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    if (jsonErrors) {
      const [className, code] = error instanceof UsageError ? ["UsageError", 2]
        : error instanceof CommandFailed ? ["CommandFailed", 1]
          : error instanceof RealtimeKitError ? [error.name, error instanceof ValidationError ? 2 : 1]
            : [error?.name ?? "Error", 1];
      process.stderr.write(errorJSON(error ?? {}, className));
      process.exitCode = code;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${NAME}: ${error.message}\n`);
      process.stderr.write(`Run \`${NAME} ${typeof error.cause === "string" ? `${error.cause} ` : ""}--help\` for usage.\n`);
      process.exitCode = 2;
    } else if (error instanceof CommandFailed) {
      // The receiver's failure, said whole (cli-receiver.js).
      process.stderr.write(`${NAME}: ${error.message}\n`);
      process.exitCode = 1;
    } else if (error instanceof RealtimeKitError) {
      // A ValidationError is bad input (nothing was sent); any other is the API's or the network's.
      process.stderr.write(`${NAME}: ${error.name}: ${error.message}\n`);
      process.exitCode = error instanceof ValidationError ? 2 : 1;
    } else {
      process.stderr.write(`${NAME}: ${error?.stack ?? error}\n`);
      process.exitCode = 1;
    }
  },
);
