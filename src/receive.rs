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
//!
//! # Once, and only once at a time
//!
//! Each attempt claims the delivery under an owner token of its own, and
//! renews the claim's lease while its handler runs (every third of the
//! lease), so a slow handler is never run a second time beside itself. The
//! outcome (done, or released for the next attempt) is written by the owner
//! only, and a failed write is retried on its own (`Caller`: about 2 s in
//! a request, 25 s in a queue consumer): a handler that succeeded is not run
//! again because a write failed once.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use js_sys::Uint8Array;

use crate::store::{Claim, DeliveryKey, DeliveryStore, NoStore};
use crate::transport::{self, First};
use crate::verify::{self, Delivery, DeliveryHeaders, Verifier, VerifyError};

/// How long a claim holds by default before another attempt may take the delivery over.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// The shortest lease (it is renewed every third of it).
pub const MIN_LEASE: Duration = Duration::from_millis(100);
/// The waits before each retry of an outcome's write (`complete` or
/// `release`) in a request: four tries within about 2 s.
pub(crate) const OUTCOME_RETRY_DELAYS: [Duration; 3] =
    [Duration::from_millis(100), Duration::from_millis(400), Duration::from_millis(1600)];
/// The same in a queue consumer: eight tries within about 25 s.
pub(crate) const CONSUMER_OUTCOME_RETRY_DELAYS: [Duration; 7] = [
    Duration::from_millis(100),
    Duration::from_millis(400),
    Duration::from_millis(1600),
    Duration::from_millis(3200),
    Duration::from_millis(6400),
    Duration::from_millis(6400),
    Duration::from_millis(6400),
];

/// Who waits for a delivery's outcome, which bounds how long its write is
/// retried while the store fails (the claim renewed meanwhile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    /// The delivery's request ([`Receiver::receive`]): RealtimeKit waits for
    /// the answer, so [`OUTCOME_RETRY_DELAYS`].
    Request,
    /// A queue consumer ([`Receiver::handle_once`]): nobody waits, and a
    /// write given up leaves the delivery to run again once its lease runs
    /// out, so [`CONSUMER_OUTCOME_RETRY_DELAYS`]: a store down for seconds
    /// as a handler ends does not run it twice.
    Consumer,
}

impl Caller {
    fn retry_delays(self) -> &'static [Duration] {
        match self {
            Caller::Request => &OUTCOME_RETRY_DELAYS,
            Caller::Consumer => &CONSUMER_OUTCOME_RETRY_DELAYS,
        }
    }

    /// After this long no new try starts (a store that takes seconds to fail,
    /// waiting for a connection, would otherwise stretch every try): the
    /// delays, and a little more.
    fn retry_budget(self) -> Duration {
        let delays: Duration = self.retry_delays().iter().sum();
        delays + delays / 5
    }
}

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
        /// The store's error if it could not record that, after every retry
        /// (a redelivery would then be handled again).
        unrecorded: Option<S>,
        /// The claim was taken over while the handler ran (its lease ran out
        /// unrenewed): another attempt may have run it too.
        lease_lost: bool,
    },
    /// Verified and handled before (same `rtk-uuid` and body, or the same
    /// body under another `rtk-uuid`: a replay), so the handler did not run (200).
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
        /// The store's error if the claim could not be dropped after every
        /// retry (the next attempt then waits for the lease to run out).
        unreleased: Option<S>,
        /// The claim was taken over while the handler ran.
        lease_lost: bool,
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

    /// How long a claim holds unrenewed before another attempt may take over
    /// ([`DEFAULT_LEASE`], at least [`MIN_LEASE`]); it is renewed every third
    /// of it while the handler runs.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(MIN_LEASE);
        self
    }

    /// Whether a body handled before under another `rtk-uuid` is a repeat
    /// (on with a store). Events whose bodies can repeat for real
    /// ([`crate::WebhookEvent::body_may_repeat`]) are keyed on `rtk-uuid` and body only.
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
        H: fmt::Display,
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
        H: fmt::Display,
        F: FnOnce(Delivery) -> Fut,
        Fut: Future<Output = Result<(), H>>,
    {
        match self.verified(body, headers).await {
            Ok((delivery, key)) => self.handle_once_for(Caller::Request, delivery, &key, handle).await,
            Err(error) => Outcome::Rejected(error),
        }
    }

    /// A delivery verified, and its key for the store.
    pub(crate) async fn verified(&self, body: Uint8Array, headers: &DeliveryHeaders) -> Result<(Delivery, DeliveryKey), VerifyError> {
        let delivery = self.verifier.verify_bytes(body.clone(), headers).await?;
        let key = key_of(&delivery, &body, self.replay_protection).await?;
        Ok((delivery, key))
    }

    /// Runs the handler of a delivery verified before (a queue consumer's,
    /// say), once across the store: claims it under a new owner, renews the
    /// claim while the handler runs, and writes the outcome (retried on its
    /// own for up to about 25 s: nobody waits for a queue consumer, where
    /// [`Receiver::receive`] gives up after 2 s). `key` is [`delivery_key`]'s for it.
    pub async fn handle_once<H, F, Fut>(&self, delivery: Delivery, key: &DeliveryKey, handle: F) -> Outcome<H, S::Error>
    where
        H: fmt::Display,
        F: FnOnce(Delivery) -> Fut,
        Fut: Future<Output = Result<(), H>>,
    {
        self.handle_once_for(Caller::Consumer, delivery, key, handle).await
    }

    /// [`Receiver::handle_once`] for `caller`.
    pub(crate) async fn handle_once_for<H, F, Fut>(
        &self,
        caller: Caller,
        delivery: Delivery,
        key: &DeliveryKey,
        handle: F,
    ) -> Outcome<H, S::Error>
    where
        H: fmt::Display,
        F: FnOnce(Delivery) -> Fut,
        Fut: Future<Output = Result<(), H>>,
    {
        let owner = transport::random_id();
        match self.store.claim(key, &owner, self.lease).await {
            Ok(Claim::Claimed) => {}
            Ok(Claim::Done) => return Outcome::Repeat(delivery),
            Ok(Claim::Busy) => return Outcome::InProgress(delivery),
            Err(error) => return Outcome::StoreFailed { delivery, error },
        }
        let store = &self.store;
        let owner = owner.as_str();
        let kept = Cell::new(true);
        let (result, written) = while_renewing(store, key, owner, self.lease, &kept, async {
            let result = handle(delivery.clone()).await;
            let written = match &result {
                Ok(()) => retried(caller, || store.complete(key, owner)).await,
                Err(error) => {
                    let reason = error.to_string();
                    retried(caller, || store.release(key, owner, &reason)).await
                }
            };
            (result, written)
        })
        .await;
        let lease_lost = !kept.get() || matches!(written, Ok(false));
        let store_error = written.err();
        match result {
            Ok(()) => Outcome::Handled { delivery, unrecorded: store_error, lease_lost },
            Err(error) => Outcome::HandlerFailed { delivery, error, unreleased: store_error, lease_lost },
        }
    }
}

