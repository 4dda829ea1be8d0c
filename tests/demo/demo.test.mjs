// The demo page (www/), driven in headless Chromium as a user would drive it,
// served by the emulator exactly as `cargo xtask demo` serves it (`--www www
// --pkg pkg --upstream URL`). A second emulator stands in for the real API
// behind the proxy.
//
// Run from the repository root, after `cargo xtask build` (pkg/) and
// `cargo build -p rtk-emulator`:
//
//   node --test tests/demo/demo.test.mjs
//
// Environment:
//   RTK_EMULATOR_BIN      the emulator binary (default target/debug/rtk-emulator)
//   RTK_CHROMIUM          Chromium (default /usr/bin/chromium)
//   RTK_DEMO_SCREENSHOT   also save the desktop screenshot there (how www/screenshot.png is made)
//
// Screenshots are kept in tests/artifacts/. Nothing here depends on timing:
// every step waits for what the page shows (bounded only so that a hang fails).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EMULATOR_BIN = process.env.RTK_EMULATOR_BIN || join(ROOT, "target", "debug", "rtk-emulator");
const CHROMIUM = process.env.RTK_CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, "tests", "artifacts");
/** Bound on any one wait, so that a hang fails instead of blocking CI. */
const WAIT_MS = 30_000;

const TOKEN = "emulator-token";
const UPSTREAM_TOKEN = "upstream-token";
const ACCOUNT = "demo-account";
const APP = "demo-app";
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let upstream;
let demo;
let context;
let profile;
let page;
/** Console errors and page errors nobody expected, not yet reported. */
const problems = [];
/** Console errors a step expects (Chromium's own log of an HTTP error reply); each is consumed once seen. */
const expected = [];

// ---- the servers ----------------------------------------------------------------

