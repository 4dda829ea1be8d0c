//! `ClientCore`: the one wasm entry of the JS `WebhooksClient` (webhooks-client.js).
//!
//! The JS class is thin: each of its methods is one [`ClientCore::call`] with
//! the operation's name (`crate::boundary::op`, the client's own operation
//! names) and a [`CallRequest`], so the module has one export for every
//! operation instead of one per method. input.js has checked the arguments'
//! types; the core checks what they mean (`validate`), before anything is sent.
//! What crosses the boundary is read by name: [`ClientSettings`] and
//! [`CallRequest`] are the objects input.js makes.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use super::errors::to_js;
use super::shape;
use crate::boundary::op;
use crate::client::{Auth, RequestOptions};
use crate::error::Error;
use crate::models::{EnsureAction, NewWebhook, WebhookEvent, WebhookPatch};
use crate::transport::{self, Fetch};
use crate::Client;

#[wasm_bindgen]
extern "C" {
    /// `new WebhooksClient(options)`'s options, as input.js's `clientOptions`
    /// checked them for type (the credentials resolved from `process.env`).
    pub type ClientSettings;
    #[wasm_bindgen(method, getter, js_name = accountId)]
    fn account_id(this: &ClientSettings) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = appId)]
    fn app_id(this: &ClientSettings) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = apiToken)]
    fn api_token(this: &ClientSettings) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = apiKey)]
    fn api_key(this: &ClientSettings) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = apiEmail)]
    fn api_email(this: &ClientSettings) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = baseURL)]
    fn base_url(this: &ClientSettings) -> Option<String>;
    /// Milliseconds allowed for each attempt.
    #[wasm_bindgen(method, getter)]
    fn timeout(this: &ClientSettings) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = maxRetries)]
    fn max_retries(this: &ClientSettings) -> Option<u32>;
    #[wasm_bindgen(method, getter)]
    fn fetch(this: &ClientSettings) -> Option<Function>;
    /// `[name, value, name, value, ...]`.
    #[wasm_bindgen(method, getter, js_name = defaultHeaders)]
    fn default_headers(this: &ClientSettings) -> Option<Vec<String>>;

    /// One call's arguments, as input.js checked them for type: the call's
    /// options, the webhook's `id` (on one webhook), and the webhook or patch
    /// fields (create, replace, edit, ensure: it is a [`WebhookFields`] too).
    pub type CallRequest;
    #[wasm_bindgen(method, getter)]
    fn id(this: &CallRequest) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn signal(this: &CallRequest) -> Option<AbortSignal>;
    /// Milliseconds allowed for each attempt.
    #[wasm_bindgen(method, getter)]
    fn timeout(this: &CallRequest) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = maxRetries)]
    fn max_retries(this: &CallRequest) -> Option<u32>;
    /// `[name, value, name, value, ...]`.
    #[wasm_bindgen(method, getter)]
    fn headers(this: &CallRequest) -> Option<Vec<String>>;

    /// A webhook's fields, or a patch's (those given): `{ name, url, events,
    /// enabled }`, as input.js checked them or as the API gave them.
    pub type WebhookFields;
    #[wasm_bindgen(method, getter)]
    fn name(this: &WebhookFields) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn url(this: &WebhookFields) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn events(this: &WebhookFields) -> Option<Vec<String>>;
    #[wasm_bindgen(method, getter)]
    fn enabled(this: &WebhookFields) -> Option<bool>;
}

impl WebhookFields {
    /// The fields given, as a patch (what `edit` sends; a webhook input with
    /// its fields as [`new_webhook`] reads them).
    fn patch(&self) -> WebhookPatch {
        let events = self.events().map(|names| names.iter().map(|name| WebhookEvent::from_name(name)).collect());
        WebhookPatch { name: self.name(), url: self.url(), events, enabled: self.enabled() }
    }
}

/// A [`Client`] for webhooks-client.js, which owns its lifecycle.
#[wasm_bindgen(skip_typescript)]
#[derive(Debug)]
pub struct ClientCore {
    client: Client,
}

/// What one call runs.
type Run = Pin<Box<dyn Future<Output = Result<JsValue, Error>>>>;

/// Makes the core of a `WebhooksClient` from its settings (here checked for
/// what they mean): `apiToken`, or `apiKey` and `apiEmail`. Returns the
/// `ClientCore`, or the `ValidationError` for webhooks-client.js to throw.
///
/// (One value, not a `Result`: an export returning a `Result` has a
/// multi-value signature, for which V8 compiles a wrapper as it compiles the
/// module, the more parameters the longer; as constructors, this one and the
/// verifier's added 0.7 ms to every cold start.)
#[wasm_bindgen(js_name = makeClientCore, skip_typescript)]
pub fn make_client_core(settings: &ClientSettings) -> JsValue {
    let auth = match settings.api_token() {
        Some(token) => Auth::ApiToken(token),
        None => Auth::ApiKey { key: settings.api_key().unwrap_or_default(), email: settings.api_email().unwrap_or_default() },
    };
    let mut builder = Client::builder(settings.account_id().unwrap_or_default(), settings.app_id().unwrap_or_default(), auth);
    if let Some(url) = settings.base_url() {
        builder = builder.base_url(url);
    }
    if let Some(ms) = settings.timeout() {
        builder = builder.timeout(Duration::from_millis(ms as u64));
    }
    if let Some(retries) = settings.max_retries() {
        builder = builder.max_retries(retries);
    }
    if let Some(f) = settings.fetch() {
        builder = builder.fetch(Fetch::custom(f));
    }
    for (name, value) in pairs(&settings.default_headers().unwrap_or_default()) {
        builder = builder.default_header(name, value);
    }
    match builder.build() {
        Ok(client) => ClientCore { client }.into(),
        Err(e) => to_js(&e),
    }
}

