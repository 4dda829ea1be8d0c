// What the package's classes (webhooks-client.js, webhook-verifier.js) share about their
// lifecycle: the error of a call after free(), and how util.inspect shows them
// (never a secret). A package module beside the wasm glue.
import { ValidationError } from "./errors.js";

/** Node's util.inspect hook. */
export const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** The error of a call on an object of class `name` after its free(). */
export const freed = (name) =>
  new ValidationError(`this ${name} was freed (free() was called, or its using block ended): make a new one`, "this");

/** A value as util.inspect would show it (JSON where no inspect is given). */
export const shown = (value, options, inspect) => (typeof inspect === "function" ? inspect(value, options) : JSON.stringify(value));