/** Starts `rtk-emulator --port 0 ...args` and resolves once it listens. */
async function startEmulator(args) {
  const child = spawn(EMULATOR_BIN, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const [first] = await Promise.race([
    once(lines, "line"),
    once(child, "exit").then(([code]) => { throw new Error(`${EMULATOR_BIN} exited with ${code}`); }),
  ]);
  const match = /^rtk-emulator listening on (http:\/\/\S+)$/.exec(first);
  if (!match) throw new Error(`the emulator did not start: ${first}`);
  lines.on("line", () => {});
  const url = match[1];
  const call = async (method, path, { body, token } = {}) => {
    const headers = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    const reply = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await reply.text();
    if (!reply.ok) throw new Error(`${method} ${path}: ${reply.status} ${text}`);
    return JSON.parse(text);
  };
  return {
    url,
    call,
    /** The webhooks of an app, straight from the emulator's API. */
    webhooks: async (token = TOKEN, account = ACCOUNT, app = APP) =>
      (await call("GET", `/client/v4/accounts/${account}/realtime/kit/${app}/webhooks`, { token })).data,
    /** Every API request received, oldest first. */
    requests: () => call("GET", "/__emulator/requests"),
    reset: () => call("POST", "/__emulator/reset"),
    stop: () => child.kill(),
  };
}

// ---- the browser -------------------------------------------------------------------

function watch(target) {
  target.on("console", (message) => {
    if (message.type() !== "error") return;
    const at = message.location()?.url ?? "";
    const index = expected.findIndex((e) => e.text.test(message.text()) && e.url.test(at));
    if (index >= 0) expected.splice(index, 1);
    else problems.push(`console error: ${message.text()} (${at})`);
  });
  target.on("pageerror", (error) => problems.push(`page error: ${error.stack ?? error}`));
}

/** Fails when the page logged an error nobody expected (each is reported once). */
function assertQuiet() {
  assert.deepEqual(problems.splice(0), [], "the page logged errors");
}

/** Fails when a control on the page has no accessible name (a label, or aria-label). */
async function assertLabelled() {
  const tree = await page.locator("body").ariaSnapshot();
  const unnamed = tree.split("\n").filter((line) => /^\s*- (button|textbox|checkbox|radio|switch|combobox|link)\b(?!\s+")/.test(line));
  assert.deepEqual(unnamed, [], `controls without a name in:\n${tree}`);
}

/** Waits until Chromium has logged each expected error. */
async function assertExpectedSeen() {
  try {
    await eventually(() => assert.deepEqual(expected.map((e) => String(e.text)), [], "expected console errors not seen"));
  } finally {
    expected.length = 0;
  }
}

/** Waits until `check` (in Node) stops throwing; rethrows its last error after WAIT_MS. */
async function eventually(check) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const state = () => page.locator("#connection-state");
const rowOf = (name) => page.locator("#webhooks-rows tr:not(.editing)", { has: page.locator(".name", { hasText: new RegExp(`^${name}$`) }) });
const field = (name) => page.locator(`#connection-form [name="${name}"]`);

async function waitText(locator, text) {
  await locator.filter({ hasText: text }).first().waitFor();
}

async function openPage() {
  await page.goto(demo.url);
  await page.locator("html[data-ready]").waitFor({ state: "attached" });
}

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  upstream = await startEmulator(["--token", UPSTREAM_TOKEN]);
  demo = await startEmulator(["--www", join(ROOT, "www"), "--pkg", join(ROOT, "pkg"), "--upstream", `${upstream.url}/client/v4`]);
  profile = await mkdtemp(join(tmpdir(), "rtk-demo-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  context.setDefaultTimeout(WAIT_MS);
  // Every step runs in this one tab (a persistent context opens with one).
  page = context.pages()[0] ?? (await context.newPage());
  watch(page);
});

after(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  demo?.stop();
  upstream?.stop();
});

// ---- the scenarios -----------------------------------------------------------------

test("opens connected to the emulator, with nothing to configure", async () => {
  await openPage();
  await waitText(state(), "Connected · emulator");
  assert.equal(await field("accountId").inputValue(), ACCOUNT);
  assert.equal(await field("appId").inputValue(), APP);
  assert.equal(await field("token").inputValue(), TOKEN);
  assert.equal(await field("baseURL").inputValue(), `${demo.url}/client/v4`);
  // The event checkboxes and the delivery buttons come from supportedEvents().
  assert.equal(await page.locator('#create-events input[type="checkbox"]').count(), 9);
  assert.equal(await page.locator("#event-buttons button").count(), 9);
  await waitText(page.locator("#feed-state"), "Live");
  await page.locator("#webhooks-empty", { hasText: "No webhooks yet" }).waitFor();
  // Nothing was remembered: the token is in memory only.
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assertQuiet();
});

test("create a webhook, see it in the table, edit it, replace it, toggle it, delete it", async () => {
  const form = page.locator("#create-form");
  await form.getByLabel("Name").fill("meetings");
  await form.getByLabel("URL").fill("https://example.com/hooks/meetings");
  await form.getByLabel("meeting.started").check();
  await form.getByLabel("meeting.ended").check();
  await form.getByRole("button", { name: "Create", exact: true }).click();
  await waitText(page.locator("#create-status"), "Created “meetings”.");

  const row = rowOf("meetings");
  await row.waitFor();
  assert.equal(await row.locator("td.url").innerText(), "https://example.com/hooks/meetings");
  assert.deepEqual(await row.locator(".chip").allInnerTexts(), ["meeting.started", "meeting.ended"]);
  assert.equal(await row.getByRole("switch").getAttribute("aria-checked"), "true");
  assert.match(await row.locator("td.time time").first().getAttribute("datetime"), /^\d{4}-\d\d-\d\dT/);
  let [hook] = await demo.webhooks();
  assert.deepEqual({ name: hook.name, url: hook.url, events: hook.events, enabled: hook.enabled },
    { name: "meetings", url: "https://example.com/hooks/meetings", events: ["meeting.started", "meeting.ended"], enabled: true });

  // Edit in place: Save sends only what changed (a PATCH of the URL).
  await page.getByRole("button", { name: "Edit meetings" }).click();
  const editor = page.getByRole("form", { name: "Edit meetings" });
  await assertLabelled();
  await editor.getByLabel("URL").fill("https://example.com/hooks/v2");
  await editor.getByRole("button", { name: "Save" }).click();
  await waitText(page.locator("#webhooks-status"), "Saved “meetings”: url changed (edit).");
  await eventually(async () => assert.equal(await row.locator("td.url").innerText(), "https://example.com/hooks/v2"));
  const patch = (await demo.requests()).filter((r) => r.op === "edit").at(-1);
  assert.deepEqual(JSON.parse(patch.body), { url: "https://example.com/hooks/v2" });

  // Escape leaves the editor without a request, focus back on its Edit button.
  await page.getByRole("button", { name: "Edit meetings" }).click();
  await page.getByRole("form", { name: "Edit meetings" }).getByLabel("Name").press("Escape");
  await page.getByRole("form", { name: "Edit meetings" }).waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Edit meetings");

  // Replace sends every field (a PUT).
  await page.getByRole("button", { name: "Edit meetings" }).click();
  const replacer = page.getByRole("form", { name: "Edit meetings" });
  await replacer.getByLabel("Name").fill("meetings-all");
  await replacer.getByLabel("meeting.ended").uncheck();
  await replacer.getByLabel("meeting.summary").check();
  await replacer.getByRole("button", { name: "Replace" }).click();
  await waitText(page.locator("#webhooks-status"), "Replaced “meetings-all” (replace).");
  const replaced = rowOf("meetings-all");
  await replaced.waitFor();
  assert.deepEqual(await replaced.locator(".chip").allInnerTexts(), ["meeting.started", "meeting.summary"]);
  const put = (await demo.requests()).filter((r) => r.op === "replace").at(-1);
  assert.deepEqual(JSON.parse(put.body), {
    name: "meetings-all", url: "https://example.com/hooks/v2", events: ["meeting.started", "meeting.summary"], enabled: true,
  });

  // The switch, from the keyboard: Space disables, and the focus stays on it.
  const toggle = page.getByRole("switch", { name: "meetings-all enabled" });
  await toggle.focus();
  await page.keyboard.press("Space");
  await page.locator('#webhooks-rows [role="switch"][aria-checked="false"]').waitFor();
  await waitText(page.locator("#webhooks-status"), "Disabled “meetings-all”.");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "meetings-all enabled");
  [hook] = await demo.webhooks();
  assert.equal(hook.enabled, false);
  // Each row shows its webhook's id.
  assert.equal(await replaced.locator(".hook-id").innerText(), hook.id);
  await toggle.click();
  await page.locator('#webhooks-rows [role="switch"][aria-checked="true"]').waitFor();
  [hook] = await demo.webhooks();
  assert.equal(hook.enabled, true);

  // Delete asks first: Escape keeps the webhook, the dialog's Delete removes it.
  const dialog = page.locator("#confirm-delete");
  await page.getByRole("button", { name: "Delete meetings-all" }).click();
  await dialog.waitFor({ state: "visible" });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.equal((await demo.webhooks()).length, 1);
  await page.getByRole("button", { name: "Delete meetings-all" }).click();
  await dialog.waitFor({ state: "visible" });
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await waitText(page.locator("#webhooks-status"), "Deleted “meetings-all”.");
  await replaced.waitFor({ state: "detached" });
  assert.deepEqual(await demo.webhooks(), []);
  assertQuiet();
});

test("ensure creates, then leaves alone, then updates; never a duplicate", async () => {
  const form = page.locator("#create-form");
  await form.getByLabel("Name").fill("ensured");
  await form.getByLabel("URL").fill("https://example.com/hooks/ensured");
  const ensure = form.getByRole("button", { name: "Ensure" });
  const status = page.locator("#create-status");
  await ensure.click();
  await waitText(status, "Ensure: created “ensured”.");
  await ensure.click();
  await waitText(status, "Ensure: unchanged “ensured”.");
  await form.getByLabel("meeting.transcript").check();
  await ensure.click();
  await waitText(status, "Ensure: updated “ensured”.");
  await eventually(async () => assert.ok((await rowOf("ensured").locator(".chip").allInnerTexts()).includes("meeting.transcript")));
  assert.equal(await rowOf("ensured").count(), 1);
  assert.equal((await demo.webhooks()).filter((h) => h.name === "ensured").length, 1);
  assertQuiet();
});

test("bad input is a ValidationError, shown in place, and nothing is sent", async () => {
  const form = page.locator("#create-form");
  const checked = form.locator('input[name="events"]:checked');
  while ((await checked.count()) > 0) await checked.first().uncheck();
  const creates = (await demo.requests()).filter((r) => r.op === "create").length;
  await form.getByRole("button", { name: "Create", exact: true }).click();
  const error = page.locator('#create-error .error[data-error-class="ValidationError"]');
  await error.waitFor();
  assert.match(await error.innerText(), /events/);
  assert.equal((await demo.requests()).filter((r) => r.op === "create").length, creates);
  // Fixed input clears the error.
  await form.getByLabel("meeting.started").check();
  await form.getByLabel("Name").fill("second");
  await form.getByRole("button", { name: "Create", exact: true }).click();
  await waitText(page.locator("#create-status"), "Created “second”.");
  await error.waitFor({ state: "detached" });
  assertQuiet();
});

test("a wrong token shows an AuthenticationError; the page recovers when the token is fixed", async () => {
  // Chromium logs every HTTP error reply of a fetch as a console error; this
  // 401 is the one this step causes on purpose.
  expected.push({ text: /status of 401/, url: /\/client\/v4\/accounts\/demo-account\/realtime\/kit\/demo-app\/webhooks/ });
  await field("token").fill("wrong-token");
  const refused = page.waitForResponse((reply) => reply.status() === 401);
  await page.getByRole("button", { name: "Connect" }).click();
  const reply = await refused;
  const error = page.locator('#connection-error .error[data-error-class="AuthenticationError"]');
  await error.waitFor();
  const text = await error.innerText();
  assert.match(text, /AuthenticationError/);
  assert.match(text, /HTTP 401/);
  assert.match(text, /10000\s+Authentication error/, "the API's own {code, message}");
  assert.ok(text.includes(reply.headers()["cf-ray"]), `the request id (cf-ray ${reply.headers()["cf-ray"]}) is shown: ${text}`);
  await waitText(state(), "Token refused");
  await page.locator("#webhooks-empty", { hasText: "Connect to list the webhooks." }).waitFor();
  assert.equal(await page.locator("#refresh").isDisabled(), true);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "token", "the token field has the focus");
  await assertExpectedSeen();

  await field("token").fill(TOKEN);
  await page.getByRole("button", { name: "Connect" }).click();
  await waitText(state(), "Connected · emulator");
  await error.waitFor({ state: "detached" });
  await rowOf("ensured").waitFor();
  await rowOf("second").waitFor();
  assert.equal(await page.locator("#refresh").isDisabled(), false);
  assertQuiet();
});

