//! JS values in: options objects, webhook inputs and ids, checked field by
//! field into the Rust core's types. Every read that can run user code
//! (getters, proxies) is caught, so no input can throw through the module.

use std::time::Duration;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::client::{Auth, ClientBuilder, RequestOptions};
use crate::error::Error;
use crate::models::{NewWebhook, WebhookEvent, WebhookPatch};
use crate::transport::Fetch;
use crate::Client;

/// Largest `maxRetries` accepted.
const MAX_RETRIES_LIMIT: u32 = 10;
/// Largest `timeout` accepted, in ms (the largest `setTimeout` delay).
const MAX_TIMEOUT_MS: u32 = 2_147_483_647;

#[wasm_bindgen]
extern "C" {
    /// `Object.keys`, with a throwing proxy caught.
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    pub(super) fn object_keys(value: &JsValue) -> Result<Array, JsValue>;
}

/// The options of `new WebhooksClient(options)`.
const CLIENT_OPTIONS: [&str; 10] =
    ["accountId", "appId", "apiToken", "apiKey", "apiEmail", "baseURL", "timeout", "maxRetries", "fetch", "defaultHeaders"];
/// The options of a single call.
const REQUEST_OPTIONS: [&str; 4] = ["signal", "timeout", "maxRetries", "headers"];
/// The fields of a webhook input; the read-only ones after the first four are ignored.
const WEBHOOK_FIELDS: [&str; 7] = ["name", "url", "events", "enabled", "id", "created_at", "updated_at"];

/// The `ClientOptions` of `new WebhooksClient(options)`.
pub(crate) fn client(options: &JsValue) -> Result<Client, Error> {
    let o = object(options, "options")?;
    known_keys(o, &CLIENT_OPTIONS, CLIENT_OPTIONS.len(), "an option of WebhooksClient")?;
    let account = required_string(o, "accountId")?;
    let app = required_string(o, "appId")?;
    let mut credentials = (string(o, "apiToken")?, string(o, "apiKey")?, string(o, "apiEmail")?);
    // None given: the environment's, as the official SDK reads them.
    let env = process_env();
    if credentials == (None, None, None) {
        if let Some(env) = &env {
            let var = |name: &str| Reflect::get(env, &name.into()).ok().and_then(|v| v.as_string()).filter(|v| !v.is_empty());
            credentials = (var("CLOUDFLARE_API_TOKEN"), var("CLOUDFLARE_API_KEY"), var("CLOUDFLARE_EMAIL"));
            if credentials.0.is_some() {
                credentials = (credentials.0, None, None);
            }
        }
    }
    let auth = match credentials {
        (Some(token), None, None) => Auth::ApiToken(token),
        (None, Some(key), Some(email)) => Auth::ApiKey { key, email },
        (None, Some(_), None) => return Err(Error::invalid("apiEmail", "is required with apiKey")),
        (None, None, Some(_)) => return Err(Error::invalid("apiKey", "is required with apiEmail")),
        (None, None, None) if env.is_some() => {
            return Err(Error::invalid(
                "apiToken",
                "is required (or apiKey and apiEmail), and CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL) \
                 is not set in process.env either",
            ))
        }
        (None, None, None) => {
            return Err(Error::invalid(
                "apiToken",
                "is required (or apiKey and apiEmail): this runtime has no process.env to read CLOUDFLARE_API_TOKEN from; \
                 in a Worker, pass it from the Worker's env (apiToken: env.CLOUDFLARE_API_TOKEN)",
            ))
        }
        (Some(_), _, _) => return Err(Error::invalid("apiToken", "give apiToken or apiKey and apiEmail, not both")),
    };
    let mut builder: ClientBuilder = Client::builder(account, app, auth);
    if let Some(url) = string(o, "baseURL")? {
        builder = builder.base_url(url);
    }
    if let Some(timeout) = timeout(o)? {
        builder = builder.timeout(timeout);
    }
    if let Some(retries) = max_retries(o)? {
        builder = builder.max_retries(retries);
    }
    let fetch = get(o, "fetch")?;
    if !fetch.is_undefined() {
        let f = fetch.dyn_into::<Function>().map_err(|v| wrong_type("fetch", "a function", &v))?;
        builder = builder.fetch(Fetch::custom(f));
    }
    for (name, value) in headers(o, "defaultHeaders")? {
        builder = builder.default_header(name, value);
    }
    builder.build()
}

