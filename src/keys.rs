//! When the delivery verifier may fetch the public key again: pure, tested
//! natively (the verifier in `verify` keeps one [`Schedule`]).
//!
//! After a successful fetch the next one waits the cooldown (so forged
//! deliveries cannot make the verifier flood the key URL); after a failed one
//! the wait starts at 1 s and doubles up to the cooldown, so a key server that
//! hiccups is tried again soon. A key older than its max age is due a refresh.

use std::time::Duration;

/// The least time between two fetches of the key, by default: short enough
/// that a delivery signed with a new key, answered 503 until the key may be
/// fetched again, comes back within the sender's retries; long enough that
/// forged requests cannot flood the key URL.
pub const DEFAULT_KEY_COOLDOWN: Duration = Duration::from_secs(10);
/// How long a fetched key is used before it is fetched again, by default.
pub const DEFAULT_KEY_MAX_AGE: Duration = Duration::from_secs(600);
/// How long a key stays accepted after a fetch brought a new one, by default
/// (a day: RealtimeKit's retries of deliveries signed before a rotation).
pub const DEFAULT_PREVIOUS_KEY_GRACE: Duration = Duration::from_secs(24 * 60 * 60);
/// The first wait after a failed fetch.
const FIRST_RETRY_MS: f64 = 1000.0;

/// The key fetches so far, and what they allow next. Times are ms since the epoch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Schedule {
    pub cooldown_ms: f64,
    pub max_age_ms: f64,
    /// How long a replaced key stays accepted (0: not at all).
    pub grace_ms: f64,
    /// When the last fetch started.
    last_attempt: Option<f64>,
    /// Failed fetches since the last success.
    failures: u32,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            cooldown_ms: DEFAULT_KEY_COOLDOWN.as_millis() as f64,
            max_age_ms: DEFAULT_KEY_MAX_AGE.as_millis() as f64,
            grace_ms: DEFAULT_PREVIOUS_KEY_GRACE.as_millis() as f64,
            last_attempt: None,
            failures: 0,
        }
    }
}

impl Schedule {
    /// When the next fetch may start.
    fn next_allowed(&self) -> f64 {
        let Some(last) = self.last_attempt else { return f64::NEG_INFINITY };
        let wait = match self.failures {
            0 => self.cooldown_ms,
            n => (FIRST_RETRY_MS * 2f64.powi(n.min(30) as i32 - 1)).min(self.cooldown_ms),
        };
        last + wait
    }

    /// Whether a fetch may start at `now`.
    pub fn may_fetch(&self, now: f64) -> bool {
        now >= self.next_allowed()
    }

    /// Whole seconds until a fetch may start (at least 1, so a `Retry-After` is never 0).
    pub fn wait_secs(&self, now: f64) -> u64 {
        let wait = ((self.next_allowed() - now) / 1000.0).ceil();
        if wait.is_finite() && wait > 1.0 {
            wait as u64
        } else {
            1
        }
    }

    /// Whether a key fetched at `fetched_at` is due a refresh at `now`.
    pub fn is_old(&self, fetched_at: f64, now: f64) -> bool {
        now - fetched_at >= self.max_age_ms
    }

    /// A fetch starts at `now`.
    pub fn started(&mut self, now: f64) {
        self.last_attempt = Some(now);
    }

    /// The fetch brought a usable key.
    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// The fetch failed, or brought nothing usable.
    pub fn failed(&mut self) {
        self.failures = self.failures.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_fetch_is_allowed_at_once_then_one_per_cooldown() {
        let mut s = Schedule { cooldown_ms: 30_000.0, ..Schedule::default() };
        assert!(s.may_fetch(0.0));
        s.started(1_000.0);
        s.succeeded();
        assert!(!s.may_fetch(1_000.0));
        assert!(!s.may_fetch(30_999.0));
        assert_eq!(s.wait_secs(1_000.0), 30);
        assert_eq!(s.wait_secs(30_500.0), 1);
        assert!(s.may_fetch(31_000.0));
    }

    #[test]
    fn failures_back_off_from_one_second_up_to_the_cooldown() {
        let mut s = Schedule { cooldown_ms: 30_000.0, ..Schedule::default() };
        let mut now = 0.0;
        for expected in [1_000.0, 2_000.0, 4_000.0, 8_000.0, 16_000.0, 30_000.0, 30_000.0] {
            s.started(now);
            s.failed();
            assert!(!s.may_fetch(now + expected - 1.0), "wait {expected}");
            assert!(s.may_fetch(now + expected), "wait {expected}");
            now += expected;
        }
        // Thousands of failures neither overflow nor wait longer than the cooldown.
        for _ in 0..5_000 {
            s.failed();
        }
        assert!(s.may_fetch(now + 30_000.0));
        s.started(now);
        s.succeeded();
        assert!(!s.may_fetch(now + 29_999.0));
    }

    #[test]
    fn a_shorter_cooldown_caps_the_backoff_and_keys_age() {
        let mut s = Schedule { cooldown_ms: 500.0, max_age_ms: 2_000.0, ..Schedule::default() };
        s.started(0.0);
        s.failed();
        assert!(s.may_fetch(500.0));
        assert!(!s.is_old(0.0, 1_999.0));
        assert!(s.is_old(0.0, 2_000.0));
    }
}
