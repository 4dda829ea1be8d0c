//! The receiving core behind the package's `WebhookReceiver` (`webhook-receiver.js`,
//! which routes events to handlers and speaks HTTP): [`Receiver`] over a
//! JS store and a JS handler. (`MemoryDeliveryStore` is JS too: a JS `Map`
//! is freed as it shrinks, where wasm memory never is.)

use std::rc::Rc;
use std::time::Duration;

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::errors::to_js_verify;
use super::verifier_core::{delivery, to_object, VerifierCore};
use crate::models::WebhookEvent;
use crate::receive::{Caller, Outcome, Receiver};
use crate::store::{Claim, DeliveryKey, DeliveryStore};
use crate::transport;
use crate::verify::Delivery;

/// Verifies, de-duplicates and hands a delivery to `webhook-receiver.js`'s dispatch;
/// resolves to `{ outcome, status, delivery?, error?, storeError?, retryAfter? }`.
#[wasm_bindgen(skip_typescript)]
#[derive(Debug)]
pub struct ReceiverCore {
    receiver: Rc<Receiver<JsStore>>,
}

#[wasm_bindgen]
impl ReceiverCore {
    /// `store` is a `DeliveryStore` object or `undefined`; webhook-receiver.js has checked the options.
    #[wasm_bindgen(constructor)]
    pub fn new(verifier: &VerifierCore, store: JsValue, lease_ms: f64, replay_protection: bool) -> ReceiverCore {
        let store = JsStore((!store.is_undefined() && !store.is_null()).then_some(store));
        let has_store = store.0.is_some();
        let receiver = Receiver::new(verifier.verifier.clone())
            .with_store(store)
            .lease(Duration::from_millis(lease_ms.max(0.0) as u64))
            .replay_protection(has_store && replay_protection);
        ReceiverCore { receiver: Rc::new(receiver) }
    }

    /// Receives a delivery, as webhook-receiver.js read it (webhook-verifier.js's
    /// `readRequest` or `deliveryInput`: see `verifier::delivery`). Never
    /// rejects: every verdict is an outcome.
    pub fn receive(&self, body: Option<Uint8Array>, lookup: Function, handle: Function) -> Promise {
        let receiver = Rc::clone(&self.receiver);
        let input = delivery(receiver.verifier(), body, &lookup);
        transport::promise(async move {
            let verified = match input {
                Ok((body, headers)) => receiver.verified(body, &headers).await,
                Err(verdict) => Err(verdict),
            };
            Ok(match verified {
                Ok((delivery, key)) => run(&receiver, Caller::Request, delivery, key, handle).await,
                Err(verdict) => result(Outcome::Rejected(verdict)),
            })
        })
    }

    /// Runs the handlers of a delivery verified before, once across the
    /// store (`Receiver::handle_once`); `delivery` and `key` are as `verify`
    /// and `deliveryKey` gave them (webhook-receiver.js checked their types).
    /// Never rejects.
    #[wasm_bindgen(js_name = handleOnce)]
    pub fn handle_once(&self, delivery: &VerifiedDelivery, key: &StoreKey, handle: Function) -> Promise {
        let receiver = Rc::clone(&self.receiver);
        let delivery = delivery.read();
        let key = DeliveryKey {
            id: key.id().unwrap_or_default(),
            body_hash: key.body_hash().unwrap_or_default(),
            replay_key: key.replay_key(),
            event: key.event().unwrap_or_else(|| delivery.event.as_str().to_owned()),
            webhook_id: key.webhook_id(),
        };
        transport::promise(async move { Ok(run(&receiver, Caller::Consumer, delivery, key, handle).await) })
    }
}