test("a real account goes through the proxy, with the caller's token; remembering it is opt-in", async () => {
  const upstreamAccount = "acc-upstream";
  const upstreamApp = "app-upstream";
  await upstream.call("POST", `/client/v4/accounts/${upstreamAccount}/realtime/kit/${upstreamApp}/webhooks`, {
    token: UPSTREAM_TOKEN,
    body: { name: "production hook", url: "https://example.com/hooks/prod", events: ["meeting.ended"] },
  });

  await page.getByLabel(/Cloudflare account/).check();
  assert.equal(await field("baseURL").inputValue(), `${demo.url}/proxy`);
  assert.equal(await field("token").inputValue(), "", "no token is carried over to a real account");
  assert.equal(await field("accountId").inputValue(), "");
  await field("accountId").fill(upstreamAccount);
  await field("appId").fill(upstreamApp);
  await field("token").fill(UPSTREAM_TOKEN);
  await page.getByRole("button", { name: "Connect" }).click();
  await waitText(state(), "Connected · Cloudflare");
  await rowOf("production hook").waitFor();
  // Deliveries come from the emulator only: no buttons for a real account.
  assert.equal(await page.locator("#event-buttons button").count(), 0);
  assert.equal(await page.locator("#tamper").isDisabled(), true);

  // The upstream got the calls with the page's token; the demo server's own API got none.
  const upstreamLists = (await upstream.requests()).filter((r) => r.op === "list" && r.path.includes(upstreamAccount));
  assert.ok(upstreamLists.length > 0);
  assert.equal(upstreamLists.at(-1).headers.authorization, `Bearer ${UPSTREAM_TOKEN}`);
  assert.equal((await demo.requests()).filter((r) => r.path.includes(upstreamAccount)).length, 0);
  assert.equal(await page.evaluate(() => JSON.stringify(localStorage)).then((s) => s.includes(UPSTREAM_TOKEN)), false);

  // Remember: stored, and used after a reload.
  await page.getByLabel(/Remember/).check();
  await page.getByRole("button", { name: "Connect" }).click();
  await eventually(async () => assert.ok((await page.evaluate(() => JSON.stringify(localStorage))).includes(UPSTREAM_TOKEN)));
  await openPage();
  await waitText(state(), "Connected · Cloudflare");
  await rowOf("production hook").waitFor();
  assert.equal(await field("token").inputValue(), UPSTREAM_TOKEN);
  assert.equal(await page.getByLabel(/Remember/).isChecked(), true);
  // Unticking forgets at once.
  await page.getByLabel(/Remember/).uncheck();
  assert.equal(await page.evaluate(() => localStorage.length), 0);

  // Back to the emulator: its settings come back.
  await page.getByLabel("Local emulator").check();
  assert.equal(await field("baseURL").inputValue(), `${demo.url}/client/v4`);
  assert.equal(await field("token").inputValue(), TOKEN);
  await page.getByRole("button", { name: "Connect" }).click();
  await waitText(state(), "Connected · emulator");
  await rowOf("ensured").waitFor();
  assert.equal(await page.locator("#event-buttons button").count(), 9);
  assertQuiet();
});

