//! The one error type of the client, and how an error reply becomes one.
//!
//! Messages carry the status and the API's own messages; they never carry a
//! credential (the client redacts its own secrets from any text the server
//! echoes, see [`ApiError::redact`]).

use std::fmt;

use crate::json::Doc;

/// Cloudflare's error code for a URL that is no API endpoint ("No route for the URI").
const NO_ROUTE: i64 = 7003;

/// Most of an error body kept in [`ApiError::body`]; the rest is cut.
pub const MAX_ERROR_BODY: usize = 8 * 1024;

/// Everything that can go wrong in a call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Bad input: the request was not sent.
    Validation(ValidationError),
    /// The API replied with an error status, `success: false`, or a body that is not what the API sends.
    Api(Box<ApiError>),
    /// No usable reply: the network, the `fetch`, or reading the body failed.
    Connection(Box<Failure>),
    /// An attempt did not finish within its timeout.
    Timeout(Box<Failure>),
    /// The caller's `AbortSignal` fired.
    Aborted(Box<Failure>),
}

/// A request that got no reply: what went wrong, and which request it was.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Failure {
    /// What went wrong (a connection error's own message; empty for a timeout or an abort).
    pub message: String,
    /// The request, when the client made it.
    pub request: Option<RequestContext>,
    /// What `fetch` threw (the JS error's `cause`).
    pub(crate) cause: Cause,
}

/// What `fetch` threw, kept for the JS error's `cause` (nothing natively).
#[cfg(target_arch = "wasm32")]
pub(crate) type Cause = Option<wasm_bindgen::JsValue>;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type Cause = ();

/// Which request failed, for messages: never a credential (a URL's user and
/// password are left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The client method: `list`, `create`, `get`, `replace`, `edit`, `delete`, `supportedEvents`.
    pub operation: &'static str,
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// The URL called, without any user or password in it.
    pub url: String,
    /// This attempt (1 for the first).
    pub attempt: u32,
    /// The attempts allowed (1 + retries).
    pub attempts: u32,
    /// The time allowed for each attempt, in ms.
    pub timeout_ms: u64,
    /// Whether it failed while waiting to retry (after `attempt`), not during an attempt.
    pub waiting: bool,
}

impl Failure {
    /// A failure of no particular request.
    pub(crate) fn new(message: impl Into<String>) -> Box<Failure> {
        Box::new(Failure { message: message.into(), request: None, cause: Cause::default() })
    }
}

/// Bad input, named by the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The field at fault (`name`, `events[2]`, `webhookId`, ...).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An error reply from the API.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The `{code, message}` items of whichever error envelope came back.
    pub errors: Vec<ErrorDetail>,
    /// The `cf-ray` header, which identifies the request to Cloudflare support.
    pub request_id: Option<String>,
    /// How long the server asked to wait before retrying, in seconds.
    pub retry_after: Option<f64>,
    /// The body text, cut at [`MAX_ERROR_BODY`] bytes.
    pub body: String,
    /// What went wrong when the body is not an error envelope we could read
    /// (for a 2xx reply that did not decode, say); `None` for ordinary errors.
    pub problem: Option<String>,
    /// The request that got this reply, when the client made it.
    pub request: Option<RequestContext>,
}

/// One `{code, message}` item of an error envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    /// The API's error code (Cloudflare codes can exceed 65535).
    pub code: Option<i64>,
    /// The API's message.
    pub message: String,
}

