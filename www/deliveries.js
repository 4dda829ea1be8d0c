// Live deliveries: the emulator signs an event's example body and POSTs it to
// every enabled webhook subscribed to it. One of them is this server's
// receiver (`/__emulator/receiver`), which streams each delivery, raw body
// and headers, to the page as server-sent events; the page checks its
// signature with WebhookVerifier, against the emulator's public key.
import { WebhookVerifier } from "realtimekit-webhooks";
import { $, busy, h, hintFor, pill, say, showError, timeView } from "./ui.js";

/** The webhook the page ensures before each send. */
export const RECEIVER_NAME = "demo receiver";
/** Deliveries kept on the page. */
const FEED_LIMIT = 50;
/** Headers worth showing with a delivery. */
const SHOWN_HEADERS = ["content-type", "rtk-uuid", "rtk-webhook-id", "rtk-signature"];

export function deliveriesPanel({ info, onWebhook }) {
  const receiverURL = location.origin + info.receiverPath;
  // The emulator's key URL is local: fetch it again at every mismatch (no
  // cooldown), so that a tampered delivery is judged against a key fetched
  // after it arrived (a SignatureError) rather than a cached one that may be stale.
  const verifier = new WebhookVerifier({ keyURL: location.origin + info.keyPath, keyCooldown: 0 });
  // Each delivery is checked with the key the emulator signed with when it
  // arrived (the receiver keeps it), as a receiver checked it then: after a
  // rotation, a reload shows an earlier genuine delivery verified, not failed.
  const verifiersByKey = new Map();
  const verifierFor = (publicKey) => {
    if (!publicKey) return verifier;
    if (!verifiersByKey.has(publicKey)) verifiersByKey.set(publicKey, new WebhookVerifier({ publicKey }));
    return verifiersByKey.get(publicKey);
  };
  /** The key the emulator signs with now: fetched when the page opens, then that of each delivery arriving live. */
  const opened = Date.now();
  let currentKey = fetch(info.keyPath).then((r) => r.json()).then((json) => json?.publicKey ?? json?.data?.publicKey).catch(() => undefined);
  let client = null;
  let settings = null;
  let events = [];
  const seen = new Set();
  const tally = { verified: 0, failed: 0 };

  const feed = $("feed");
  const buttons = $("event-buttons");
  const tamper = $("tamper");
  const errorSlot = $("deliveries-error");
  const status = $("deliveries-status");
  $("receiver-url").textContent = receiverURL;

  // ---- sending ---------------------------------------------------------------

  async function send(event, button) {
    const tampered = tamper.checked;
    await busy(button, async () => {
      try {
        // Idempotent: creates the receiver webhook once, and puts it back if it
        // was disabled or edited since.
        const { webhook, action } = await client.ensure({ name: RECEIVER_NAME, url: receiverURL, events, enabled: true });
        if (action !== "unchanged") onWebhook(webhook);
        const reply = await fetch("/__emulator/deliveries", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ event, account: settings.accountId, app: settings.appId, tamper: tampered }),
        });
        const body = await reply.json().catch(() => null);
        if (!reply.ok || !body?.success) throw new Error(body?.error?.message ?? `The emulator answered ${reply.status}.`);
        const count = body.data.length;
        say(status, `${action === "unchanged" ? "" : `Receiver webhook ${action}. `}Sent ${event}${tampered ? " with a tampered body" : ""} to ${count} webhook${count === 1 ? "" : "s"}.`);
        showError(errorSlot, null);
      } catch (error) {
        say(status, "");
        showError(errorSlot, error, { hint: hintFor(error) });
      }
    });
  }

  // ---- receiving ---------------------------------------------------------------

  function feedState(tone, text) {
    const element = $("feed-state");
    element.dataset.state = tone;
    element.textContent = text;
  }

  function updateCounts() {
    const total = feed.children.length;
    $("feed-empty").hidden = total > 0;
    $("feed-count").textContent = total ? `${tally.verified} verified · ${tally.failed} failed` : "";
  }

  function receive(received) {
    const headers = Object.fromEntries(received.headers ?? []);
    // A reconnecting stream replays its history: show each arrival once.
    const key = `${headers["rtk-uuid"]}|${received.at}`;
    if (seen.has(key)) return;
    seen.add(key);

    const result = h("span", { class: "result" }, pill("Checking…", "neutral"));
    const eventName = h("code", { class: "event" }, claimedEvent(received.body));
    const why = h("p", { class: "why", hidden: true });
    const item = h("li", { class: "delivery", dataset: { state: "checking" } },
      h("div", { class: "delivery-head" }, result, eventName, timeView(received.at, { short: true })),
      h("dl", { class: "facts" },
        h("dt", {}, "Delivery"), h("dd", {}, h("code", {}, headers["rtk-uuid"] ?? "none")),
        h("dt", {}, "Webhook"), h("dd", {}, h("code", {}, headers["rtk-webhook-id"] ?? "none"))),
      why,
      h("details", {},
        h("summary", {}, "Body and headers"),
        h("pre", {}, SHOWN_HEADERS.filter((name) => name in headers).map((name) => `${name}: ${headers[name]}\n`).join(""), "\n", received.body)));
    feed.prepend(item);
    while (feed.children.length > FEED_LIMIT) feed.lastElementChild.remove();
    updateCounts();

    if (received.publicKey && Date.parse(received.at) > opened) currentKey = Promise.resolve(received.publicKey);
    verifierFor(received.publicKey).verifyBody(received.body, headers).then(
      async (delivery) => {
        item.dataset.state = "verified";
        eventName.textContent = delivery.event;
        result.replaceChildren(pill("✓ Verified", "good"));
        if (received.publicKey && received.publicKey.trim() !== (await currentKey)?.trim()) {
          why.hidden = false;
          why.classList.add("note");
          why.replaceChildren("Signed with the key of its time: the emulator's key has been rotated since it arrived.");
        }
        tally.verified += 1;
        updateCounts();
      },
      (error) => {
        item.dataset.state = "failed";
        eventName.append(h("span", { class: "unverified" }, " (unverified)"));
        result.replaceChildren(pill("✗ Failed", "bad"));
        why.hidden = false;
        why.replaceChildren(h("strong", {}, error?.name ?? "Error"), ": ", String(error?.message ?? error));
        tally.failed += 1;
        updateCounts();
      });
  }

  /** What the body says its event is, before anything is verified. */
  function claimedEvent(body) {
    try {
      const event = JSON.parse(body)?.event;
      return typeof event === "string" ? event : "(no event)";
    } catch {
      return "(not JSON)";
    }
  }

  const source = new EventSource(`${info.receiverPath}/events`);
  feedState("neutral", "Connecting…");
  source.addEventListener("open", () => feedState("good", "Live"));
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) feedState("bad", "Offline");
    else feedState("warn", "Reconnecting…");
  });
  source.addEventListener("delivery", (event) => {
    try {
      receive(JSON.parse(event.data));
    } catch (error) {
      showError(errorSlot, error);
    }
  });

  $("feed-clear").addEventListener("click", () => {
    feed.replaceChildren();
    tally.verified = 0;
    tally.failed = 0;
    updateCounts();
  });
  updateCounts();

  return {
    receiverURL,
    /** A new connection: buttons for its events when it is the emulator. */
    use(newClient, supported, newSettings) {
      client = newClient;
      settings = newSettings;
      events = supported;
      showError(errorSlot, null);
      say(status, "");
      if (settings.mode !== "emulator") {
        tamper.disabled = true;
        buttons.replaceChildren(h("p", { class: "hint" },
          "Deliveries come from the emulator, to the webhooks it holds: switch the connection to the local emulator to send some."));
        return;
      }
      tamper.disabled = false;
      buttons.replaceChildren(...supported.map((event) => h("button", {
        type: "button", class: "event-button", onclick: (click) => send(event, click.currentTarget),
        "aria-label": `Deliver ${event}`,
      }, h("code", {}, event))));
    },
    /** No connection: nothing can be sent (arrivals still show). */
    reset() {
      client = null;
      tamper.disabled = true;
      say(status, "");
      buttons.replaceChildren(h("p", { class: "hint" }, "Connect to the emulator to send deliveries."));
    },
  };
}
