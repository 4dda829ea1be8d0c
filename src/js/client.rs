//! `WebhooksClient`: the JS class over [`crate::Client`].

use std::future::Future;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::errors::to_js;
use super::input;
use super::types::{ClientOptionsArg, RequestOptionsArg, WebhookInputArg, WebhookPatchArg};
use crate::error::Error;
use crate::models::{EnsureAction, Webhook};
use crate::Client;

/// A client for one RealtimeKit app's webhooks.
///
/// Every method returns the `data` of the API's envelope as plain objects,
/// takes a last optional `RequestOptions`, and rejects only with errors of the
/// exported classes (`ValidationError` when nothing was sent).
#[wasm_bindgen]
#[derive(Debug)]
pub struct WebhooksClient {
    client: Client,
}

#[derive(Serialize)]
struct EnsureResult {
    webhook: Webhook,
    action: EnsureAction,
}

#[wasm_bindgen]
impl WebhooksClient {
    /// Makes a client; throws `ValidationError` for missing ids or credentials or a bad option.
    #[wasm_bindgen(constructor)]
    pub fn new(options: ClientOptionsArg) -> Result<WebhooksClient, JsValue> {
        let client = input::client(&options).map_err(|e| to_js(&e))?;
        Ok(WebhooksClient { client })
    }

    /// All webhooks of the app.
    #[wasm_bindgen(unchecked_return_type = "Promise<Webhook[]>")]
    pub fn list(&self, options: Option<RequestOptionsArg>) -> Promise {
        self.call(options, |c| async move { c.list().await })
    }

    /// Creates a webhook. Retried only when that cannot make a second one.
    #[wasm_bindgen(unchecked_return_type = "Promise<Webhook>")]
    pub fn create(&self, webhook: WebhookInputArg, options: Option<RequestOptionsArg>) -> Promise {
        let hook = input::new_webhook(&webhook);
        self.call(options, |c| async move { c.create(&hook?).await })
    }

    /// One webhook by id.
    #[wasm_bindgen(unchecked_return_type = "Promise<Webhook>")]
    pub fn get(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue, options: Option<RequestOptionsArg>) -> Promise {
        let id = input::id(&id);
        self.call(options, |c| async move { c.get(&id?).await })
    }

    /// Replaces all fields of a webhook.
    #[wasm_bindgen(unchecked_return_type = "Promise<Webhook>")]
    pub fn replace(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        webhook: WebhookInputArg,
        options: Option<RequestOptionsArg>,
    ) -> Promise {
        let id = input::id(&id);
        let hook = input::new_webhook(&webhook);
        self.call(options, |c| async move { c.replace(&id?, &hook?).await })
    }

    /// Changes the given fields of a webhook.
    #[wasm_bindgen(unchecked_return_type = "Promise<Webhook>")]
    pub fn edit(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        patch: WebhookPatchArg,
        options: Option<RequestOptionsArg>,
    ) -> Promise {
        let id = input::id(&id);
        let patch = input::patch(&patch);
        self.call(options, |c| async move { c.edit(&id?, &patch?).await })
    }

    /// Deletes a webhook; resolves to the deleted webhook.
    #[wasm_bindgen(unchecked_return_type = "Promise<Webhook>")]
    pub fn delete(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue, options: Option<RequestOptionsArg>) -> Promise {
        let id = input::id(&id);
        self.call(options, |c| async move { c.delete(&id?).await })
    }

    /// The event names the server supports (`GET .../webhooks/all`).
    #[wasm_bindgen(js_name = supportedEvents, unchecked_return_type = "Promise<string[]>")]
    pub fn supported_events(&self, options: Option<RequestOptionsArg>) -> Promise {
        self.call(options, |c| async move { c.supported_events().await })
    }

    /// Makes a webhook with this name look like `webhook`: creates, edits or leaves it; never duplicates.
    #[wasm_bindgen(unchecked_return_type = "Promise<EnsureResult>")]
    pub fn ensure(&self, webhook: WebhookInputArg, options: Option<RequestOptionsArg>) -> Promise {
        let hook = input::new_webhook(&webhook);
        self.call(options, |c| async move {
            let ensured = c.ensure(&hook?).await?;
            Ok(EnsureResult { webhook: ensured.webhook, action: ensured.action })
        })
    }
}

impl WebhooksClient {
    /// Runs one call: the options read now (so later changes to them do not
    /// matter), the result converted to plain JS values, any error to its class.
    fn call<T, F, Fut>(&self, options: Option<RequestOptionsArg>, run: F) -> Promise
    where
        T: Serialize,
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<T, Error>> + 'static,
    {
        let client = match options.map(|o| input::request_options(&o)).transpose() {
            Ok(Some(Some(options))) => self.client.with_options(options),
            Ok(_) => self.client.clone(),
            Err(e) => return Promise::reject(&to_js(&e)),
        };
        let call = run(client);
        future_to_promise(async move {
            let value = call.await.map_err(|e| to_js(&e))?;
            value
                .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
                .map_err(|e| to_js(&Error::Connection(format!("could not convert the reply: {e}"))))
        })
    }
}