impl Error {
    /// A validation error for `field`.
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Validation(ValidationError { field: field.into(), message: message.into() })
    }

    /// The HTTP status, when the API replied.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            _ => None,
        }
    }

    /// Whether the API replied (with an error).
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// Whether an attempt timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_))
    }

    /// A connection error of no particular request.
    pub(crate) fn connection(message: impl Into<String>) -> Error {
        Error::Connection(Failure::new(message))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Validation(v) => write!(f, "{}: {}", v.field, v.message),
            Error::Api(api) => api.fmt(f),
            Error::Connection(failure) => match &failure.request {
                Some(request) => write!(f, "{request} failed: {} ({})", failure.message, Attempt(request)),
                None => write!(f, "connection error: {}", failure.message),
            },
            Error::Timeout(failure) => match &failure.request {
                Some(request) => write!(f, "{request} timed out after {} ms ({})", request.timeout_ms, Attempt(request)),
                None => f.write_str("request timed out"),
            },
            Error::Aborted(failure) => match &failure.request {
                Some(request) if request.waiting => write!(f, "{request} was aborted while waiting to retry ({})", Attempt(request)),
                Some(request) if !failure.message.is_empty() => write!(f, "{request} was aborted {}", failure.message),
                Some(request) => write!(f, "{request} was aborted ({})", Attempt(request)),
                None => f.write_str("request was aborted"),
            },
        }
    }
}

impl RequestContext {
    /// The webhook's id (as the URL carries it), for the operations on one webhook.
    fn webhook_id(&self) -> Option<&str> {
        matches!(self.operation, "get" | "replace" | "edit" | "delete")
            .then(|| self.url.split(['?', '#']).next().and_then(|path| path.rsplit('/').next()))
            .flatten()
            .filter(|id| !id.is_empty())
    }
}

impl fmt::Display for RequestContext {
    /// `list: GET https://...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.operation, self.method, self.url)
    }
}

/// `attempt 2 of 3`, or `after attempt 2 of 3` for a failure while waiting to retry.
struct Attempt<'a>(&'a RequestContext);

impl fmt::Display for Attempt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let after = if self.0.waiting { "after " } else { "" };
        write!(f, "{after}attempt {} of {}", self.0.attempt, self.0.attempts)
    }
}

/// `url` without a user or password (`https://user:pass@host/...` shows as `https://host/...`).
pub(crate) fn url_without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// `url` as messages show it: without a user or password, nor the query
/// string (which may hold a secret).
pub(crate) fn shown_url(url: &str) -> String {
    let url = url_without_credentials(url);
    let end = url.find(['?', '#']).unwrap_or(url.len());
    match url[end..].starts_with('?') {
        true => format!("{}?[redacted]", &url[..end]),
        false => url[..end].to_owned(),
    }
}

/// What of a URL may be a secret: its query string, and each value in it,
/// as written and decoded (a key server may echo one on its own), but values
/// too short to be one.
pub(crate) fn query_secrets(url: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    let mut keep = |secret: &str| {
        if secret.len() >= 4 {
            secrets.push(secret.to_owned());
        }
    };
    if let Some((_, query)) = url.split_once('?') {
        let query = query.split('#').next().unwrap_or(query);
        keep(query);
        for (_, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
            if let Some(decoded) = percent_decoded(value).filter(|decoded| decoded != value) {
                keep(&decoded);
            }
            keep(value);
        }
    }
    secrets
}

