// The bench's API server: prebuilt replies from its own process, so that
// every contender reads byte-identical bodies over loopback and the server's
// own work is small and the same for all of them.
//
//   node server.mjs            prints "bench server listening on http://127.0.0.1:PORT"
//
// GET  /client/v4/accounts/{account}/realtime/kit/{app}/webhooks/{id}
//        one webhook (the id is echoed, the rest is fixed)
// GET  /client/v4/accounts/{account}/realtime/kit/list-{N}/webhooks
//        a list of N webhooks (N from the app id, up to 100 000)
// GET  /__stats                 {"requests": n} since start or the last reset
// POST /__stats/reset
//
// Bodies are `{"success":true,"data":...}` with `content-type:
// application/json` and a content-length; connections are kept alive.
// Nothing is checked (auth, headers): this is not the emulator.
import { createServer } from "node:http";
import { webhook, envelope } from "./fixtures.mjs";

const PREFIX = "/client/v4/accounts/";
const LIST = /^\/client\/v4\/accounts\/[^/]+\/realtime\/kit\/list-(\d+)\/webhooks$/;
const ONE = /^\/client\/v4\/accounts\/[^/]+\/realtime\/kit\/[^/]+\/webhooks\/([^/]+)$/;
const HEADERS = { "content-type": "application/json" };

const lists = new Map();
const ones = new Map();
let requests = 0;

function listBody(n) {
  let body = lists.get(n);
  if (!body) {
    body = Buffer.from(envelope(Array.from({ length: n }, (_, i) => webhook(i))));
    lists.set(n, body);
  }
  return body;
}

function oneBody(id) {
  let body = ones.get(id);
  if (!body) {
    body = Buffer.from(envelope({ ...webhook(0), id }));
    if (ones.size < 1000) ones.set(id, body);
  }
  return body;
}

function reply(res, status, body) {
  res.writeHead(status, { ...HEADERS, "content-length": body.length });
  res.end(body);
}

const server = createServer((req, res) => {
  const url = req.url;
  req.resume();
  if (url.startsWith(PREFIX) && req.method === "GET") {
    requests++;
    let m = LIST.exec(url);
    if (m && Number(m[1]) <= 100_000) return reply(res, 200, listBody(Number(m[1])));
    m = ONE.exec(url);
    if (m) return reply(res, 200, oneBody(decodeURIComponent(m[1])));
  } else if (url === "/__stats" && req.method === "GET") {
    return reply(res, 200, Buffer.from(JSON.stringify({ requests })));
  } else if (url === "/__stats/reset" && req.method === "POST") {
    requests = 0;
    return reply(res, 200, Buffer.from("{}"));
  }
  reply(res, 404, Buffer.from('{"success":false,"errors":[{"code":7003,"message":"No route for the URI"}],"messages":[],"result":null}'));
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`bench server listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
