// Small DOM helpers shared by the page's modules. No framework: elements are
// built with `h` and replaced wholesale when their data changes.

/** `document.getElementById`, failing loudly when the page and the code disagree. */
export function $(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
}

/**
 * Makes an element: `h("button", { type: "button", onclick }, "Text", child)`.
 * `on*` props become listeners, `dataset` is merged, properties the element
 * has (`value`, `checked`, `spellcheck`) are set as such, and other names
 * (`aria-*`, `role`) become attributes, left out when null, undefined or false.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (value === false && (key.includes("-") || !(key in element))) continue;
    if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.includes("-") || !(key in element)) element.setAttribute(key, value === true ? "" : String(value));
    else element[key] = value;
  }
  element.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

const day = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const minutes = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const seconds = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/**
 * A `<time>` showing an ISO-8601 instant in the reader's locale (the ISO text
 * on hover): the day and the minute, which may wrap apart in a narrow column,
 * or with `short` the time of day to the second.
 */
export function timeView(iso, { short = false } = {}) {
  const date = new Date(iso);
  const props = { dateTime: iso, title: iso };
  if (Number.isNaN(date.getTime())) return h("time", props, String(iso ?? ""));
  if (short) return h("time", props, seconds.format(date));
  return h("time", props, h("span", {}, day.format(date)), " ", h("span", {}, minutes.format(date)));
}

/** A dotted name (`meeting.participantJoined`) that may wrap after its dots. */
export function dotted(name) {
  return String(name).split(".").flatMap((part, i) => (i === 0 ? [part] : [".", h("wbr"), part]));
}

/** A status pill: `tone` is `good`, `bad`, `warn` or `neutral`. */
export function pill(text, tone = "neutral", props = {}) {
  return h("span", { class: `pill`, dataset: { tone }, ...props }, text);
}

/**
 * An error as a developer needs to see it: its class, the HTTP status, the
 * API's own messages, the request id (`cf-ray`), and what to do next.
 */
export function errorView(error, { hint } = {}) {
  const name = error?.name || error?.constructor?.name || "Error";
  const facts = [];
  if (error?.requestId) facts.push(["Request ID", h("code", {}, error.requestId)]);
  if (error?.field) facts.push(["Field", h("code", {}, error.field)]);
  if (typeof error?.retryAfter === "number") facts.push(["Retry after", h("span", {}, `${error.retryAfter} s`)]);
  const messages = Array.isArray(error?.errors) ? error.errors : [];
  return h("div", { class: "error", role: "alert", dataset: { errorClass: name } },
    h("p", { class: "error-head" },
      h("span", { class: "error-class" }, name),
      typeof error?.status === "number" ? pill(`HTTP ${error.status}`, "bad") : null),
    h("p", { class: "error-message" }, String(error?.message ?? error)),
    messages.length
      ? h("ul", { class: "error-list", "aria-label": "Messages from the API" },
        messages.map((item) => h("li", {},
          item.code !== null && item.code !== undefined ? h("code", {}, String(item.code)) : null,
          " ", item.message)))
      : null,
    facts.length ? h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])) : null,
    hint ? h("p", { class: "error-hint" }, hint) : null);
}

/** Shows `error` in `slot` (an element of the page), or clears it when null. */
export function showError(slot, error, options) {
  slot.replaceChildren(...(error ? [errorView(error, options)] : []));
}

/** Sets a status line's text; empty hides it (by CSS). */
export function say(element, text) {
  element.textContent = text ?? "";
}

/** What to tell the user to do about an error of this class. */
export function hintFor(error) {
  switch (error?.name) {
    case "AuthenticationError": return "The token was refused: correct it under Connection and press Connect.";
    case "PermissionDeniedError": return "The token lacks a permission: it needs Realtime (or Realtime Admin) on this account.";
    case "NotFoundError": return "It is gone already, or the account or app id is wrong: refresh the list.";
    case "RateLimitError": return "Too many requests: wait a moment and try again.";
    case "APIConnectionError":
    case "APIConnectionTimeoutError": return "No reply from the server: is it running, and is the base URL right?";
    case "ValidationError": return "Nothing was sent: fix the field named above.";
    default: return undefined;
  }
}

/**
 * Runs `task` with `buttons` disabled and marked busy, then enables them
 * again; a button that had the focus gets it back (disabling drops it).
 */
export async function busy(buttons, task) {
  const list = [buttons].flat().filter(Boolean);
  const focused = list.find((button) => button === document.activeElement);
  for (const button of list) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    return await task();
  } finally {
    for (const button of list) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (focused?.isConnected && lost) focused.focus();
  }
}