test("deliveries arrive and verify in the browser; a tampered one fails", async () => {
  // Only the receiver webhook should get deliveries: start from an empty app.
  await demo.reset();
  await page.locator("#refresh").click();
  await page.locator("#webhooks-empty", { hasText: "No webhooks yet" }).waitFor();
  await page.locator("#feed-clear").click();

  const feed = page.locator("#feed");
  const verified = (event) => feed.locator('.delivery[data-state="verified"]', { has: page.locator(".event", { hasText: new RegExp(`^${event.replace(".", "\\.")}$`) }) });
  for (const event of ["meeting.started", "meeting.participantJoined", "recording.statusUpdate"]) {
    await page.getByRole("button", { name: `Deliver ${event}` }).click();
    await verified(event).waitFor();
  }
  // The page ensured its receiver webhook, which shows in the table.
  await rowOf("demo receiver").waitFor();
  const [receiver] = await demo.webhooks();
  assert.equal(receiver.url, `${demo.url}/__emulator/receiver`);
  assert.equal(receiver.events.length, 9);

  // What the page shows is what the emulator sent.
  const log = (await demo.call("GET", "/__emulator/deliveries")).data;
  const started = log.find((record) => record.event === "meeting.started");
  const item = verified("meeting.started");
  assert.ok((await item.innerText()).includes(started.id), "the delivery id (rtk-uuid)");
  assert.ok((await item.innerText()).includes(receiver.id), "the webhook id");
  assert.match(await item.locator("time").getAttribute("datetime"), /^\d{4}-\d\d-\d\dT/);

  // Tampered: the body no longer matches its signature.
  await page.getByLabel(/Tamper with the body/).check();
  await page.getByRole("button", { name: "Deliver meeting.ended" }).click();
  const failed = feed.locator('.delivery[data-state="failed"]');
  await failed.waitFor();
  assert.match(await failed.innerText(), /meeting\.ended/);
  assert.match(await failed.innerText(), /SignatureError/);
  await page.getByLabel(/Tamper with the body/).uncheck();
  await waitText(page.locator("#feed-count"), "3 verified · 1 failed");
  const tampered = (await demo.call("GET", "/__emulator/deliveries")).data.find((record) => record.tampered);
  assert.equal(tampered.state, "delivered", "the receiver took it; only the browser's check fails");

  // A reload replays the receiver's history, verified again in the new page.
  await openPage();
  await waitText(page.locator("#feed-count"), "3 verified · 1 failed");

  // After a key rotation, a reload still shows what was true when they arrived:
  // verified with the key of their time (and said so), the tampered one failed.
  await demo.call("POST", "/__emulator/keys/rotate", { body: {} });
  try {
    await openPage();
    await waitText(page.locator("#feed-count"), "3 verified · 1 failed");
    const note = page.locator('#feed .delivery[data-state="verified"] .why').first();
    await note.waitFor();
    assert.match(await note.innerText(), /key of its time: the emulator's key has been rotated since/);
    // A delivery signed after the rotation verifies with no such note.
    await page.getByRole("button", { name: "Deliver meeting.summary" }).click();
    await waitText(page.locator("#feed-count"), "4 verified · 1 failed");
    assert.equal(await verified("meeting.summary").locator(".why").isHidden(), true);
  } finally {
    await demo.call("POST", "/__emulator/keys/rotate", { body: {} });
  }
  assertQuiet();
});

test("every control has a name; readable at desktop and phone widths (screenshots in tests/artifacts/)", async () => {
  // A table worth looking at, next to the deliveries of the previous step.
  const base = `/client/v4/accounts/${ACCOUNT}/realtime/kit/${APP}/webhooks`;
  await demo.call("POST", base, { token: TOKEN, body: { name: "meetings", url: "https://example.com/hooks/meetings", events: ["meeting.started", "meeting.ended"] } });
  await demo.call("POST", base, { token: TOKEN, body: { name: "recordings", url: "https://example.com/hooks/recordings", events: ["recording.statusUpdate"], enabled: false } });
  await page.locator("#refresh").click();
  await rowOf("recordings").waitFor();
  // No focus ring or hover in the pictures.
  await page.evaluate(() => document.activeElement?.blur());
  await page.mouse.move(0, 0);

  await assertLabelled();

  // Neither the page nor the table scrolls sideways.
  const fits = () => page.evaluate(() => [document.documentElement, document.querySelector(".table-wrap")]
    .every((element) => element.scrollWidth <= element.clientWidth));
  await page.setViewportSize(DESKTOP);
  assert.equal(await fits(), true, "nothing is wider than a desktop window");
  const desktop = join(ARTIFACTS, "demo-desktop.png");
  await page.screenshot({ path: desktop, fullPage: true });
  if (process.env.RTK_DEMO_SCREENSHOT) await copyFile(desktop, process.env.RTK_DEMO_SCREENSHOT);

  await page.setViewportSize(PHONE);
  await eventually(async () => assert.equal(await fits(), true, "nothing is wider than a phone screen"));
  // On a phone the table is a list of cards, each value under its label.
  assert.equal(await page.locator("#webhooks-rows tr").first().evaluate((row) => getComputedStyle(row).display), "block");
  await page.screenshot({ path: join(ARTIFACTS, "demo-phone.png"), fullPage: true });
  await page.screenshot({ path: join(ARTIFACTS, "demo-phone-top.png") });

  // The same with an error on show.
  expected.push({ text: /status of 401/, url: /\/client\/v4\// });
  await field("token").fill("wrong-token");
  await page.getByRole("button", { name: "Connect" }).click();
  await page.locator('#connection-error .error[data-error-class="AuthenticationError"]').waitFor();
  assert.equal(await fits(), true, "an error fits a phone screen");
  await page.locator("#connection").screenshot({ path: join(ARTIFACTS, "demo-phone-error.png") });
  await field("token").fill(TOKEN);
  await page.getByRole("button", { name: "Connect" }).click();
  await waitText(state(), "Connected · emulator");
  await page.setViewportSize(DESKTOP);
  await assertExpectedSeen();
  assertQuiet();
});
