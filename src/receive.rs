//! Receiving end to end: [`Receiver`] verifies a delivery, claims it in a
//! [`DeliveryStore`] (so each delivery is handled once, across isolates when
//! the store is shared), runs the handler, records how it went, and says
//! which status to answer RealtimeKit with ([`Outcome::status`]).
//!
//! RealtimeKit retries only 5xx and network failures; any other 4xx is
//! final. So a 4xx is answered only for a delivery forged or malformed for
//! certain; every doubt (the key unavailable, the store down, the same
//! delivery being handled right now, a handler that failed) is a 5xx, and
//! the delivery comes back.

use std::future::Future;
use std::time::Duration;

use js_sys::Uint8Array;

use crate::store::{Claim, DeliveryKey, DeliveryStore, NoStore};
use crate::verify::{self, Delivery, DeliveryHeaders, Verifier, VerifyError};

/// How long a claim holds by default before another attempt may take the delivery over.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// Verifies, de-duplicates and hands deliveries to a handler.
#[derive(Debug, Clone)]
pub struct Receiver<S = NoStore> {
    verifier: Verifier,
    store: S,
    lease: Duration,
    replay_protection: bool,
}

/// What became of a delivery. `H` is the handler's error, `S` the store's.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<H, S> {
    /// Verified, new, and the handler succeeded (200).
    Handled {
        /// The delivery.
        delivery: Delivery,
        /// The store's error if it could not record that (a redelivery would then be handled again).
        unrecorded: Option<S>,
    },
    /// Verified and handled before (same `rtk-uuid`, or the same body under
    /// another: a replay), so the handler did not run (200).
    Repeat(Delivery),
    /// Not verified: forged (401), malformed (400) or the key unavailable (503).
    Rejected(VerifyError),
    /// Another attempt of the same delivery holds the claim now (503: it comes back).
    InProgress(Delivery),
    /// The store could not be read or written (503: it comes back).
    StoreFailed {
        /// The delivery.
        delivery: Delivery,
        /// The store's error.
        error: S,
    },
    /// The handler failed (500: it comes back).
    HandlerFailed {
        /// The delivery.
        delivery: Delivery,
        /// The handler's error.
        error: H,
        /// The store's error if the claim could not be dropped (the next
        /// attempt then waits for the lease to run out).
        unreleased: Option<S>,
    },
}

impl<H, S> Outcome<H, S> {
    /// The HTTP status to answer RealtimeKit with.
    pub fn status(&self) -> u16 {
        match self {
            Outcome::Handled { .. } | Outcome::Repeat(_) => 200,
            Outcome::Rejected(error) => error.status(),
            Outcome::InProgress(_) | Outcome::StoreFailed { .. } => 503,
            Outcome::HandlerFailed { .. } => 500,
        }
    }

    /// Its name: `handled`, `repeat`, `forged`, `malformed`, `key-unavailable`,
    /// `in-progress`, `store-failed` or `handler-failed`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Handled { .. } => "handled",
            Outcome::Repeat(_) => "repeat",
            Outcome::Rejected(VerifyError::Signature(_)) => "forged",
            Outcome::Rejected(VerifyError::Payload(_)) => "malformed",
            Outcome::Rejected(VerifyError::KeyUnavailable(_)) => "key-unavailable",
            Outcome::InProgress(_) => "in-progress",
            Outcome::StoreFailed { .. } => "store-failed",
            Outcome::HandlerFailed { .. } => "handler-failed",
        }
    }

    /// The verified delivery, unless it was rejected.
    pub fn delivery(&self) -> Option<&Delivery> {
        match self {
            Outcome::Handled { delivery, .. }
            | Outcome::Repeat(delivery)
            | Outcome::InProgress(delivery)
            | Outcome::StoreFailed { delivery, .. }
            | Outcome::HandlerFailed { delivery, .. } => Some(delivery),
            Outcome::Rejected(_) => None,
        }
    }

    /// Seconds RealtimeKit might wait before delivering again, when known.
    pub fn retry_after(&self) -> Option<f64> {
        match self {
            Outcome::Rejected(VerifyError::KeyUnavailable(key)) => key.retry_after,
            _ => None,
        }
    }
}

