//! When to retry, and how long to wait: pure functions, tested natively.

use std::time::Duration;

use crate::error::Error;
use crate::json::number;

/// The longest server-requested wait the client sleeps; a longer one is
/// returned to the caller at once as an error whose `retry_after` says how long.
pub const MAX_SERVER_WAIT_SECS: f64 = 60.0;

/// Statuses worth another attempt: the request did not take effect, or may
/// succeed later.
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Whether an idempotent request that failed with `error` may be sent again.
pub(crate) fn retryable(error: &Error) -> bool {
    match error {
        Error::Connection(_) | Error::Timeout(_) => true,
        Error::Api(api) => retryable_status(api.status) && api.problem.is_none(),
        Error::Validation(_) | Error::Aborted(_) => false,
    }
}

/// Whether a create (`POST`) that failed with `error` may have created the
/// webhook anyway: no reply, or a server error after the request arrived.
pub(crate) fn ambiguous(error: &Error) -> bool {
    match error {
        Error::Connection(_) | Error::Timeout(_) => true,
        Error::Api(api) => api.status >= 500 || api.status == 408,
        Error::Validation(_) | Error::Aborted(_) => false,
    }
}

/// Exponential backoff before retry number `retry` (0-based):
/// `min(0.5 s * 2^retry, 8 s)`, less up to 25 % jitter (`jitter` in `[0, 1)`).
pub(crate) fn backoff(retry: u32, jitter: f64) -> Duration {
    let base_ms = (500u64 << retry.min(16)).min(8_000);
    let jitter = jitter.clamp(0.0, 1.0);
    Duration::from_millis((base_ms as f64 * (1.0 - 0.25 * jitter)) as u64)
}

/// The wait-related headers of a reply, and the body's `retry_after`.
#[derive(Debug, Default, Clone)]
pub(crate) struct WaitHints {
    pub retry_after_ms: Option<String>,
    pub retry_after: Option<String>,
    pub ratelimit: Option<String>,
    pub x_ratelimit_reset: Option<String>,
    pub body_retry_after: Option<f64>,
}

impl WaitHints {
    /// How long the server asked to wait, in seconds: the longest of all the
    /// hints it gave (Cloudflare can send `retry-after: 0` with the real delay in
    /// the body), or `None` when it gave none.
    pub(crate) fn delay(&self, now_ms: f64) -> Option<f64> {
        let now = now_ms / 1000.0;
        let from_ms = self.retry_after_ms.as_deref().and_then(number).map(|ms| ms / 1000.0);
        let from_retry_after = self.retry_after.as_deref().and_then(|v| seconds_or_date(v, now));
        let from_ratelimit = self.ratelimit.as_deref().and_then(ratelimit_reset);
        let from_reset = self.x_ratelimit_reset.as_deref().and_then(|v| reset(v, now));
        [from_ms, from_retry_after, from_ratelimit, from_reset, self.body_retry_after]
            .into_iter()
            .flatten()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .reduce(f64::max)
    }
}

/// `retry-after`: delay seconds, or an HTTP date.
fn seconds_or_date(value: &str, now: f64) -> Option<f64> {
    number(value).or_else(|| http_date(value).map(|at| (at - now).max(0.0)))
}

/// `x-ratelimit-reset`: an HTTP date (RFC 1123), Unix seconds, or delay seconds.
fn reset(value: &str, now: f64) -> Option<f64> {
    match number(value) {
        Some(n) if n > 1e9 => Some((n - now).max(0.0)),
        Some(n) => Some(n),
        None => http_date(value).map(|at| (at - now).max(0.0)),
    }
}

/// The reset of an IETF `RateLimit` header, in both draft syntaxes:
/// `limit=100, remaining=0, reset=30` and `"default";r=0;t=30`.
fn ratelimit_reset(value: &str) -> Option<f64> {
    value
        .split([',', ';'])
        .filter_map(|param| param.split_once('='))
        .find(|(key, _)| matches!(key.trim_ascii(), "reset" | "t"))
        .and_then(|(_, v)| number(v))
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix seconds.
pub(crate) fn http_date(value: &str) -> Option<f64> {
    let mut parts = value.split_ascii_whitespace();
    let _weekday = parts.next()?;
    let day: i64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..61).contains(&s) {
        return None;
    }
    Some((days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, Failure};

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(0, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(backoff(4, 0.0), Duration::from_secs(8));
        assert_eq!(backoff(40, 0.0), Duration::from_secs(8));
        assert_eq!(backoff(0, 0.999_999), Duration::from_millis(375));
        assert!(backoff(3, 0.5) < backoff(3, 0.0));
    }

    #[test]
    fn statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 422, 501] {
            assert!(!retryable_status(s), "{s}");
        }
        let api = |status| Error::Api(Box::new(ApiError::from_reply(status, None, String::new())));
        let (timeout, aborted) = (Error::Timeout(Failure::new("")), Error::Aborted(Failure::new("")));
        assert!(retryable(&timeout) && retryable(&api(503)) && !retryable(&api(404)) && !retryable(&aborted));
        assert!(ambiguous(&api(500)) && ambiguous(&Error::connection("x")) && !ambiguous(&api(429)) && !ambiguous(&api(400)));
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777.0));
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0.0));
        assert_eq!(http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
        assert_eq!(http_date("garbage"), None);
        assert_eq!(http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(http_date("Sun, 06 Nov 1994 08:49 GMT"), None);
    }

    #[test]
    fn server_wait_hints() {
        let now = 784_111_777_000.0;
        let hints = |f: fn(&mut WaitHints)| {
            let mut h = WaitHints::default();
            f(&mut h);
            h.delay(now)
        };
        assert_eq!(hints(|_| {}), None);
        assert_eq!(hints(|h| h.retry_after_ms = Some("1500".into())), Some(1.5));
        assert_eq!(hints(|h| h.retry_after = Some("3".into())), Some(3.0));
        assert_eq!(hints(|h| h.retry_after = Some("Sun, 06 Nov 1994 08:49:47 GMT".into())), Some(10.0));
        assert_eq!(hints(|h| h.retry_after = Some("Sun, 06 Nov 1994 08:49:00 GMT".into())), Some(0.0));
        assert_eq!(hints(|h| h.ratelimit = Some("limit=100, remaining=0, reset=30".into())), Some(30.0));
        assert_eq!(hints(|h| h.ratelimit = Some("\"default\";r=0;t=12".into())), Some(12.0));
        assert_eq!(hints(|h| h.x_ratelimit_reset = Some("Sun, 06 Nov 1994 08:50:37 GMT".into())), Some(60.0));
        let epoch = WaitHints { x_ratelimit_reset: Some("1800000020".into()), ..Default::default() };
        assert_eq!(epoch.delay(1_800_000_000_000.0), Some(20.0));
        assert_eq!(hints(|h| h.x_ratelimit_reset = Some("5".into())), Some(5.0));
        // retry-after: 0 with the real delay in the body: the body wins.
        assert_eq!(
            hints(|h| {
                h.retry_after = Some("0".into());
                h.body_retry_after = Some(17.0)
            }),
            Some(17.0)
        );
        assert_eq!(hints(|h| h.retry_after = Some("-4".into())), None);
        assert_eq!(hints(|h| h.retry_after = Some("soon".into())), None);
    }
}
