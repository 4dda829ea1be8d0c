//! `WebhookVerifier`: the JS class over [`crate::Verifier`].

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::errors::{to_js, to_js_verify};
use super::types::{DeliveryBodyArg, DeliveryHeadersArg, RequestArg, VerifierOptionsArg};
use crate::boundary::VERIFIER_OPTIONS;
use crate::error::Error;
use crate::transport::{self, Fetch};
use crate::verify::{Delivery, DeliveryHeaders, Verifier, VerifyError};

/// Checks the `rtk-signature` of incoming deliveries and hands back their payloads.
///
/// `new WebhookVerifier()` fetches RealtimeKit's public key and caches it;
/// `new WebhookVerifier({ publicKey })` uses the given PEM key.
/// A delivery that is forged for certain rejects with `SignatureError` (answer
/// 401); a verified delivery that is not a webhook payload, or has no
/// `rtk-uuid`, with `PayloadError` (answer 400); when the key is not available
/// now (its fetch failed, or it may have been rotated and cannot be fetched
/// again yet), with `KeyUnavailableError` (answer 503: RealtimeKit delivers
/// again later). The key cache never makes a genuine delivery a `SignatureError`.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WebhookVerifier {
    pub(super) verifier: Verifier,
}

#[wasm_bindgen]
impl WebhookVerifier {
    /// Makes a verifier; throws `ValidationError` for bad options or a `publicKey` that is not a PEM public key.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<VerifierOptionsArg>) -> Result<WebhookVerifier, JsValue> {
        verifier(options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED)).map(|verifier| WebhookVerifier { verifier })
    }

    /// The URL the public key is fetched from (undefined for a given key).
    #[wasm_bindgen(getter, js_name = keyURL)]
    pub fn key_url(&self) -> Option<String> {
        self.verifier.key_url().map(crate::error::url_without_credentials)
    }

    /// Verifies a delivery given as a fetch `Request` (its body is read).
    #[wasm_bindgen(unchecked_return_type = "Promise<Delivery>")]
    pub fn verify(&self, request: RequestArg) -> Promise {
        let verifier = self.verifier.clone();
        let request: JsValue = request.into();
        transport::promise(async move {
            let (body, headers) = read_request(&request, verifier.max_body_bytes()).await?.map_err(|e| to_js_verify(&e))?;
            let delivery = verifier.verify_bytes(body, &headers).await.map_err(|e| to_js_verify(&e))?;
            Ok(to_object(delivery))
        })
    }

    /// Verifies a delivery's raw body (string, `Uint8Array` or `ArrayBuffer`) and its headers (`Headers` or a plain object).
    #[wasm_bindgen(js_name = verifyBody, unchecked_return_type = "Promise<Delivery>")]
    pub fn verify_body(&self, body: DeliveryBodyArg, headers: DeliveryHeadersArg) -> Promise {
        let verifier = self.verifier.clone();
        let body = body_and_headers(&body.into(), &headers.into());
        transport::promise(async move {
            let (body, headers) = body?;
            let delivery = verifier.verify_bytes(body, &headers).await.map_err(|e| to_js_verify(&e))?;
            Ok(to_object(delivery))
        })
    }
}

fn verifier(options: JsValue) -> Result<Verifier, JsValue> {
    let invalid = |field: &str, message: &str| to_js(&Error::invalid(field, message));
    if options.is_undefined() || options.is_null() {
        return Ok(Verifier::fetching(None, Fetch::global()));
    }
    if !options.is_object() || Array::is_array(&options) {
        return Err(invalid("options", "must be an object"));
    }
    super::input::known_keys(&options, &VERIFIER_OPTIONS, VERIFIER_OPTIONS.len(), "an option of WebhookVerifier").map_err(|e| to_js(&e))?;
    let get = |key: &str| Reflect::get(&options, &key.into()).map_err(|_| invalid(key, "could not be read"));
    let public_key = get("publicKey")?;
    let key_url = get("keyURL")?;
    let fetch = get("fetch")?;
    let max_body = get("maxBodyBytes")?;
    let cooldown = get("keyCooldown")?;
    let max_age = get("keyMaxAge")?;
    let mut verifier = if !public_key.is_undefined() {
        let pem = public_key.as_string().ok_or_else(|| invalid("publicKey", "must be a PEM string"))?;
        if !key_url.is_undefined() || !fetch.is_undefined() || !cooldown.is_undefined() || !max_age.is_undefined() {
            return Err(invalid("publicKey", "give publicKey, or keyURL (with fetch, keyCooldown, keyMaxAge), not both"));
        }
        Verifier::with_public_key(&pem).map_err(|e| to_js(&e))?
    } else {
        let url = match key_url.as_string() {
            Some(url) => {
                crate::validate::http_url("keyURL", &url)
                    .and_then(|()| crate::validate::no_credentials("keyURL", &url))
                    .map_err(|e| to_js(&e))?;
                Some(url)
            }
            None if key_url.is_undefined() => None,
            None => return Err(invalid("keyURL", "must be a string")),
        };
        let fetch = match fetch.dyn_into::<Function>() {
            Ok(f) => Fetch::custom(f),
            Err(f) if f.is_undefined() => Fetch::global(),
            Err(_) => return Err(invalid("fetch", "must be a function")),
        };
        let mut fetching = Verifier::fetching(url, fetch);
        if let Some(ms) = millis(&cooldown, "keyCooldown")? {
            fetching = fetching.key_cooldown(ms);
        }
        if let Some(ms) = millis(&max_age, "keyMaxAge")? {
            fetching = fetching.key_max_age(ms);
        }
        fetching
    };
    if !max_body.is_undefined() {
        match max_body.as_f64() {
            Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= 1e15 => verifier = verifier.max_body(n as usize),
            _ => return Err(invalid("maxBodyBytes", "must be a whole number of bytes, at least 1")),
        }
    }
    Ok(verifier)
}

