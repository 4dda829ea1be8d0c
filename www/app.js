// The demo page's entry: loads the package (through the import map in
// index.html), asks the server what it offers, and wires the three panels:
//
// - connection.js: which server, account, app and token (a WebhooksClient);
// - webhooks.js: the table and the forms (list, create, ensure, edit, replace, delete);
// - deliveries.js: live, signed deliveries checked with WebhookVerifier.
import { $, errorView } from "./ui.js";

async function start() {
  let panels;
  try {
    panels = await Promise.all([import("./connection.js"), import("./webhooks.js"), import("./deliveries.js")]);
  } catch (error) {
    $("connection-state").dataset.state = "bad";
    $("connection-state").textContent = "Package missing";
    const failure = Object.assign(new Error(`The page could not import the package from /pkg/browser.js (${error?.message ?? error}).`), { name: error?.name ?? "Error" });
    $("boot-error").replaceChildren(errorView(failure, {
      hint: "Build it with `cargo xtask build` (or start everything with `cargo xtask demo`), then reload.",
    }));
    // Nothing below can work without the package.
    for (const panel of document.querySelectorAll("main > .card, main > .pair")) panel.hidden = true;
    return;
  }
  const [{ connectionPanel }, { webhooksPanel }, { deliveriesPanel }] = panels;

  const info = await (await fetch("/__emulator/info")).json();
  const webhooks = webhooksPanel();
  const deliveries = deliveriesPanel({ info, onWebhook: webhooks.upsert });
  webhooks.reset();
  deliveries.reset();

  const connection = connectionPanel({
    info,
    // A token is checked by the first call: a wrong one rejects here with an
    // AuthenticationError, which the connection panel shows.
    async connect(client, settings) {
      const events = await client.supportedEvents();
      const context = { ...settings, receiverURL: deliveries.receiverURL };
      await webhooks.use(client, events, context);
      deliveries.use(client, events, context);
    },
    disconnect() {
      webhooks.reset();
      deliveries.reset();
    },
  });

  fetch("/pkg/package.json")
    .then((reply) => (reply.ok ? reply.json() : null))
    .then((manifest) => {
      if (manifest?.version) $("version").textContent = `v${manifest.version}`;
    })
    .catch(() => {});

  await connection.connect();
  document.documentElement.dataset.ready = "true";
}

start().catch((error) => {
  $("boot-error").replaceChildren(errorView(error, { hint: "Is the demo server (`cargo xtask demo`) still running? Reload to try again." }));
});
