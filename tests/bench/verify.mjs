// CPU per verified delivery: the package's WebhookVerifier against a
// hand-written WebCrypto verifier, on the nine example bodies of
// emulator/fixtures, signed once with a test key (node:crypto) and given as a
// Node server receives them (a Buffer and a plain headers object).
//
// A sample is a batch of deliveries verified one after another; its figure
// is the process's CPU time (process.cpuUsage(), user + system, all threads:
// WebCrypto's work runs on libuv's pool) divided by the deliveries; the wall
// time per delivery is kept too.
import { createSign, generateKeyPairSync, randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { WebhookVerifier } from "realtimekit-webhooks";

const FIXTURES = new URL("../../emulator/fixtures/", import.meta.url);

/** The hand-written baseline: import the key once, then per delivery decode, verify, parse. */
async function webCryptoVerifier(pem) {
  const der = Uint8Array.from(atob(pem.replace(/-----[A-Z ]+-----|\s/g, "")), (c) => c.charCodeAt(0));
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const key = await crypto.subtle.importKey("spki", der, algorithm, false, ["verify"]);
  const decoder = new TextDecoder();
  return {
    async verifyBody(body, headers) {
      const signature = Uint8Array.from(atob(headers["rtk-signature"] ?? ""), (c) => c.charCodeAt(0));
      if (!(await crypto.subtle.verify(algorithm.name, key, signature, body))) throw new Error("bad signature");
      const payload = JSON.parse(decoder.decode(body));
      if (typeof payload?.event !== "string") throw new Error("no event");
      return { id: headers["rtk-uuid"] ?? null, webhookId: headers["rtk-webhook-id"] ?? null, event: payload.event, payload };
    },
  };
}

/** The two verifiers as contenders, and the signed deliveries. */
export async function verifyContenders() {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = publicKey.export({ type: "spki", format: "pem" });
  const deliveries = readdirSync(FIXTURES).sort().map((file) => {
    const body = readFileSync(new URL(file, FIXTURES));
    const headers = {
      "content-type": "application/json",
      "rtk-signature": createSign("RSA-SHA256").update(body).sign(privateKey, "base64"),
      "rtk-uuid": randomUUID(),
      "rtk-webhook-id": "5b1e0c4a-7f3d-4c2e-9a8b-000000000001",
    };
    return { body, headers, event: JSON.parse(body).event };
  });
  const ours = new WebhookVerifier({ publicKey: pem });
  const baseline = await webCryptoVerifier(pem);
  const contenders = [
    { key: "ours", verifier: ours },
    { key: "webcrypto", verifier: baseline },
  ];
  // Both accept every delivery and read the same event.
  for (const { verifier, key } of contenders) {
    for (const d of deliveries) {
      const got = await verifier.verifyBody(d.body, d.headers);
      if (got.event !== d.event || got.id !== d.headers["rtk-uuid"]) throw new Error(`${key} verified ${d.event} wrong`);
    }
  }
  return { contenders, deliveries };
}

/** One batch: `n` deliveries verified in turn; CPU µs and wall µs per delivery. */
export async function verifyBatch(verifier, deliveries, n) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const d = deliveries[i % deliveries.length];
    await verifier.verifyBody(d.body, d.headers);
  }
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / n, wall: (wall * 1000) / n };
}
