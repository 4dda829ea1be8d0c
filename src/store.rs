//! Where deliveries are recorded so each is handled once: the
//! [`DeliveryStore`] interface and [`MemoryStore`], the in-memory one for a
//! single process and for tests. The logic is pure and tested natively.
//!
//! A delivery is known by two keys: its `rtk-uuid` (retries of a delivery
//! share it) and, when replay protection is on, its replay key (the SHA-256
//! of the raw body: a captured body re-sent under a new `rtk-uuid` has the
//! same one). Either key being done makes the delivery a repeat.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// What a store is told of a delivery: the keys it de-duplicates on, and
/// what the delivery is (for stores that keep a record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryKey {
    /// The `rtk-uuid`.
    pub id: String,
    /// The SHA-256 of the raw body (hex), when replay protection is on.
    pub replay_key: Option<String>,
    /// The body's `event`.
    pub event: String,
    /// The `rtk-webhook-id`.
    pub webhook_id: Option<String>,
}

impl DeliveryKey {
    /// The keys to look up: the id, and the replay key when there is one.
    fn keys(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(format!("id:{}", self.id)).chain(self.replay_key.iter().map(|k| format!("sha256:{k}")))
    }
}

/// What [`DeliveryStore::claim`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// New (or its last claim was released or ran out): handle it now.
    Claimed,
    /// Handled already: a repeat, or a replay of a handled body.
    Done,
    /// Being handled now by another attempt, whose claim has not run out.
    Busy,
}

impl Claim {
    /// The name JS stores use: `"claimed"`, `"done"` or `"busy"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Claim::Claimed => "claimed",
            Claim::Done => "done",
            Claim::Busy => "busy",
        }
    }

    /// The claim a JS store named.
    pub fn from_name(name: &str) -> Option<Claim> {
        match name {
            "claimed" => Some(Claim::Claimed),
            "done" => Some(Claim::Done),
            "busy" => Some(Claim::Busy),
            _ => None,
        }
    }
}

/// Records deliveries so that each is handled once. To hold across isolates
/// and machines, back it with storage they all share and that is consistent
/// at once (D1, a Durable Object; not KV, whose writes take up to a minute to
/// reach other locations).
#[allow(async_fn_in_trait)] // runs on one thread (wasm): no `Send` bound is wanted
pub trait DeliveryStore {
    /// The store's own error (it becomes a 503: the delivery comes back).
    type Error;
    /// Claims the delivery for `lease`: [`Claim::Claimed`] when none of its
    /// keys is done or claimed (a claim older than its lease counts as none),
    /// [`Claim::Done`] when one is done, [`Claim::Busy`] when one is claimed.
    async fn claim(&self, delivery: &DeliveryKey, lease: Duration) -> Result<Claim, Self::Error>;
    /// The handlers succeeded: every key of the delivery is done.
    async fn complete(&self, delivery: &DeliveryKey) -> Result<(), Self::Error>;
    /// The handlers failed: the claim is dropped, so the next attempt claims it.
    async fn release(&self, delivery: &DeliveryKey) -> Result<(), Self::Error>;
}

/// No store: every delivery is claimed, nothing is remembered (repeats are
/// handled again).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStore;

impl DeliveryStore for NoStore {
    type Error = std::convert::Infallible;
    async fn claim(&self, _: &DeliveryKey, _: Duration) -> Result<Claim, Self::Error> {
        Ok(Claim::Claimed)
    }
    async fn complete(&self, _: &DeliveryKey) -> Result<(), Self::Error> {
        Ok(())
    }
    async fn release(&self, _: &DeliveryKey) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Deliveries kept by default in a [`MemoryStore`].
pub const DEFAULT_MEMORY_ENTRIES: usize = 10_000;
/// How long a [`MemoryStore`] remembers a handled delivery, by default (a day).
pub const DEFAULT_MEMORY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// A [`DeliveryStore`] in this process's memory: one process only (each
/// Worker isolate would have its own), for tests and single-process servers.
/// It keeps the last `max_entries` deliveries, each for at most `ttl`.
#[derive(Debug)]
pub struct MemoryStore {
    max_entries: usize,
    ttl_ms: f64,
    inner: RefCell<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    /// Key (`id:…` or `sha256:…`) to its state.
    states: HashMap<String, State>,
    /// Keys by first claim, oldest first, with that time: the eviction order.
    order: VecDeque<(String, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Claimed {
        until: f64,
    },
    /// Released: claimable (kept so that the key keeps its place in `order`).
    Free,
    Done,
}

impl Default for MemoryStore {
    fn default() -> MemoryStore {
        MemoryStore::new(DEFAULT_MEMORY_ENTRIES, DEFAULT_MEMORY_TTL)
    }
}

impl MemoryStore {
    /// A store that keeps at most `max_entries` deliveries, each for at most `ttl`.
    pub fn new(max_entries: usize, ttl: Duration) -> MemoryStore {
        MemoryStore { max_entries: max_entries.max(1), ttl_ms: ttl.as_millis() as f64, inner: RefCell::default() }
    }