impl Receiver<NoStore> {
    /// A receiver with no store: repeats of a delivery are handled again.
    pub fn new(verifier: Verifier) -> Receiver<NoStore> {
        Receiver { verifier, store: NoStore, lease: DEFAULT_LEASE, replay_protection: false }
    }
}

impl<S: DeliveryStore> Receiver<S> {
    /// The same receiver, de-duplicating through `store`, with replay protection on.
    pub fn with_store<T: DeliveryStore>(self, store: T) -> Receiver<T> {
        Receiver { verifier: self.verifier, store, lease: self.lease, replay_protection: true }
    }

    /// How long a claim holds before another attempt may take over ([`DEFAULT_LEASE`]):
    /// longer than the handler takes.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Whether a body handled before under another `rtk-uuid` is a repeat
    /// (on with a store). Events whose bodies can repeat for real
    /// ([`crate::WebhookEvent::body_may_repeat`]) are keyed on `rtk-uuid` only.
    pub fn replay_protection(mut self, on: bool) -> Self {
        self.replay_protection = on;
        self
    }

    /// The verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Receives one delivery: its raw body bytes and headers, and the handler
    /// to run for it (`match delivery.payload()` to handle each event).
    pub async fn receive<H, F, Fut>(&self, body: &[u8], headers: &DeliveryHeaders, handle: F) -> Outcome<H, S::Error>
    where
        F: FnOnce(Delivery) -> Fut,
        Fut: Future<Output = Result<(), H>>,
    {
        match self.verifier.js_body(body) {
            Ok(body) => self.receive_bytes(body, headers, handle).await,
            Err(error) => Outcome::Rejected(error),
        }
    }

    /// [`Receiver::receive`] of a body that is already a JS byte array.
    pub(crate) async fn receive_bytes<H, F, Fut>(&self, body: Uint8Array, headers: &DeliveryHeaders, handle: F) -> Outcome<H, S::Error>
    where
        F: FnOnce(Delivery) -> Fut,
        Fut: Future<Output = Result<(), H>>,
    {
        let delivery = match self.verifier.verify_bytes(body.clone(), headers).await {
            Ok(delivery) => delivery,
            Err(error) => return Outcome::Rejected(error),
        };
        let key = match key_of(&delivery, &body, self.replay_protection).await {
            Ok(key) => key,
            Err(error) => return Outcome::Rejected(error),
        };
        match self.store.claim(&key, self.lease).await {
            Ok(Claim::Claimed) => {}
            Ok(Claim::Done) => return Outcome::Repeat(delivery),
            Ok(Claim::Busy) => return Outcome::InProgress(delivery),
            Err(error) => return Outcome::StoreFailed { delivery, error },
        }
        match handle(delivery.clone()).await {
            Ok(()) => Outcome::Handled { unrecorded: self.store.complete(&key).await.err(), delivery },
            Err(error) => Outcome::HandlerFailed { unreleased: self.store.release(&key).await.err(), delivery, error },
        }
    }
}

/// The keys a [`DeliveryStore`] is given for a verified delivery: its
/// `rtk-uuid`, and with `replay_protection` the SHA-256 of its raw `body`
/// (unless its event's bodies can repeat for real,
/// [`crate::WebhookEvent::body_may_repeat`]). For pipelines of one's own (a
/// queue, say) that de-duplicate as [`Receiver`] does.
pub async fn delivery_key(delivery: &Delivery, body: &[u8], replay_protection: bool) -> Result<DeliveryKey, VerifyError> {
    key_of(delivery, &Uint8Array::from(body), replay_protection).await
}

pub(crate) async fn key_of(delivery: &Delivery, body: &Uint8Array, replay_protection: bool) -> Result<DeliveryKey, VerifyError> {
    let replay_key = match replay_protection && !delivery.event.body_may_repeat() {
        // WebCrypto digests wherever it verifies; if it cannot, try again later.
        true => Some(verify::sha256_hex(body).await.map_err(|why| verify::key_unusable(format!("the body could not be hashed: {why}")))?),
        false => None,
    };
    Ok(DeliveryKey {
        id: delivery.id.clone(),
        replay_key,
        event: delivery.event.as_str().to_owned(),
        webhook_id: delivery.webhook_id.clone(),
    })
}
