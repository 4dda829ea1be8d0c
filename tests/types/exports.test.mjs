// The values the package's types declare are exactly the values its entries
// export, in ESM and in CommonJS (so a declared class is never missing at run
// time, and nothing is exported that the types do not describe).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const dir = dirname(require.resolve("realtimekit-webhooks/package.json"));

/** The names of the values (classes, functions, constants) a declaration file exports. */
function declaredValues(text) {
  const names = [...text.matchAll(/^export\s+(?:declare\s+)?(?:abstract\s+)?(?:class|function|const|let|var|enum)\s+([A-Za-z_$][\w$]*)/gm)];
  return names.map((m) => m[1]).sort();
}

test("index.d.ts declares exactly the values the ESM entry exports", async () => {
  const declared = declaredValues(await readFile(join(dir, "index.d.ts"), "utf8"));
  const exported = Object.keys(await import("realtimekit-webhooks")).sort();
  assert.deepEqual(exported, declared);
});

test("index.d.cts is index.d.ts, and the CommonJS entry exports the same values", async () => {
  const esm = await readFile(join(dir, "index.d.ts"), "utf8");
  assert.equal(await readFile(join(dir, "index.d.cts"), "utf8"), esm);
  const exported = Object.keys(require("realtimekit-webhooks")).filter((k) => k !== "__esModule").sort();
  assert.deepEqual(exported, declaredValues(esm));
});

test("the subpath entries export exactly what their declarations declare: d1 (ESM), postgres (ESM and CommonJS)", async () => {
  for (const name of ["d1", "postgres"]) {
    const declared = declaredValues(await readFile(join(dir, `${name}.d.ts`), "utf8"));
    assert.deepEqual(Object.keys(await import(`realtimekit-webhooks/${name}`)).sort(), declared, name);
  }
  assert.equal(await readFile(join(dir, "postgres.d.cts"), "utf8"), await readFile(join(dir, "postgres.d.ts"), "utf8"));
  const required = Object.keys(require("realtimekit-webhooks/postgres")).filter((k) => k !== "__esModule").sort();
  assert.deepEqual(required, declaredValues(await readFile(join(dir, "postgres.d.ts"), "utf8")));
});

test("the modules (/client, /receive) export in ESM and CommonJS exactly the values their declarations re-export", async () => {
  for (const name of ["client", "receive"]) {
    const text = await readFile(join(dir, name, "index.d.ts"), "utf8");
    const declared = text.slice(text.indexOf("export {") + "export {".length, text.indexOf("} from")).split(",").map((n) => n.trim()).filter(Boolean).sort();
    assert.deepEqual(Object.keys(await import(`realtimekit-webhooks/${name}`)).sort(), declared, `${name} (ESM)`);
    assert.deepEqual(Object.keys(require(`realtimekit-webhooks/${name}`)).filter((k) => k !== "__esModule").sort(), declared, `${name} (CommonJS)`);
    const all = declaredValues(await readFile(join(dir, "index.d.ts"), "utf8"));
    assert.deepEqual(declared.filter((n) => !all.includes(n)), [], `${name} re-exports only what the package declares`);
  }
});
