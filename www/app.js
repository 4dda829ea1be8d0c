// The demo page: WebhooksClient against the emulator that serves this page.
import { WebhooksClient } from "/pkg/browser.js";

const $ = (id) => document.getElementById(id);
const info = await (await fetch("/__emulator/info")).json();
const client = new WebhooksClient({
  accountId: "demo-account",
  appId: "demo-app",
  apiToken: info.token,
  baseURL: `${location.origin}${info.basePath}`,
});

function showError(error) {
  $("error").textContent = error ? `${error.name}: ${error.message}` : "";
}

async function refresh() {
  try {
    const hooks = await client.list();
    $("webhooks").replaceChildren(...hooks.map((hook) => {
      const row = document.createElement("tr");
      for (const text of [hook.name, hook.url, hook.events.join(", "), hook.enabled ? "yes" : "no"]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }));
    showError(null);
  } catch (error) {
    showError(error);
  }
}

const events = await client.supportedEvents();
$("events").replaceChildren(...events.map((name) => {
  const label = document.createElement("label");
  const box = document.createElement("input");
  Object.assign(box, { type: "checkbox", name: "events", value: name, checked: name.startsWith("meeting.") });
  label.append(box, name);
  return label;
}));

$("create").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    await client.create({ name: form.get("name"), url: form.get("url"), events: form.getAll("events") });
    await refresh();
  } catch (error) {
    showError(error);
  }
});
$("refresh").addEventListener("click", refresh);
$("status").textContent = `Connected to the emulator at ${location.origin}`;
await refresh();
