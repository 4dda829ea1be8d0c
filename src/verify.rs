//! Receiving deliveries: [`Verifier`] checks `rtk-signature` (RSA-SHA256,
//! `RSASSA-PKCS1-v1_5`) over the raw body bytes with WebCrypto, before the
//! body is parsed, and hands back a [`Delivery`].
//!
//! # The key cache never refuses a genuine delivery
//!
//! RealtimeKit answers only 5xx with a retry, so a [`VerifyError::Signature`]
//! (401) loses the delivery for good: it is given only when the body fails
//! against a key that is certainly current. A fetched key is current for a
//! delivery when its fetch started after the delivery arrived (RealtimeKit
//! publishes a key before signing with it); ticks of one counter order the
//! two. A mismatch against an older key fetches the key again, at most once
//! per cooldown (10 s, so forged requests cannot flood the key URL); when the
//! cooldown forbids it, the delivery gets [`VerifyError::KeyUnavailable`]
//! (503) and RealtimeKit sends it again later. The same goes for a key URL
//! that fails or serves something that is not a usable key.
//!
//! A key older than its max age (10 min) is fetched again before use. When
//! a fetch brings a new key, the one it replaces stays accepted for the
//! previous-key grace (24 h, [`DEFAULT_PREVIOUS_KEY_GRACE`]): RealtimeKit's
//! retries of a delivery signed before the rotation carry the old signature.
//! A grace of 0 drops the old key at once (for a rotation that is a revocation).
//!
//! `rtk-signature` may be a comma-separated list (a proxy that repeats the
//! header, a sender that signs with two keys during a rotation): the
//! delivery verifies when one of them does.
//!
//! The key URL may carry a secret in its query string: no message shows it.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use js_sys::{Array, JsString, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::client::{reply_data, reply_error, unexpected_reply};
use crate::error::{query_secrets, shown_url, Error, MAX_ERROR_BODY};
use crate::events::{Decoder, Payload};
use crate::keys::Schedule;
use crate::models::WebhookEvent;
use crate::pem;
use crate::retry::Method;
use crate::transport::{self, BodyLimits, Fetch, Outgoing};

/// Where RealtimeKit publishes the key its deliveries are signed with.
pub const DEFAULT_KEY_URL: &str = "https://api.realtime.cloudflare.com/.well-known/webhooks.json";
/// Largest body verified by default (1 MiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
pub use crate::keys::{DEFAULT_KEY_COOLDOWN, DEFAULT_KEY_MAX_AGE, DEFAULT_PREVIOUS_KEY_GRACE};
/// Time allowed for fetching the key.
const KEY_FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Most signatures of one delivery checked (a rotation gives two; a proxy may repeat the header).
const MAX_SIGNATURES: usize = 8;

/// Why a delivery was not accepted, and what to answer RealtimeKit.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum VerifyError {
    /// Forged or damaged for certain: the signature is missing, empty, not
    /// base64, or does not match a current key. Answer 401; it is not retried.
    Signature(String),
    /// The signature matched but the delivery is not a webhook delivery (the
    /// body is not JSON, has no string `event`, is too large; no `rtk-uuid`).
    /// Answer 400; it is not retried.
    Payload(String),
    /// The key needed to judge the delivery is not available now (its fetch
    /// failed, it may have been rotated and cannot be fetched again yet, or it
    /// cannot be used). Answer 503, so RealtimeKit delivers it again later.
    KeyUnavailable(KeyUnavailable),
}

/// Why the key is not available, and when to try again.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyUnavailable {
    /// What happened (names the key URL, never a secret).
    pub message: String,
    /// Seconds until the key may be fetched again, when a cooldown holds.
    pub retry_after: Option<f64>,
    /// The key fetch's own error, when a fetch failed.
    pub cause: Option<Error>,
}

