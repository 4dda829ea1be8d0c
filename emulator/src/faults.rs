//! Scripted faults and the request log: a middleware in front of the API
//! routes that records every request and, when a script says so, replies with
//! a fault instead of (or after) the real handler.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::server::Kill;
use crate::Emulator;

/// Largest request body read.
const MAX_REQUEST_BODY: usize = 4 * 1024 * 1024;

/// One scripted reply. With no `status`, the real handler answers (after
/// `delayMs`); `commit` runs the real handler first and then delays, drops,
/// cuts or replaces its reply, as when a webhook is created but the reply is lost.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// Reply with this status instead of the real one.
    pub status: Option<u16>,
    /// Headers of the scripted reply (also added to a real reply).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body of the scripted reply: a string is sent as is, anything else as JSON.
    pub body: Option<Value>,
    /// Wait this long first.
    #[serde(default)]
    pub delay_ms: u64,
    /// Close the connection without a reply.
    #[serde(default)]
    pub drop: bool,
    /// Send only this many bytes of the body, then close the connection.
    pub truncate: Option<usize>,
    /// Run the real handler (so the change is made), then fail as scripted.
    #[serde(default)]
    pub commit: bool,
}

/// Replies scripted for one operation (`list`, `create`, `get`, `replace`,
/// `edit`, `delete`, `supportedEvents`, or `*` for any), used in order;
/// with `app`, only for requests to that app id (so tests can run side by side).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    pub op: String,
    pub app: Option<String>,
    pub replies: Vec<Fault>,
}

/// One request as the emulator received it.
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    pub seq: u64,
    pub op: &'static str,
    pub method: String,
    /// The path as sent, percent-encoding intact.
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// Pending scripts and the log.
#[derive(Debug, Default)]
pub struct Faults {
    /// By `(op, app)`; `*` stands for any.
    queues: BTreeMap<(String, String), VecDeque<Fault>>,
    log: Vec<Logged>,
    seq: u64,
}

impl Faults {
    pub fn script(&mut self, script: Script) {
        let app = script.app.unwrap_or_else(|| "*".into());
        self.queues.entry((script.op, app)).or_default().extend(script.replies);
    }

    pub fn clear_scripts(&mut self) {
        self.queues.clear();
    }

    pub fn log(&self) -> &[Logged] {
        &self.log
    }

    pub fn clear_log(&mut self) {
        self.log.clear();
    }

    fn next(&mut self, op: &str, app: &str) -> Option<Fault> {
        for (op, app) in [(op, app), (op, "*"), ("*", app), ("*", "*")] {
            if let Some(fault) = self.queues.get_mut(&(op.to_owned(), app.to_owned())).and_then(VecDeque::pop_front) {
                return Some(fault);
            }
        }
        None
    }
}

/// The operation a request is, from its method and path, and the app id in the path.
pub fn classify<'a>(method: &Method, path: &'a str) -> (&'static str, &'a str) {
    let Some(rest) = path.strip_prefix("/client/v4/accounts/") else { return ("other", "") };
    let parts: Vec<&str> = rest.split('/').collect();
    let app = parts.get(3).copied().unwrap_or_default();
    let op = match (method, parts.as_slice()) {
        (&Method::GET, [_, "realtime", "kit", _, "webhooks"]) => "list",
        (&Method::POST, [_, "realtime", "kit", _, "webhooks"]) => "create",
        (&Method::GET, [_, "realtime", "kit", _, "webhooks", "all"]) => "supportedEvents",
        (&Method::GET, [_, "realtime", "kit", _, "webhooks", _]) => "get",
        (&Method::PUT, [_, "realtime", "kit", _, "webhooks", _]) => "replace",
        (&Method::PATCH, [_, "realtime", "kit", _, "webhooks", _]) => "edit",
        (&Method::DELETE, [_, "realtime", "kit", _, "webhooks", _]) => "delete",
        _ => "other",
    };
    (op, app)
}

/// The middleware: log, then a scripted fault or the real handler.
pub async fn intercept(State(emulator): State<Arc<Emulator>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REQUEST_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let (op, app) = classify(&parts.method, parts.uri.path());
    let fault = if parts.method == Method::OPTIONS {
        None
    } else {
        let mut faults = emulator.faults();
        faults.seq += 1;
        let logged = Logged {
            seq: faults.seq,
            op,
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        faults.log.push(logged);
        faults.next(op, app)
    };
    let kill = parts.extensions.get::<Kill>().cloned();
    let request = Request::from_parts(parts, Body::from(bytes));
    let Some(fault) = fault else {
        return with_ray(next.run(request).await);
    };
    let delay = Duration::from_millis(fault.delay_ms);
    // `commit`: the change is made first, then the reply is late or lost.
    // Otherwise a delay stands for a slow server, before anything happens.
    let real = if fault.commit {
        let real = next.run(request).await;
        tokio::time::sleep(delay).await;
        Some(real)
    } else {
        tokio::time::sleep(delay).await;
        match fault.status.is_none() && !fault.drop {
            true => Some(next.run(request).await),
            false => None,
        }
    };
    if fault.drop {
        if let Some(kill) = kill {
            kill.now();
            std::future::pending::<()>().await;
        }
        // Served without the connection loop (in-process tests): break the body instead.
        return truncated(Response::new(Body::from("x")), 0).await;
    }
    let mut response = match (fault.status, real) {
        (Some(status), _) => canned(status, fault.body.as_ref()),
        (None, Some(real)) => real,
        (None, None) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    for (name, value) in &fault.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str())) {
            response.headers_mut().insert(name, value);
        }
    }
    let response = with_ray(response);
    match fault.truncate {
        Some(keep) => truncated(response, keep).await,
        None => response,
    }
}

fn canned(status: u16, body: Option<&Value>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (content_type, text) = match body {
        None => ("text/plain", String::new()),
        Some(Value::String(text)) => ("text/plain; charset=utf-8", text.clone()),
        Some(json) => ("application/json", json.to_string()),
    };
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static(content_type));
    (status, headers, text).into_response()
}

/// The response with its full `content-length` but only `keep` bytes of body,
/// then an error, so the server closes the connection mid-body.
async fn truncated(response: Response, keep: usize) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let keep = keep.min(bytes.len());
    let full = bytes.len().max(keep + 1);
    parts.headers.insert("content-length", HeaderValue::from(full));
    let head: Bytes = bytes.slice(..keep);
    // The head and the first bytes go out, then (a moment later, so they are
    // surely flushed) the body fails and the connection is closed.
    let chunks = futures_util::stream::unfold(Some(head), |head| async move {
        match head {
            Some(head) => Some((Ok(head), None)),
            None => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Some((Err(std::io::Error::other("truncated by fault script")), None))
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(chunks))
}

/// Adds a `cf-ray` request id, as Cloudflare does, unless the reply has one.
fn with_ray(mut response: Response) -> Response {
    if !response.headers().contains_key("cf-ray") {
        let ray = format!("{}-EMU", &uuid::Uuid::new_v4().simple().to_string()[..16]);
        if let Ok(value) = HeaderValue::try_from(ray) {
            response.headers_mut().insert("cf-ray", value);
        }
    }
    response
}