/// The optional last argument of every method: `{ signal, timeout, maxRetries, headers }`.
pub(crate) fn request_options(value: &JsValue) -> Result<Option<RequestOptions>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let o = object(value, "options")?;
    known_keys(o, &REQUEST_OPTIONS, REQUEST_OPTIONS.len(), "an option of a call")?;
    let signal = get(o, "signal")?;
    let signal = if signal.is_undefined() {
        None
    } else if is_abort_signal(&signal) {
        Some(signal.unchecked_into())
    } else {
        return Err(wrong_type("signal", "an AbortSignal", &signal));
    };
    Ok(Some(RequestOptions { signal, timeout: timeout(o)?, max_retries: max_retries(o)?, headers: headers(o, "headers")? }))
}

/// A webhook id argument.
pub(crate) fn id(value: &JsValue) -> Result<String, Error> {
    value.as_string().ok_or_else(|| wrong_type("webhookId", "a string", value))
}

/// The input of `create`, `replace` and `ensure`. The read-only fields of a
/// `Webhook` (`id`, `created_at`, `updated_at`) may be present and are ignored,
/// so `replace(hook.id, { ...hook, url })` works.
pub(crate) fn new_webhook(value: &JsValue) -> Result<NewWebhook, Error> {
    let o = object(value, "webhook")?;
    known_keys(o, &WEBHOOK_FIELDS, 4, "a webhook field")?;
    Ok(NewWebhook {
        name: required_string(o, "name")?,
        url: required_string(o, "url")?,
        events: events(o)?.ok_or_else(|| Error::invalid("events", "is required"))?,
        enabled: boolean(o, "enabled")?,
    })
}

/// The input of `edit`: any subset of the fields.
pub(crate) fn patch(value: &JsValue) -> Result<WebhookPatch, Error> {
    let o = object(value, "patch")?;
    known_keys(o, &WEBHOOK_FIELDS, 4, "a webhook field")?;
    Ok(WebhookPatch { name: string(o, "name")?, url: string(o, "url")?, events: events(o)?, enabled: boolean(o, "enabled")? })
}

fn events(o: &JsValue) -> Result<Option<Vec<WebhookEvent>>, Error> {
    let value = get(o, "events")?;
    if value.is_undefined() {
        return Ok(None);
    }
    if !Array::is_array(&value) {
        return Err(wrong_type("events", "an array of event names", &value));
    }
    let list: Array = value.unchecked_into();
    let mut events = Vec::with_capacity(list.length() as usize);
    for (i, item) in list.iter().enumerate() {
        let name = item.as_string().ok_or_else(|| wrong_type(&format!("events[{i}]"), "a string", &item))?;
        events.push(WebhookEvent::from_name(&name));
    }
    Ok(Some(events))
}

fn timeout(o: &JsValue) -> Result<Option<Duration>, Error> {
    let value = get(o, "timeout")?;
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(ms) if ms > 0.0 && ms <= f64::from(MAX_TIMEOUT_MS) => Ok(Some(Duration::from_millis(ms as u64))),
        Some(_) => Err(Error::invalid("timeout", format!("must be more than 0 and at most {MAX_TIMEOUT_MS} ms"))),
        None => Err(wrong_type("timeout", "a number of milliseconds", &value)),
    }
}

fn max_retries(o: &JsValue) -> Result<Option<u32>, Error> {
    let value = get(o, "maxRetries")?;
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(MAX_RETRIES_LIMIT)).contains(&n) => Ok(Some(n as u32)),
        Some(_) => Err(Error::invalid("maxRetries", format!("must be a whole number from 0 to {MAX_RETRIES_LIMIT}"))),
        None => Err(wrong_type("maxRetries", "a number", &value)),
    }
}

