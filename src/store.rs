//! Where deliveries are recorded so each is handled once: the
//! [`DeliveryStore`] interface and [`MemoryStore`], the in-memory one for a
//! single process and for tests. The logic is pure and tested natively.
//!
//! # What a delivery is
//!
//! Only the body is signed: `rtk-uuid` is the sender's word. So a delivery is
//! its `rtk-uuid` **and** the SHA-256 of its body (`body_hash`): the same id
//! with other bytes is another delivery, never a repeat of it (else anyone
//! with one captured body could send it under a genuine delivery's id and
//! have that delivery taken for done). When replay protection is on, the
//! body's hash is also its replay key: a body handled before under another
//! id is a repeat.
//!
//! # Claims
//!
//! A claim has an owner (a token each attempt makes) and a lease. The owner
//! renews the lease while its handlers run, and only the owner's `complete`
//! or `release` acts on it: an attempt whose lease ran out and was taken over
//! cannot free or finish the claim of the one that took it.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// What a store is told of a delivery: the keys it de-duplicates on, and
/// what the delivery is (for stores that keep a record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryKey {
    /// The `rtk-uuid`.
    pub id: String,
    /// The SHA-256 of the raw body (hex). With `id`, the delivery's identity.
    pub body_hash: String,
    /// The SHA-256 of the raw body (hex), when replay protection applies: a
    /// delivery with the same replay key is a repeat, whatever its id.
    pub replay_key: Option<String>,
    /// The body's `event`.
    pub event: String,
    /// The `rtk-webhook-id`.
    pub webhook_id: Option<String>,
}

impl DeliveryKey {
    /// The keys a memory store records: the identity, and the replay key when there is one.
    fn keys(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(self.identity()).chain(self.replay_key.iter().map(|k| format!("{REPLAY}{k}")))
    }

    /// `delivery:<body hash>:<id>` (the hash is of fixed length, so no two pairs give one key).
    fn identity(&self) -> String {
        format!("{IDENTITY}{}:{}", self.body_hash, self.id)
    }
}

const IDENTITY: &str = "delivery:";
const REPLAY: &str = "sha256:";

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
/// at once (D1, PostgreSQL, a Durable Object; not KV, whose writes take up to
/// a minute to reach other locations).
///
/// What an implementation must guarantee:
/// - a delivery is its `id` **and** its `body_hash`; with a `replay_key`, a
///   delivery whose replay key is done is done, and one whose replay key is
///   claimed is busy;
/// - [`claim`](DeliveryStore::claim) is atomic: of two attempts at once, one
///   gets [`Claim::Claimed`];
/// - only the claim's `owner` may [`renew`](DeliveryStore::renew),
///   [`complete`](DeliveryStore::complete) or [`release`](DeliveryStore::release)
///   it, and each answers `false` when the claim is not (or no longer) the
///   owner's; `complete` by the same owner twice is `true` both times (a write
///   retried after an ambiguous failure);
/// - a done delivery stays done at least as long as its sender may send it
///   again (RealtimeKit retries for hours; a day is safe).
#[allow(async_fn_in_trait)] // runs on one thread (wasm): no `Send` bound is wanted
pub trait DeliveryStore {
    /// The store's own error (it becomes a 503: the delivery comes back).
    type Error;
    /// Claims the delivery for `owner` until `lease` from now: [`Claim::Claimed`]
    /// when it is new, released, or its last claim's lease ran out;
    /// [`Claim::Done`] when it (or its replay key) is done; [`Claim::Busy`]
    /// when another claim holds it (or its replay key).
    async fn claim(&self, delivery: &DeliveryKey, owner: &str, lease: Duration) -> Result<Claim, Self::Error>;
    /// Extends `owner`'s claim to `lease` from now: `true` while the claim is
    /// the owner's (even past its lease, if nobody took it), `false` when it is not.
    async fn renew(&self, delivery: &DeliveryKey, owner: &str, lease: Duration) -> Result<bool, Self::Error>;
    /// The handlers succeeded: the delivery (and its replay key) is done.
    /// `false` when the claim is not `owner`'s (nothing changes).
    async fn complete(&self, delivery: &DeliveryKey, owner: &str) -> Result<bool, Self::Error>;
    /// The handlers failed (`reason` says how): the claim is dropped, so the
    /// next attempt claims it. `false` when the claim is not `owner`'s.
    async fn release(&self, delivery: &DeliveryKey, owner: &str, reason: &str) -> Result<bool, Self::Error>;
}

