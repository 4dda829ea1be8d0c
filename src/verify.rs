//! Receiving deliveries: [`Verifier`] checks `rtk-signature` (RSA-SHA256,
//! `RSASSA-PKCS1-v1_5`) over the raw body bytes with WebCrypto, before the
//! body is parsed, and hands back a [`Delivery`].
//!
//! The public key is given as PEM, or fetched once from the key URL and cached;
//! with a fetched key, a signature that does not match makes the verifier
//! fetch the key again (at most once every 30 s), in case it was rotated.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::client::{reply_data, reply_error, unexpected_reply};
use crate::error::{ApiError, Error, MAX_ERROR_BODY};
use crate::events::{decode_kind, Payload};
use crate::models::WebhookEvent;
use crate::pem;
use crate::transport::{self, BodyLimits, Fetch, Method, Outgoing};

/// Where RealtimeKit publishes the key its deliveries are signed with.
pub const DEFAULT_KEY_URL: &str = "https://api.realtime.cloudflare.com/.well-known/webhooks.json";
/// Largest body verified by default (1 MiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// A fetched key is fetched again for a mismatch at most this often.
const ROTATION_CHECK_INTERVAL_MS: f64 = 30_000.0;
/// Time allowed for fetching the key.
const KEY_FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a delivery was not accepted.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature is missing, empty, not base64 or does not match, or the key
    /// cannot be imported: answer 401, RealtimeKit will not retry.
    Signature(String),
    /// The signature matched but the body is not a webhook payload (not JSON, no
    /// string `event`, too large): answer 400.
    Payload(String),
    /// The key could not be fetched: answer 5xx, so RealtimeKit delivers again later.
    Key(Error),
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Signature(why) | VerifyError::Payload(why) => f.write_str(why),
            VerifyError::Key(error) => write!(f, "could not fetch the webhook public key: {error}"),
        }
    }
}

impl std::error::Error for VerifyError {}

/// The three delivery headers, read under their `rtk-*` or legacy `dyte-*` names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryHeaders {
    /// `rtk-signature`: base64 RSA-SHA256 signature of the raw body.
    pub signature: Option<String>,
    /// `rtk-uuid`: unique per delivery, the key for de-duplication.
    pub uuid: Option<String>,
    /// `rtk-webhook-id`: the webhook that sent it.
    pub webhook_id: Option<String>,
}

impl DeliveryHeaders {
    /// Reads the headers with `get(name)` (names are lower-case).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> DeliveryHeaders {
        let either = |name: &str| get(&format!("rtk-{name}")).or_else(|| get(&format!("dyte-{name}")));
        DeliveryHeaders { signature: either("signature"), uuid: either("uuid"), webhook_id: either("webhook-id") }
    }
}

/// A verified delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `rtk-uuid`: unique per delivery (retries of one delivery share it).
    pub id: Option<String>,
    /// `rtk-webhook-id`.
    pub webhook_id: Option<String>,
    /// The body's `event`.
    pub event: WebhookEvent,
    /// The parsed body, untouched.
    pub(crate) body: JsValue,
}

impl Delivery {
    /// The body as a typed payload.
    pub fn payload(&self) -> Result<Payload, VerifyError> {
        Payload::decode(self.event.as_str(), &|kind| {
            decode_kind!(kind, || serde_wasm_bindgen::from_value(self.body.clone()))
                .map_err(|e| VerifyError::Payload(format!("the {} payload has an unexpected shape: {e}", self.event)))
        })
    }
}

/// Verifies deliveries. Cheap to clone; clones share the cached key.
#[derive(Clone)]
pub struct Verifier {
    source: Rc<KeySource>,
    state: Rc<RefCell<KeyState>>,
    max_body: usize,
}

enum KeySource {
    /// SPKI DER bytes of a given key.
    Given(Vec<u8>),
    /// The key URL, and the fetch to call.
    Fetched { url: String, fetch: Fetch },
}

#[derive(Default)]
struct KeyState {
    /// The imported `CryptoKey`.
    key: Option<JsValue>,
    /// A load under way; concurrent callers await the same one.
    loading: Option<Promise>,
    /// Why the last load failed.
    error: Option<VerifyError>,
    /// When a mismatch last made us fetch the key again.
    rotation_checked_at: Option<f64>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &*self.source {
            KeySource::Given(_) => "given key".to_owned(),
            KeySource::Fetched { url, .. } => format!("key from {url}"),
        };
        f.debug_struct("Verifier").field("source", &source).field("max_body", &self.max_body).finish()
    }
}

impl Verifier {
    /// A verifier for a PEM SPKI public key (real or escaped `\n` newlines).
    pub fn with_public_key(pem: &str) -> Result<Verifier, VerifyError> {
        let der = pem::spki_der(pem).map_err(|why| VerifyError::Signature(why.to_owned()))?;
        Ok(Verifier::new(KeySource::Given(der)))
    }

