//! `ClientCore`: the one wasm entry of the JS `WebhooksClient` (webhooks-client.js).
//!
//! The JS class is thin: each of its methods is one [`ClientCore::call`] with
//! the operation's code (`crate::boundary::op`), so the module has one export
//! for every operation instead of one per method. input.js has checked the
//! arguments' types; the core checks what they mean (`validate`), before
//! anything is sent.

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

/// A [`Client`] for webhooks-client.js, which owns its lifecycle.
#[wasm_bindgen(skip_typescript)]
#[derive(Debug)]
pub struct ClientCore {
    client: Client,
}

/// What one call runs.
type Run = Pin<Box<dyn Future<Output = Result<JsValue, Error>>>>;

/// Makes the core of a `WebhooksClient` from its options, as input.js's
/// `clientOptions` checked them for type (here, for what they mean):
/// `apiToken`, or `apiKey` and `apiEmail`; `headers` as name, value, ...
/// Returns the `ClientCore`, or the `ValidationError` for webhooks-client.js to throw.
///
/// (One value, not a `Result`: an export returning a `Result` has a
/// multi-value signature, for which V8 compiles a wrapper as it compiles the
/// module, the more parameters the longer; as constructors, this one and the
/// verifier's added 0.7 ms to every cold start.)
#[wasm_bindgen(js_name = makeClientCore, skip_typescript)]
#[allow(clippy::too_many_arguments)]
pub fn make_client_core(
    account_id: String,
    app_id: String,
    api_token: Option<String>,
    api_key: Option<String>,
    api_email: Option<String>,
    base_url: Option<String>,
    timeout_ms: Option<f64>,
    max_retries: Option<u32>,
    fetch: Option<Function>,
    headers: Vec<String>,
) -> JsValue {
    let auth = match api_token {
        Some(token) => Auth::ApiToken(token),
        None => Auth::ApiKey { key: api_key.unwrap_or_default(), email: api_email.unwrap_or_default() },
    };
    let mut builder = Client::builder(account_id, app_id, auth);
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    if let Some(ms) = timeout_ms {
        builder = builder.timeout(Duration::from_millis(ms as u64));
    }
    if let Some(retries) = max_retries {
        builder = builder.max_retries(retries);
    }
    if let Some(f) = fetch {
        builder = builder.fetch(Fetch::custom(f));
    }
    for (name, value) in pairs(&headers) {
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

    /// Operation `operation` (one of `boundary::op`) with its arguments, as
    /// input.js checked them for type: `id` for those on one webhook; the
    /// webhook or patch as `name`, `url`, `events`, `enabled`; the call's
    /// options as `signal`, `timeout_ms`, `max_retries`, `headers` (name,
    /// value, ...). Rejects with an error of errors.js's classes.
    #[allow(clippy::too_many_arguments)]
    pub fn call(
        &self,
        operation: u8,
        id: Option<String>,
        name: Option<String>,
        url: Option<String>,
        events: Option<Vec<String>>,
        enabled: Option<bool>,
        signal: Option<AbortSignal>,
        timeout_ms: Option<f64>,
        max_retries: Option<u32>,
        headers: Option<Vec<String>>,
    ) -> Promise {
        let options = RequestOptions {
            signal,
            timeout: timeout_ms.map(|ms| Duration::from_millis(ms as u64)),
            max_retries,
            headers: headers.as_deref().map_or_else(Vec::new, pairs),
        };
        let client = self.client.with_options(options);
        let id = id.unwrap_or_default();
        let events = events.map(|names| names.iter().map(|name| WebhookEvent::from_name(name)).collect());
        let patch = WebhookPatch { name, url, events, enabled };
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
