// Loaded (node --import) before each README code block that readme.test.mjs
// runs: the hosts the blocks name are the emulator's (RTK_README_EMULATOR),
// so the blocks run as written, offline.
const emulator = process.env.RTK_README_EMULATOR;
const hosts = [
  ["https://api.cloudflare.com", emulator],
  ["https://api.realtime.cloudflare.com", emulator],
  ["http://127.0.0.1:8765", emulator],
];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const [from, to] = hosts.find(([from]) => url.startsWith(from)) ?? [];
  if (!from) return realFetch(input, init);
  const moved = to + url.slice(from.length);
  return realFetch(typeof input === "string" || input instanceof URL ? moved : new Request(moved, input), init);
};