    /// How many deliveries it holds.
    pub fn len(&self) -> usize {
        self.inner.borrow().order.iter().filter(|(key, _)| key.starts_with("id:")).count()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// [`DeliveryStore::claim`] at time `now` (ms).
    pub fn claim_at(&self, delivery: &DeliveryKey, lease: Duration, now: f64) -> Claim {
        let mut memory = self.inner.borrow_mut();
        memory.evict(now - self.ttl_ms, self.max_entries * 2);
        let mut busy = false;
        for key in delivery.keys() {
            match memory.states.get(&key) {
                Some(State::Done) => return Claim::Done,
                Some(State::Claimed { until }) if *until > now => busy = true,
                _ => {}
            }
        }
        if busy {
            return Claim::Busy;
        }
        let until = now + lease.as_millis() as f64;
        for key in delivery.keys() {
            if memory.states.insert(key.clone(), State::Claimed { until }).is_none() {
                memory.order.push_back((key, now));
            }
        }
        memory.evict(now - self.ttl_ms, self.max_entries * 2);
        Claim::Claimed
    }

    /// [`DeliveryStore::complete`].
    pub fn complete_now(&self, delivery: &DeliveryKey) {
        let mut memory = self.inner.borrow_mut();
        for key in delivery.keys() {
            if let Some(state) = memory.states.get_mut(&key) {
                *state = State::Done;
            }
        }
    }

    /// [`DeliveryStore::release`].
    pub fn release_now(&self, delivery: &DeliveryKey) {
        let mut memory = self.inner.borrow_mut();
        for key in delivery.keys() {
            if let Some(state @ State::Claimed { .. }) = memory.states.get_mut(&key) {
                *state = State::Free;
            }
        }
    }
}

impl Memory {
    /// Forgets keys first claimed before `oldest`, then the oldest keys while
    /// there are more than `max_keys`.
    fn evict(&mut self, oldest: f64, max_keys: usize) {
        while let Some((key, at)) = self.order.front() {
            if *at >= oldest && self.order.len() <= max_keys {
                break;
            }
            self.states.remove(key);
            self.order.pop_front();
        }
    }
}

impl DeliveryStore for MemoryStore {
    type Error = std::convert::Infallible;
    async fn claim(&self, delivery: &DeliveryKey, lease: Duration) -> Result<Claim, Self::Error> {
        Ok(self.claim_at(delivery, lease, now_ms()))
    }
    async fn complete(&self, delivery: &DeliveryKey) -> Result<(), Self::Error> {
        self.complete_now(delivery);
        Ok(())
    }
    async fn release(&self, delivery: &DeliveryKey) -> Result<(), Self::Error> {
        self.release_now(delivery);
        Ok(())
    }
}

/// Milliseconds since the epoch.
fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::now();
    #[cfg(not(target_arch = "wasm32"))]
    return std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_millis() as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(60);

    fn delivery(id: &str, body: Option<&str>) -> DeliveryKey {
        DeliveryKey { id: id.into(), replay_key: body.map(str::to_owned), event: "meeting.started".into(), webhook_id: None }
    }

    #[test]
    fn a_delivery_is_claimed_once_then_done() {
        let store = MemoryStore::default();
        let d = delivery("a", Some("h1"));
        assert_eq!(store.claim_at(&d, LEASE, 0.0), Claim::Claimed);
        assert_eq!(store.claim_at(&d, LEASE, 1.0), Claim::Busy);
        store.complete_now(&d);
        assert_eq!(store.claim_at(&d, LEASE, 2.0), Claim::Done);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn a_released_or_expired_claim_can_be_claimed_again() {
        let store = MemoryStore::default();
        let d = delivery("a", None);
        assert_eq!(store.claim_at(&d, LEASE, 0.0), Claim::Claimed);
        store.release_now(&d);
        assert_eq!(store.claim_at(&d, LEASE, 1.0), Claim::Claimed);
        assert_eq!(store.claim_at(&d, LEASE, 60_000.0), Claim::Busy);
        assert_eq!(store.claim_at(&d, LEASE, 60_001.0), Claim::Claimed, "the lease ran out");
        // A release after completion does not undo it.
        store.complete_now(&d);
        store.release_now(&d);
        assert_eq!(store.claim_at(&d, LEASE, 60_002.0), Claim::Done);
    }

    #[test]
    fn the_same_body_under_another_id_is_a_replay() {
        let store = MemoryStore::default();
        let first = delivery("a", Some("same"));
        assert_eq!(store.claim_at(&first, LEASE, 0.0), Claim::Claimed);
        assert_eq!(store.claim_at(&delivery("b", Some("same")), LEASE, 1.0), Claim::Busy);
        store.complete_now(&first);
        assert_eq!(store.claim_at(&delivery("b", Some("same")), LEASE, 2.0), Claim::Done);
        // Without a replay key, only the id counts.
        assert_eq!(store.claim_at(&delivery("c", None), LEASE, 3.0), Claim::Claimed);
        assert_eq!(store.claim_at(&delivery("d", Some("other")), LEASE, 4.0), Claim::Claimed);
    }

    #[test]
    fn old_and_surplus_deliveries_are_forgotten() {
        let store = MemoryStore::new(3, Duration::from_secs(10));
        for (n, id) in ["a", "b", "c", "d"].iter().enumerate() {
            let d = delivery(id, None);
            assert_eq!(store.claim_at(&d, LEASE, n as f64), Claim::Claimed);
            store.complete_now(&d);
        }
        // Keys are evicted beyond twice the entries (an id and a replay key each).
        assert_eq!(store.claim_at(&delivery("a", None), LEASE, 5.0), Claim::Done);
        assert_eq!(store.claim_at(&delivery("a", None), LEASE, 10_001.0), Claim::Claimed, "past its ttl");
        for n in 0..100 {
            store.claim_at(&delivery(&format!("x{n}"), Some(&format!("h{n}"))), LEASE, 10_002.0);
        }
        assert!(store.inner.borrow().states.len() <= 6);
        assert!(store.inner.borrow().order.len() <= 6);
    }

    #[test]
    fn claims_name_themselves() {
        for claim in [Claim::Claimed, Claim::Done, Claim::Busy] {
            assert_eq!(Claim::from_name(claim.as_str()), Some(claim));
        }
        assert_eq!(Claim::from_name("ok"), None);
    }
}
