// The `realtimekit-webhooks` command line of the packed package, installed
// into an app as a user would and run as `node_modules/.bin/realtimekit-webhooks`:
// every command against the emulator, `apply` twice and after a failure
// halfway, and `trigger` against a Node receiver.
//
// Run by `cargo xtask test runtimes`, with the same environment as runtimes.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createServer } from "node:http";
import { join } from "node:path";
import { required, run, startEmulator } from "./support.mjs";

const TARBALL = required("RTK_PACKAGE_TARBALL");
const EMULATOR_BIN = required("RTK_EMULATOR_BIN");
const WORK = join(required("RTK_WORK_DIR"), "cli");
const BIN = join(WORK, "node_modules", ".bin", "realtimekit-webhooks");
/** A token that must never appear in the output. */
const TOKEN = "cli-t0ken-s3cret";

let emulator;
let env;

/** Runs the command with the settings in the environment; resolves to `{ code, stdout, stderr }`. */
async function cli(args, extraEnv = {}) {
  const result = await run(BIN, args, { cwd: WORK, env: { ...env, ...extraEnv } });
  for (const text of [result.stdout, result.stderr]) assert.ok(!text.includes(TOKEN), `the token was printed:\n${text}`);
  return result;
}

/** Scripts the emulator's next replies to an operation (`{}`: the real reply). */
async function script(op, ...replies) {
  const response = await fetch(`${emulator.url}/__emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ op, replies }),
  });
  assert.ok(response.ok, await response.text());
}

/** Runs it and parses its --json output. */
async function json(args) {
  const result = await cli([...args, "--json"]);
  assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

before(async () => {
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  await writeFile(join(WORK, "package.json"), JSON.stringify({ name: "rtk-cli-app", private: true, type: "module", dependencies: { "realtimekit-webhooks": `file:${TARBALL}` } }));
  const install = await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock"], { cwd: WORK });
  assert.equal(install.code, 0, install.stderr);
  emulator = await startEmulator(EMULATOR_BIN, ["--token", TOKEN]);
  env = {
    ...process.env,
    CLOUDFLARE_ACCOUNT_ID: "cli-account",
    REALTIMEKIT_APP_ID: "cli-app",
    CLOUDFLARE_API_TOKEN: TOKEN,
    REALTIMEKIT_BASE_URL: `${emulator.url}/client/v4`,
  };
});

after(() => emulator?.stop());

test("help, and bad usage exits 2 with the reason on stderr", async () => {
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  for (const command of ["list", "get", "create", "edit", "replace", "delete", "events", "ensure", "apply", "trigger", "keygen", "example"]) {
    assert.match(help.stdout, new RegExp(`\\n  ${command} `));
    const own = await cli([command, "--help"]);
    assert.equal(own.code, 0, command);
    assert.match(own.stdout, new RegExp(`^Usage: realtimekit-webhooks ${command}`));
  }
  const group = await cli(["deliveries", "--help"]);
  assert.equal(group.code, 0, group.stderr);
  assert.match(group.stdout, /^Usage: realtimekit-webhooks deliveries <list\|show\|stats\|redrive>/);
  const bare = await cli([]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^Usage: realtimekit-webhooks <command>/);
  const cases = [
    [["lst"], /unknown command "lst" \(did you mean list\? commands: /],
    [["create", "--enable"], /unknown option '--enable' \(did you mean --enabled\?\)/],
    [["list", "--acount", "a"], /did you mean --account\?/],
    [["example", "meeting.endd"], /meeting\.endd.*did you mean meeting\.ended\?/],
    [["list", "--token", "t", "--api-key", "k"], /give --token, or --api-key and --api-email, not both/],
    [["list"], /give --token \(or CLOUDFLARE_API_TOKEN\), or --api-key and --api-email/, { CLOUDFLARE_API_TOKEN: "" }],
    [["list", "--api-key", "k"], /give --api-key and --api-email \(or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL\)/, { CLOUDFLARE_API_TOKEN: "" }],
    [["create", "--name", "x", "--url", "https://example.com"], /give --events/],
    [["get"], /takes <id>/],
    [["list", "--colour"], /unknown option '--colour'/],
    [["create", "--name", "x", "--url", "ftp://x", "--events", "meeting.started"], /ValidationError: url: /],
    [["create", "--name", "x", "--url", "https://example.com", "--events", "meeting.startd"], /ValidationError: events/],
    [["edit", "some-id"], /give at least one of/],
    [["list"], /give --account \(or CLOUDFLARE_ACCOUNT_ID\)/, { CLOUDFLARE_ACCOUNT_ID: "" }],
    [["trigger", "meeting.started"], /give --to/],
  ];
  for (const [args, pattern, extra] of cases) {
    const result = await cli(args, extra);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, pattern, args.join(" "));
  }
});

test("--json: errors are JSON on stderr too, with the same exit codes; example prints a body; a key and its email work as a token does", async () => {
  const usage = await cli(["lst", "--json"]);
  assert.equal(usage.code, 2);
  assert.deepEqual(Object.keys(JSON.parse(usage.stderr).error), ["class", "message", "help"]);
  assert.equal(JSON.parse(usage.stderr).error.class, "UsageError");
  assert.equal(JSON.parse(usage.stderr).error.help, "realtimekit-webhooks --help");
  const missing = await cli(["get", "no-such-webhook", "--json"]);
  assert.equal(missing.code, 1);
  const { error } = JSON.parse(missing.stderr);
  assert.deepEqual([error.class, error.status], ["NotFoundError", 404]);
  assert.match(error.message, /no webhook no-such-webhook in this app \(get: GET http/);
  assert.equal(missing.stdout, "");
  const invalid = await cli(["create", "--name", "x", "--url", "ftp://x", "--events", "meeting.started", "--json"]);
  assert.equal(invalid.code, 2);
  assert.deepEqual([JSON.parse(invalid.stderr).error.class, JSON.parse(invalid.stderr).error.field], ["ValidationError", "url"]);

  const example = await cli(["example", "meeting.ended"]);
  assert.equal(example.code, 0);
  assert.equal(JSON.parse(example.stdout).event, "meeting.ended");
  assert.equal((await cli(["example", "meeting.ended", "--json"])).stdout, example.stdout, "--json as every command takes it: the body is JSON either way");
  const fresh = [await cli(["example", "meeting.ended", "--fresh-ids"]), await cli(["example", "meeting.ended", "--fresh-ids"])].map((r) => JSON.parse(r.stdout));
  assert.notEqual(fresh[0].meeting.id, fresh[1].meeting.id);

  const byKey = await cli(["list", "--api-key", "emulator-key", "--api-email", "dev@example.com", "--json"], { CLOUDFLARE_API_TOKEN: "" });
  assert.equal(byKey.code, 0, byKey.stderr);
  const fromEnv = await cli(["list", "--json"], { CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_API_KEY: "emulator-key", CLOUDFLARE_EMAIL: "dev@example.com" });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  const wrongKey = await cli(["list"], { CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_API_KEY: "emulator-key-s3cret", CLOUDFLARE_EMAIL: "dev@example.com" });
  assert.equal(wrongKey.code, 1);
  assert.ok(!wrongKey.stderr.includes("emulator-key-s3cret"), "the key is never printed");
});

test("list, create, get, edit, replace, events, ensure, delete: tables, --json, and exit 1 on an API error", async () => {
  const empty = await cli(["list"]);
  assert.deepEqual([empty.code, empty.stdout], [0, "no webhooks\n"]);
  const created = await json(["create", "--name", "meetings", "--url", "https://example.com/rtk", "--events", "meeting.started,meeting.ended"]);
  assert.deepEqual([created.name, created.events, created.enabled], ["meetings", ["meeting.started", "meeting.ended"], true]);
  const table = await cli(["list"]);
  assert.match(table.stdout, /^ID\s+NAME\s+ENABLED\s+EVENTS\s+URL\n/);
  assert.match(table.stdout, new RegExp(`${created.id}\\s+meetings\\s+yes\\s+meeting.started,meeting.ended\\s+https://example.com/rtk`));
  assert.match((await cli(["get", created.id])).stdout, /^id\s+.*\nname\s+meetings\n/);
  const edited = await json(["edit", created.id, "--disabled"]);
  assert.equal(edited.enabled, false);
  const replaced = await json(["replace", created.id, "--name", "meetings", "--url", "https://example.com/other", "--events", "meeting.summary"]);
  assert.deepEqual([replaced.url, replaced.events, replaced.enabled], ["https://example.com/other", ["meeting.summary"], true]);
  assert.ok((await json(["events"])).includes("recording.statusUpdate"));
  const same = await json(["ensure", "--name", "meetings", "--url", "https://example.com/other", "--events", "meeting.summary"]);
  assert.equal(same.action, "unchanged");
  const ensured = await cli(["ensure", "--name", "meetings", "--url", "https://example.com/other", "--events", "meeting.summary", "--disabled"]);
  assert.match(ensured.stdout, /^updated /);
  const deleted = await cli(["delete", created.id]);
  assert.deepEqual([deleted.code, deleted.stdout], [0, `deleted ${created.id} (meetings)\n`]);
  const missing = await cli(["get", created.id]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /NotFoundError: 404/);
  const refused = await cli(["list"], { CLOUDFLARE_API_TOKEN: "wrong-token" });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /AuthenticationError/);
});

