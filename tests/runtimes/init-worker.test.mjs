// `realtimekit-webhooks init worker` as a new user runs it: npx with the
// packed tarball writes a project into a fresh directory; then the project's
// own commands: `npm install`, `npm run migrate:local`, `npm run dev`
// (wrangler dev: local Queues, D1 and cron); then `trigger` sends a delivery
// signed with the project's development key, its handler runs, and
// `deliveries list` (the admin token read from .dev.vars) shows it done.
// Then the project's local D1 (as migrated) passes the DeliveryStore
// contract with D1DeliveryStore, through wrangler's getPlatformProxy.
//
// Run by `cargo xtask test runtimes`, with the same environment as runtimes.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort, required, run, startProcess, wranglerEnv } from "./support.mjs";
import { storeContract } from "../js/store-contract.mjs";

const TARBALL = required("RTK_PACKAGE_TARBALL");
const WORK = join(required("RTK_WORK_DIR"), "init-worker");
const PROJECT = join(WORK, "my-receiver");
const LIMIT = 300_000;
// Offline and quiet, its files under WORK (as the Worker tests run wrangler); CI=1: no prompts.
const env = { ...wranglerEnv(join(WORK, "home")), CI: "1", npm_config_update_notifier: "false" };

/** Runs a command in the project; fails the test unless it exits 0. */
async function inProject(command, args) {
  const result = await run(command, args, { cwd: PROJECT, env });
  assert.equal(result.code, 0, `${command} ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

before(async () => {
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
});

test("init worker: npm install, migrate, wrangler dev, trigger: the delivery is handled, and deliveries list shows it done", { timeout: LIMIT }, async () => {
  // --package as the README gives it: a path to the tarball (relative here), which the project depends on as file:<absolute path>.
  const init = await run("npx", ["--yes", `--package=${TARBALL}`, "--", "realtimekit-webhooks", "init", "worker", "my-receiver", "--package", relative(WORK, TARBALL)], { cwd: WORK, env });
  assert.equal(init.code, 0, `${init.stdout}\n${init.stderr}`);
  assert.equal(JSON.parse(await readFile(join(PROJECT, "package.json"), "utf8")).dependencies["realtimekit-webhooks"], `file:${resolve(TARBALL)}`);
  assert.match(init.stdout, /npm install && npm run migrate:local && npm run dev/);
  for (const file of ["worker.js", "handlers.js", "wrangler.toml", "package.json", "README.md", ".gitignore", ".dev.vars", ".rtk-keys/private.pem"]) {
    await stat(join(PROJECT, file));
  }
  assert.equal((await stat(join(PROJECT, ".rtk-keys", "private.pem"))).mode & 0o077, 0, "the private key is the user's only");
  const readme = await readFile(join(PROJECT, "README.md"), "utf8");
  assert.ok(!readme.includes("../../pkg") && !readme.includes("repository only"), "the README has none of the repository's own notes");
  assert.doesNotMatch(await readFile(join(PROJECT, ".gitignore"), "utf8"), /package-lock/, "an app keeps its lockfile");
  const again = await run("npx", ["--yes", `--package=${TARBALL}`, "--", "realtimekit-webhooks", "init", "worker", "my-receiver"], { cwd: WORK, env });
  assert.equal(again.code, 2, "a directory that is not empty is refused");

  await inProject("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"]);
  await inProject("npm", ["run", "migrate:local"]);
  const port = await freePort();
  const dev = startProcess("npm", ["run", "dev", "--", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false"], { cwd: PROJECT, env });
  try {
    const [, url] = await dev.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/);
    const cli = (args) => run(join(PROJECT, "node_modules", ".bin", "realtimekit-webhooks"), args, { cwd: PROJECT, env });
    const sent = await cli(["trigger", "meeting.ended", "--to", `${url}/`, "--key", ".rtk-keys", "--json"]);
    assert.equal(sent.code, 0, `${sent.stdout}\n${sent.stderr}\nwrangler said:\n${dev.output()}`);
    const { id, answers } = JSON.parse(sent.stdout);
    assert.equal(answers[0].status, 202);
    let listed = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 250))) {
      const list = await cli(["deliveries", "list", "--receiver", url, "--json"]);
      assert.equal(list.code, 0, `${list.stdout}\n${list.stderr}`);
      listed = JSON.parse(list.stdout);
      if (listed.some((d) => d.id === id && d.state === "done")) break;
    }
    assert.deepEqual(listed.map((d) => [d.id, d.event, d.state]), [[id, "meeting.ended", "done"]], `wrangler said:\n${dev.output()}`);
    await dev.waitFor(new RegExp(`meeting\\.ended ${id}: meeting ".*" ended`));
    const text = await cli(["deliveries", "list", "--receiver", url]);
    assert.match(text.stdout, new RegExp(`^${id} .* meeting\\.ended +done +1 `, "m"));
    const token = /ADMIN_TOKEN="([^"]+)"/.exec(await readFile(join(PROJECT, ".dev.vars"), "utf8"))[1];
    assert.ok(!text.stdout.includes(token) && !dev.output().includes(token), "the admin token is never printed");
    console.log(`init worker: npx wrote ${PROJECT}; npm install, migrate:local, wrangler dev; trigger -> ${answers[0].status} ${answers[0].text.trim()}; deliveries list -> ${listed[0].state}`);
  } finally {
    await dev.stop();
  }
});

let proxy;
after(async () => proxy?.dispose());

storeContract("D1DeliveryStore (local D1, the package's migrations)", async () => {
  if (!proxy) {
    // The project's own wrangler and package, on the database migrate:local made (wrangler dev has stopped).
    const require = createRequire(join(PROJECT, "package.json"));
    const { getPlatformProxy } = await import(pathToFileURL(require.resolve("wrangler")));
    Object.assign(process.env, env);
    proxy = await getPlatformProxy({ configPath: join(PROJECT, "wrangler.toml"), persist: { path: join(PROJECT, ".wrangler", "state", "v3") } });
  }
  const { D1DeliveryStore } = await import(pathToFileURL(join(PROJECT, "node_modules", "realtimekit-webhooks", "d1.js")));
  return new D1DeliveryStore(proxy.env.DB);
});

test("migration 0003 on a database that 0001 and 0002 made, with rows in every state: what was dead stays dead, what was queued again by hand stays queued", { timeout: LIMIT }, async () => {
  const dir = join(WORK, "upgrade");
  await mkdir(join(dir, "migrations"), { recursive: true });
  await writeFile(join(dir, "wrangler.toml"), [
    'name = "upgrade"', 'compatibility_date = "2026-05-01"', "[[d1_databases]]", 'binding = "DB"', 'database_name = "upgrade-db"',
    'database_id = "00000000-0000-0000-0000-000000000001"', 'migrations_dir = "migrations"', "",
  ].join("\n"));
  const shipped = join(PROJECT, "node_modules", "realtimekit-webhooks", "migrations");
  const wrangler = (args) => run(join(PROJECT, "node_modules", ".bin", "wrangler"), args, { cwd: dir, env });
  const apply = async () => {
    const applied = await wrangler(["d1", "migrations", "apply", "upgrade-db", "--local"]);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  };
  const execute = async (command) => {
    const done = await wrangler(["d1", "execute", "upgrade-db", "--local", "--json", "--command", command]);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    return JSON.parse(done.stdout)[0].results;
  };
  for (const file of ["0001_deliveries.sql", "0002_identity_and_owned_leases.sql"]) await copyFile(join(shipped, file), join(dir, "migrations", file));
  await apply();
  const row = (id, state, attempts) => `('${id}', 'h-${id}', 'h-${id}', NULL, 'meeting.started', '{}', '${state}', ${attempts}, 1, 1)`;
  await execute(`INSERT INTO deliveries (id, body_hash, replay_key, webhook_id, event, body, state, attempts, received_at, updated_at) VALUES
    ${[row("done", "done", 1), row("dead", "dead", 6), row("requeued-by-hand", "queued", 0), row("cut-off", "queued", 6), row("waiting", "queued", 2)].join(", ")};
    INSERT INTO dead_letters (id, body_hash, webhook_id, event, body, attempts, last_error, failed_at) VALUES
    ('dead', 'h-dead', NULL, 'meeting.started', '{}', 6, 'x', 1), ('requeued-by-hand', 'h-requeued-by-hand', NULL, 'meeting.started', '{}', 6, 'x', 1),
    ('cut-off', 'h-cut-off', NULL, 'meeting.started', '{}', 6, 'x', 1)`);
  await copyFile(join(shipped, "0003_operations.sql"), join(dir, "migrations", "0003_operations.sql"));
  await apply();
  const states = await execute("SELECT id, state, redrives FROM deliveries ORDER BY id");
  assert.deepEqual(states, [
    { id: "cut-off", state: "dead", redrives: 0 }, { id: "dead", state: "dead", redrives: 0 }, { id: "done", state: "done", redrives: 0 },
    { id: "requeued-by-hand", state: "queued", redrives: 0 }, { id: "waiting", state: "queued", redrives: 0 },
  ]);
  assert.deepEqual(await execute("SELECT name FROM sqlite_master WHERE name = 'dead_letters'"), []);
});