/// An optional duration option in milliseconds (a whole number from 0 to a day).
fn millis(value: &JsValue, field: &str) -> Result<Option<std::time::Duration>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if (0.0..=86_400_000.0).contains(&n) && n.fract() == 0.0 => Ok(Some(std::time::Duration::from_millis(n as u64))),
        _ => Err(to_js(&Error::invalid(field, "must be a whole number of milliseconds, from 0 to 86400000"))),
    }
}

/// The body bytes of `string | Uint8Array | ArrayBuffer` (or any other `ArrayBuffer` view).
pub(super) fn bytes(body: &JsValue) -> Result<Uint8Array, Error> {
    if let Some(text) = body.as_string() {
        return Ok(Uint8Array::from(text.as_bytes()));
    }
    if body.is_instance_of::<Uint8Array>() {
        return Ok(body.clone().unchecked_into());
    }
    if body.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(Uint8Array::new(body));
    }
    if js_sys::ArrayBuffer::is_view(body) {
        let view = |key: &str| Reflect::get(body, &key.into()).ok();
        if let (Some(buffer), Some(offset), Some(length)) =
            (view("buffer"), view("byteOffset").and_then(|v| v.as_f64()), view("byteLength").and_then(|v| v.as_f64()))
        {
            return Ok(Uint8Array::new_with_byte_offset_and_length(&buffer, offset as u32, length as u32));
        }
    }
    if body.is_object() {
        return Err(Error::invalid(
            "body",
            "must be the raw body as a string, Uint8Array or ArrayBuffer, not a parsed object: the signature covers the exact bytes \
             received (in Express, take this route's body with express.raw({ type: \"application/json\" }) before any JSON parser; \
             in Node's http, collect the request's chunks into a Buffer)",
        ));
    }
    Err(Error::invalid("body", "must be the raw body as a string, Uint8Array or ArrayBuffer"))
}

/// The delivery headers of a `Headers` or a plain object (any case; a list value gives its first item).
fn header_map(headers: &JsValue) -> Result<DeliveryHeaders, Error> {
    if !headers.is_object() || Array::is_array(headers) {
        return Err(Error::invalid("headers", "must be a Headers or a plain object of header values"));
    }
    let get = Reflect::get(headers, &"get".into()).ok().and_then(|g| g.dyn_into::<Function>().ok());
    if let Some(get) = get {
        return Ok(DeliveryHeaders::from_lookup(|name| get.call1(headers, &name.into()).ok().and_then(|v| v.as_string())));
    }
    // A plain object: its keys read once, only the delivery headers kept.
    let keys = super::input::object_keys(headers).map_err(|_| Error::invalid("headers", "could not be read"))?;
    let ours: Vec<(String, JsValue)> = keys
        .iter()
        .filter_map(|key| Some((key.as_string()?.to_ascii_lowercase(), key)))
        .filter(|(name, _)| name.starts_with("rtk-") || name.starts_with("dyte-"))
        .collect();
    Ok(DeliveryHeaders::from_lookup(|name| {
        let (_, key) = ours.iter().find(|(lower, _)| lower == name)?;
        let value = Reflect::get(headers, key).ok()?;
        if Array::is_array(&value) {
            return Array::from(&value).get(0).as_string();
        }
        value.as_string()
    }))
}

/// A raw body and its headers, as `verifyBody` takes them; a wrong type is a `ValidationError`.
pub(super) fn body_and_headers(body: &JsValue, headers: &JsValue) -> Result<(Uint8Array, DeliveryHeaders), JsValue> {
    let body = bytes(body).map_err(|e| to_js(&e))?;
    Ok((body, header_map(headers).map_err(|e| to_js(&e))?))
}

/// Reads a fetch `Request`'s body and delivery headers. A body over
/// `max_body` by its `content-length` is refused before it is read (the inner
/// `Err`, a verdict on the delivery); the outer `Err` is a JS error for a value
/// that is not a readable `Request`, or a body that could not be read.
pub(super) async fn read_request(
    request: &JsValue,
    max_body: usize,
) -> Result<Result<(Uint8Array, DeliveryHeaders), VerifyError>, JsValue> {
    let headers = Reflect::get(request, &"headers".into()).ok().filter(|h| h.is_object());
    let headers = headers.ok_or_else(|| to_js(&Error::invalid("request", "must be a fetch Request")))?;
    let length = Reflect::get(&headers, &"get".into())
        .ok()
        .and_then(|g| g.dyn_into::<Function>().ok())
        .and_then(|get| get.call1(&headers, &"content-length".into()).ok())
        .and_then(|v| v.as_string())
        .and_then(|v| v.trim_ascii().parse::<usize>().ok());
    if length.is_some_and(|length| length > max_body) {
        return Ok(Err(crate::verify::too_large(max_body)));
    }
    if Reflect::get(request, &"bodyUsed".into()).ok().and_then(|u| u.as_bool()) == Some(true) {
        return Err(to_js(&Error::invalid("request", "its body was already read; pass the raw body to verifyBody")));
    }
    let read = Reflect::get(request, &"arrayBuffer".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| to_js(&Error::invalid("request", "must be a fetch Request")))?;
    let pending = read.call0(request).map_err(|e| to_js(&Error::connection(transport::describe_js(&e))))?;
    let buffer = JsFuture::from(Promise::resolve(&pending))
        .await
        .map_err(|e| to_js(&Error::connection(format!("reading the request body failed: {}", transport::describe_js(&e)))))?;
    let body = bytes(&buffer).map_err(|e| to_js(&e))?;
    Ok(Ok((body, header_map(&headers).unwrap_or_default())))
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