test("apply: the plan, --dry-run, twice in a row (nothing the second time), --prune, and names the app has twice", async () => {
  const file = join(WORK, "webhooks.json");
  const wanted = [
    { name: "a", url: "https://example.com/a", events: ["meeting.started"] },
    { name: "b", url: "https://example.com/b", events: ["meeting.ended", "meeting.summary"], enabled: false },
  ];
  await writeFile(file, JSON.stringify(wanted));
  await json(["create", "--name", "a", "--url", "https://example.com/old", "--events", "meeting.started"]);
  await json(["create", "--name", "stray", "--url", "https://example.com/stray", "--events", "meeting.started"]);

  const dry = await cli(["apply", file, "--dry-run"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /~ edit a \(.*\): url -> https:\/\/example.com\/a\n\+ create b https:\/\/example.com\/b \[meeting.ended,meeting.summary\] disabled\n2 changes\ndry run: nothing was changed\n/);
  const dryJSON = await json(["apply", file, "--dry-run"]);
  assert.deepEqual([dryJSON.dryRun, dryJSON.complete, dryJSON.plan.map((step) => step.action)], [true, false, ["edit", "create"]]);
  assert.equal((await json(["list"])).length, 2, "--dry-run changed nothing");

  // A webhook of the file that create would refuse: bad usage, found before anything changes.
  const typo = join(WORK, "typo.json");
  await writeFile(typo, JSON.stringify([wanted[1], { name: "c", url: "https://example.com/c", events: ["meeting.Ended"] }]));
  const refused = await cli(["apply", typo]);
  assert.equal(refused.code, 2, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /"c": events\[0\]: "meeting.Ended" is not a webhook event \(did you mean meeting\.ended\?/);
  assert.equal((await json(["list"])).length, 2, "nothing was created");

  const first = await cli(["apply", file]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse((await cli(["apply", file, "--json"])).stdout).complete, true);
  assert.match(first.stdout, /edited a .*\ncreated b /);
  const second = await cli(["apply", file]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /= unchanged a .*\n= unchanged b .*\nnothing to change\n$/);
  const pruned = await cli(["apply", file, "--prune"]);
  assert.match(pruned.stdout, /- delete stray .*\n1 change\n/);
  assert.deepEqual((await json(["list"])).map((h) => h.name).sort(), ["a", "b"]);

  // Two webhooks named "a": reported, left alone, exit 1.
  await json(["create", "--name", "a", "--url", "https://example.com/a-twin", "--events", "meeting.started"]);
  const conflict = await cli(["apply", file]);
  assert.equal(conflict.code, 1);
  assert.match(conflict.stdout, /! conflict a \(.*, .*\): 2 webhooks of the app have this name/);
  for (const hook of await json(["list"])) await cli(["delete", hook.id]);

  // A file that is not a list of webhooks: bad usage.
  await writeFile(file, JSON.stringify([{ name: "a", url: "https://example.com/a", events: ["meeting.started"], colour: "red" }]));
  const bad = await cli(["apply", file]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /colour: is not a webhook field/);
});

test("apply stopped by a failure halfway, then run again, finishes the job with no duplicate", async () => {
  const file = join(WORK, "three.json");
  const wanted = ["one", "two", "three"].map((name) => ({ name, url: `https://example.com/${name}`, events: ["meeting.started"] }));
  await writeFile(file, JSON.stringify(wanted));
  // The second create: a 503 after the webhook was made (its reply lost); then the list
  // the client makes to find it fails with a 400, so apply stops there for "two".
  await script("create", {}, { status: 503, commit: true });
  await script("list", {}, { status: 400, body: { success: false, error: { code: 400, message: "BAD_REQUEST" } } });
  const halfway = await cli(["apply", file]);
  assert.equal(halfway.code, 1, halfway.stdout + halfway.stderr);
  assert.match(halfway.stderr, /create two failed: InternalServerError: 503/);
  assert.match(halfway.stderr, /run apply again/);
  const again = await cli(["apply", file]);
  assert.equal(again.code, 0, again.stderr);
  const names = (await json(["list"])).map((h) => h.name).sort();
  assert.deepEqual(names, ["one", "three", "two"], "each once");
  for (const hook of await json(["list"])) await cli(["delete", hook.id]);
});

test("keygen and trigger against a Node receiver: delivered, repeated, tampered, and a receiver that fails", async () => {
  const keys = join(WORK, "keys");
  const made = await cli(["keygen", "--out", keys]);
  assert.equal(made.code, 0, made.stderr);
  assert.equal((await cli(["keygen", "--out", keys])).code, 2, "no overwrite without --force");
  const publicKey = await readFile(join(keys, "public.pem"), "utf8");
  const pkg = await import(join(WORK, "node_modules", "realtimekit-webhooks", "node.js"));
  const handled = [];
  let failing = false;
  const receiver = new pkg.WebhookReceiver({ publicKey, store: new pkg.MemoryDeliveryStore() }).onAny((d) => {
    if (failing) throw new Error("backend down");
    handled.push(d);
  });
  const handler = pkg.createNodeHandler(receiver);
  const server = createServer((req, res) => handler(req, res));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const to = `http://127.0.0.1:${server.address().port}/rtk`;
  try {
    const one = await cli(["trigger", "meeting.started", "--to", to, "--key", keys]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /-> 200 handled: RealtimeKit counts it delivered\n$/);
    // Each trigger is a new event (fresh ids), not a replay of the last.
    assert.equal((await cli(["trigger", "meeting.started", "--to", to, "--key", join(keys, "private.pem")])).code, 0);
    assert.equal(handled.length, 2);
    assert.notEqual(handled[0].payload.meeting.sessionId, handled[1].payload.meeting.sessionId);

    const repeated = await json(["trigger", "recording.statusUpdate", "--to", to, "--key", keys, "--repeat", "3", "--id", "rtk-uuid-1"]);
    assert.deepEqual(repeated.answers.map((a) => [a.status, a.text.trim(), a.fate]), [
      [200, "handled", "delivered"], [200, "repeat", "delivered"], [200, "repeat", "delivered"],
    ]);
    assert.equal(handled.filter((d) => d.id === "rtk-uuid-1").length, 1);

    // One delivery to two receivers at once (here one receiver under two paths): one handles it, the other does not run it again.
    const both = await cli(["trigger", "meeting.summary", "--to", to, "--to", `${to}/second`, "--key", keys, "--json"]);
    const twice = JSON.parse(both.stdout);
    assert.deepEqual(twice.answers.map((a) => a.url), [to, `${to}/second`]);
    const texts = twice.answers.map((a) => a.text.trim()).sort();
    assert.ok(["handled,in-progress", "handled,repeat"].includes(texts.join()), texts.join());
    assert.equal(handled.filter((d) => d.id === twice.id).length, 1);

    // A receiver that does not have trigger's key: the answer says so, with what to do.
    const otherKeys = join(WORK, "other-keys");
    assert.equal((await cli(["keygen", "--out", otherKeys])).code, 0);
    const wrongKey = await cli(["trigger", "meeting.ended", "--to", to, "--key", otherKeys]);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, new RegExp(`the receiver does not verify what trigger signed: give the receiver the public key of the one trigger signs with \\(${otherKeys.replaceAll("/", "\\/")}\\/public\\.pem: publicKey`));

    const tampered = await cli(["trigger", "meeting.ended", "--to", to, "--key", keys, "--tamper"]);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stdout, /\(tampered\) -> 401 forged: .*RealtimeKit would give up on it: failed for good/);
    assert.match(tampered.stdout, /-> 401 forged: the signature does not verify:/, "the receiver's reason is shown");

    failing = true;
    const failed = await cli(["trigger", "meeting.ended", "--to", to, "--key", keys]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /-> 500 handler-failed: RealtimeKit would deliver it again later/);

    const body = join(WORK, "body.json");
    await writeFile(body, JSON.stringify({ event: "meeting.summary", meeting: { id: "m" }, summaryDownloadUrl: "https://example.com/s" }));
    failing = false;
    assert.equal((await cli(["trigger", "meeting.summary", "--to", to, "--key", keys, "--body", body])).code, 0);
    assert.equal(handled.at(-1).payload.summaryDownloadUrl, "https://example.com/s");
    assert.equal((await cli(["trigger", "meeting.ended", "--to", to, "--key", keys, "--body", body])).code, 2, "a body of another event");

    const nobody = await cli(["trigger", "meeting.ended", "--to", "http://127.0.0.1:9/", "--key", keys]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stdout, /no answer .*RealtimeKit would deliver it again later/);
  } finally {
    server.close();
    server.closeAllConnections();
  }
});

