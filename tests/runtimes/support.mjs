// Helpers of the runtime tests: processes, the emulator, wrangler.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** An environment variable that `cargo xtask test runtimes` sets. */
export function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through \`cargo xtask test runtimes\``);
  return value;
}

/** The environment for `wrangler dev --local`: offline, quiet, its files under `home`. */
export function wranglerEnv(home) {
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    // Otherwise wrangler fetches Request.cf data from workers.cloudflare.com.
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    NO_COLOR: "1",
  };
}

/** Runs a command to its end and collects its output. */
export async function run(command, args, options) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const [code, signal] = await once(child, "close");
  return { code: code ?? signal, stdout, stderr };
}

/** Starts a long-running command in its own process group. */
export function startProcess(command, args, options) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let text = "";
  const waiters = new Set();
  const onData = (chunk) => {
    text += chunk;
    for (const waiter of waiters) waiter();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = once(child, "exit");
  return {
    output: () => text,
    /** Resolves to the first match of `pattern` in the output; rejects if the process exits first. */
    waitFor: (pattern) => new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(text);
        if (match) {
          waiters.delete(check);
          resolve(match);
        }
      };
      waiters.add(check);
      check();
      exited.then(([code, signal]) => reject(new Error(`${command} exited (${code ?? signal}) before printing ${pattern}:\n${text}`)));
    }),
    /** Stops the whole process group and waits for the process to exit. */
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      await exited;
    },
  };
}

/** Starts the emulator on a free loopback port; resolves once it listens. */
export async function startEmulator(bin, args = []) {
  const child = spawn(bin, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const [first] = await once(lines, "line");
  const match = /^rtk-emulator listening on (http:\/\/\S+)$/.exec(first);
  if (!match) throw new Error(`the emulator did not start: ${first}`);
  lines.on("line", () => {});
  return { url: match[1], stop: () => child.kill() };
}
