//! The only code that touches `fetch`: one HTTP exchange, with a per-attempt
//! timeout, the caller's `AbortSignal`, and a bounded read of the body.
//!
//! Every JS call here that can throw is bound with `catch`, and any value a
//! `fetch` resolves or rejects with is inspected before use, so a strange
//! `fetch` (one that returns a non-`Response`, rejects with a string, ignores
//! its signal) gives a [`Failure`], never a trap.

use std::time::Duration;

use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Function, JsString, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use crate::json::Doc;

/// Why an exchange produced no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The fetch rejected, returned something that is not a response, or the body broke off.
    Connection(String),
    /// The attempt's timeout expired.
    Timeout,
    /// The caller's signal fired.
    Aborted,
}

/// A `fetch` to call: the global one, or one the user supplied.
#[derive(Clone, Default)]
pub struct Fetch(Option<Function>);

impl Fetch {
    /// The global `fetch`, looked up at each call.
    pub fn global() -> Fetch {
        Fetch(None)
    }

    /// A user-supplied function called as `fetch(request)`.
    pub fn custom(function: Function) -> Fetch {
        Fetch(Some(function))
    }

    fn call(&self, request: &web_sys::Request) -> Result<JsValue, Failure> {
        let function = match &self.0 {
            Some(f) => f.clone(),
            None => js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("fetch"))
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
                .ok_or_else(|| Failure::Connection("no global fetch in this runtime".into()))?,
        };
        // `this` is undefined, never an options object: browsers throw
        // "Illegal invocation" when fetch is called as a method of another object.
        function
            .call1(&JsValue::UNDEFINED, request)
            .map_err(|e| Failure::Connection(describe_js(&e)))
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
    pub url: &'a str,
    /// Already checked by `validate::header`.
    pub headers: &'a [(String, String)],
    pub body: Option<String>,
}

/// A reply: status, the few headers the client reads, and the body text.
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
        let headers: &HeaderMap = self.headers.unchecked_ref();
        headers.get(name).ok()?.as_string()
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

/// Sends one request and reads the reply's body, within `limits`.
pub(crate) async fn send(
    fetch: &Fetch,
    outgoing: &Outgoing<'_>,
    timeout: Duration,
    signal: Option<&AbortSignal>,
    limits: BodyLimits,
) -> Result<Reply, Failure> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(Failure::Aborted);
    }
    let attempt = Attempt::start(timeout, signal)?;
    let result = exchange(fetch, outgoing, &attempt, limits).await;
    // Whatever failed, an abort or a timeout that fired explains it best.
    match result {
        Err(_) if signal.is_some_and(AbortSignal::aborted) => Err(Failure::Aborted),
        Err(_) if attempt.controller.signal().aborted() => Err(Failure::Timeout),
        other => other,
    }
}

async fn exchange(fetch: &Fetch, outgoing: &Outgoing<'_>, attempt: &Attempt, limits: BodyLimits) -> Result<Reply, Failure> {
    let headers = web_sys::Headers::new().map_err(|e| Failure::Connection(describe_js(&e)))?;
    for (name, value) in outgoing.headers {
        headers
            .append(name, value)
            .map_err(|e| Failure::Connection(format!("header {name}: {}", describe_js(&e))))?;
    }
    let builder = RequestBuilder::new(outgoing.url)
        .method(outgoing.method.clone())
        .headers(gloo_net::http::Headers::from_raw(headers))
        .abort_signal(Some(&attempt.controller.signal()));
    let request = match &outgoing.body {
        Some(body) => builder.body(body.as_str()),
        None => builder.build(),
    }
    .map_err(|e| Failure::Connection(e.to_string()))?;
    let request: web_sys::Request = request.into();

    let pending = fetch.call(&request)?;
    let response = attempt.race(Promise::resolve(&pending)).await?;
    let response = as_response(response)
        .ok_or_else(|| Failure::Connection("fetch did not return a Response".into()))?;
    let status = response
        .status()
        .ok()
        .and_then(|s| s.as_f64())
        .filter(|s| (100.0..=599.0).contains(s))
        .ok_or_else(|| Failure::Connection("fetch returned a Response without a valid status".into()))?
        as u16;
    let headers = response.headers().unwrap_or(JsValue::UNDEFINED);
    let max_body = if (200..300).contains(&status) { limits.success } else { limits.error };
    let (body, truncated) = read_body(&response, &headers, attempt, max_body).await?;
    Ok(Reply { status, headers, body, truncated })
}