impl VerifyError {
    /// The HTTP status a receiver answers RealtimeKit with: 401, 400 or 503.
    pub fn status(&self) -> u16 {
        match self {
            VerifyError::Signature(_) => 401,
            VerifyError::Payload(_) => 400,
            VerifyError::KeyUnavailable(_) => 503,
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Signature(why) | VerifyError::Payload(why) => f.write_str(why),
            VerifyError::KeyUnavailable(key) => f.write_str(&key.message),
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
    pub id: String,
    /// `rtk-webhook-id`.
    pub webhook_id: Option<String>,
    /// The body's `event`.
    pub event: WebhookEvent,
    /// The parsed body, untouched.
    pub(crate) body: JsValue,
}

impl Delivery {
    /// The body as a typed payload: `match` on it to handle each event.
    pub fn payload(&self) -> Result<Payload, VerifyError> {
        Payload::decode(self.event.as_str(), self)
    }

    /// The parsed body as a JS value.
    pub fn body(&self) -> &JsValue {
        &self.body
    }
}

/// The parsed body decodes into any payload type.
impl Decoder for Delivery {
    type Error = VerifyError;
    fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, VerifyError> {
        serde_wasm_bindgen::from_value(self.body.clone())
            .map_err(|e| VerifyError::Payload(format!("the {} payload has an unexpected shape: {e}", self.event.as_str())))
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

/// The imported key, and when it was fetched.
#[derive(Clone)]
struct CachedKey {
    /// The `CryptoKey`.
    key: JsValue,
    /// Its SPKI DER bytes (to tell a new key from the same one fetched again).
    der: Rc<[u8]>,
    /// The tick its fetch started at (`u64::MAX` for a given key: always current).
    tick: u64,
    /// When it was fetched, in ms since the epoch.
    at_ms: f64,
}

/// A key a rotation replaced, accepted until its grace ends.
struct PreviousKey {
    key: JsValue,
    until_ms: f64,
}

#[derive(Default)]
struct KeyState {
    key: Option<CachedKey>,
    /// The key the last rotation replaced, while in its grace.
    previous: Option<PreviousKey>,
    /// A load under way; callers that need a newer key await the same one.
    loading: Option<Promise>,
    /// Orders arrivals and key fetches (one isolate runs one thing at a time).
    ticks: u64,
    /// When the key may be fetched again.
    schedule: Schedule,
    /// Why the last load failed.
    error: Option<KeyUnavailable>,
}

impl KeyState {
    /// Makes `key` the current key; the one it replaces (another key, not
    /// the same one fetched again) stays accepted for `grace_ms`.
    fn replace_key(&mut self, key: CachedKey, now: f64) {
        if let Some(old) = self.key.take() {
            if old.der != key.der && self.schedule.grace_ms > 0.0 {
                self.previous = Some(PreviousKey { key: old.key, until_ms: now + self.schedule.grace_ms });
            }
        }
        self.key = Some(key);
    }

    /// The replaced key, while in its grace at `now`.
    fn previous_key(&self, now: f64) -> Option<JsValue> {
        self.previous.as_ref().filter(|previous| previous.until_ms > now).map(|previous| previous.key.clone())
    }
}

impl KeyState {
    fn tick(&mut self) -> u64 {
        self.ticks += 1;
        self.ticks
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &*self.source {
            KeySource::Given(_) => "given key".to_owned(),
            KeySource::Fetched { url, .. } => format!("key from {}", shown_url(url)),
        };
        f.debug_struct("Verifier").field("source", &source).field("max_body", &self.max_body).finish()
    }
}

impl Verifier {
    /// A verifier for a PEM SPKI public key (real or escaped `\n` newlines);
    /// a text that is not one is a [`Error::Validation`] of `publicKey`.
    pub fn with_public_key(pem: &str) -> Result<Verifier, Error> {
        let der = pem::spki_der(pem).map_err(|why| Error::invalid("publicKey", why))?;
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

    /// The least time between two fetches of the key ([`DEFAULT_KEY_COOLDOWN`], 10 s;
    /// after a failed fetch the wait starts at 1 s and doubles up to it).
    pub fn key_cooldown(self, cooldown: Duration) -> Verifier {
        self.state.borrow_mut().schedule.cooldown_ms = cooldown.as_millis() as f64;
        self
    }

    /// How long a fetched key is used before it is fetched again ([`DEFAULT_KEY_MAX_AGE`], 10 min).
    pub fn key_max_age(self, max_age: Duration) -> Verifier {
        self.state.borrow_mut().schedule.max_age_ms = max_age.as_millis() as f64;
        self
    }

    /// How long a key stays accepted after a fetch brought a new one
    /// ([`DEFAULT_PREVIOUS_KEY_GRACE`], 24 h: the sender's retries of
    /// deliveries signed before the rotation); zero drops it at once.
    pub fn previous_key_grace(self, grace: Duration) -> Verifier {
        self.state.borrow_mut().schedule.grace_ms = grace.as_millis() as f64;
        self
    }

    /// The URL the key is fetched from (`None` for a given key).
    pub fn key_url(&self) -> Option<&str> {
        match &*self.source {
            KeySource::Fetched { url, .. } => Some(url),
            KeySource::Given(_) => None,
        }
    }

    /// The largest body accepted, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body
    }

    /// Verifies a delivery's raw body bytes and headers.
    pub async fn verify(&self, body: &[u8], headers: &DeliveryHeaders) -> Result<Delivery, VerifyError> {
        self.verify_bytes(self.js_body(body)?, headers).await
    }

    /// `body` copied into a JS byte array, unless it is over the bound (then
    /// refused before the copy).
    pub(crate) fn js_body(&self, body: &[u8]) -> Result<Uint8Array, VerifyError> {
        match body.len() > self.max_body {
            true => Err(too_large(self.max_body)),
            false => Ok(Uint8Array::from(body)),
        }
    }

    /// Verifies a body that is already a JS byte array (no copy into wasm memory).
    pub(crate) async fn verify_bytes(&self, body: Uint8Array, headers: &DeliveryHeaders) -> Result<Delivery, VerifyError> {
        if body.length() as usize > self.max_body {
            return Err(too_large(self.max_body));
        }
        let signatures = signatures(headers.signature.as_deref())?;
        self.check_signature(&signatures, &body).await?;

        let id = headers.uuid.as_deref().map(str::trim).filter(|id| !id.is_empty());
        let id = id.ok_or_else(|| VerifyError::Payload("the delivery has no rtk-uuid header".into()))?;
        // Not signed, so the sender's word: a store keeps it and a terminal shows it.
        id_header("rtk-uuid", Some(id))?;
        id_header("rtk-webhook-id", headers.webhook_id.as_deref())?;
        let text = transport::decode_utf8(&body);
        let parsed = transport::json_parse(&text)
            .map_err(|e| VerifyError::Payload(format!("the body is not JSON: {}", transport::describe_js(&e))))?;
        let event = (parsed.is_object() && !Array::is_array(&parsed))
            .then(|| Reflect::get(&parsed, &"event".into()).ok())
            .flatten()
            .and_then(|e| e.as_string())
            .ok_or_else(|| VerifyError::Payload("the body has no string `event`".into()))?;
        Ok(Delivery { id: id.to_owned(), webhook_id: headers.webhook_id.clone(), event: WebhookEvent::from_name(&event), body: parsed })
    }

    /// Ok when one of `signatures` is a current key's signature of `body`, or
    /// a replaced key's within its grace; see the module docs.
    async fn check_signature(&self, signatures: &[Uint8Array], body: &Uint8Array) -> Result<(), VerifyError> {
        let arrival = self.state.borrow_mut().tick();
        let mut key = self.current_key().await?;
        // The key the last rotation replaced, once: a key this loop fetches
        // makes the one it replaces the previous one, which was checked already.
        let previous = self.state.borrow().previous_key(transport::now_ms());
        if let Some(old) = previous {
            if check(&old, signatures, body).await? {
                return Ok(());
            }
        }
        // At most: the cached key, then one fetched for this delivery (or one
        // another delivery's fetch brought meanwhile, then one more).
        for _ in 0..3 {
            if check(&key.key, signatures, body).await? {
                return Ok(());
            }
            if key.tick > arrival {
                return Err(VerifyError::Signature(
                    "the rtk-signature does not match the body: the body is not the bytes that were signed (verify the raw body as \
                     received, not re-serialised JSON), or the key that signed it is not this verifier's"
                        .into(),
                ));
            }
            key = self.newer_key(key.tick).await?;
        }
        Err(self.unavailable(&self.state.borrow(), "the key keeps changing"))
    }

    /// The key to check a delivery against: the cached one (fetched again
    /// first when older than its max age and the cooldown allows), or the first.
    async fn current_key(&self) -> Result<CachedKey, VerifyError> {
        let now = transport::now_ms();
        let pending = {
            let mut state = self.state.borrow_mut();
            let given = matches!(*self.source, KeySource::Given(_));
            match (&state.key, &state.loading) {
                (Some(key), _) if given || !state.schedule.is_old(key.at_ms, now) => return Ok(key.clone()),
                (Some(key), None) if !state.schedule.may_fetch(now) => return Ok(key.clone()),
                (Some(key), Some(_)) => return Ok(key.clone()),
                (None, Some(loading)) => loading.clone(),
                (None, None) if !given && !state.schedule.may_fetch(now) => {
                    return Err(self.unavailable(&state, "the public key could not be fetched yet"))
                }
                _ => self.start_load(&mut state, now),
            }
        };
        let _ = JsFuture::from(pending).await;
        let state = self.state.borrow();
        match &state.key {
            // A failed refresh keeps the key: the URL did not say it changed.
            Some(key) => Ok(key.clone()),
            None => Err(state
                .error
                .clone()
                .map(VerifyError::KeyUnavailable)
                .unwrap_or_else(|| self.unavailable(&state, "the public key is not available"))),
        }
    }

    /// A key fetched after the one of tick `than`: one that arrived meanwhile,
    /// the load under way, or a new load when the cooldown allows.
    async fn newer_key(&self, than: u64) -> Result<CachedKey, VerifyError> {
        let now = transport::now_ms();
        let pending = {
            let mut state = self.state.borrow_mut();
            match (&state.key, &state.loading) {
                (Some(key), _) if key.tick > than => return Ok(key.clone()),
                (_, Some(loading)) => loading.clone(),
                _ if matches!(*self.source, KeySource::Fetched { .. }) && state.schedule.may_fetch(now) => self.start_load(&mut state, now),
                _ => {
                    return Err(self.unavailable(
                        &state,
                        "the rtk-signature does not match the cached public key, which may have been rotated since it was fetched",
                    ))
                }
            }
        };
        let _ = JsFuture::from(pending).await;
        let state = self.state.borrow();
        match (&state.key, &state.error) {
            (Some(key), _) if key.tick > than => Ok(key.clone()),
            (_, Some(error)) => Err(VerifyError::KeyUnavailable(error.clone())),
            _ => Err(self.unavailable(&state, "the public key could not be fetched again")),
        }
    }

    /// Starts loading the key (a fetch, or the import of a given key).
    fn start_load(&self, state: &mut KeyState, now: f64) -> Promise {
        let tick = state.tick();
        if matches!(*self.source, KeySource::Fetched { .. }) {
            state.schedule.started(now);
        }
        let loading = transport::promise(load(Rc::clone(&self.source), Rc::clone(&self.state), tick));
        state.loading = Some(loading.clone());
        loading
    }

    /// A [`VerifyError::KeyUnavailable`] that says when the key may be fetched again.
    fn unavailable(&self, state: &KeyState, what: &str) -> VerifyError {
        let wait = state.schedule.wait_secs(transport::now_ms());
        let cause = state.error.as_ref().and_then(|e| e.cause.clone());
        let last = state.error.as_ref().map(|e| format!(" (last attempt: {})", e.message)).unwrap_or_default();
        VerifyError::KeyUnavailable(KeyUnavailable {
            message: format!("{what}{last}; it may be fetched again in {wait} s: answer 503 and RealtimeKit delivers again later"),
            retry_after: Some(wait as f64),
            cause,
        })
    }
}

/// Loads the key into `state` (or the reason it could not be). Always resolves.
async fn load(source: Rc<KeySource>, state: Rc<RefCell<KeyState>>, tick: u64) -> Result<JsValue, JsValue> {
    let result = match &*source {
        KeySource::Given(der) => import(der).await.map_err(|why| unusable(format!("the configured public key cannot be imported: {why}"))),
        KeySource::Fetched { url, fetch } => match fetch_key(url, fetch).await {
            Ok(der) => {
                import(&der).await.map_err(|why| unusable(format!("the public key from {} cannot be imported: {why}", shown_url(url))))
            }
            Err(error) => Err(error),
        },
    };
    let mut state = state.borrow_mut();
    state.loading = None;
    let tick = if matches!(*source, KeySource::Given(_)) { u64::MAX } else { tick };
    match result {
        Ok((key, der)) => {
            let now = transport::now_ms();
            state.replace_key(CachedKey { key, der, tick, at_ms: now }, now);
            state.schedule.succeeded();
            state.error = None;
        }
        Err(mut error) => {
            state.schedule.failed();
            if error.retry_after.is_none() && matches!(*source, KeySource::Fetched { .. }) {
                error.retry_after = Some(state.schedule.wait_secs(transport::now_ms()) as f64);
            }
            state.error = Some(error);
        }
    }
    Ok(JsValue::UNDEFINED)
}

fn unusable(message: String) -> KeyUnavailable {
    KeyUnavailable { message, retry_after: None, cause: None }
}

/// A [`VerifyError::KeyUnavailable`] for WebCrypto failing this runtime.
pub(crate) fn key_unusable(message: String) -> VerifyError {
    VerifyError::KeyUnavailable(unusable(message))
}

/// `cause` with every occurrence of each of `secrets` replaced, and without
/// the JS error a failed fetch threw (its message may carry the URL, and
/// cannot be rewritten).
fn redacted(mut cause: Error, secrets: &[String]) -> Error {
    if secrets.is_empty() {
        return cause;
    }
    match &mut cause {
        Error::Api(api) => api.redact(&secrets.iter().map(String::as_str).collect::<Vec<_>>()),
        Error::Connection(failure) | Error::Timeout(failure) | Error::Aborted(failure) => {
            for secret in secrets {
                failure.message = failure.message.replace(secret, "[redacted]");
            }
            failure.cause = None;
        }
        Error::Validation(_) => {}
    }
    cause
}

/// Fetches `{"data":{"publicKey":"-----BEGIN PUBLIC KEY-----..."}}` (asking
/// caches for no stored copy) and returns the key's DER bytes; any failure is
/// the key server's, not the delivery's.
async fn fetch_key(url: &str, fetch: &Fetch) -> Result<Vec<u8>, KeyUnavailable> {
    let secrets = query_secrets(url);
    // `retry_after` is the verifier's own wait (load's): a key server's
    // Retry-After is not the sender's business.
    let failed = |cause: Error| {
        let cause = redacted(cause, &secrets);
        KeyUnavailable {
            message: format!("could not fetch the webhook public key from {}: {cause}", shown_url(url)),
            retry_after: None,
            cause: Some(cause),
        }
    };
    let (base, headers) = (JsString::from(url), Array::new());
    let outgoing = Outgoing { method: Method::Get, base: &base, path: "", headers: &headers, body: None, no_store: true };
    let limits = BodyLimits { success: 64 * 1024, error: MAX_ERROR_BODY };
    let reply = transport::send(fetch, &outgoing, KEY_FETCH_TIMEOUT, None, limits)
        .await
        .map_err(|failure| failed(crate::client::failed(failure, None)))?;
    if !(200..300).contains(&reply.status) {
        return Err(failed(Error::Api(Box::new(reply_error(&reply)))));
    }
    let bad = |problem: String| failed(Error::Api(Box::new(unexpected_reply(&reply, problem))));
    let data = reply_data(&reply).map_err(bad)?;
    let public_key =
        data.get("publicKey").and_then(|k| k.as_str()).ok_or_else(|| bad("the key reply has no data.publicKey string".into()))?;
    pem::spki_der(&public_key).map_err(|why| bad(format!("its data.publicKey is not usable: {why}")))
}

/// Imports SPKI DER bytes as an RSASSA-PKCS1-v1_5 / SHA-256 verification
/// key; gives the key and its bytes.
async fn import(der: &[u8]) -> Result<(JsValue, Rc<[u8]>), String> {
    let subtle = subtle()?;
    let usages = Array::of1(&"verify".into());
    let pending =
        subtle.import_key("spki", &Uint8Array::from(der), &algorithm(), false, &usages).map_err(|e| transport::describe_js(&e))?;
    let key = JsFuture::from(pending).await.map_err(|e| transport::describe_js(&e))?;
    Ok((key, der.into()))
}

/// The signatures of an `rtk-signature` header: the entries of a
/// comma-separated list that are base64, of the first [`MAX_SIGNATURES`].
/// None at all, or none that is base64, is a forgery.
fn signatures(header: Option<&str>) -> Result<Vec<Uint8Array>, VerifyError> {
    let header = header.unwrap_or_default();
    if header.trim().is_empty() {
        return Err(VerifyError::Signature("the rtk-signature header is missing or empty".into()));
    }
    let mut decoded = Vec::new();
    for entry in header.split(',').take(MAX_SIGNATURES) {
        if let Some(bytes) = pem::base64(entry.trim()) {
            decoded.push(Uint8Array::from(bytes.as_slice()));
        }
    }
    match decoded.is_empty() {
        true => Err(VerifyError::Signature("the rtk-signature header is not base64".into())),
        false => Ok(decoded),
    }
}

/// Whether one of `signatures` is `key`'s signature of `body`. WebCrypto
/// refusing to check at all is this runtime's or this key's fault, not the
/// delivery's.
async fn check(key: &JsValue, signatures: &[Uint8Array], body: &Uint8Array) -> Result<bool, VerifyError> {
    let failed = |why: String| key_unusable(format!("the signature could not be checked: {why}"));
    let subtle = subtle().map_err(failed)?;
    for signature in signatures {
        let pending = subtle.verify(&algorithm(), key, signature, body).map_err(|e| failed(transport::describe_js(&e)))?;
        if JsFuture::from(pending).await.map_err(|e| failed(transport::describe_js(&e)))?.as_bool() == Some(true) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The SHA-256 of `body` in lower-case hex: the replay key of a delivery.
pub(crate) async fn sha256_hex(body: &Uint8Array) -> Result<String, String> {
    let pending = subtle()?.digest("SHA-256", body).map_err(|e| transport::describe_js(&e))?;
    let digest = JsFuture::from(pending).await.map_err(|e| transport::describe_js(&e))?;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = Uint8Array::new(&digest).to_vec();
    Ok(bytes.iter().flat_map(|b| [HEX[usize::from(b >> 4)] as char, HEX[usize::from(b & 15)] as char]).collect())
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
fn subtle() -> Result<Subtle, String> {
    if let Some(subtle) = SUBTLE.with(|s| s.get().cloned()) {
        return Ok(subtle);
    }
    let subtle: Subtle = Reflect::get(&js_sys::global(), &"crypto".into())
        .and_then(|crypto| Reflect::get(&crypto, &"subtle".into()))
        .ok()
        .filter(|subtle| subtle.is_object())
        .map(JsCast::unchecked_into)
        .ok_or("WebCrypto (crypto.subtle) is not available in this runtime")?;
    SUBTLE.with(|s| {
        let _ = s.set(subtle.clone());
    });
    Ok(subtle)
}

pub(crate) fn too_large(max: usize) -> VerifyError {
    VerifyError::Payload(format!("the body is larger than {max} bytes"))
}

/// Longest `rtk-uuid` or `rtk-webhook-id` taken (RealtimeKit's are UUIDs, 36 characters).
pub const MAX_ID_HEADER: usize = 256;

/// An id header as RealtimeKit sends one: at most [`MAX_ID_HEADER`] bytes of
/// printable ASCII (a UUID; a proxy's repeat joins two with ", "). Anything
/// else is malformed: these headers are not signed, and a store keeps them, a
/// queue carries them, a terminal shows them (where a control character or a
/// right-to-left override would rewrite what is shown).
fn id_header(name: &str, value: Option<&str>) -> Result<(), VerifyError> {
    match value {
        Some(id) if id.len() > MAX_ID_HEADER => {
            Err(VerifyError::Payload(format!("the {name} header is longer than {MAX_ID_HEADER} bytes")))
        }
        Some(id) if !id.bytes().all(|b| (b' '..=b'~').contains(&b)) => {
            Err(VerifyError::Payload(format!("the {name} header has characters other than printable ASCII")))
        }
        _ => Ok(()),
    }
}

#[wasm_bindgen]
extern "C" {
    /// `crypto.subtle`
    #[derive(Clone)]
    type Subtle;
    #[wasm_bindgen(method, catch, js_name = importKey)]
    fn import_key(
        this: &Subtle,
        format: &str,
        key: &Uint8Array,
        algorithm: &JsValue,
        extractable: bool,
        usages: &Array,
    ) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn digest(this: &Subtle, algorithm: &str, data: &Uint8Array) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn verify(this: &Subtle, algorithm: &JsValue, key: &JsValue, signature: &Uint8Array, data: &Uint8Array) -> Result<Promise, JsValue>;
}
