// Load: 10 000 calls at concurrency 256 all succeed, and the wasm memory
// stays flat after warm-up (a leak per call would grow it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { WebhooksClient } from "realtimekit-webhooks";
import { startEmulator, options, input } from "./support.mjs";

// The module instance the package entry initialised: initSync on an
// initialised module returns its exports, memory included.
const glue = await import(new URL("./realtimekit_webhooks.js", import.meta.resolve("realtimekit-webhooks")));
const memory = glue.initSync().memory;

let emu;
before(async () => { emu = await startEmulator(); });
after(() => emu.stop());

async function run(client, calls, concurrency) {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < calls) {
      next++;
      try {
        const hooks = await client.list();
        if (hooks.length !== 1) failures++;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}

test("10 000 calls at concurrency 256: all succeed, memory flat after warm-up", { timeout: 120_000 }, async () => {
  const client = new WebhooksClient(options(emu, { appId: "load" }));
  await client.create(input());
  assert.equal(await run(client, 1000, 256), 0, "warm-up");
  const warm = memory.buffer.byteLength;
  assert.equal(await run(client, 10_000, 256), 0, "no call failed");
  const end = memory.buffer.byteLength;
  console.log(`wasm memory: ${warm} bytes after warm-up, ${end} after 10 000 more calls`);
  assert.equal(end, warm, "no growth after warm-up");
});