/// A query value decoded: `%XX` escapes and `+` for a space (a malformed
/// escape is kept as it is); `None` when the bytes are not UTF-8.
fn percent_decoded(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

impl std::error::Error for Error {}

impl ApiError {
    /// An error for a reply with `status`, reading whichever envelope `body` holds.
    pub(crate) fn from_reply(status: u16, request_id: Option<String>, body: String) -> ApiError {
        let envelope = Doc::parse(&body).ok();
        let errors = envelope.as_ref().map(error_details).unwrap_or_default();
        let retry_after =
            envelope.as_ref().and_then(|e| e.get("retry_after")).and_then(|r| r.as_number()).filter(|s| s.is_finite() && *s >= 0.0);
        ApiError { status, errors, request_id, retry_after, body: cut(body, MAX_ERROR_BODY), problem: None, request: None }
    }

    /// An error for a reply whose body is not what the API sends.
    pub(crate) fn bad_reply(status: u16, request_id: Option<String>, body: String, problem: String) -> ApiError {
        ApiError { problem: Some(problem), ..ApiError::from_reply(status, request_id, body) }
    }

    /// Replaces every occurrence of each secret in the texts the server sent back.
    pub(crate) fn redact(&mut self, secrets: &[&str]) {
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            if self.body.contains(secret) {
                self.body = self.body.replace(secret, "[redacted]");
            }
            for detail in &mut self.errors {
                if detail.message.contains(secret) {
                    detail.message = detail.message.replace(secret, "[redacted]");
                }
            }
            if let Some(problem) = &mut self.problem {
                if problem.contains(secret) {
                    *problem = problem.replace(secret, "[redacted]");
                }
            }
        }
    }

    /// A short text of the body for the message, when no envelope gave messages:
    /// an HTML page's `<title>`, or the first line of plain text.
    fn body_summary(&self) -> Option<String> {
        let body = self.body.trim_ascii();
        if body.is_empty() || body.starts_with('{') || body.starts_with('[') {
            return None;
        }
        let text = if body.starts_with('<') {
            let lower = body.to_ascii_lowercase();
            let start = lower.find("<title>")? + "<title>".len();
            let end = lower.get(start..)?.find("</title>")? + start;
            body.get(start..end)?
        } else {
            body.lines().next()?
        };
        let text = text.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
        (!text.is_empty()).then(|| cut(text, 200))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(reason) = reason_phrase(self.status) {
            write!(f, " {reason}")?;
        }
        let mut sep = ": ";
        if let Some(problem) = &self.problem {
            write!(f, "{sep}{problem}")?;
            sep = "; ";
        }
        for detail in &self.errors {
            match detail.code {
                Some(code) if code != i64::from(self.status) => write!(f, "{sep}{} (code {code})", detail.message)?,
                _ => write!(f, "{sep}{}", detail.message)?,
            }
            sep = "; ";
        }
        if self.errors.is_empty() && self.problem.is_none() {
            if let Some(summary) = self.body_summary() {
                write!(f, ": {summary}")?;
            }
        }
        // A 404 with no API error, or Cloudflare's "No route for the URI": the URL
        // itself is wrong, most often the base URL.
        let no_route = (self.status == 404 && self.errors.is_empty() && self.problem.is_none())
            || self.errors.iter().any(|e| e.code == Some(NO_ROUTE));
        match &self.request {
            Some(request) if no_route => write!(f, " ({request} is not an API endpoint: check baseURL, which ends in /client/v4)")?,
            Some(request) => {
                // The webhook a call on one was about, when the API says it is not there.
                if let Some(id) = request.webhook_id().filter(|_| self.status == 404) {
                    write!(f, ": no webhook {id} in this app")?;
                }
                // Which call, and whether the retries ran out: `(get: GET https://..., attempt 3 of 3)`.
                write!(f, " ({request}, {})", Attempt(request))?;
            }
            None => {}
        }
        if let Some(secs) = self.retry_after {
            write!(f, " (retry after {}s)", Seconds(secs))?;
        }
        Ok(())
    }
}

/// The `{code, message}` items of any of the three error envelopes:
/// Cloudflare `errors[]`, RealtimeKit `error{code,message}`, bare `{message}`.
fn error_details(body: &Doc) -> Vec<ErrorDetail> {
    let detail = |item: &Doc| -> Option<ErrorDetail> {
        let message = item.as_str().or_else(|| item.get("message")?.as_str())?;
        let code = item.get("code").and_then(|c| c.as_number()).filter(|c| c.fract() == 0.0 && c.abs() < 9e15);
        Some(ErrorDetail { code: code.map(|c| c as i64), message })
    };
    let mut details: Vec<ErrorDetail> = body.get("errors").and_then(|e| e.items()).unwrap_or_default().iter().filter_map(detail).collect();
    if let Some(error) = body.get("error").as_ref().and_then(detail) {
        details.push(error);
    }
    if details.is_empty() {
        if let Some(message) = body.get("message").and_then(|m| m.as_str()).filter(|m| !m.is_empty()) {
            details.push(ErrorDetail { code: None, message });
        }
    }
    details
}