/// No store: every delivery is claimed, nothing is remembered (repeats are
/// handled again).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStore;

impl DeliveryStore for NoStore {
    type Error = std::convert::Infallible;
    async fn claim(&self, _: &DeliveryKey, _: &str, _: Duration) -> Result<Claim, Self::Error> {
        Ok(Claim::Claimed)
    }
    async fn renew(&self, _: &DeliveryKey, _: &str, _: Duration) -> Result<bool, Self::Error> {
        Ok(true)
    }
    async fn complete(&self, _: &DeliveryKey, _: &str) -> Result<bool, Self::Error> {
        Ok(true)
    }
    async fn release(&self, _: &DeliveryKey, _: &str, _: &str) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// Deliveries kept by default in a [`MemoryStore`].
pub const DEFAULT_MEMORY_ENTRIES: usize = 10_000;
/// How long a [`MemoryStore`] remembers a handled delivery, by default (a day).
pub const DEFAULT_MEMORY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Handled identities remembered per body: a flood of one body under fresh
/// ids (a replayed `livestreaming.statusUpdate`) pushes out only that body's
/// own older ones.
pub const IDENTITIES_PER_BODY: usize = 16;

/// A [`DeliveryStore`] in this process's memory: one process only (each
/// Worker isolate would have its own), for tests and single-process servers.
///
/// What it remembers, and for how long:
/// - a handled delivery, for `ttl`: its replay key, and its identity (at most
///   the newest [`IDENTITIES_PER_BODY`] of one body), whatever the volume. A
///   flood cannot push them out: an attacker can only send bodies RealtimeKit
///   signed, so they are bounded by the genuine deliveries of one `ttl` (a
///   few hundred bytes each), and a flood of one body under fresh ids pushes
///   out only that body's own older identities;
/// - a delivery not handled yet (claimed, or released after a failure): the
///   newest `max_entries`, for at most `ttl`, but a claim whose lease holds (a
///   handler is running) is never forgotten.
#[derive(Debug)]
pub struct MemoryStore {
    max_entries: usize,
    ttl_ms: f64,
    inner: RefCell<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    /// Key (`delivery:…` or `sha256:…`) to its state.
    keys: HashMap<String, Entry>,
    /// Keys not handled yet, by first claim. An item whose key has moved on
    /// (its entry's `seq` differs) is stale, and skipped.
    live: VecDeque<(u64, String)>,
    /// How many keys are not handled yet (`live` also holds stale items).
    live_count: usize,
    /// Handled keys, by when they were handled (stale items skipped likewise).
    done: VecDeque<(u64, String)>,
    /// Body hash to its handled identities, oldest first.
    done_by_body: HashMap<String, VecDeque<(u64, String)>>,
    /// The last `seq` given.
    seq: u64,
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    state: State,
    /// When it was first claimed, or handled (ms).
    at: f64,
    /// Which item of `live` or `done` stands for it.
    seq: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Claimed {
        owner: String,
        until: f64,
    },
    /// Released: claimable.
    Free,
    Done {
        owner: String,
    },
}

impl Default for MemoryStore {
    fn default() -> MemoryStore {
        MemoryStore::new(DEFAULT_MEMORY_ENTRIES, DEFAULT_MEMORY_TTL)
    }
}

impl MemoryStore {
    /// A store that remembers deliveries for at most `ttl`, and at most
    /// `max_entries` not handled yet (see the type's docs).
    pub fn new(max_entries: usize, ttl: Duration) -> MemoryStore {
        MemoryStore { max_entries: max_entries.max(1), ttl_ms: ttl.as_millis() as f64, inner: RefCell::default() }
    }