/// Reads the body: `text()` when `content-length` shows it fits, else a
/// stream read that stops at `max` bytes.
async fn read_body(
    response: &FetchResponse,
    headers: &JsValue,
    attempt: &Attempt,
    max: usize,
) -> Result<(JsString, bool), Failure> {
    let length = headers
        .unchecked_ref::<HeaderMap>()
        .get("content-length")
        .ok()
        .and_then(|v| v.as_string())
        .and_then(|v| v.trim_ascii().parse::<usize>().ok());
    let stream = response.body().ok().filter(|b| !b.is_null() && !b.is_undefined());
    match (length, stream) {
        (Some(0), _) => Ok((JsString::from(""), false)),
        (Some(n), _) if n <= max => read_text(response, attempt).await.map(|t| (t, false)),
        (_, Some(stream)) => read_stream(&stream, attempt, max).await,
        (_, None) => read_text(response, attempt).await.map(|t| (t, false)),
    }
}

async fn read_text(response: &FetchResponse, attempt: &Attempt) -> Result<JsString, Failure> {
    let pending = response.text().map_err(|e| Failure::Connection(describe_js(&e)))?;
    let text = attempt.race(Promise::resolve(&pending)).await?;
    text.dyn_into::<JsString>()
        .map_err(|_| Failure::Connection("response text() did not give a string".into()))
}

async fn read_stream(stream: &JsValue, attempt: &Attempt, max: usize) -> Result<(JsString, bool), Failure> {
    let broken = |e: JsValue| Failure::Connection(format!("reading the body failed: {}", describe_js(&e)));
    let reader = stream.unchecked_ref::<Stream>().get_reader().map_err(broken)?;
    let chunks = js_sys::Array::new();
    let mut total = 0usize;
    let mut truncated = false;
    loop {
        let read = reader.read().map_err(broken)?;
        let step = attempt.race(read).await?;
        if js_sys::Reflect::get(&step, &"done".into()).map_err(broken)?.is_truthy() {
            break;
        }
        let chunk = js_sys::Reflect::get(&step, &"value".into())
            .map_err(broken)?
            .dyn_into::<Uint8Array>()
            .map_err(|_| Failure::Connection("the body stream gave a chunk that is not bytes".into()))?;
        let room = max - total;
        let len = chunk.length() as usize;
        if len > room {
            chunks.push(&chunk.subarray(0, room as u32));
            total = max;
            truncated = true;
            if let Ok(cancelled) = reader.cancel() {
                swallow(&cancelled);
            }
            break;
        }
        chunks.push(&chunk);
        total += len;
    }
    let bytes = Uint8Array::new_with_length(total as u32);
    let mut offset = 0u32;
    for chunk in chunks.iter() {
        let chunk: Uint8Array = chunk.unchecked_into();
        bytes.set(&chunk, offset);
        offset += chunk.length();
    }
    let text = decode_utf8(&bytes).map_err(broken)?;
    Ok((text, truncated))
}

/// UTF-8 bytes to a JS string, in JS (malformed sequences become U+FFFD).
pub(crate) fn decode_utf8(bytes: &Uint8Array) -> Result<JsString, JsValue> {
    TextDecoder::new()?.decode(bytes)
}

/// Waits `delay`, or until `signal` fires ([`Failure::Aborted`]).
pub(crate) async fn sleep(delay: Duration, signal: Option<&AbortSignal>) -> Result<(), Failure> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(Failure::Aborted);
    }
    let mut timer = JsValue::UNDEFINED;
    let mut listener: Option<Function> = None;
    let wait = Promise::new(&mut |resolve, reject| {
        timer = set_timeout(&resolve, delay.as_millis() as f64);
        if let Some(signal) = signal {
            let _ = signal.add_event_listener_with_callback("abort", &reject);
            listener = Some(reject);
        }
    });
    let result = JsFuture::from(wait).await;
    clear_timeout(&timer);
    if let (Some(signal), Some(listener)) = (signal, &listener) {
        let _ = signal.remove_event_listener_with_callback("abort", listener);
    }
    result.map(drop).map_err(|_| Failure::Aborted)
}

/// Milliseconds since the Unix epoch (`Date.now()`).
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A random number in `[0, 1)` (`Math.random()`), for backoff jitter.
pub(crate) fn random() -> f64 {
    js_sys::Math::random()
}

/// One attempt's abort plumbing: a controller that the timeout and the
/// caller's signal both abort, and a promise that rejects when it does, raced
/// against every await so a `fetch` that ignores its signal cannot hang us.
struct Attempt {
    controller: AbortController,
    aborted: Promise,
    timer: JsValue,
    on_abort: Function,
    caller: Option<AbortSignal>,
    reject: Option<Function>,
}