test("deliveries: bad usage is exit 2 before anything is sent; the token comes from --admin-token, the environment, or ./.dev.vars for a receiver on loopback only", async () => {
  const asked = [];
  const server = createServer((req, res) => {
    asked.push([req.method, req.url, req.headers.authorization]);
    // A receiver that echoes what it was sent, and lists an id an attacker chose (rtk-uuid is not signed).
    if (req.method === "POST") return res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: `bad request: authorization=${req.headers.authorization}` }));
    if (req.url.startsWith("/admin/deliveries")) {
      const id = "\u001b]0;owned\u0007\u001b[2Jx";
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ deliveries: [{ id, bodyHash: "ab", event: "meeting.ended", state: "done", attempts: 1, receivedAt: 0, lastError: null, body: "{}" }] }));
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ total: 0, byState: { queued: 0, handling: 0, done: 0, dead: 0 }, byEvent: {}, oldestPendingMs: null }));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const receiver = `http://127.0.0.1:${server.address().port}`;
  try {
    for (const [args, message] of [
      [["deliveries"], /give one of deliveries list, deliveries show, deliveries stats, deliveries redrive/],
      [["deliveries", "redrive", "--receiver", receiver, "--admin-token", "t"], /give an rtk-uuid, or --all/],
      [["deliveries", "redrive", "id-1", "--all", "--receiver", receiver, "--admin-token", "t"], /give an rtk-uuid, or --all/],
      [["deliveries", "redrive", "id-1", "--since", "1h", "--receiver", receiver, "--admin-token", "t"], /--since goes with --all/],
      [["deliveries", "list", "--since", "yesterday", "--receiver", receiver, "--admin-token", "t"], /--since yesterday is not a time/],
      [["deliveries", "list", "--state", "lost", "--receiver", receiver, "--admin-token", "t"], /--state is queued, handling, done or dead/],
      [["deliveries", "list", "--admin-token", "t"], /give --receiver <url> \(or REALTIMEKIT_RECEIVER_URL\)/],
      [["deliveries", "show", "--receiver", receiver, "--admin-token", "t"], /takes <rtk-uuid>/],
      [["deliveries", "stats", "--receiver", "https://10.0.0.1:8787"], /give --admin-token \(or REALTIMEKIT_ADMIN_TOKEN\)/],
      [["deliveries", "stats", "--receiver", "http://10.0.0.1:8787", "--admin-token", "t"], /plain http: the admin token would cross the network unencrypted/],
      [["deliveries", "stats", "--receiver", receiver, "--admin-token", "to\nken"], /control characters/],
      [["init", "worker", "package.json"], /package\.json is a file: give a new directory/],
      [["init", "worker", "never-written", "--package", "./no-such.tgz"], /--package \.\/no-such\.tgz is not there/],
    ]) {
      const result = await cli(args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    assert.deepEqual(asked, [], "nothing was sent");

    await writeFile(join(WORK, ".dev.vars"), 'RTK_PUBLIC_KEY="..."\nADMIN_TOKEN="from-dev-vars"\n');
    try {
      assert.equal((await cli(["deliveries", "stats", "--receiver", receiver])).code, 0);
      assert.equal((await cli(["deliveries", "stats", "--receiver", receiver], { REALTIMEKIT_ADMIN_TOKEN: "from-env" })).code, 0);
      assert.equal((await cli(["deliveries", "stats", "--receiver", receiver, "--admin-token", "from-flag"])).code, 0);
      const far = await cli(["deliveries", "stats", "--receiver", "https://10.0.0.1:8787"]);
      assert.equal(far.code, 2, "a local token is never sent off loopback");
    } finally {
      await rm(join(WORK, ".dev.vars"));
    }
    assert.deepEqual(asked.slice(0, 3).map(([, , authorization]) => authorization), ["Bearer from-dev-vars", "Bearer from-env", "Bearer from-flag"]);
    assert.deepEqual(asked[0].slice(0, 2), ["GET", "/admin/stats"]);

    // What the receiver says reaches the terminal with no control character, and never with the token.
    for (const args of [["list"], ["show", "x"]]) {
      const listed = await cli(["deliveries", ...args, "--receiver", receiver, "--admin-token", "sh0wn-t0ken"]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.doesNotMatch(listed.stdout, /[\u0000-\u0009\u000b-\u001f]/, "no control character but line breaks");
      assert.match(listed.stdout, /\\u001b\]0;owned\\u0007/);
    }
    const echoed = await cli(["deliveries", "redrive", "x", "--receiver", receiver, "--admin-token", "ech0ed-t0ken"]);
    assert.equal(echoed.code, 1);
    assert.match(echoed.stderr, /authorization=Bearer \[redacted\]/);
    assert.ok(!echoed.stderr.includes("ech0ed-t0ken"));

    const nobody = await cli(["deliveries", "stats", "--receiver", "http://127.0.0.1:9", "--admin-token", "t"]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /could not reach http:\/\/127\.0\.0\.1:9/);
  } finally {
    server.close();
    server.closeAllConnections();
  }
});

