// The connection panel: which server, which account and app, which token.
//
// Two servers: the local emulator that serves this page, or a real Cloudflare
// account. The real API sends no CORS headers, so a browser cannot call it
// directly: the page goes through the emulator's proxy (`/proxy/...`), which
// forwards each call, with its credentials, to the upstream API.
//
// The token stays in this tab's memory (the form field and the client) unless
// the user ticks "Remember": then settings that connected are written to
// localStorage, and unticking removes them at once.
import { WebhooksClient } from "realtimekit-webhooks";
import { $, busy, hintFor, say, showError } from "./ui.js";

const STORAGE_KEY = "realtimekit-webhooks-demo/connection";
const DEMO_ACCOUNT = "demo-account";
const DEMO_APP = "demo-app";

/**
 * Wires the panel. `connect(client, settings)` is called with a new client on
 * each submit; when it rejects, its error is shown here.
 */
export function connectionPanel({ info, connect, disconnect }) {
  const form = $("connection-form");
  const fields = form.elements;
  const state = $("connection-state");
  const errorSlot = $("connection-error");
  const origin = location.origin;
  const emulator = { mode: "emulator", accountId: DEMO_ACCOUNT, appId: DEMO_APP, baseURL: origin + info.basePath, token: info.token };
  const proxyURL = info.proxyPath ? origin + info.proxyPath : null;

  const proxyRadio = form.querySelector('input[name="mode"][value="proxy"]');
  if (!proxyURL) {
    proxyRadio.disabled = true;
    $("proxy-via").textContent = "needs --upstream";
  }

  function fill(settings) {
    fields.mode.value = settings.mode;
    fields.accountId.value = settings.accountId;
    fields.appId.value = settings.appId;
    fields.baseURL.value = settings.baseURL;
    fields.token.value = settings.token;
    describeMode();
  }

  function read() {
    return {
      mode: fields.mode.value,
      accountId: fields.accountId.value.trim(),
      appId: fields.appId.value.trim(),
      baseURL: fields.baseURL.value.trim(),
      token: fields.token.value.trim(),
    };
  }

  function describeMode() {
    say($("mode-hint"), fields.mode.value === "emulator"
      ? `Any account and app id work; the emulator's token is ${info.token}.`
      : `Calls go to ${info.upstream} through this server's proxy (${info.proxyPath}), with your token. Live deliveries need the local emulator.`);
  }

  // Switching servers fills in what that server needs and keeps the rest.
  form.addEventListener("change", (event) => {
    if (event.target.name === "mode") {
      const saved = load();
      if (event.target.value === "emulator") {
        fill(saved?.mode === "emulator" ? saved : emulator);
      } else {
        const current = read();
        const demo = current.accountId === DEMO_ACCOUNT && current.appId === DEMO_APP;
        fill(saved?.mode === "proxy" ? saved : {
          mode: "proxy",
          accountId: demo ? "" : current.accountId,
          appId: demo ? "" : current.appId,
          baseURL: proxyURL,
          token: "",
        });
        (fields.accountId.value ? fields.token : fields.accountId).focus();
      }
    }
    if (event.target.name === "remember" && !event.target.checked) forget();
  });

  const show = $("token-show");
  show.addEventListener("click", () => {
    const hidden = fields.token.type === "password";
    fields.token.type = hidden ? "text" : "password";
    show.textContent = hidden ? "Hide" : "Show";
    show.setAttribute("aria-pressed", String(hidden));
  });

  function setState(kind, text) {
    state.dataset.state = kind;
    state.textContent = text;
  }

  async function submit() {
    const settings = read();
    if (!fields.remember.checked) forget();
    setState("busy", "Connecting…");
    try {
      // The constructor checks the options: an empty id or token, or a bad
      // base URL, is a ValidationError naming the field, and nothing is sent.
      const client = new WebhooksClient({
        accountId: settings.accountId,
        appId: settings.appId,
        apiToken: settings.token,
        baseURL: settings.baseURL || undefined,
      });
      await connect(client, settings);
      // Remembered only when asked, and only settings that worked.
      if (fields.remember.checked) save(settings);
      showError(errorSlot, null);
      setState("good", settings.mode === "emulator" ? "Connected · emulator" : "Connected · Cloudflare");
    } catch (error) {
      disconnect();
      showError(errorSlot, error, { hint: hintFor(error) });
      setState("bad", error?.name === "AuthenticationError" ? "Token refused" : "Not connected");
      if (error?.name === "AuthenticationError") fields.token.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("connect"), submit);
  });

  const saved = load();
  fields.remember.checked = Boolean(saved);
  fill(saved && (saved.mode === "emulator" || proxyURL) ? saved : emulator);
  return { connect: () => busy($("connect"), submit) };
}

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
    const ok = saved && ["emulator", "proxy"].includes(saved.mode)
      && ["accountId", "appId", "baseURL", "token"].every((key) => typeof saved[key] === "string");
    return ok ? saved : null;
  } catch {
    return null;
  }
}

function save(settings) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
  } catch {
    // Storage may be off (private mode): the settings simply are not remembered.
  }
}

function forget() {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing was stored.
  }
}
