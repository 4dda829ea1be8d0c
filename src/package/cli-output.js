// The command line's output and its errors of usage, shared by its commands
// (cli.js, cli-receiver.js).

/** Bad usage: exit 2, with the command's help hint (`cause`: the command). */
export class UsageError extends Error {}

/** A failure the command says whole (a receiver's answer, no answer): exit 1. */
export class CommandFailed extends Error {}

/** The option every command has. */
export const OUTPUT = { json: { type: "boolean", help: "print JSON, for scripts" } };

/** Text for people, or JSON for scripts (one JSON document on stdout per run). */
export class Output {
  constructor(json) {
    this.asJSON = json === true;
  }
  line(text) {
    if (!this.asJSON) process.stdout.write(`${text}\n`);
  }
  error(text) {
    process.stderr.write(`${text}\n`);
  }
  json(value) {
    if (this.asJSON) process.stdout.write(`${safeJSON(value)}\n`);
  }
  result(value, text) {
    if (this.asJSON) this.json(value);
    else this.line(text);
  }
  webhook(hook) {
    this.result(hook, describe(hook));
  }
  webhooks(hooks) {
    if (this.asJSON) return this.json(hooks);
    if (hooks.length === 0) return this.line("no webhooks");
    this.line(table(["ID", "NAME", "ENABLED", "EVENTS", "URL"], hooks.map((h) => [h.id, h.name, h.enabled ? "yes" : "no", h.events.join(","), h.url])));
  }
  plan(plan) {
    if (this.asJSON) return;
    const symbol = { create: "+", edit: "~", delete: "-", unchanged: "=", conflict: "!" };
    for (const step of plan) {
      let detail = "";
      if (step.action === "create") detail = ` ${step.input.url} [${step.input.events.join(",")}]${step.input.enabled === false ? " disabled" : ""}`;
      if (step.action === "edit") detail = ` (${step.id}): ${Object.entries(step.patch).map(([k, v]) => `${k} -> ${Array.isArray(v) ? v.join(",") : v}`).join("; ")}`;
      if (step.action === "delete" || step.action === "unchanged") detail = ` (${step.id})`;
      if (step.action === "conflict") detail = ` (${step.ids.join(", ")}): ${step.why}`;
      this.line(`${symbol[step.action]} ${step.action} ${step.name}${detail}`);
    }
    const changes = plan.filter((s) => s.action !== "unchanged" && s.action !== "conflict").length;
    this.line(changes === 0 ? "nothing to change" : `${changes} change${changes === 1 ? "" : "s"}`);
  }
}

export function describe(hook) {
  return table([], [
    ["id", hook.id], ["name", hook.name], ["url", hook.url], ["events", hook.events.join(", ")],
    ["enabled", hook.enabled ? "yes" : "no"], ["created_at", hook.created_at], ["updated_at", hook.updated_at],
  ]);
}

export function table(header, rows) {
  const all = header.length > 0 ? [header, ...rows] : rows;
  const widths = all[0].map((_, i) => Math.max(...all.map((row) => String(row[i]).length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? String(cell) : String(cell).padEnd(widths[i]))).join("  ")).join("\n");
}

/** `text` on one line, cut at `max` characters. */
export function oneLine(text, max = 120) {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

/**
 * Characters a terminal acts on or shows as nothing, which a receiver's text
 * may carry (an rtk-uuid is not signed): C0 and C1 controls, bidi overrides,
 * line separators, zero-width characters, fillers, variation selectors. With
 * or without line breaks, which a body keeps.
 */
const HIDDEN = /[\0-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
const HIDDEN_BUT_LINE_BREAKS = /[\0-\x09\x0b-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;

/** `text` with each hidden character as `\uXXXX` (a UTF-16 unit each, as JS and JSON write them). */
export function escapeHidden(text, { lineBreaks = false } = {}) {
  return text.replace(lineBreaks ? HIDDEN_BUT_LINE_BREAKS : HIDDEN, (c) =>
    Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`).join(""));
}

/**
 * JSON with the hidden characters escaped (JSON.stringify escapes only those
 * below U+0020), so that what a receiver sent cannot rewrite a terminal that
 * shows it. Still the same JSON to a parser.
 */
export function safeJSON(value) {
  return escapeHidden(JSON.stringify(value, null, 2), { lineBreaks: true });
}