#[wasm_bindgen]
impl ClientCore {
    /// `[accountId, appId, baseURL]`, which never change (webhooks-client.js keeps them).
    pub fn settings(&self) -> Array {
        let c = &self.client;
        [JsValue::from(c.account_id()), c.app_id().into(), c.base_url().into()].into_iter().collect()
    }

    /// The client's operation `operation` (one of `boundary::op`: `list`,
    /// `create`, ...) with its `request`. Rejects with an error of errors.js's classes.
    pub fn call(&self, operation: &str, request: &CallRequest) -> Promise {
        let options = RequestOptions {
            signal: request.signal(),
            timeout: request.timeout().map(|ms| Duration::from_millis(ms as u64)),
            max_retries: request.max_retries(),
            headers: request.headers().as_deref().map_or_else(Vec::new, pairs),
        };
        let client = self.client.with_options(options);
        let id = request.id().unwrap_or_default();
        let patch = request.unchecked_ref::<WebhookFields>().patch();
        let run: Run = match operation {
            op::LIST => Box::pin(async move { client.list_as::<shape::Webhooks>().await.map(|w| w.0) }),
            op::SUPPORTED_EVENTS => Box::pin(async move { client.supported_events_as::<shape::Names>().await.map(|n| n.0) }),
            op::GET => Box::pin(async move { client.get_as::<shape::Webhook>(&id).await.map(|w| w.0) }),
            op::DELETE => Box::pin(async move { client.delete_as::<shape::Webhook>(&id).await.map(|w| w.0) }),
            op::CREATE => Box::pin(async move { client.create_as::<shape::Webhook>(&new_webhook(patch)).await.map(|w| w.0) }),
            op::REPLACE => Box::pin(async move { client.replace_as::<shape::Webhook>(&id, &new_webhook(patch)).await.map(|w| w.0) }),
            op::EDIT => Box::pin(async move { client.edit_as::<shape::Webhook>(&id, &patch).await.map(|w| w.0) }),
            op::ENSURE => Box::pin(async move { ensure(&client, new_webhook(patch)).await }),
            _ => return Promise::reject(&to_js(&Error::invalid("operation", "is not one of the client's"))),
        };
        transport::promise(async move { run.await.map_err(|e| to_js(&e)) })
    }
}

/// Headers as input.js hands them over, `[name, value, name, value, ...]`, as pairs.
fn pairs(flat: &[String]) -> Vec<(String, String)> {
    flat.chunks_exact(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect()
}

/// The webhook of `create`, `replace` and `ensure` (input.js required `name`, `url` and `events`).
fn new_webhook(fields: WebhookPatch) -> NewWebhook {
    NewWebhook {
        name: fields.name.unwrap_or_default(),
        url: fields.url.unwrap_or_default(),
        events: fields.events.unwrap_or_default(),
        enabled: fields.enabled,
    }
}

/// `ensure`, as the `EnsureResult` object.
async fn ensure(client: &Client, hook: NewWebhook) -> Result<JsValue, Error> {
    let (webhook, action, duplicates) = client.ensure_as::<shape::Webhook>(&hook).await?;
    let action = match action {
        EnsureAction::Created => "created",
        EnsureAction::Updated => "updated",
        EnsureAction::Unchanged => "unchanged",
    };
    let result = Object::new();
    // A fresh plain object: defining a property cannot fail.
    let _ = Reflect::set(&result, &"webhook".into(), &webhook.0);
    let _ = Reflect::set(&result, &"action".into(), &action.into());
    let _ = Reflect::set(&result, &"duplicates".into(), &duplicates.into_iter().map(|w| w.0).collect::<Array>());
    Ok(result.into())
}

/// The edit that would make `existing` (a webhook as the API gave it; none:
/// only check) look like `wanted` (a webhook input, as input.js's
/// `webhookInput` checked it for type), as `ensure` makes it: `{ url?,
/// events?, enabled? }` of what differs (`{}` when nothing does), or the
/// `ValidationError` that `create` would give `wanted`. For the command line's
/// `apply`, which plans with it: one rule for both (not part of the
/// package's API).
#[wasm_bindgen(js_name = ensurePatch, skip_typescript)]
pub fn ensure_patch(existing: Option<WebhookFields>, wanted: &WebhookFields) -> JsValue {
    let wanted = new_webhook(wanted.patch());
    if let Err(error) = crate::validate::new_webhook(&wanted) {
        return to_js(&error);
    }
    let patch = Object::new();
    let Some(existing) = existing else { return patch.into() };
    let existing = new_webhook(existing.patch());
    let existing = crate::models::Webhook {
        url: existing.url,
        events: existing.events,
        enabled: existing.enabled.unwrap_or_default(),
        ..crate::models::Webhook::default()
    };
    let changes = WebhookPatch::to_match(&existing, &wanted);
    // A fresh plain object: defining a property cannot fail.
    if let Some(url) = changes.url {
        let _ = Reflect::set(&patch, &"url".into(), &url.into());
    }
    if let Some(events) = changes.events {
        let names: Array = events.iter().map(|event| JsValue::from(event.as_str())).collect();
        let _ = Reflect::set(&patch, &"events".into(), &names);
    }
    if let Some(enabled) = changes.enabled {
        let _ = Reflect::set(&patch, &"enabled".into(), &enabled.into());
    }
    patch.into()
}
