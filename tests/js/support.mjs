// Test support: a real emulator process per test file, and its admin API.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const TOKEN = "emulator-token";
export const ACCOUNT = "acc-0123456789abcdef";
export const APP = "app-42";

/** Starts `rtk-emulator --port 0` and resolves once it listens. */
export async function startEmulator(args = []) {
  const bin = process.env.RTK_EMULATOR_BIN ?? `${ROOT}target/debug/rtk-emulator`;
  const child = spawn(bin, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const [first] = await once(lines, "line");
  const match = /^rtk-emulator listening on (http:\/\/\S+)$/.exec(first);
  if (!match) throw new Error(`emulator did not start: ${first}`);
  lines.on("line", () => {});
  const url = match[1];
  const admin = async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    url,
    baseURL: `${url}/client/v4`,
    /** Every request the API received, oldest first. */
    requests: () => admin("GET", "/__emulator/requests"),
    /** Scripts the next replies of an operation (`create`, `list`, ..., or `*`). */
    script: (op, ...replies) => admin("POST", "/__emulator/faults", { op, replies }),
    /** Scripts the next replies of an operation, for one app id only. */
    scriptFor: (app, op, ...replies) => admin("POST", "/__emulator/faults", { op, app, replies }),
    /** The requests to one app id, optionally of one operation. */
    requestsFor: async (app, op) =>
      (await admin("GET", "/__emulator/requests")).filter((r) => r.path.includes(`/kit/${app}/`) && (!op || r.op === op)),
    reset: () => admin("POST", "/__emulator/reset"),
    stop: () => child.kill(),
  };
}

/** Client options for the emulator. */
export function options(emu, extra = {}) {
  return { accountId: ACCOUNT, appId: APP, apiToken: TOKEN, baseURL: emu.baseURL, ...extra };
}

/** A valid webhook input. */
export function input(extra = {}) {
  return { name: "meetings", url: "https://example.com/hooks/rtk", events: ["meeting.started", "meeting.ended"], ...extra };
}

/** The API path of the app's webhooks. */
export const WEBHOOKS_PATH = `/client/v4/accounts/${ACCOUNT}/realtime/kit/${APP}/webhooks`;

/** Awaits `promise` and returns what it rejected with (fails if it resolved). */
export async function rejection(promise) {
  let value;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

/** Asserts that no credential appears anywhere in an error. */
export function assertNoSecrets(error, secrets) {
  const texts = [error.message, error.stack, JSON.stringify(error), String(error), ...Object.values(error).map((v) => JSON.stringify(v))];
  for (const secret of secrets) {
    for (const text of texts) {
      if (text && text.includes(secret)) throw new Error(`secret ${secret} leaked into ${text}`);
    }
  }
}
