// The webhooks table and the "new webhook" form: list, create, ensure, edit
// in place (edit() sends only what changed, replace() sends every field),
// enable/disable, delete after a confirmation. Each call's error is shown
// next to what was being done.
import { $, busy, dotted, errorView, h, hintFor, say, showError, timeView } from "./ui.js";

export function webhooksPanel() {
  let client = null;
  let supported = [];
  let hooks = [];
  let editing = null;
  let receiverURL = null;

  const rows = $("webhooks-rows");
  const empty = $("webhooks-empty");
  const tableError = $("webhooks-error");
  const tableStatus = $("webhooks-status");
  const refreshButton = $("refresh");
  const createForm = $("create-form");
  const createError = $("create-error");
  const createStatus = $("create-status");
  const createEvents = $("create-events");
  const useReceiver = $("use-receiver");

  // ---- the table -------------------------------------------------------

  function render() {
    const focused = document.activeElement?.dataset?.focusKey;
    rows.replaceChildren(...hooks.map((hook) => (hook.id === editing ? editRow(hook) : row(hook))));
    $("webhooks-count").textContent = client ? String(hooks.length) : "";
    empty.hidden = hooks.length > 0;
    empty.textContent = client ? "No webhooks yet. Create one below, or send a delivery: the page ensures its receiver webhook." : "Connect to list the webhooks.";
    // Re-rendering replaces the buttons: keep the keyboard where it was.
    if (focused) rows.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
  }

  function eventsView(events) {
    const all = supported.length > 0 && supported.every((name) => events.includes(name));
    if (all) return h("span", { class: "chip all", title: events.join(", ") }, `all ${events.length} events`);
    return h("ul", { class: "chips", "aria-label": "Events" }, events.map((name) => h("li", { class: "chip" }, dotted(name))));
  }

  function row(hook) {
    return h("tr", { dataset: { id: hook.id } },
      h("th", { scope: "row", dataset: { label: "Name" } },
        h("span", { class: "name" }, hook.name),
        h("code", { class: "hook-id", title: "The webhook's id" }, hook.id)),
      h("td", { dataset: { label: "URL" }, class: "url" }, h("code", {}, hook.url)),
      h("td", { dataset: { label: "Events" }, class: "events" }, eventsView(hook.events)),
      h("td", { dataset: { label: "Enabled" } },
        h("button", {
          type: "button", class: "switch", role: "switch",
          "aria-checked": String(hook.enabled), "aria-label": `${hook.name} enabled`,
          dataset: { focusKey: `toggle:${hook.id}` },
          onclick: (event) => toggle(hook, event.currentTarget),
        }, h("span", { class: "track", "aria-hidden": "true" }), h("span", { class: "switch-text" }, hook.enabled ? "Enabled" : "Disabled"))),
      h("td", { dataset: { label: "Created" }, class: "time" }, timeView(hook.created_at)),
      h("td", { dataset: { label: "Updated" }, class: "time" }, timeView(hook.updated_at)),
      h("td", { class: "row-actions" },
        h("button", {
          type: "button", class: "secondary small", "aria-label": `Edit ${hook.name}`,
          dataset: { focusKey: `edit:${hook.id}` }, onclick: () => startEdit(hook),
        }, "Edit"),
        h("button", {
          type: "button", class: "danger-ghost small", "aria-label": `Delete ${hook.name}`,
          dataset: { focusKey: `delete:${hook.id}` }, onclick: (event) => remove(hook, event.currentTarget),
        }, "Delete")));
  }

  function eventChoices(selected) {
    const names = [...supported, ...selected.filter((name) => !supported.includes(name))];
    return h("div", { class: "choices" }, names.map((name) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "events", value: name, checked: selected.includes(name) }),
      h("code", {}, name))));
  }

  // ---- inline edit ---------------------------------------------------------

  function editRow(hook) {
    const slot = h("div", { class: "slot" });
    const form = h("form", {
      class: "edit-form", "aria-label": `Edit ${hook.name}`, novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const buttons = [...form.querySelectorAll("button")];
        busy(buttons, () => saveEdit(hook, form, event.submitter?.value, slot));
      },
      onkeydown: (event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          stopEdit(hook);
        }
      },
    },
    h("p", { class: "edit-title" }, "Editing ", h("strong", {}, hook.name), " ", h("code", {}, hook.id)),
    h("div", { class: "fields two" },
      h("label", { class: "field" }, "Name", h("input", { name: "name", value: hook.name, required: true, spellcheck: false })),
      h("label", { class: "field" }, "URL", h("input", { name: "url", type: "url", value: hook.url, required: true, spellcheck: false }))),
    h("fieldset", { class: "events" }, h("legend", {}, "Events"), eventChoices(hook.events)),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "enabled", checked: hook.enabled }), "Enabled"),
    h("p", { class: "hint" }, h("strong", {}, "Save"), " sends only what changed (", h("code", {}, "edit()"), ", PATCH); ",
      h("strong", {}, "Replace"), " sends every field (", h("code", {}, "replace()"), ", PUT). Esc cancels."),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary", value: "edit" }, "Save"),
      h("button", { type: "submit", class: "secondary", value: "replace" }, "Replace"),
      h("button", { type: "button", class: "ghost", onclick: () => stopEdit(hook) }, "Cancel")));
    return h("tr", { class: "editing", dataset: { id: hook.id } }, h("td", { colSpan: 7 }, form, slot));
  }

  function startEdit(hook) {
    editing = hook.id;
    render();
    rows.querySelector(`tr.editing input[name="name"]`)?.focus();
  }

  function stopEdit(hook) {
    editing = null;
    render();
    rows.querySelector(`[data-focus-key="edit:${CSS.escape(hook.id)}"]`)?.focus();
  }

  function formInput(form) {
    const data = new FormData(form);
    return {
      name: String(data.get("name") ?? "").trim(),
      url: String(data.get("url") ?? "").trim(),
      events: data.getAll("events").map(String),
      enabled: form.elements.enabled.checked,
    };
  }

  /** The fields of `input` that differ from `hook` (events compared as sets). */
  function changes(hook, input) {
    const patch = {};
    for (const key of ["name", "url", "enabled"]) if (input[key] !== hook[key]) patch[key] = input[key];
    const sameEvents = input.events.length === hook.events.length && input.events.every((name) => hook.events.includes(name));
    if (!sameEvents) patch.events = input.events;
    return patch;
  }

  async function saveEdit(hook, form, how, slot) {
    const input = formInput(form);
    try {
      let updated;
      if (how === "replace") {
        updated = await client.replace(hook.id, input);
        say(tableStatus, `Replaced “${updated.name}” (replace).`);
      } else {
        const patch = changes(hook, input);
        const changed = Object.keys(patch);
        if (changed.length === 0) {
          say(tableStatus, `Nothing changed in “${hook.name}”.`);
          stopEdit(hook);
          return;
        }
        updated = await client.edit(hook.id, patch);
        say(tableStatus, `Saved “${updated.name}”: ${changed.join(", ")} changed (edit).`);
      }
      upsert(updated);
      showError(tableError, null);
      stopEdit(updated);
    } catch (error) {
      slot.replaceChildren(errorView(error, { hint: hintFor(error) }));
    }
  }

  // ---- enable/disable, delete ----------------------------------------------

  // The switch is not disabled while its call runs (that would drop the
  // keyboard focus); a second press is ignored instead.
  const toggling = new Set();
  async function toggle(hook, button) {
    if (toggling.has(hook.id)) return;
    toggling.add(hook.id);
    button.setAttribute("aria-busy", "true");
    try {
      const updated = await client.edit(hook.id, { enabled: !hook.enabled });
      upsert(updated);
      showError(tableError, null);
      say(tableStatus, `${updated.enabled ? "Enabled" : "Disabled"} “${updated.name}”.`);
    } catch (error) {
      showError(tableError, error, { hint: hintFor(error) });
    } finally {
      toggling.delete(hook.id);
      button.removeAttribute("aria-busy");
    }
  }

  function confirmDelete(hook) {
    const dialog = $("confirm-delete");
    $("confirm-text").replaceChildren(
      h("strong", {}, hook.name), " stops receiving deliveries at ", h("code", {}, hook.url), ". This cannot be undone.");
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "delete"), { once: true }));
  }

  async function remove(hook, button) {
    if (!(await confirmDelete(hook))) return;
    await busy(button, async () => {
      try {
        const deleted = await client.delete(hook.id);
        hooks = hooks.filter((item) => item.id !== deleted.id);
        render();
        showError(tableError, null);
        say(tableStatus, `Deleted “${deleted.name}”.`);
        $("webhooks-title").focus();
      } catch (error) {
        showError(tableError, error, { hint: hintFor(error) });
      }
    });
  }

  // ---- list ----------------------------------------------------------------

  async function refresh() {
    hooks = await client.list();
    if (!hooks.some((hook) => hook.id === editing)) editing = null;
    render();
  }

  refreshButton.addEventListener("click", () => busy(refreshButton, async () => {
    try {
      await refresh();
      showError(tableError, null);
      say(tableStatus, `Listed ${hooks.length} webhook${hooks.length === 1 ? "" : "s"}.`);
    } catch (error) {
      showError(tableError, error, { hint: hintFor(error) });
    }
  }).finally(sync));

  /** Puts a webhook the API returned into the table (replacing one with its id). */
  function upsert(hook) {
    const at = hooks.findIndex((item) => item.id === hook.id);
    if (at === -1) hooks.push(hook);
    else hooks[at] = hook;
    render();
  }

  // ---- create / ensure -----------------------------------------------------

  createForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const how = event.submitter?.value ?? "create";
    const buttons = [...createForm.querySelectorAll('button[type="submit"]')];
    busy(buttons, async () => {
      const input = formInput(createForm);
      try {
        if (how === "ensure") {
          const { webhook, action } = await client.ensure(input);
          upsert(webhook);
          say(createStatus, `Ensure: ${action} “${webhook.name}”.`);
        } else {
          const webhook = await client.create(input);
          upsert(webhook);
          say(createStatus, `Created “${webhook.name}”.`);
        }
        showError(createError, null);
      } catch (error) {
        say(createStatus, "");
        showError(createError, error, { hint: hintFor(error) });
      }
    }).finally(sync);
  });

  useReceiver.addEventListener("click", () => {
    createForm.elements.url.value = receiverURL;
    createForm.elements.url.focus();
  });

  /** Enables what needs a connection, and only while there is one. */
  function sync() {
    const on = client !== null;
    refreshButton.disabled = !on;
    createEvents.disabled = !on;
    for (const button of createForm.querySelectorAll('button[type="submit"]')) button.disabled = !on;
  }

  return {
    /** A new connection: its client, the events the server supports, and where it points. */
    async use(newClient, events, settings) {
      client = newClient;
      supported = events;
      editing = null;
      receiverURL = settings.receiverURL;
      useReceiver.hidden = settings.mode !== "emulator";
      const checked = formInput(createForm).events;
      const selected = (checked.length ? checked : ["meeting.started", "meeting.ended"]).filter((name) => events.includes(name));
      createEvents.replaceChildren(h("legend", {}, "Events"), eventChoices(selected));
      $("webhooks-where").replaceChildren("App ", h("code", {}, settings.appId), " of account ", h("code", {}, settings.accountId), " at ", h("code", {}, settings.baseURL));
      await refresh();
      sync();
      showError(tableError, null);
      showError(createError, null);
      say(tableStatus, "");
    },
    /** No connection: nothing to show. */
    reset() {
      client = null;
      hooks = [];
      editing = null;
      sync();
      $("webhooks-where").textContent = "Not connected.";
      say(tableStatus, "");
      say(createStatus, "");
      showError(tableError, null);
      showError(createError, null);
      render();
    },
    upsert,
  };
}