    /// A verifier that fetches the key from `url` ([`DEFAULT_KEY_URL`] when `None`) on first use.
    pub fn fetching(url: Option<String>, fetch: Fetch) -> Verifier {
        Verifier::new(KeySource::Fetched { url: url.unwrap_or_else(|| DEFAULT_KEY_URL.to_owned()), fetch })
    }

    fn new(source: KeySource) -> Verifier {
        Verifier { source: Rc::new(source), state: Rc::default(), max_body: DEFAULT_MAX_BODY }
    }

    /// Bodies larger than `bytes` are refused with [`VerifyError::Payload`] (default 1 MiB).
    pub fn max_body(mut self, bytes: usize) -> Verifier {
        self.max_body = bytes;
        self
    }

    /// The largest body accepted, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body
    }

    /// Verifies a delivery's raw body bytes and headers.
    pub async fn verify(&self, body: &[u8], headers: &DeliveryHeaders) -> Result<Delivery, VerifyError> {
        if body.len() > self.max_body {
            return Err(too_large(self.max_body));
        }
        self.verify_bytes(Uint8Array::from(body), headers).await
    }

    /// Verifies a body that is already a JS byte array (no copy into wasm memory).
    pub(crate) async fn verify_bytes(&self, body: Uint8Array, headers: &DeliveryHeaders) -> Result<Delivery, VerifyError> {
        if body.length() as usize > self.max_body {
            return Err(too_large(self.max_body));
        }
        let signature = headers.signature.as_deref().map(str::trim).unwrap_or_default();
        if signature.is_empty() {
            return Err(VerifyError::Signature("the rtk-signature header is missing or empty".into()));
        }
        let signature = pem::base64(signature)
            .ok_or_else(|| VerifyError::Signature("the rtk-signature header is not base64".into()))?;
        let signature = Uint8Array::from(signature.as_slice());

        let key = self.key(false).await?;
        let mut valid = check(&key, &signature, &body).await?;
        if !valid && self.may_check_rotation() {
            if let Ok(fresh) = self.key(true).await {
                valid = check(&fresh, &signature, &body).await?;
            }
        }
        if !valid {
            return Err(VerifyError::Signature("the rtk-signature does not match the body".into()));
        }

        let text = transport::decode_utf8(&body);
        let parsed = transport::json_parse(&text)
            .map_err(|e| VerifyError::Payload(format!("the body is not JSON: {}", transport::describe_js(&e))))?;
        let event = (parsed.is_object() && !Array::is_array(&parsed))
            .then(|| Reflect::get(&parsed, &"event".into()).ok())
            .flatten()
            .and_then(|e| e.as_string())
            .ok_or_else(|| VerifyError::Payload("the body has no string `event`".into()))?;
        Ok(Delivery {
            id: headers.uuid.clone(),
            webhook_id: headers.webhook_id.clone(),
            event: WebhookEvent::from_name(&event),
            body: parsed,
        })
    }

    /// Whether a mismatch may fetch the key again: only for a fetched key, at
    /// most once per interval (so forged deliveries cannot flood the key URL).
    fn may_check_rotation(&self) -> bool {
        if matches!(*self.source, KeySource::Given(_)) {
            return false;
        }
        let now = transport::now_ms();
        let mut state = self.state.borrow_mut();
        match state.rotation_checked_at {
            Some(at) if now - at < ROTATION_CHECK_INTERVAL_MS => false,
            _ => {
                state.rotation_checked_at = Some(now);
                true
            }
        }
    }

    /// The imported key: the cached one, or loaded (once, shared by concurrent callers).
    async fn key(&self, reload: bool) -> Result<JsValue, VerifyError> {
        let pending = {
            let mut state = self.state.borrow_mut();
            if let (Some(key), false) = (&state.key, reload) {
                return Ok(key.clone());
            }
            match &state.loading {
                Some(loading) => loading.clone(),
                None => {
                    let loading = future_to_promise(load(Rc::clone(&self.source), Rc::clone(&self.state)));
                    state.loading = Some(loading.clone());
                    loading
                }
            }
        };
        // `load` always resolves; its outcome is in the state.
        let _ = JsFuture::from(pending).await;
        let state = self.state.borrow();
        match (&state.key, &state.error) {
            (Some(key), None) => Ok(key.clone()),
            (_, Some(error)) => Err(error.clone()),
            (None, None) => Err(VerifyError::Signature("the public key is not available".into())),
        }
    }
}

