//! When to retry, and how long to wait: pure functions, tested natively.

use std::time::Duration;

use crate::error::Error;
use crate::json::number;

/// The longest server-requested wait the client sleeps; a longer one is
/// returned to the caller at once as an error whose `retry_after` says how long.
pub const MAX_SERVER_WAIT_SECS: f64 = 60.0;

/// An HTTP method of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// What the client does after an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// The call fails with the attempt's error.
    GiveUp,
    /// The request is sent again, after the server's wait or the backoff.
    Retry,
    /// The request may have taken effect: after the wait, the client looks
    /// whether it did, and sends it again only if it did not.
    LookThenRetry,
}

/// The one retry policy, by method and by what the attempt failed with (the
/// retries left aside):
///
/// | the attempt failed with | `GET`, `PUT`, `PATCH`, `DELETE` | `POST` (create) |
/// | --- | --- | --- |
/// | no reply: a connection error, a timeout | retry | look, then retry |
/// | 408, 500, 502, 503, 504 | retry | look, then retry |
/// | 429 | retry | retry |
/// | any other status (400, 401, 403, 404, 409, 422, 501, ...) | give up | give up |
/// | a 2xx reply that is not the API's, bad input, an abort | give up | give up |
///
/// `GET`, `PUT`, `PATCH` and `DELETE` do the same when repeated (a repeated
/// `DELETE` finds nothing, a 404). A `POST` repeated after it took effect
/// would make a second webhook; after a 429 the server did nothing, after the
/// others it may have created it.
pub(crate) fn next(method: Method, error: &Error) -> Next {
    let worth_another = match error {
        Error::Connection(_) | Error::Timeout(_) => true,
        Error::Api(api) => api.problem.is_none() && matches!(api.status, 408 | 429 | 500 | 502 | 503 | 504),
        Error::Validation(_) | Error::Aborted(_) => false,
    };
    match (worth_another, method) {
        (false, _) => Next::GiveUp,
        (true, Method::Post) if error.status() != Some(429) => Next::LookThenRetry,
        (true, _) => Next::Retry,
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
    fn the_policy_is_its_table() {
        let api = |status| Error::Api(Box::new(ApiError::from_reply(status, None, String::new())));
        let not_the_apis = Error::Api(Box::new(ApiError::bad_reply(200, None, String::new(), "too large".into())));
        let failures: Vec<(&str, Error, Next, Next)> = [
            ("a connection error", Error::connection("reset"), Next::Retry, Next::LookThenRetry),
            ("a timeout", Error::Timeout(Failure::new("")), Next::Retry, Next::LookThenRetry),
            ("429", api(429), Next::Retry, Next::Retry),
            ("a 2xx reply not the API's", not_the_apis, Next::GiveUp, Next::GiveUp),
            ("bad input", Error::invalid("name", "is required"), Next::GiveUp, Next::GiveUp),
            ("an abort", Error::Aborted(Failure::new("")), Next::GiveUp, Next::GiveUp),
        ]
        .into_iter()
        .chain([408, 500, 502, 503, 504].map(|s| ("a retryable status", api(s), Next::Retry, Next::LookThenRetry)))
        .chain([400, 401, 403, 404, 405, 409, 410, 422, 501, 505, 511].map(|s| ("another status", api(s), Next::GiveUp, Next::GiveUp)))
        .collect();
        for (what, error, idempotent, create) in &failures {
            for method in [Method::Get, Method::Put, Method::Patch, Method::Delete] {
                assert_eq!(next(method, error), *idempotent, "{} after {what} ({:?})", method.as_str(), error.status());
            }
            assert_eq!(next(Method::Post, error), *create, "POST after {what} ({:?})", error.status());
        }
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
