// Every ```js block of the READMEs runs as written (but for those marked
// `<!-- readme-test: not run, ... -->`), each in a Node process of its own,
// against an emulator: readme-prelude.mjs points the hosts they name at it.
// A block with node:test tests runs under `node --test`; a Worker (an
// `export default { fetch }`) is given a request, a signed delivery when it
// receives them, and must not answer 5xx.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createSign } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { startEmulator, TOKEN } from "./support.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = join(ROOT, "tests", ".readme");
const READMES = ["README.md", "pkg-template/README.md"];

/** The ```js blocks of a markdown text, with their line numbers and whether they are marked not to run. */
function blocks(text) {
  const found = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```js") continue;
    const end = lines.indexOf("```", i + 1);
    found.push({ line: i + 1, code: lines.slice(i + 1, end).join("\n"), skipped: /readme-test: not run/.test(lines[i - 1] ?? "") });
    i = end;
  }
  return found;
}

let emu;
before(async () => {
  emu = await startEmulator();
  await rm(DIR, { recursive: true, force: true });
  await mkdir(DIR, { recursive: true });
});
after(() => emu.stop());

async function node(args, env) {
  const child = spawn(process.execPath, args, { cwd: DIR, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  const [code] = await once(child, "close");
  return { code, out };
}

/** Runs a Worker block: a request to its fetch, as workerd would make it. */
function workerRunner(file, signedBody, signature) {
  return `import worker from "./${file}";
const receiving = ${JSON.stringify(signedBody !== undefined)};
const request = receiving
  ? new Request("http://worker.test/rtk", { method: "POST", body: ${JSON.stringify(signedBody ?? "")}, headers: { "rtk-signature": ${JSON.stringify(signature ?? "")}, "rtk-uuid": crypto.randomUUID(), "rtk-webhook-id": "w" } })
  : new Request("http://worker.test/");
const env = { BACKEND_URL: process.env.RTK_README_EMULATOR + "/__emulator/receiver", ACCOUNT_ID: "readme", APP_ID: "readme", API_TOKEN: "${TOKEN}" };
const response = await worker.fetch(request, env, { waitUntil() {}, passThroughOnException() {} });
const text = await response.text();
console.log(response.status, text);
if (response.status >= 500 || (receiving && response.status !== 200)) process.exit(1);
`;
}

for (const readme of READMES) {
  test(`${readme}: every js block runs as written`, async () => {
    const text = await readFile(join(ROOT, readme), "utf8");
    const all = blocks(text);
    assert.ok(all.length >= 4, `${readme} has its examples`);
    const devKey = await readFile(join(ROOT, "emulator", "keys", "dev-key-1.pem"), "utf8");
    const env = { RTK_README_EMULATOR: emu.url, CLOUDFLARE_API_TOKEN: TOKEN };
    let ran = 0;
    for (const [n, block] of all.entries()) {
      if (block.skipped) continue;
      const file = `${readme.replace(/\W/g, "_")}_${n}.mjs`;
      await writeFile(join(DIR, file), block.code);
      const where = `${readme}:${block.line}`;
      let result;
      if (/from "node:test"/.test(block.code)) {
        result = await node(["--import", join(ROOT, "tests/js/readme-prelude.mjs"), "--test", file], env);
      } else if (/export default \{/.test(block.code)) {
        const receives = /WebhookReceiver|WebhookVerifier/.test(block.code);
        const body = JSON.stringify({ event: "meeting.ended", meeting: { id: `m-${n}` }, reason: "HOST_ENDED_MEETING" });
        const signature = createSign("RSA-SHA256").update(body).sign(devKey, "base64");
        await writeFile(join(DIR, `run_${file}`), workerRunner(file, receives ? body : undefined, signature));
        result = await node(["--import", join(ROOT, "tests/js/readme-prelude.mjs"), `run_${file}`], env);
      } else {
        result = await node(["--import", join(ROOT, "tests/js/readme-prelude.mjs"), file], env);
      }
      assert.equal(result.code, 0, `${where} failed:\n${block.code}\n---\n${result.out}`);
      ran++;
    }
    assert.ok(ran >= 3, `${readme}: ${ran} blocks ran`);
  });
}
