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
    /** Whether it has not exited. */
    running: () => child.exitCode === null && child.signalCode === null,
    /** Sends `signal` to the whole process group (SIGKILL: no chance to clean up). */
    kill: (signal) => process.kill(-child.pid, signal),
    exited,
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

/** A free TCP port on loopback (free when asked: bind it soon). */
export async function freePort() {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A throwaway PostgreSQL server: its own cluster in a temporary directory,
 * on a free loopback port, trusting local connections; run as the `postgres`
 * user when we are root (the server refuses to run as root). `bin` holds
 * initdb and pg_ctl. Resolves to `{ url, stop, stopServer, start }` (`stop`
 * ends it for good; `stopServer` and `start`, an outage).
 */
export async function startPostgres(bin) {
  const { chown, mkdtemp, rm } = await import("node:fs/promises");
  const { tmpdir, userInfo } = await import("node:os");
  const dir = await mkdtemp(join(tmpdir(), "rtk-postgres-"));
  const root = process.getuid?.() === 0;
  if (root) {
    const { uid, gid } = await run("id", ["-u", "postgres"]).then(async (u) => ({ uid: Number(u.stdout), gid: Number((await run("id", ["-g", "postgres"])).stdout) }));
    await chown(dir, uid, gid);
  }
  const as = (tool, args) => (root ? run("runuser", ["-u", "postgres", "--", join(bin, tool), ...args]) : run(join(bin, tool), args));
  const data = join(dir, "data");
  const init = await as("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  if (init.code !== 0) throw new Error(`initdb failed (as ${root ? "postgres" : userInfo().username}):\n${init.stdout}${init.stderr}`);
  const port = await freePort();
  // Durability is not what is tested: no fsync, a quick start and stop.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const startServer = async () => {
    const start = await as("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
    if (start.code !== 0) throw new Error(`pg_ctl start failed:\n${start.stdout}${start.stderr}`);
  };
  await startServer();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    /** Stops the server as an administrator would (every connection terminated), until `start()`. */
    stopServer: () => as("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]),
    start: startServer,
    stop: async () => {
      await as("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
