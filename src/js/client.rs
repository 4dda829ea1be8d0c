//! `WebhooksClient`: the JS class over [`crate::Client`].

use std::future::Future;
use std::pin::Pin;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::errors::to_js;
use super::input;
use super::shape;
use super::types::{ClientOptionsArg, RequestOptionsArg, WebhookInputArg, WebhookPatchArg};
use crate::error::Error;
use crate::models::EnsureAction;
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

#[wasm_bindgen]
impl WebhooksClient {
    /// Makes a client; throws `ValidationError` for missing ids or credentials or a bad option.
    #[wasm_bindgen(constructor)]
    pub fn new(options: ClientOptionsArg) -> Result<WebhooksClient, JsValue> {
        let client = input::client(&options).map_err(|e| to_js(&e))?;
        Ok(WebhooksClient { client })
    }

    /// The account id.
    #[wasm_bindgen(getter, js_name = accountId)]
    pub fn account_id(&self) -> String {
        self.client.account_id().to_owned()
    }

    /// The RealtimeKit app id.
    #[wasm_bindgen(getter, js_name = appId)]
    pub fn app_id(&self) -> String {
        self.client.app_id().to_owned()
    }

    /// The API's base URL.
    #[wasm_bindgen(getter, js_name = baseURL)]
    pub fn base_url(&self) -> String {
        self.client.base_url()
    }

    /// All webhooks of the app.
    #[wasm_bindgen(unchecked_return_type = "Promise<Webhook[]>")]
    pub fn list(&self, options: Option<RequestOptionsArg>) -> Promise {
        self.call(options, |c| async move { c.list_as::<shape::Webhooks>().await.map(|w| w.0) })
    }

    /// Creates a webhook. Retried only when that cannot make a second one.
    #[wasm_bindgen(unchecked_return_type = "Promise<Webhook>")]
    pub fn create(&self, webhook: WebhookInputArg, options: Option<RequestOptionsArg>) -> Promise {
        let hook = input::new_webhook(&webhook);
        self.call(options, |c| async move { c.create_as::<shape::Webhook>(&hook?).await.map(|w| w.0) })
    }

    /// One webhook by id.
    #[wasm_bindgen(unchecked_return_type = "Promise<Webhook>")]
    pub fn get(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue, options: Option<RequestOptionsArg>) -> Promise {
        let id = input::id(&id);
        self.call(options, |c| async move { c.get_as::<shape::Webhook>(&id?).await.map(|w| w.0) })
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
        self.call(options, |c| async move { c.replace_as::<shape::Webhook>(&id?, &hook?).await.map(|w| w.0) })
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
        self.call(options, |c| async move { c.edit_as::<shape::Webhook>(&id?, &patch?).await.map(|w| w.0) })
    }

    /// Deletes a webhook; resolves to the deleted webhook.
    #[wasm_bindgen(unchecked_return_type = "Promise<Webhook>")]
    pub fn delete(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue, options: Option<RequestOptionsArg>) -> Promise {
        let id = input::id(&id);
        self.call(options, |c| async move { c.delete_as::<shape::Webhook>(&id?).await.map(|w| w.0) })
    }

    /// The event names the server supports (`GET .../webhooks/all`).
    #[wasm_bindgen(js_name = supportedEvents, unchecked_return_type = "Promise<(WebhookEvent | UnknownEvent)[]>")]
    pub fn supported_events(&self, options: Option<RequestOptionsArg>) -> Promise {
        self.call(options, |c| async move { c.supported_events_as::<shape::Names>().await.map(|n| n.0) })
    }

    /// Makes a webhook with this name look like `webhook`: creates, edits or leaves it; never duplicates.
    #[wasm_bindgen(unchecked_return_type = "Promise<EnsureResult>")]
    pub fn ensure(&self, webhook: WebhookInputArg, options: Option<RequestOptionsArg>) -> Promise {
        let hook = input::new_webhook(&webhook);
        self.call(options, |c| async move {
            let (webhook, action, duplicates) = c.ensure_as::<shape::Webhook>(&hook?).await?;
            let result = Object::new();
            let action = match action {
                EnsureAction::Created => "created",
                EnsureAction::Updated => "updated",
                EnsureAction::Unchanged => "unchanged",
            };
            set(&result, "webhook", &webhook.0);
            set(&result, "action", &action.into());
            set(&result, "duplicates", &duplicates.into_iter().map(|w| w.0).collect::<js_sys::Array>());
            Ok(result.into())
        })
    }
}

impl WebhooksClient {
    /// Runs one call: the options read now (so later changes to them do not
    /// matter), the outcome a JS value or an error of its class. The future is
    /// boxed so that every method shares one promise adapter.
    fn call<F, Fut>(&self, options: Option<RequestOptionsArg>, run: F) -> Promise
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<JsValue, Error>> + 'static,
    {
        let client = match options.map(|o| input::request_options(&o)).transpose() {
            Ok(Some(Some(options))) => self.client.with_options(options),
            Ok(_) => self.client.clone(),
            Err(e) => return Promise::reject(&to_js(&e)),
        };
        let call: Pin<Box<dyn Future<Output = Result<JsValue, Error>>>> = Box::pin(run(client));
        future_to_promise(async move { call.await.map_err(|e| to_js(&e)) })
    }
}

fn set(object: &Object, key: &str, value: &JsValue) {
    // A fresh plain object: defining a property cannot fail.
    let _ = Reflect::set(object, &key.into(), value);
}