    /// How many deliveries it holds.
    pub fn len(&self) -> usize {
        self.inner.borrow().keys.keys().filter(|key| key.starts_with(IDENTITY)).count()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// [`DeliveryStore::claim`] at time `now` (ms).
    pub fn claim_at(&self, delivery: &DeliveryKey, owner: &str, lease: Duration, now: f64) -> Claim {
        let mut memory = self.inner.borrow_mut();
        memory.evict(now, now - self.ttl_ms, self.max_entries * 2);
        let mut busy = false;
        for key in delivery.keys() {
            match memory.keys.get(&key).map(|entry| &entry.state) {
                Some(State::Done { .. }) => return Claim::Done,
                Some(State::Claimed { until, .. }) if *until > now => busy = true,
                _ => {}
            }
        }
        if busy {
            return Claim::Busy;
        }
        let claimed = State::Claimed { owner: owner.to_owned(), until: now + lease.as_millis() as f64 };
        for key in delivery.keys() {
            match memory.keys.get_mut(&key) {
                Some(entry) => entry.state = claimed.clone(),
                None => memory.add_live(key, claimed.clone(), now),
            }
        }
        memory.evict(now, now - self.ttl_ms, self.max_entries * 2);
        Claim::Claimed
    }

    /// [`DeliveryStore::renew`] at time `now` (ms).
    pub fn renew_at(&self, delivery: &DeliveryKey, owner: &str, lease: Duration, now: f64) -> bool {
        let mut memory = self.inner.borrow_mut();
        if !memory.is_claimed_by(&delivery.identity(), owner) {
            return false;
        }
        for key in delivery.keys() {
            if let Some(Entry { state: State::Claimed { owner: held, until }, .. }) = memory.keys.get_mut(&key) {
                if held == owner {
                    *until = now + lease.as_millis() as f64;
                }
            }
        }
        true
    }

    /// [`DeliveryStore::complete`] at time `now` (ms).
    pub fn complete_at(&self, delivery: &DeliveryKey, owner: &str, now: f64) -> bool {
        let mut memory = self.inner.borrow_mut();
        let identity = delivery.identity();
        if matches!(memory.keys.get(&identity).map(|entry| &entry.state), Some(State::Done { owner: by }) if by == owner) {
            return true; // a retried write
        }
        if !memory.is_claimed_by(&identity, owner) {
            return false;
        }
        for key in delivery.keys() {
            memory.add_done(key, &delivery.body_hash, owner, now);
        }
        true
    }

    /// [`DeliveryStore::release`].
    pub fn release_now(&self, delivery: &DeliveryKey, owner: &str) -> bool {
        let mut memory = self.inner.borrow_mut();
        if !memory.is_claimed_by(&delivery.identity(), owner) {
            return false;
        }
        for key in delivery.keys() {
            if let Some(entry) = memory.keys.get_mut(&key) {
                if matches!(&entry.state, State::Claimed { owner: held, .. } if held == owner) {
                    entry.state = State::Free;
                }
            }
        }
        true
    }
}

impl Memory {
    fn is_claimed_by(&self, key: &str, owner: &str) -> bool {
        matches!(self.keys.get(key).map(|entry| &entry.state), Some(State::Claimed { owner: held, .. }) if held == owner)
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A key claimed for the first time.
    fn add_live(&mut self, key: String, state: State, now: f64) {
        let seq = self.next_seq();
        self.live.push_back((seq, key.clone()));
        self.live_count += 1;
        self.keys.insert(key, Entry { state, at: now, seq });
    }

    /// `key` handled: it moves to `done` (an identity also to its body's
    /// list, which keeps the newest [`IDENTITIES_PER_BODY`]).
    fn add_done(&mut self, key: String, body_hash: &str, owner: &str, now: f64) {
        let was_live = self.keys.get(&key).is_some_and(|entry| !matches!(entry.state, State::Done { .. }));
        if was_live {
            self.live_count = self.live_count.saturating_sub(1);
        }
        let seq = self.next_seq();
        self.done.push_back((seq, key.clone()));
        if key.starts_with(IDENTITY) {
            let ids = self.done_by_body.entry(body_hash.to_owned()).or_default();
            ids.push_back((seq, key.clone()));
            if ids.len() > IDENTITIES_PER_BODY {
                if let Some((old_seq, old)) = ids.pop_front() {
                    self.remove_if(&old, old_seq);
                }
            }
        }
        self.keys.insert(key, Entry { state: State::Done { owner: owner.to_owned() }, at: now, seq });
    }

    /// Takes a handled identity (`delivery:<body hash>:<id>`) off its body's list.
    fn forget_identity(&mut self, key: &str, seq: u64) {
        let Some((body_hash, _)) = key.strip_prefix(IDENTITY).and_then(|rest| rest.split_once(':')) else { return };
        if let Some(ids) = self.done_by_body.get_mut(body_hash) {
            ids.retain(|(id_seq, _)| *id_seq != seq);
            if ids.is_empty() {
                self.done_by_body.remove(body_hash);
            }
        }
    }

    /// Removes `key` if `seq` still stands for it.
    fn remove_if(&mut self, key: &str, seq: u64) -> Option<Entry> {
        match self.keys.get(key) {
            Some(entry) if entry.seq == seq => self.keys.remove(key),
            _ => None,
        }
    }

    /// Forgets what is past its ttl (`oldest`), then the oldest keys not
    /// handled yet while there are more than `max_live`, but for claims
    /// whose lease holds at `now` (a handler is running).
    fn evict(&mut self, now: f64, oldest: f64, max_live: usize) {
        let mut running = Vec::new();
        while let Some((seq, key)) = self.live.pop_front() {
            let Some(entry) = self.keys.get(&key).filter(|entry| entry.seq == seq) else { continue }; // stale: handled since
            if entry.at >= oldest && self.live_count <= max_live {
                self.live.push_front((seq, key));
                break;
            }
            if matches!(entry.state, State::Claimed { until, .. } if until > now) {
                running.push((seq, key));
                continue;
            }
            self.keys.remove(&key);
            self.live_count = self.live_count.saturating_sub(1);
        }
        for item in running.into_iter().rev() {
            self.live.push_front(item);
        }
        while let Some((seq, key)) = self.done.pop_front() {
            if self.keys.get(&key).is_some_and(|entry| entry.seq == seq && entry.at >= oldest) {
                self.done.push_front((seq, key));
                break;
            }
            if self.remove_if(&key, seq).is_some() {
                self.forget_identity(&key, seq);
            }
        }
    }
}

impl DeliveryStore for MemoryStore {
    type Error = std::convert::Infallible;
    async fn claim(&self, delivery: &DeliveryKey, owner: &str, lease: Duration) -> Result<Claim, Self::Error> {
        Ok(self.claim_at(delivery, owner, lease, now_ms()))
    }
    async fn renew(&self, delivery: &DeliveryKey, owner: &str, lease: Duration) -> Result<bool, Self::Error> {
        Ok(self.renew_at(delivery, owner, lease, now_ms()))
    }
    async fn complete(&self, delivery: &DeliveryKey, owner: &str) -> Result<bool, Self::Error> {
        Ok(self.complete_at(delivery, owner, now_ms()))
    }
    async fn release(&self, delivery: &DeliveryKey, owner: &str, _reason: &str) -> Result<bool, Self::Error> {
        Ok(self.release_now(delivery, owner))
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

    fn delivery(id: &str, body: &str, replay: bool) -> DeliveryKey {
        DeliveryKey {
            id: id.into(),
            body_hash: body.into(),
            replay_key: replay.then(|| body.to_owned()),
            event: "meeting.started".into(),
            webhook_id: None,
        }
    }

    #[test]
    fn a_delivery_is_claimed_once_then_done() {
        let store = MemoryStore::default();
        let d = delivery("a", "h1", true);
        assert_eq!(store.claim_at(&d, "one", LEASE, 0.0), Claim::Claimed);
        assert_eq!(store.claim_at(&d, "two", LEASE, 1.0), Claim::Busy);
        assert!(store.complete_at(&d, "one", 0.0));
        assert!(store.complete_at(&d, "one", 0.0), "a retried complete by the same owner");
        assert_eq!(store.claim_at(&d, "three", LEASE, 2.0), Claim::Done);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn a_released_or_expired_claim_can_be_claimed_again() {
        let store = MemoryStore::default();
        let d = delivery("a", "h", false);
        assert_eq!(store.claim_at(&d, "one", LEASE, 0.0), Claim::Claimed);
        assert!(store.release_now(&d, "one"));
        assert_eq!(store.claim_at(&d, "two", LEASE, 1.0), Claim::Claimed);
        assert_eq!(store.claim_at(&d, "three", LEASE, 60_000.0), Claim::Busy);
        assert_eq!(store.claim_at(&d, "three", LEASE, 60_001.0), Claim::Claimed, "the lease ran out");
        // A release after completion does not undo it.
        assert!(store.complete_at(&d, "three", 0.0));
        assert!(!store.release_now(&d, "three"));
        assert_eq!(store.claim_at(&d, "four", LEASE, 60_002.0), Claim::Done);
    }

    #[test]
    fn only_the_owner_renews_completes_or_releases_its_claim() {
        let store = MemoryStore::default();
        let d = delivery("a", "h", true);
        assert_eq!(store.claim_at(&d, "slow", LEASE, 0.0), Claim::Claimed);
        assert!(store.renew_at(&d, "slow", LEASE, 50_000.0), "renewed before it ran out");
        assert_eq!(store.claim_at(&d, "other", LEASE, 100_000.0), Claim::Busy, "the renewed lease holds");
        // Not renewed in time: taken over by another attempt.
        assert_eq!(store.claim_at(&d, "other", LEASE, 110_001.0), Claim::Claimed);
        assert!(!store.renew_at(&d, "slow", LEASE, 110_002.0));
        assert!(!store.release_now(&d, "slow"), "a late release does not free the other's claim");
        assert_eq!(store.claim_at(&d, "third", LEASE, 110_003.0), Claim::Busy);
        assert!(!store.complete_at(&d, "slow", 0.0));
        assert_eq!(store.claim_at(&d, "third", LEASE, 110_005.0), Claim::Busy);
        assert!(store.complete_at(&d, "other", 0.0));
        assert_eq!(store.claim_at(&d, "third", LEASE, 110_007.0), Claim::Done);
        // A lease past its end that nobody took is still the owner's.
        let e = delivery("b", "h2", false);
        assert_eq!(store.claim_at(&e, "late", Duration::from_millis(10), 0.0), Claim::Claimed);
        assert!(store.renew_at(&e, "late", LEASE, 1_000.0));
        assert!(store.complete_at(&e, "late", 0.0));
    }

    #[test]
    fn the_same_id_with_another_body_is_another_delivery() {
        let store = MemoryStore::default();
        let genuine = delivery("id-1", "genuine", true);
        let captured = delivery("id-2", "captured", true);
        assert_eq!(store.claim_at(&captured, "c", LEASE, 0.0), Claim::Claimed);
        assert!(store.complete_at(&captured, "c", 0.0));
        // An attacker sends the captured body under the genuine delivery's id, before and after it.
        let forged = delivery("id-1", "captured", true);
        assert_eq!(store.claim_at(&forged, "x", LEASE, 1.0), Claim::Done, "a replay of the captured body");
        assert_eq!(store.claim_at(&genuine, "g", LEASE, 2.0), Claim::Claimed, "the genuine delivery is not a repeat");
        assert!(store.complete_at(&genuine, "g", 0.0));
        assert_eq!(store.claim_at(&forged, "x", LEASE, 3.0), Claim::Done);
        // Without a replay key (bodies that repeat for real), only the identity counts.
        let live = delivery("id-1", "live", false);
        assert_eq!(store.claim_at(&live, "l", LEASE, 4.0), Claim::Claimed);
    }

    #[test]
    fn the_same_body_under_another_id_is_a_replay() {
        let store = MemoryStore::default();
        let first = delivery("a", "same", true);
        assert_eq!(store.claim_at(&first, "one", LEASE, 0.0), Claim::Claimed);
        assert_eq!(store.claim_at(&delivery("b", "same", true), "two", LEASE, 1.0), Claim::Busy);
        assert!(store.complete_at(&first, "one", 0.0));
        assert_eq!(store.claim_at(&delivery("b", "same", true), "two", LEASE, 2.0), Claim::Done);
        assert_eq!(store.claim_at(&delivery("c", "same", false), "three", LEASE, 3.0), Claim::Claimed);
        assert_eq!(store.claim_at(&delivery("d", "other", true), "four", LEASE, 4.0), Claim::Claimed);
    }

    #[test]
    fn old_and_surplus_deliveries_are_forgotten() {
        let store = MemoryStore::new(3, Duration::from_secs(10));
        for (n, id) in ["a", "b", "c", "d"].iter().enumerate() {
            let d = delivery(id, id, false);
            assert_eq!(store.claim_at(&d, "o", LEASE, n as f64), Claim::Claimed);
            assert!(store.complete_at(&d, "o", 0.0));
        }
        // Keys are forgotten beyond twice the entries (an identity and a replay key each).
        assert_eq!(store.claim_at(&delivery("a", "a", false), "o", LEASE, 5.0), Claim::Done);
        assert_eq!(store.claim_at(&delivery("a", "a", false), "o", LEASE, 10_001.0), Claim::Claimed, "past its ttl");
        for n in 0..100 {
            let d = delivery(&format!("x{n}"), &format!("h{n}"), false);
            store.claim_at(&d, "o", LEASE, 10_002.0);
            store.release_now(&d, "o");
        }
        assert!(store.inner.borrow().keys.len() <= 6);
        assert!(store.inner.borrow().live_count <= 6);
    }

    #[test]
    fn a_flood_does_not_flush_the_replay_keys_of_handled_deliveries() {
        let store = MemoryStore::new(100, Duration::from_secs(3600));
        let ended = delivery("ended", "ended-body", true);
        assert_eq!(store.claim_at(&ended, "o", LEASE, 0.0), Claim::Claimed);
        assert!(store.complete_at(&ended, "o", 0.0));
        // 20 001 replays of a body with no replay key, each under a fresh id.
        for n in 0..20_001 {
            let live = delivery(&format!("flood-{n}"), "live-body", false);
            assert_eq!(store.claim_at(&live, "f", LEASE, 1.0), Claim::Claimed);
            store.complete_at(&live, "f", 0.0);
        }
        assert!(store.inner.borrow().keys.len() <= 2 + IDENTITIES_PER_BODY, "the flood's body keeps its newest identities only");
        assert_eq!(store.claim_at(&delivery("ended-again", "ended-body", true), "x", LEASE, 2.0), Claim::Done);
        // Past its ttl, it goes.
        assert_eq!(store.claim_at(&delivery("ended-later", "ended-body", true), "x", LEASE, 3_600_001.0), Claim::Claimed);
    }

    #[test]
    fn a_flood_of_one_body_under_fresh_ids_does_not_flush_another_handled_delivery_without_a_replay_key() {
        let store = MemoryStore::new(100, Duration::from_secs(3600));
        let live = delivery("live-1", "live-body", false);
        assert_eq!(store.claim_at(&live, "o", LEASE, 0.0), Claim::Claimed);
        assert!(store.complete_at(&live, "o", 0.0));
        for n in 0..20_001 {
            let flood = delivery(&format!("flood-{n}"), "captured-body", false);
            assert_eq!(store.claim_at(&flood, "f", LEASE, 1.0), Claim::Claimed);
            assert!(store.complete_at(&flood, "f", 1.0));
        }
        assert_eq!(store.claim_at(&live, "retry", LEASE, 2.0), Claim::Done, "its retry is still a repeat");
        // The flood's own body: its newest identities only.
        assert_eq!(store.claim_at(&delivery("flood-20000", "captured-body", false), "x", LEASE, 2.0), Claim::Done);
        assert_eq!(store.claim_at(&delivery("flood-0", "captured-body", false), "x", LEASE, 2.0), Claim::Claimed);
        assert!(store.inner.borrow().keys.len() <= 2 + IDENTITIES_PER_BODY);
    }

    #[test]
    fn a_flood_does_not_flush_a_claim_whose_handler_is_running() {
        let store = MemoryStore::new(10, Duration::from_secs(3600));
        let running = delivery("running", "running-body", true);
        let live = delivery("live", "live-body", false);
        assert_eq!(store.claim_at(&running, "slow", LEASE, 0.0), Claim::Claimed);
        assert_eq!(store.claim_at(&live, "slow", LEASE, 0.0), Claim::Claimed);
        for n in 0..1_000 {
            let flood = delivery(&format!("flood-{n}"), "flood-body", false);
            store.claim_at(&flood, "f", LEASE, 1.0);
            store.complete_at(&flood, "f", 0.0);
        }
        assert_eq!(store.claim_at(&running, "copy", LEASE, 2.0), Claim::Busy);
        assert_eq!(store.claim_at(&live, "copy", LEASE, 2.0), Claim::Busy);
        assert!(store.inner.borrow().live_count <= 22, "the rest stays bounded");
        // Once their lease ran out, they may go like the rest.
        for n in 0..100 {
            let later = delivery(&format!("later-{n}"), "x", false);
            store.claim_at(&later, "f", LEASE, 70_000.0);
            store.complete_at(&later, "f", 0.0);
        }
        assert!(store.inner.borrow().live_count <= 20);
    }

    #[test]
    fn claims_name_themselves() {
        for claim in [Claim::Claimed, Claim::Done, Claim::Busy] {
            assert_eq!(Claim::from_name(claim.as_str()), Some(claim));
        }
        assert_eq!(Claim::from_name("ok"), None);
    }
}
