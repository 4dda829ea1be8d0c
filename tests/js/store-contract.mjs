// The DeliveryStore contract (webhook-receiver.d.ts), as tests any store
// must pass: MemoryDeliveryStore here (receiver.test.mjs), D1DeliveryStore and
// PostgresDeliveryStore against real D1 and PostgreSQL (tests/runtimes/).
// `storeContract(name, makeStore, options)` registers them (`options` as
// node:test's: `skip`); `makeStore()` may be async.
import { test } from "node:test";
import assert from "node:assert/strict";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let unique = 0;
/** A fresh delivery's key: its own id and body hash, replay-checked unless `replay` is false. */
function key({ id, body, replay = true, event = "meeting.ended" } = {}) {
  unique++;
  const bodyHash = body ?? `hash-${unique}-${Math.random().toString(16).slice(2)}`;
  return { id: id ?? `id-${unique}-${Math.random().toString(16).slice(2)}`, bodyHash, replayKey: replay ? bodyHash : null, event, webhookId: "hook-1" };
}

export function storeContract(name, makeStore, options = {}) {
  test(`${name}: claim, then done for good; busy while another's claim holds`, options, async () => {
    const store = await makeStore();
    const k = key();
    assert.equal(await store.claim(k, "a", 10_000), "claimed");
    assert.equal(await store.claim(k, "b", 10_000), "busy");
    assert.equal(await store.complete(k, "a"), true);
    assert.equal(await store.complete(k, "a"), true, "a retried write by the same owner");
    assert.equal(await store.claim(k, "b", 10_000), "done");
  });

  test(`${name}: only the owner renews, completes or releases`, options, async () => {
    const store = await makeStore();
    const k = key();
    assert.equal(await store.claim(k, "a", 10_000), "claimed");
    assert.equal(await store.renew(k, "b", 10_000), false);
    assert.equal(await store.complete(k, "b"), false);
    assert.equal(await store.release(k, "b", "not mine"), false);
    assert.equal(await store.claim(k, "c", 10_000), "busy", "nothing changed");
    assert.equal(await store.release(k, "a", "handler failed"), true);
    assert.equal(await store.claim(k, "c", 10_000), "claimed", "released: the next attempt claims it");
    assert.equal(await store.complete(k, "a"), false, "a's claim is gone");
    assert.equal(await store.complete(k, "c"), true);
  });

  test(`${name}: a lease that runs out unrenewed is taken over; the late owner can no longer act`, options, async () => {
    const store = await makeStore();
    const k = key();
    assert.equal(await store.claim(k, "a", 300), "claimed");
    await sleep(200);
    assert.equal(await store.renew(k, "a", 300), true, "renewed in time");
    await sleep(200);
    assert.equal(await store.claim(k, "b", 300), "busy", "the renewal holds it");
    await sleep(400);
    assert.equal(await store.claim(k, "b", 10_000), "claimed", "ran out");
    assert.equal(await store.renew(k, "a", 300), false);
    assert.equal(await store.complete(k, "a"), false);
    assert.equal(await store.release(k, "a", "late"), false);
    assert.equal(await store.complete(k, "b"), true);
  });

  test(`${name}: a delivery is its id and its body: another body under the same id is another delivery`, options, async () => {
    const store = await makeStore();
    const genuine = key();
    const captured = key({ id: genuine.id });
    assert.equal(await store.claim(captured, "attacker", 10_000), "claimed");
    assert.equal(await store.complete(captured, "attacker"), true);
    assert.equal(await store.claim(genuine, "a", 10_000), "claimed", "not taken for a repeat");
  });

  test(`${name}: the same body under another id is a replay: done when done, busy when claimed; without a replay key, another delivery`, options, async () => {
    const store = await makeStore();
    const first = key();
    const replay = { ...first, id: `${first.id}-replayed` };
    assert.equal(await store.claim(first, "a", 10_000), "claimed");
    assert.equal(await store.claim(replay, "b", 10_000), "busy");
    assert.equal(await store.complete(first, "a"), true);
    assert.equal(await store.claim(replay, "b", 10_000), "done");
    const unchecked = key({ replay: false });
    assert.equal(await store.claim(unchecked, "a", 10_000), "claimed");
    assert.equal(await store.complete(unchecked, "a"), true);
    assert.equal(await store.claim({ ...unchecked, id: `${unchecked.id}-again` }, "b", 10_000), "claimed");
  });

  test(`${name}: 20 claims of one delivery at once, and of its replay: one is claimed`, options, async () => {
    const store = await makeStore();
    const k = key();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => store.claim(n % 2 ? k : { ...k, id: `${k.id}-replay` }, `owner-${n}`, 10_000)));
    assert.equal(answers.filter((a) => a === "claimed").length, 1, JSON.stringify(answers));
    assert.ok(answers.every((a) => a === "claimed" || a === "busy"));
  });
}