/// The keys a `DeliveryStore` is given for a verified delivery and its raw
/// body (webhook-verifier.js's `deliveryKey`, which checked its arguments, is
/// the public function).
#[wasm_bindgen(js_name = deliveryKeyOf, skip_typescript)]
pub fn delivery_key_of(delivery: &VerifiedDelivery, body: Uint8Array, replay_protection: bool) -> Promise {
    let delivery = delivery.read();
    transport::promise(async move {
        let key = crate::receive::key_of(&delivery, &body, replay_protection).await.map_err(|e| to_js_verify(&e))?;
        Ok(key_object(&key))
    })
}

#[wasm_bindgen]
extern "C" {
    /// A delivery as `verify` gives it: `{ id, webhookId, event, payload }`.
    pub type VerifiedDelivery;
    #[wasm_bindgen(method, getter)]
    fn id(this: &VerifiedDelivery) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = webhookId)]
    fn webhook_id(this: &VerifiedDelivery) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn event(this: &VerifiedDelivery) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn payload(this: &VerifiedDelivery) -> JsValue;

    /// A `DeliveryKey` as `deliveryKey` gives it: `{ id, bodyHash, replayKey, event, webhookId }`.
    pub type StoreKey;
    #[wasm_bindgen(method, getter)]
    fn id(this: &StoreKey) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = bodyHash)]
    fn body_hash(this: &StoreKey) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = replayKey)]
    fn replay_key(this: &StoreKey) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn event(this: &StoreKey) -> Option<String>;
    #[wasm_bindgen(method, getter, js_name = webhookId)]
    fn webhook_id(this: &StoreKey) -> Option<String>;
}

impl VerifiedDelivery {
    /// The delivery, in Rust.
    fn read(&self) -> Delivery {
        Delivery {
            id: self.id().unwrap_or_default(),
            webhook_id: self.webhook_id(),
            event: WebhookEvent::from_name(&self.event().unwrap_or_default()),
            body: self.payload(),
        }
    }
}

/// Handles a verified delivery once with the JS `handle` (the one place the
/// receiving core is instantiated for JS), for `caller`; resolves to the result object.
async fn run(receiver: &Receiver<JsStore>, caller: Caller, delivery: Delivery, key: DeliveryKey, handle: Function) -> JsValue {
    result(receiver.handle_once_for(caller, delivery, &key, |d| call(handle, d)).await)
}

/// What a JS handler threw or rejected with; a store's `release` is told
/// what it says.
#[derive(Debug)]
struct Thrown(JsValue);

impl std::fmt::Display for Thrown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&transport::describe_js(&self.0))
    }
}

/// Runs the JS handler on the delivery; its rejection (or throw) is the handler's error.
async fn call(handle: Function, delivery: crate::verify::Delivery) -> Result<(), Thrown> {
    let returned = handle.call1(&JsValue::UNDEFINED, &to_object(delivery)).map_err(Thrown)?;
    JsFuture::from(Promise::resolve(&returned)).await.map(|_| ()).map_err(Thrown)
}

/// The outcome as the object `webhook-receiver.js` reads.
fn result(outcome: Outcome<Thrown, JsValue>) -> JsValue {
    let object = Object::new();
    let set = |key: &str, value: &JsValue| {
        let _ = Reflect::set(&object, &key.into(), value);
    };
    set("outcome", &outcome.name().into());
    set("status", &JsValue::from(outcome.status()));
    if let Some(seconds) = outcome.retry_after() {
        set("retryAfter", &JsValue::from_f64(seconds));
    }
    match outcome {
        Outcome::Handled { delivery, unrecorded, lease_lost } => {
            set("delivery", &to_object(delivery));
            if let Some(error) = unrecorded {
                set("storeError", &error);
            }
            if lease_lost {
                set("leaseLost", &JsValue::TRUE);
            }
        }
        Outcome::Repeat(delivery) | Outcome::InProgress(delivery) => set("delivery", &to_object(delivery)),
        Outcome::Rejected(error) => set("error", &to_js_verify(&error)),
        Outcome::StoreFailed { delivery, error } => {
            set("delivery", &to_object(delivery));
            set("error", &error);
        }
        Outcome::HandlerFailed { delivery, error, unreleased, lease_lost } => {
            set("delivery", &to_object(delivery));
            set("error", &error.0);
            if let Some(error) = unreleased {
                set("storeError", &error);
            }
            if lease_lost {
                set("leaseLost", &JsValue::TRUE);
            }
        }
    }
    object.into()
}

