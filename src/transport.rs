//! The only code that touches `fetch`: one HTTP exchange with a per-attempt
//! timeout, the caller's `AbortSignal` and a bounded read of the body, and the
//! wait between retries.
//!
//! The exchange itself runs in JavaScript (`src/wasm/fetch.js`) as one call and
//! one promise: a request then costs a single crossing of the wasm boundary
//! each way, where driving the fetch, the timer, the abort listeners and the
//! body reads from Rust crossed it dozens of times. Its outcome is a plain
//! object, never a rejection, so no `fetch` (one that returns a non-`Response`,
//! rejects with a string, ignores its signal) can trap the module.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;

use js_sys::{Array, Function, JsString, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortSignal;

use crate::boundary::failure;
use crate::json::Doc;
use crate::retry::Method;

/// Why an exchange produced no reply.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Failure {
    /// The fetch rejected, returned something that is not a response, or the
    /// body broke off: what happened, and what was thrown (if anything).
    Connection(String, Option<JsValue>),
    /// The attempt's timeout expired.
    Timeout,
    /// The caller's signal fired: its reason, and whether that was before the request was sent.
    Aborted(Option<JsValue>, bool),
}

/// A `fetch` to call: the global one, or one the user supplied.
#[derive(Clone, Default)]
pub struct Fetch(Option<Function>);

impl Fetch {
    /// The global `fetch`, looked up at each call.
    pub fn global() -> Fetch {
        Fetch(None)
    }

    /// A user-supplied function, called as `fetch(url, init)`.
    pub fn custom(function: Function) -> Fetch {
        Fetch(Some(function))
    }
}

impl std::fmt::Debug for Fetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Fetch(custom)" } else { "Fetch(global)" })
    }
}

/// One request to send.
pub(crate) struct Outgoing<'a> {
    pub method: Method,
    /// The URL is `base` + `path` (the client's URL is a JS string made once).
    pub base: &'a JsString,
    pub path: &'a str,
    /// As [`header_list`] made them.
    pub headers: &'a Array,
    pub body: Option<&'a str>,
    /// Ask caches for no stored copy (`cache: "no-store"`, where the runtime takes it).
    pub no_store: bool,
}

/// Request headers as `exchange` hands them to `fetch`: `[name, value]`
/// pairs, then `content-type: application/json` when the request has a body.
/// Made once per client (and per call only when the call adds headers).
pub(crate) fn header_list(headers: &[(String, String)], has_body: bool) -> Array {
    let body = has_body.then_some(("content-type", "application/json"));
    headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .chain(body)
        .map(|(name, value)| JsValue::from(Array::of2(&name.into(), &value.into())))
        .collect()
}

/// How much of a reply's body is read: the rest is cancelled, and
/// [`Reply::truncated`] set. Error bodies are only shown in part, so they are
/// read only in part.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    /// For a 2xx reply.
    pub success: usize,
    /// For any other status.
    pub error: usize,
}

/// A reply: status, headers (read on demand), and the body text, kept in JS.
pub(crate) struct Reply {
    pub status: u16,
    headers: JsValue,
    body: JsString,
    /// The body was longer than the read limit and was cut.
    pub truncated: bool,
}

impl Reply {
    /// A response header (names are case-insensitive); `None` when absent or unreadable.
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }

    /// The body text, as the engine holds it.
    pub fn body(&self) -> &JsString {
        &self.body
    }

    /// The body parsed as JSON (by the engine, in place).
    pub fn doc(&self) -> Result<Doc, String> {
        json_parse(&self.body).map(Doc::from_js).map_err(|e| describe_js(&e))
    }

    /// The body as text, at most `max` UTF-16 units of it.
    pub fn text(&self, max: u32) -> String {
        if self.body.length() > max {
            String::from(self.body.slice(0, max))
        } else {
            String::from(&self.body)
        }
    }
}

/// Sends one request and reads the reply's body, within `limits`.
pub(crate) async fn send(
    fetch: &Fetch,
    outgoing: &Outgoing<'_>,
    timeout: Duration,
    signal: Option<&AbortSignal>,
    limits: BodyLimits,
) -> Result<Reply, Failure> {
    let pending = exchange(
        fetch.0.as_ref(),
        outgoing.base,
        outgoing.path,
        outgoing.method.as_str(),
        outgoing.headers,
        outgoing.body,
        outgoing.no_store,
        timeout.as_millis().min(i32::MAX as u128) as f64,
        signal,
        limits.success as f64,
        limits.error as f64,
    );
    let outcome: Outcome = JsFuture::from(pending).await.map_err(|e| Failure::Connection(describe_js(&e), Some(e)))?.unchecked_into();
    if let Some(failure) = outcome.failure() {
        return Err(match failure.as_str() {
            failure::TIMEOUT => Failure::Timeout,
            failure::ABORTED => Failure::Aborted(Some(outcome.error()).filter(|e| !e.is_undefined()), outcome.unsent()),
            _ => Failure::Connection(outcome.message().unwrap_or_default(), Some(outcome.error()).filter(|e| !e.is_undefined())),
        });
    }
    let body = outcome.body().dyn_into::<JsString>().unwrap_or_else(|_| JsString::from(""));
    Ok(Reply { status: outcome.status() as u16, headers: outcome.headers(), body, truncated: outcome.truncated() })
}