/// Loads the key into `state` (or the reason it could not be).
async fn load(source: Rc<KeySource>, state: Rc<RefCell<KeyState>>) -> Result<JsValue, JsValue> {
    let result = match &*source {
        KeySource::Given(der) => import(der).await,
        KeySource::Fetched { url, fetch } => match fetch_key(url, fetch).await {
            Ok(der) => import(&der).await,
            Err(error) => Err(error),
        },
    };
    let mut state = state.borrow_mut();
    state.loading = None;
    match result {
        Ok(key) => {
            state.key = Some(key);
            state.error = None;
        }
        // A failed reload keeps the key we had; a failed first load is reported (and retried next call).
        Err(error) if state.key.is_none() => state.error = Some(error),
        Err(_) => {}
    }
    Ok(JsValue::UNDEFINED)
}

/// Fetches `{"data":{"publicKey":"-----BEGIN PUBLIC KEY-----..."}}` and returns the key's DER bytes.
async fn fetch_key(url: &str, fetch: &Fetch) -> Result<Vec<u8>, VerifyError> {
    let outgoing = Outgoing { method: Method::Get, url, headers: &[], body: None };
    let limits = BodyLimits { success: 64 * 1024, error: MAX_ERROR_BODY };
    let reply = transport::send(fetch, &outgoing, KEY_FETCH_TIMEOUT, None, limits)
        .await
        .map_err(|failure| VerifyError::Key(failure.into()))?;
    let key_error = |api: ApiError| VerifyError::Key(Error::Api(Box::new(api)));
    if !(200..300).contains(&reply.status) {
        return Err(key_error(reply_error(&reply)));
    }
    let bad = |problem: String| key_error(unexpected_reply(&reply, problem));
    let data = reply_data(&reply).map_err(bad)?;
    let public_key = data
        .get("publicKey")
        .and_then(|k| k.as_str())
        .ok_or_else(|| bad("the key reply has no data.publicKey string".into()))?;
    pem::spki_der(&public_key).map_err(|why| VerifyError::Signature(format!("the fetched {why}")))
}

/// Imports SPKI DER bytes as an RSASSA-PKCS1-v1_5 / SHA-256 verification key.
async fn import(der: &[u8]) -> Result<JsValue, VerifyError> {
    let unusable = |e: JsValue| VerifyError::Signature(format!("the public key cannot be imported: {}", transport::describe_js(&e)));
    let subtle = subtle()?;
    let usages = Array::of1(&"verify".into());
    let pending = subtle
        .import_key("spki", &Uint8Array::from(der), &algorithm(), false, &usages)
        .map_err(unusable)?;
    JsFuture::from(pending).await.map_err(unusable)
}

/// Whether `signature` is `key`'s signature of `body`.
async fn check(key: &JsValue, signature: &Uint8Array, body: &Uint8Array) -> Result<bool, VerifyError> {
    let failed = |e: JsValue| VerifyError::Signature(format!("the signature could not be checked: {}", transport::describe_js(&e)));
    let pending = subtle()?.verify(&algorithm(), key, signature, body).map_err(failed)?;
    Ok(JsFuture::from(pending).await.map_err(failed)?.as_bool() == Some(true))
}

thread_local! {
    /// `{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }`, made once.
    static ALGORITHM: JsValue = {
        let algorithm = Object::new();
        let _ = Reflect::set(&algorithm, &"name".into(), &"RSASSA-PKCS1-v1_5".into());
        let _ = Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into());
        algorithm.into()
    };
    /// `crypto.subtle`, once found.
    static SUBTLE: std::cell::OnceCell<Subtle> = const { std::cell::OnceCell::new() };
}

fn algorithm() -> JsValue {
    ALGORITHM.with(JsValue::clone)
}

/// `crypto.subtle` of this runtime.
fn subtle() -> Result<Subtle, VerifyError> {
    if let Some(subtle) = SUBTLE.with(|s| s.get().cloned()) {
        return Ok(subtle);
    }
    let subtle: Subtle = Reflect::get(&js_sys::global(), &"crypto".into())
        .and_then(|crypto| Reflect::get(&crypto, &"subtle".into()))
        .ok()
        .filter(|subtle| subtle.is_object())
        .map(JsCast::unchecked_into)
        .ok_or_else(|| VerifyError::Signature("WebCrypto (crypto.subtle) is not available in this runtime".into()))?;
    SUBTLE.with(|s| {
        let _ = s.set(subtle.clone());
    });
    Ok(subtle)
}

fn too_large(max: usize) -> VerifyError {
    VerifyError::Payload(format!("the body is larger than {max} bytes"))
}

#[wasm_bindgen]
extern "C" {
    /// `crypto.subtle`
    #[derive(Clone)]
    type Subtle;
    #[wasm_bindgen(method, catch, js_name = importKey)]
    fn import_key(this: &Subtle, format: &str, key: &Uint8Array, algorithm: &JsValue, extractable: bool, usages: &Array) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn verify(this: &Subtle, algorithm: &JsValue, key: &JsValue, signature: &Uint8Array, data: &Uint8Array) -> Result<Promise, JsValue>;
}
