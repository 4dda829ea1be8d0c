//! `VerifierCore`: the wasm side of the JS `WebhookVerifier` (webhook-verifier.js).
//!
//! webhook-verifier.js reads a delivery (a `Request`'s body and headers, or a raw body
//! in any of its forms) and checks the options' types; the core checks the
//! signature over the bytes, keeps the key cache, and decodes the payload.

use std::time::Duration;

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::errors::{to_js, to_js_verify};
use crate::error::shown_url;
use crate::transport::{self, Fetch};
use crate::validate;
use crate::verify::{too_large, Delivery, DeliveryHeaders, Verifier, VerifyError};

/// A [`Verifier`] for webhook-verifier.js, which owns its lifecycle.
#[wasm_bindgen(skip_typescript)]
#[derive(Debug)]
pub struct VerifierCore {
    pub(super) verifier: Verifier,
}

#[wasm_bindgen]
extern "C" {
    /// `new WebhookVerifier(options)`'s options, as webhook-verifier.js's
    /// `verifierOptions` checked them for type (the durations in ms).
    pub type VerifierSettings;
    #[wasm_bindgen(method, getter, js_name = publicKey)]
    fn public_key(this: &VerifierSettings) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = keyURL)]
    fn key_url(this: &VerifierSettings) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn fetch(this: &VerifierSettings) -> Option<Function>;
    #[wasm_bindgen(method, getter, js_name = maxBodyBytes)]
    fn max_body_bytes(this: &VerifierSettings) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = keyCooldown)]
    fn key_cooldown(this: &VerifierSettings) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = keyMaxAge)]
    fn key_max_age(this: &VerifierSettings) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = previousKeyGrace)]
    fn previous_key_grace(this: &VerifierSettings) -> Option<f64>;
}

/// Makes the core of a `WebhookVerifier` from its settings: a given
/// `publicKey`, or the key fetched from `keyURL` (default RealtimeKit's).
/// Returns the `VerifierCore`, or the `ValidationError` for
/// webhook-verifier.js to throw (a key that is not a PEM public key, a URL
/// that is not http(s)): one value, not a `Result`, as `make_client_core`
/// says why.
#[wasm_bindgen(js_name = makeVerifierCore, skip_typescript)]
pub fn make_verifier_core(settings: &VerifierSettings) -> JsValue {
    let ms = |value: Option<f64>| value.map(|ms| Duration::from_millis(ms as u64));
    let verifier = match settings.public_key() {
        Some(pem) => Verifier::with_public_key(&pem),
        None => {
            let key_url = settings.key_url();
            key_url
                .as_deref()
                .map_or(Ok(()), |url| validate::http_url("keyURL", url).and_then(|()| validate::no_credentials("keyURL", url)))
                .map(|()| {
                    let mut fetching = Verifier::fetching(key_url, settings.fetch().map_or_else(Fetch::global, Fetch::custom));
                    if let Some(cooldown) = ms(settings.key_cooldown()) {
                        fetching = fetching.key_cooldown(cooldown);
                    }
                    if let Some(max_age) = ms(settings.key_max_age()) {
                        fetching = fetching.key_max_age(max_age);
                    }
                    if let Some(grace) = ms(settings.previous_key_grace()) {
                        fetching = fetching.previous_key_grace(grace);
                    }
                    fetching
                })
        }
    };
    match verifier {
        Ok(verifier) => match settings.max_body_bytes() {
            Some(bytes) => VerifierCore { verifier: verifier.max_body(bytes as usize) }.into(),
            None => VerifierCore { verifier }.into(),
        },
        Err(e) => to_js(&e),
    }
}

#[wasm_bindgen]
impl VerifierCore {
    /// The URL the public key is fetched from, without credentials nor its
    /// query string, which may hold a secret (undefined for a given key). A
    /// `JsValue`, not an `Option<String>`: one value, as `make_client_core`
    /// says why.
    #[wasm_bindgen(js_name = keyURL)]
    pub fn key_url(&self) -> JsValue {
        self.verifier.key_url().map_or(JsValue::UNDEFINED, |url| shown_url(url).into())
    }

    /// The largest body accepted, in bytes.
    #[wasm_bindgen(js_name = maxBodyBytes)]
    pub fn max_body_bytes(&self) -> f64 {
        self.verifier.max_body_bytes() as f64
    }

    /// Verifies a delivery, as webhook-verifier.js read it (see [`delivery`]);
    /// resolves to the delivery, or rejects with `SignatureError`,
    /// `PayloadError` or `KeyUnavailableError`.
    pub fn verify(&self, body: Option<Uint8Array>, lookup: Function) -> Promise {
        let verifier = self.verifier.clone();
        let input = delivery(&verifier, body, &lookup);
        transport::promise(async move {
            let (body, headers) = input.map_err(|e| to_js_verify(&e))?;
            let delivery = verifier.verify_bytes(body, &headers).await.map_err(|e| to_js_verify(&e))?;
            Ok(to_object(delivery))
        })
    }
}

/// A delivery as webhook-verifier.js read it: its body (none: refused unread, by its
/// content-length) and its headers, through `lookup(lower-case name)`, which
/// gives a string or undefined. Which headers count (rtk-*, else dyte-*) is
/// [`DeliveryHeaders::from_lookup`]'s to say.
pub(super) fn delivery(
    verifier: &Verifier,
    body: Option<Uint8Array>,
    lookup: &Function,
) -> Result<(Uint8Array, DeliveryHeaders), VerifyError> {
    let body = body.ok_or_else(|| too_large(verifier.max_body_bytes()))?;
    let headers = DeliveryHeaders::from_lookup(|name| lookup.call1(&JsValue::UNDEFINED, &name.into()).ok().and_then(|v| v.as_string()));
    Ok((body, headers))
}

/// `{ id, webhookId, event, payload }`
pub(crate) fn to_object(delivery: Delivery) -> JsValue {
    let object = Object::new();
    let set = |key: &str, value: &JsValue| {
        let _ = Reflect::set(&object, &key.into(), value);
    };
    set("id", &JsValue::from_str(&delivery.id));
    set("webhookId", &delivery.webhook_id.map_or(JsValue::NULL, |v| JsValue::from_str(&v)));
    set("event", &JsValue::from_str(delivery.event.as_str()));
    set("payload", &delivery.body);
    object.into()
}