/// How long a JS store's method may take to answer.
const STORE_TIMEOUT: Duration = Duration::from_secs(10);

/// A `DeliveryStore` written in JS (any object with `claim`, `renew`,
/// `complete` and `release`, each returning a value or a promise); `None`
/// for no store.
#[derive(Debug, Clone)]
struct JsStore(Option<JsValue>);

impl JsStore {
    /// Calls `store[method](delivery, owner, extra)` and awaits what it
    /// returns, for at most [`STORE_TIMEOUT`] (a store that never answers is a
    /// store that failed: the delivery comes back).
    async fn call(&self, method: &str, delivery: &DeliveryKey, owner: &str, extra: JsValue) -> Result<JsValue, JsValue> {
        let Some(store) = &self.0 else { return Ok(JsValue::TRUE) };
        let function = Reflect::get(store, &method.into())?
            .dyn_into::<Function>()
            .map_err(|_| js_sys::Error::new(&format!("the store has no {method}() method")))?;
        let returned = function.call3(store, &key_object(delivery), &owner.into(), &extra)?;
        let answer = transport::within(STORE_TIMEOUT, JsFuture::from(Promise::resolve(&returned))).await;
        answer.unwrap_or_else(|| Err(js_sys::Error::new(&format!("the store's {method}() did not answer within 10 s")).into()))
    }

    /// `store[method](...)` for a method that answers whether the claim is
    /// the owner's: `true` or `false`, and anything else is the store
    /// failing (a `complete` that gave `undefined` recorded nothing we know of).
    async fn owned(&self, method: &str, delivery: &DeliveryKey, owner: &str, extra: JsValue) -> Result<bool, JsValue> {
        let answer = self.call(method, delivery, owner, extra).await?;
        answer
            .as_bool()
            .ok_or_else(|| js_sys::Error::new(&format!("the store's {method}() gave something other than true or false")).into())
    }
}

impl DeliveryStore for JsStore {
    type Error = JsValue;

    async fn claim(&self, delivery: &DeliveryKey, owner: &str, lease: Duration) -> Result<Claim, JsValue> {
        if self.0.is_none() {
            return Ok(Claim::Claimed);
        }
        let claim = self.call("claim", delivery, owner, millis(lease)).await?;
        claim
            .as_string()
            .as_deref()
            .and_then(Claim::from_name)
            .ok_or_else(|| js_sys::Error::new("the store's claim() gave something other than \"claimed\", \"done\" or \"busy\"").into())
    }

    async fn renew(&self, delivery: &DeliveryKey, owner: &str, lease: Duration) -> Result<bool, JsValue> {
        self.owned("renew", delivery, owner, millis(lease)).await
    }

    async fn complete(&self, delivery: &DeliveryKey, owner: &str) -> Result<bool, JsValue> {
        self.owned("complete", delivery, owner, JsValue::UNDEFINED).await
    }

    async fn release(&self, delivery: &DeliveryKey, owner: &str, reason: &str) -> Result<bool, JsValue> {
        self.owned("release", delivery, owner, reason.into()).await
    }
}

fn millis(duration: Duration) -> JsValue {
    JsValue::from_f64(duration.as_millis() as f64)
}

/// `{ id, bodyHash, replayKey, event, webhookId }`, as stores receive it.
fn key_object(delivery: &DeliveryKey) -> JsValue {
    let object = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&object, &key.into(), &value);
    };
    set("id", delivery.id.as_str().into());
    set("bodyHash", delivery.body_hash.as_str().into());
    set("replayKey", delivery.replay_key.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    set("event", delivery.event.as_str().into());
    set("webhookId", delivery.webhook_id.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    object.into()
}