/// Runs `work` while renewing `owner`'s claim on `key` every third of
/// `lease`; `kept` turns false if the store says the claim is no longer the
/// owner's. A renewal that fails (the store down) or does not answer within
/// the tick is left behind, and the next one starts at once. The renewals
/// stop (their timer cleared) as `work` ends.
async fn while_renewing<S: DeliveryStore, T>(
    store: &S,
    key: &DeliveryKey,
    owner: &str,
    lease: Duration,
    kept: &Cell<bool>,
    work: impl Future<Output = T>,
) -> T {
    let stop = transport::Stop::new();
    let every = lease / 3;
    let renewing = async {
        let mut wait = every;
        while transport::sleep(wait, stop.signal()).await.is_ok() {
            let started = transport::now_ms();
            if let Some(Ok(false)) = transport::within(every, store.renew(key, owner, lease)).await {
                kept.set(false);
                return;
            }
            let spent = Duration::from_millis((transport::now_ms() - started).max(0.0) as u64);
            wait = every.saturating_sub(spent);
        }
    };
    let mut work = pin!(work);
    match transport::first(work.as_mut(), renewing).await {
        First::Left(out) => out,
        // The claim is another's now: nothing left to renew; the work goes on.
        First::Right(()) => work.await,
    }
}

/// `write()`, tried again after each of `caller`'s retry delays while it
/// fails, no try starting past its budget: in a request, the answer waits at
/// most about 2.5 s and one slow try (a store's call is bounded on its own).
async fn retried<T, E, Fut: Future<Output = Result<T, E>>>(caller: Caller, mut write: impl FnMut() -> Fut) -> Result<T, E> {
    let started = transport::now_ms();
    let budget = caller.retry_budget().as_millis() as f64;
    let mut result = write().await;
    for &delay in caller.retry_delays() {
        if result.is_ok() || transport::now_ms() - started + delay.as_millis() as f64 > budget {
            break;
        }
        let _ = transport::sleep(delay, None).await;
        result = write().await;
    }
    result
}

/// The keys a [`DeliveryStore`] is given for a verified delivery: its
/// `rtk-uuid` and the SHA-256 of its raw `body` (its identity), and with
/// `replay_protection` that hash as its replay key (unless its event's
/// bodies can repeat for real, [`crate::WebhookEvent::body_may_repeat`]).
/// For pipelines of one's own (a queue, say) that de-duplicate as
/// [`Receiver`] does.
pub async fn delivery_key(delivery: &Delivery, body: &[u8], replay_protection: bool) -> Result<DeliveryKey, VerifyError> {
    key_of(delivery, &Uint8Array::from(body), replay_protection).await
}

pub(crate) async fn key_of(delivery: &Delivery, body: &Uint8Array, replay_protection: bool) -> Result<DeliveryKey, VerifyError> {
    // WebCrypto digests wherever it verifies; if it cannot, try again later.
    let body_hash = verify::sha256_hex(body).await.map_err(|why| verify::key_unusable(format!("the body could not be hashed: {why}")))?;
    let replay_key = (replay_protection && !delivery.event.body_may_repeat()).then(|| body_hash.clone());
    Ok(DeliveryKey {
        id: delivery.id.clone(),
        body_hash,
        replay_key,
        event: delivery.event.as_str().to_owned(),
        webhook_id: delivery.webhook_id.clone(),
    })
}