test("deliveries against a hostile receiver: escapes, bidi overrides and answers of another shape are shown escaped or refused, never thrown; an endless answer is cut", async () => {
  let mode;
  const bidi = "id-\u202egnp.exe\u3164";
  const server = createServer((req, res) => {
    const json = (value) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
    if (mode === "endless") {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1 << 16, 0x20);
      const pump = () => { while (res.write(chunk)); };
      res.on("drain", pump);
      res.on("close", () => res.off("drain", pump));
      return pump();
    }
    if (mode === "escapes") {
      if (req.url.startsWith("/admin/stats")) return json({ total: 1, byState: { queued: 0, handling: 0, done: 1, dead: 0 }, byEvent: { "\u001b]0;pwned\u001b\\\u001b[31m": { queued: 0, handling: 0, done: 1, dead: 0 } }, oldestPendingMs: null });
      return json({ deliveries: [{ id: bidi, bodyHash: "ab\u200b", event: "\u2066meeting.ended", state: "done", attempts: 1, receivedAt: 0, updatedAt: 8.64e15, lastError: "\u009b31m", body: "{\"x\": \"\u202e\"}" }] });
    }
    // Of another shape: counts that are text, lists of null, a state that is not one.
    if (req.url.startsWith("/admin/stats")) return json({ total: "\u001b[31m1", byState: { queued: 0, handling: 0, done: 1, dead: 0 }, byEvent: null, oldestPendingMs: null });
    if (req.url.startsWith("/admin/redrive")) return json({ redriven: [null], skipped: [] });
    if (req.url.includes("id=")) return json({ deliveries: [{ id: "x", bodyHash: "h", event: "meeting.ended", state: "done", attempts: "3", receivedAt: "yesterday" }] });
    return json({ deliveries: [{ id: "x", bodyHash: "h", event: "meeting.ended", state: ["dead"], attempts: 1, receivedAt: 0 }] });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const receiver = `http://127.0.0.1:${server.address().port}`;
  const deliveries = (...args) => cli(["deliveries", ...args, "--receiver", receiver, "--admin-token", "t0ken-hostile"]);
  try {
    mode = "escapes";
    for (const args of [["stats"], ["list"], ["show", "x"], ["stats", "--json"], ["list", "--json"], ["show", "x", "--json"]]) {
      const result = await deliveries(...args);
      assert.equal(result.code, 0, `${args}: ${result.stderr}`);
      assert.doesNotMatch(result.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u202e\u2066\u3164]/, `${args}: no control or bidi character reaches the terminal:\n${result.stdout}`);
    }
    assert.match((await deliveries("stats")).stdout, /\\u001b\]0;pwned/);
    assert.match((await deliveries("list")).stdout, /id-\\u202egnp\.exe/);
    assert.equal(JSON.parse((await deliveries("list", "--json")).stdout)[0].id, bidi, "the JSON is the same to a parser");

    mode = "other shapes";
    for (const args of [["stats"], ["list"], ["show", "x"], ["redrive", "x"]]) {
      const result = await deliveries(...args);
      assert.equal(result.code, 1, `${args}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /the receiver's answer is not what the admin API answers/, `${args}`);
      assert.doesNotMatch(result.stderr, /TypeError|RangeError|    at /, `${args}: no stack`);
      assert.equal(result.stdout, "", `${args}: nothing printed before`);
    }

    mode = "endless";
    const endless = await deliveries("stats");
    assert.equal(endless.code, 1);
    assert.match(endless.stderr, /with more than 32 MiB: not the admin API/);
  } finally {
    server.close();
    server.closeAllConnections();
  }
});

test("the READMEs' install commands work as written, from a checkout of any name (but for `cargo xtask build`, done)", async () => {
  const ROOT = fileURLToPath(new URL("../../", import.meta.url));
  for (const [readme, heading] of [["README.md", "## Quick start (JavaScript)"], ["pkg-template/README.md", "Until it is on the npm registry"]]) {
    const text = await readFile(join(ROOT, readme), "utf8");
    const from = text.indexOf("```sh\n", text.indexOf(heading)) + "```sh\n".length;
    const block = text.slice(from, text.indexOf("```", from)).split("\n").filter((line) => !line.startsWith("cargo xtask build")).join("\n");
    // A checkout under a name of its own, holding the built package.
    const place = join(WORK, `readme-install-${readme.includes("/") ? "npm" : "repo"}`);
    await rm(place, { recursive: true, force: true });
    const checkout = join(place, "some-checkout-name");
    await mkdir(checkout, { recursive: true });
    await symlink(join(ROOT, "pkg"), join(checkout, "pkg"));
    const result = await run("bash", ["-euc", block], { cwd: checkout, env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" } });
    assert.equal(result.code, 0, `${readme}:\n${block}\n${result.stdout}${result.stderr}`);
    const installed = JSON.parse(await readFile(join(place, "my-app", "node_modules", "realtimekit-webhooks", "package.json"), "utf8"));
    assert.equal(installed.name, "realtimekit-webhooks", readme);
  }
});
