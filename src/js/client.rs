//! `ClientCore`: the one wasm entry of the JS `WebhooksClient` (client.js).
//!
//! The JS class is thin: each of its methods is one [`ClientCore::call`] with
//! the operation's code (`crate::boundary::op`), so the module has one export
//! for every operation instead of one per method. Inputs are still checked
//! here (`input.rs`), before anything is sent.

use std::future::Future;
use std::pin::Pin;

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::errors::to_js;
use super::input;
use super::shape;
use crate::boundary::op;
use crate::error::Error;
use crate::models::EnsureAction;
use crate::transport;
use crate::Client;

/// A [`Client`] for client.js, which owns its lifecycle.
#[wasm_bindgen(skip_typescript)]
#[derive(Debug)]
pub struct ClientCore {
    client: Client,
}

/// What one call runs.
type Run = Pin<Box<dyn Future<Output = Result<JsValue, Error>>>>;

#[wasm_bindgen]
impl ClientCore {
    /// Checks `options` (a `ClientOptions`); throws `ValidationError`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<ClientCore, JsValue> {
        let client = input::client(&options).map_err(|e| to_js(&e))?;
        Ok(ClientCore { client })
    }

    /// `[accountId, appId, baseURL]`, which never change (client.js keeps them).
    pub fn names(&self) -> Array {
        let c = &self.client;
        [JsValue::from(c.account_id()), c.app_id().into(), c.base_url().into()].into_iter().collect()
    }

    /// Operation `operation` (one of `boundary::op`) with its arguments as
    /// given: `id` for those on one webhook, `input` the webhook or patch,
    /// `options` the call's `RequestOptions`. Rejects with an error of
    /// errors.js's classes.
    pub fn call(&self, operation: u8, id: JsValue, input: JsValue, options: JsValue) -> Promise {
        // The options are read now, so later changes to them do not matter.
        let client = match input::request_options(&options) {
            Ok(Some(options)) => self.client.with_options(options),
            Ok(None) => self.client.clone(),
            Err(e) => return Promise::reject(&to_js(&e)),
        };
        let id = || input::id(&id);
        let run: Run = match operation {
            op::LIST => Box::pin(async move { client.list_as::<shape::Webhooks>().await.map(|w| w.0) }),
            op::SUPPORTED_EVENTS => Box::pin(async move { client.supported_events_as::<shape::Names>().await.map(|n| n.0) }),
            op::GET => {
                let id = id();
                Box::pin(async move { client.get_as::<shape::Webhook>(&id?).await.map(|w| w.0) })
            }
            op::DELETE => {
                let id = id();
                Box::pin(async move { client.delete_as::<shape::Webhook>(&id?).await.map(|w| w.0) })
            }
            op::CREATE => {
                let hook = input::new_webhook(&input);
                Box::pin(async move { client.create_as::<shape::Webhook>(&hook?).await.map(|w| w.0) })
            }
            op::REPLACE => {
                let (id, hook) = (id(), input::new_webhook(&input));
                Box::pin(async move { client.replace_as::<shape::Webhook>(&id?, &hook?).await.map(|w| w.0) })
            }
            op::EDIT => {
                let (id, patch) = (id(), input::patch(&input));
                Box::pin(async move { client.edit_as::<shape::Webhook>(&id?, &patch?).await.map(|w| w.0) })
            }
            op::ENSURE => {
                let hook = input::new_webhook(&input);
                Box::pin(async move { ensure(&client, hook?).await })
            }
            _ => return Promise::reject(&to_js(&Error::invalid("operation", "is not one of the client's"))),
        };
        transport::promise(async move { run.await.map_err(|e| to_js(&e)) })
    }
}

/// `ensure`, as the `EnsureResult` object.
async fn ensure(client: &Client, hook: crate::models::NewWebhook) -> Result<JsValue, Error> {
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