impl Attempt {
    fn start(timeout: Duration, caller: Option<&AbortSignal>) -> Result<Attempt, Failure> {
        let controller = AbortController::new().map_err(|e| Failure::Connection(describe_js(&e)))?;
        let abort = js_sys::Reflect::get(&controller, &"abort".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .ok_or_else(|| Failure::Connection("AbortController has no abort()".into()))?;
        let on_abort = abort.bind0(&controller);
        let own = controller.signal();
        let mut reject_slot = None;
        let aborted = Promise::new(&mut |_resolve, reject| {
            let _ = own.add_event_listener_with_callback("abort", &reject);
            reject_slot = Some(reject);
        });
        swallow(&aborted);
        let millis = timeout.as_millis().min(i32::MAX as u128) as f64;
        let timer = set_timeout(&on_abort, millis);
        if let Some(caller) = caller {
            let _ = caller.add_event_listener_with_callback("abort", &on_abort);
        }
        Ok(Attempt { controller, aborted, timer, on_abort, caller: caller.cloned(), reject: reject_slot })
    }

    /// Awaits `promise`, or fails as soon as the attempt is aborted.
    async fn race(&self, promise: Promise) -> Result<JsValue, Failure> {
        let both = js_sys::Array::of2(&promise, &self.aborted);
        JsFuture::from(Promise::race(&both))
            .await
            .map_err(|e| Failure::Connection(describe_js(&e)))
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some(caller) = &self.caller {
            let _ = caller.remove_event_listener_with_callback("abort", &self.on_abort);
        }
        if let Some(reject) = &self.reject {
            let _ = self.controller.signal().remove_event_listener_with_callback("abort", reject);
        }
    }
}

/// The value as a `Response`: a real one, or an object shaped like one
/// (numeric `status`, `text()`, `headers.get()`), as polyfills return.
fn as_response(value: JsValue) -> Option<FetchResponse> {
    if value.is_instance_of::<web_sys::Response>() {
        return Some(value.unchecked_into());
    }
    let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &key.into()).ok();
    let is_object = |v: &JsValue| v.is_object() || v.is_function();
    if !is_object(&value) || !get(&value, "status")?.as_f64().is_some() || !get(&value, "text")?.is_function() {
        return None;
    }
    let headers = get(&value, "headers")?;
    if !is_object(&headers) || !get(&headers, "get")?.is_function() {
        return None;
    }
    Some(value.unchecked_into())
}

/// A thrown or rejected JS value as text: an `Error`'s message, a string, or its type.
pub(crate) fn describe_js(value: &JsValue) -> String {
    if let Some(s) = value.as_string() {
        return s;
    }
    if value.is_object() {
        let field = |v: &JsValue, key: &str| js_sys::Reflect::get(v, &key.into()).ok().and_then(|m| m.as_string());
        if let Some(message) = field(value, "message") {
            let mut text = match field(value, "name") {
                Some(name) if !name.is_empty() && name != "Error" => format!("{name}: {message}"),
                _ => message,
            };
            // Node's fetch says only "fetch failed"; the reason is in `cause`.
            if let Some(cause) = js_sys::Reflect::get(value, &"cause".into()).ok().filter(|c| c.is_object()) {
                if let Some(detail) = field(&cause, "code").or_else(|| field(&cause, "message")) {
                    text.push_str(&format!(" ({detail})"));
                }
            }
            return text;
        }
    }
    match value.js_typeof().as_string().as_deref() {
        Some("undefined") => "undefined".into(),
        Some(kind) if value.is_null() => format!("null ({kind})"),
        Some(kind) => format!("a {kind} value"),
        None => "an unknown value".into(),
    }
}

/// Marks a promise's rejection as handled, so runtimes do not report it.
fn swallow(promise: &JsValue) {
    thread_local! {
        static NOOP: Closure<dyn FnMut(JsValue)> = Closure::new(|_| {});
    }
    if let Some(promise) = promise.dyn_ref::<Promise>() {
        NOOP.with(|noop| {
            let _ = promise.catch(noop);
        });
    }
}

#[wasm_bindgen]
extern "C" {
    /// A fetch `Response`, or a duck-typed one.
    type FetchResponse;
    #[wasm_bindgen(method, getter, catch)]
    fn status(this: &FetchResponse) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn headers(this: &FetchResponse) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn body(this: &FetchResponse) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn text(this: &FetchResponse) -> Result<JsValue, JsValue>;

    /// `Headers`, or anything with `get(name)`.
    type HeaderMap;
    #[wasm_bindgen(method, catch)]
    fn get(this: &HeaderMap, name: &str) -> Result<JsValue, JsValue>;

    /// A `ReadableStream` of bytes.
    type Stream;
    #[wasm_bindgen(method, catch, js_name = getReader)]
    fn get_reader(this: &Stream) -> Result<Reader, JsValue>;

    type Reader;
    #[wasm_bindgen(method, catch)]
    fn read(this: &Reader) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn cancel(this: &Reader) -> Result<Promise, JsValue>;

    type TextDecoder;
    #[wasm_bindgen(constructor, catch)]
    fn new() -> Result<TextDecoder, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn decode(this: &TextDecoder, bytes: &Uint8Array) -> Result<JsString, JsValue>;

    /// `JSON.parse` of a JS string, without copying it through wasm memory.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub(crate) fn json_parse(text: &JsString) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, millis: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}
