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

/// Makes the core of a `WebhookVerifier` from its options, as webhook-verifier.js
/// checked them for type (the durations in ms): a given `public_key`, or the
/// key fetched from `key_url` (default RealtimeKit's). Returns the
/// `VerifierCore`, or the `ValidationError` for webhook-verifier.js to throw (a key
/// that is not a PEM public key, a URL that is not http(s)): one value, not a
/// `Result`, as `make_client_core` says why.
#[wasm_bindgen(js_name = makeVerifierCore, skip_typescript)]
pub fn make_verifier_core(
    public_key: Option<String>,
    key_url: Option<String>,
    fetch: Option<Function>,
    max_body: Option<f64>,
    key_cooldown_ms: Option<f64>,
    key_max_age_ms: Option<f64>,
    previous_key_grace_ms: Option<f64>,
) -> JsValue {
    let verifier = match public_key {
        Some(pem) => Verifier::with_public_key(&pem),
        None => key_url
            .as_deref()
            .map_or(Ok(()), |url| validate::http_url("keyURL", url).and_then(|()| validate::no_credentials("keyURL", url)))
            .map(|()| {
                let mut fetching = Verifier::fetching(key_url, fetch.map_or_else(Fetch::global, Fetch::custom));
                if let Some(ms) = key_cooldown_ms {
                    fetching = fetching.key_cooldown(Duration::from_millis(ms as u64));
                }
                if let Some(ms) = key_max_age_ms {
                    fetching = fetching.key_max_age(Duration::from_millis(ms as u64));
                }
                if let Some(ms) = previous_key_grace_ms {
                    fetching = fetching.previous_key_grace(Duration::from_millis(ms as u64));
                }
                fetching
            }),
    };
    match verifier {
        Ok(verifier) => match max_body {
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