/// Seconds written with up to three decimals, without float formatting
/// (which would add kilobytes to the wasm module).
struct Seconds(f64);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = (self.0 * 1000.0).round() as u64;
        write!(f, "{}", millis / 1000)?;
        let mut fraction = millis % 1000;
        if fraction > 0 {
            let mut digits = 3;
            while fraction % 10 == 0 {
                fraction /= 10;
                digits -= 1;
            }
            write!(f, ".{fraction:0digits$}")?;
        }
        Ok(())
    }
}

/// `text` cut to at most `max` bytes, on a character boundary.
pub(crate) fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_url_has_no_credentials_nor_query() {
        assert_eq!(shown_url("https://user:pw@keys.example/k.json?token=abcd#frag"), "https://keys.example/k.json?[redacted]");
        assert_eq!(shown_url("https://keys.example/k.json#frag"), "https://keys.example/k.json");
        assert_eq!(shown_url("https://keys.example/k.json"), "https://keys.example/k.json");
        assert_eq!(
            query_secrets("https://k.example/k?token=abcd&v=1&sig=0123456789#x"),
            ["token=abcd&v=1&sig=0123456789", "abcd", "0123456789"]
        );
        assert!(query_secrets("https://k.example/k").is_empty());
        assert_eq!(query_secrets("https://k.example/k?tok=s3cr%2Bt+T0%zz"), ["tok=s3cr%2Bt+T0%zz", "s3cr+t T0%zz", "s3cr%2Bt+T0%zz"]);
    }

    #[test]
    fn cloudflare_envelope() {
        let e = ApiError::from_reply(
            400,
            Some("8f1c".into()),
            r#"{"success":false,"errors":[{"code":81053,"message":"No route for the URI"}],"messages":[],"result":null}"#.into(),
        );
        assert_eq!(e.errors, vec![ErrorDetail { code: Some(81053), message: "No route for the URI".into() }]);
        assert_eq!(e.to_string(), "400 Bad Request: No route for the URI (code 81053)");
    }

    #[test]
    fn realtimekit_envelope() {
        let e = ApiError::from_reply(
            400,
            None,
            r#"{"success":false,"error":{"code":400,"message":"BAD_REQUEST: \"name\" is required"}}"#.into(),
        );
        assert_eq!(e.errors[0].code, Some(400));
        assert_eq!(e.to_string(), "400 Bad Request: BAD_REQUEST: \"name\" is required");
    }

    #[test]
    fn bare_message_and_html_and_text() {
        let e = ApiError::from_reply(401, None, r#"{"message":"Unauthorized"}"#.into());
        assert_eq!(e.to_string(), "401 Unauthorized: Unauthorized");
        let e = ApiError::from_reply(502, None, "<html><head><TITLE>502 Bad Gateway</TITLE></head></html>".into());
        assert!(e.errors.is_empty());
        assert_eq!(e.to_string(), "502 Bad Gateway: 502 Bad Gateway");
        let e = ApiError::from_reply(503, None, "upstream connect error\nmore".into());
        assert_eq!(e.to_string(), "503 Service Unavailable: upstream connect error");
        let e = ApiError::from_reply(500, None, String::new());
        assert_eq!(e.to_string(), "500 Internal Server Error");
    }

    #[test]
    fn a_reply_to_a_call_names_the_call_and_its_attempt_and_a_missing_webhook_its_id() {
        let request = |operation, method, path: &str, attempt| RequestContext {
            operation,
            method,
            url: format!("https://api.example.com/client/v4/accounts/a/realtime/kit/app/webhooks{path}"),
            attempt,
            attempts: 3,
            timeout_ms: 30_000,
            waiting: false,
        };
        let mut e = ApiError::from_reply(503, None, "upstream connect error".into());
        e.request = Some(request("list", "GET", "", 3));
        assert_eq!(
            e.to_string(),
            "503 Service Unavailable: upstream connect error (list: GET https://api.example.com/client/v4/accounts/a/realtime/kit/app/webhooks, attempt 3 of 3)"
        );
        let mut e = ApiError::from_reply(404, None, r#"{"success":false,"error":{"code":404,"message":"Webhook not found"}}"#.into());
        e.request = Some(request("edit", "PATCH", "/wh-1", 1));
        assert_eq!(
            e.to_string(),
            "404 Not Found: Webhook not found: no webhook wh-1 in this app (edit: PATCH https://api.example.com/client/v4/accounts/a/realtime/kit/app/webhooks/wh-1, attempt 1 of 3)"
        );
    }

    #[test]
    fn seconds_are_written_plainly() {
        for (secs, text) in [(17.0, "17"), (1.5, "1.5"), (0.01, "0.01"), (120.25, "120.25"), (0.0004, "0")] {
            assert_eq!(Seconds(secs).to_string(), text);
        }
    }

    #[test]
    fn retry_after_in_body() {
        let e = ApiError::from_reply(429, None, r#"{"success":false,"errors":[],"retry_after":17}"#.into());
        assert_eq!(e.retry_after, Some(17.0));
        let e = ApiError::from_reply(429, None, r#"{"retry_after":-3}"#.into());
        assert_eq!(e.retry_after, None);
    }

    #[test]
    fn odd_envelopes_do_not_fail() {
        for body in [
            r#"{"errors":"x"}"#,
            r#"{"errors":[1,null,{"code":"12","message":"m"}]}"#,
            "null",
            "[]",
            r#"{"error":"boom"}"#,
            r#"{"error":{"code":1e300,"message":"big"}}"#,
        ] {
            let e = ApiError::from_reply(500, None, body.into());
            let _ = e.to_string();
        }
        let e = ApiError::from_reply(500, None, r#"{"errors":[1,null,{"code":"12","message":"m"}]}"#.into());
        assert_eq!(e.errors, vec![ErrorDetail { code: Some(12), message: "m".into() }]);
        let e = ApiError::from_reply(500, None, r#"{"error":"boom"}"#.into());
        assert_eq!(e.errors[0].message, "boom");
    }

    proptest::proptest! {
        /// Any body with any status becomes an error with a message, without panicking.
        #[test]
        fn any_error_reply_is_readable(status in 100u16..600, text in ".{0,400}", bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            for body in [text.clone(), String::from_utf8_lossy(&bytes).into_owned()] {
                let mut e = ApiError::from_reply(status, None, body);
                e.redact(&["a", "é", ""]);
                proptest::prop_assert!(e.to_string().starts_with(&status.to_string()));
                proptest::prop_assert!(e.body.len() <= MAX_ERROR_BODY);
            }
        }

        /// Envelope-shaped bodies with values of any type are read without panicking.
        #[test]
        fn any_envelope_shape(code in proptest::option::of(proptest::num::f64::ANY), message in proptest::option::of(".{0,20}"), retry in proptest::num::f64::ANY) {
            let code = code.map(|c| if c.is_finite() { serde_json::json!(c) } else { serde_json::json!(null) });
            let retry = if retry.is_finite() { serde_json::json!(retry) } else { serde_json::json!("NaN") };
            for body in [
                serde_json::json!({"errors": [{"code": code, "message": message}], "retry_after": retry}),
                serde_json::json!({"error": {"code": code, "message": message}}),
                serde_json::json!({"message": message, "errors": code}),
            ] {
                let e = ApiError::from_reply(429, None, body.to_string());
                let _ = e.to_string();
                if let Some(r) = e.retry_after {
                    proptest::prop_assert!(r.is_finite() && r >= 0.0);
                }
            }
        }
    }

    #[test]
    fn body_is_bounded_and_secrets_redacted() {
        let e = ApiError::from_reply(500, None, "é".repeat(MAX_ERROR_BODY));
        assert!(e.body.len() <= MAX_ERROR_BODY);
        let mut e = ApiError::from_reply(401, None, r#"{"message":"bad token s3cret"}"#.into());
        e.redact(&["s3cret", ""]);
        assert!(!e.body.contains("s3cret") && !e.to_string().contains("s3cret"));
    }
}