/// A header map: a plain object of strings, or a `Headers`.
fn headers(o: &JsValue, field: &str) -> Result<Vec<(String, String)>, Error> {
    let value = get(o, field)?;
    if value.is_undefined() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    if value.is_instance_of::<web_sys::Headers>() {
        let entries = js_sys::try_iter(&value).ok().flatten();
        for entry in entries.into_iter().flatten() {
            let pair: Array = entry.map_err(|_| Error::invalid(field, "could not be read"))?.unchecked_into();
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                out.push((name, value));
            }
        }
        return Ok(out);
    }
    let map = object(&value, field)?;
    let keys = object_keys(map).map_err(|_| Error::invalid(field, "could not be read"))?;
    for key in keys.iter() {
        let Some(name) = key.as_string() else { continue };
        let item = get(map, &name)?;
        let item = item.as_string().ok_or_else(|| wrong_type(&format!("{field}.{name}"), "a string", &item))?;
        out.push((name, item));
    }
    Ok(out)
}

fn is_abort_signal(value: &JsValue) -> bool {
    value.is_instance_of::<web_sys::AbortSignal>()
        || (value.is_object()
            && Reflect::get(value, &"aborted".into()).is_ok_and(|a| a.as_bool().is_some())
            && Reflect::get(value, &"addEventListener".into()).is_ok_and(|f| f.is_function()))
}

/// `value` if it is a plain object (not `null`, an array or a function).
fn object<'a>(value: &'a JsValue, field: &str) -> Result<&'a JsValue, Error> {
    if value.is_object() && !Array::is_array(value) {
        Ok(value)
    } else {
        Err(wrong_type(field, "an object", value))
    }
}

fn get(o: &JsValue, key: &str) -> Result<JsValue, Error> {
    Reflect::get(o, &JsValue::from_str(key)).map_err(|_| Error::invalid(key, "could not be read"))
}

fn string(o: &JsValue, key: &str) -> Result<Option<String>, Error> {
    let value = get(o, key)?;
    if value.is_undefined() {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or_else(|| wrong_type(key, "a string", &value))
}

fn required_string(o: &JsValue, key: &str) -> Result<String, Error> {
    match string(o, key)? {
        Some(s) if !s.is_empty() => Ok(s),
        Some(_) => Err(Error::invalid(key, "must not be empty")),
        None => Err(Error::invalid(key, "is required")),
    }
}

fn boolean(o: &JsValue, key: &str) -> Result<Option<bool>, Error> {
    let value = get(o, key)?;
    if value.is_undefined() {
        return Ok(None);
    }
    value.as_bool().map(Some).ok_or_else(|| wrong_type(key, "a boolean", &value))
}

/// Rejects keys that are not in `allowed` (the first `shown` of them are
/// named in the message): a misspelt option or field is a bug, not a no-op.
pub(super) fn known_keys(o: &JsValue, allowed: &[&str], shown: usize, what: &str) -> Result<(), Error> {
    let keys = object_keys(o).map_err(|_| Error::invalid("options", "could not be read"))?;
    for key in keys.iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            let hint = closest(&key, allowed).map(|k| format!("did you mean {k}? ")).unwrap_or_default();
            let expected = allowed.iter().take(shown).copied().collect::<Vec<_>>().join(", ");
            return Err(Error::invalid(key, format!("is not {what} ({hint}expected {expected})")));
        }
    }
    Ok(())
}

/// The allowed name `key` is most likely a typo of: the same but for case,
/// or at most two edits away.
fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let key = key.to_ascii_lowercase();
    allowed
        .iter()
        .map(|name| (edit_distance(&key, &name.to_ascii_lowercase()), *name))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance of two short strings (every index is below
/// `row.len()`, which is `b.len() + 1`).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

/// `process.env`, where the runtime has one to read (Node, Deno, Bun; not
/// Workers, whose settings come in each request's `env`, nor browsers).
fn process_env() -> Option<JsValue> {
    let global = js_sys::global();
    let agent = Reflect::get(&global, &"navigator".into()).and_then(|n| Reflect::get(&n, &"userAgent".into())).ok();
    if agent.and_then(|a| a.as_string()).as_deref() == Some("Cloudflare-Workers") {
        return None;
    }
    let process = Reflect::get(&global, &"process".into()).ok().filter(|p| p.is_object())?;
    Reflect::get(&process, &"env".into()).ok().filter(|e| e.is_object())
}

fn wrong_type(field: &str, expected: &str, got: &JsValue) -> Error {
    let got = if got.is_null() {
        "null".to_owned()
    } else if Array::is_array(got) {
        "an array".to_owned()
    } else {
        got.js_typeof().as_string().unwrap_or_default()
    };
    Error::invalid(field, format!("must be {expected}, got {got}"))
}
