// The JS facade's reply checks (shape.js, as published) answer the cases of
// tests/replies.json as the Rust decoder does (its native test, in models.rs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

const { decodeReply, SHAPE } = await import(new URL("../../pkg/shape.js", import.meta.url));
const { cases } = JSON.parse(await readFile(new URL("../replies.json", import.meta.url), "utf8"));
const SHAPES = { webhook: SHAPE.WEBHOOK, webhooks: SHAPE.WEBHOOKS, names: SHAPE.NAMES };

test("shape.js judges each reply of tests/replies.json as the Rust decoder does", () => {
  assert.ok(cases.length >= 10);
  for (const { shape, body, problem, problemStarts } of cases) {
    const decoded = decodeReply(body, SHAPES[shape]);
    if (problemStarts) assert.ok(decoded.problem?.startsWith(problemStarts), `${body}: ${decoded.problem}`);
    else assert.equal(decoded.problem ?? null, problem, body);
    if (problem === null) assert.deepEqual(decoded.data, JSON.parse(body).data);
  }
});