/// Waits `delay`, or until `signal` fires ([`Failure::Aborted`]).
pub(crate) async fn sleep(delay: Duration, signal: Option<&AbortSignal>) -> Result<(), Failure> {
    let millis = delay.as_millis().min(i32::MAX as u128) as f64;
    match JsFuture::from(js_sleep(millis, signal)).await {
        Ok(slept) if slept.is_truthy() => Ok(()),
        _ => Err(Failure::Aborted(signal.map(AbortSignal::reason).filter(|r| !r.is_undefined()), false)),
    }
}

/// Which of two futures [`first`] saw finish first.
pub(crate) enum First<A, B> {
    Left(A),
    Right(B),
}

/// Runs `a` and `b` together until one finishes; the other is dropped.
pub(crate) async fn first<A: Future, B: Future>(a: A, b: B) -> First<A::Output, B::Output> {
    let (mut a, mut b) = (pin!(a), pin!(b));
    poll_fn(|cx| {
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            return Poll::Ready(First::Left(out));
        }
        b.as_mut().poll(cx).map(First::Right)
    })
    .await
}

/// `future`'s output, or `None` when `limit` passes first (the timer is cleared either way).
pub(crate) async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    let stop = Stop::new();
    match first(future, sleep(limit, stop.signal())).await {
        First::Left(out) => Some(out),
        First::Right(_) => None,
    }
}

/// An `AbortController` that aborts as it is dropped: a [`sleep`] given its
/// signal ends (its timer cleared) with the code that owns it, so no timer
/// outlives what it was for (a pending one keeps Node's process alive).
pub(crate) struct Stop(Option<(web_sys::AbortController, AbortSignal)>);

impl Stop {
    pub(crate) fn new() -> Stop {
        Stop(web_sys::AbortController::new().ok().map(|controller| {
            let signal = controller.signal();
            (controller, signal)
        }))
    }

    /// Its signal (none where the runtime has no `AbortController`).
    pub(crate) fn signal(&self) -> Option<&AbortSignal> {
        self.0.as_ref().map(|(_, signal)| signal)
    }
}

impl Drop for Stop {
    fn drop(&mut self) {
        if let Some((controller, _)) = &self.0 {
            controller.abort();
        }
    }
}

/// A token that no other attempt, in this process or another, will have:
/// the time and 53 random bits (an owner token: unique, not secret).
pub(crate) fn random_id() -> String {
    format!("{}-{}", now_ms() as u64, (random() * 9_007_199_254_740_992.0) as u64)
}

/// A Rust future as a JS promise, through one shared adapter: the future is
/// boxed, so `future_to_promise` and its task plumbing exist once in the wasm
/// module rather than once per future type.
pub(crate) fn promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let boxed: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(future);
    future_to_promise(boxed)
}

/// Milliseconds since the Unix epoch (`Date.now()`).
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A random number in `[0, 1)` (`Math.random()`), for backoff jitter.
pub(crate) fn random() -> f64 {
    js_sys::Math::random()
}

/// A thrown or rejected JS value as text: an `Error`'s message, a string, or its type.
pub(crate) fn describe_js(value: &JsValue) -> String {
    describe(value).as_string().unwrap_or_else(|| "an unprintable value".into())
}

#[wasm_bindgen(module = "/src/wasm/fetch.js")]
extern "C" {
    fn exchange(
        custom: Option<&Function>,
        base: &JsString,
        path: &str,
        method: &str,
        headers: &Array,
        body: Option<&str>,
        no_store: bool,
        timeout_ms: f64,
        signal: Option<&AbortSignal>,
        max_success: f64,
        max_error: f64,
    ) -> Promise;

    #[wasm_bindgen(js_name = sleep)]
    fn js_sleep(millis: f64, signal: Option<&AbortSignal>) -> Promise;

    fn header(headers: &JsValue, name: &str) -> Option<String>;

    fn describe(value: &JsValue) -> JsValue;

    /// UTF-8 bytes to a JS string, by one shared `TextDecoder` (malformed sequences become U+FFFD).
    #[wasm_bindgen(js_name = decodeUtf8)]
    pub(crate) fn decode_utf8(bytes: &Uint8Array) -> JsString;

    /// What `exchange` resolves to (a plain object it made).
    type Outcome;
    #[wasm_bindgen(method, getter)]
    fn failure(this: &Outcome) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn message(this: &Outcome) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn status(this: &Outcome) -> f64;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &Outcome) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn body(this: &Outcome) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn truncated(this: &Outcome) -> bool;
    #[wasm_bindgen(method, getter)]
    fn error(this: &Outcome) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn unsent(this: &Outcome) -> bool;
}

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JS string, without copying it through wasm memory.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub(crate) fn json_parse(text: &JsString) -> Result<JsValue, JsValue>;
}
