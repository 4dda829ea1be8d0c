//! What the demo page needs from the server it is served by:
//!
//! - a delivery receiver (`POST /__emulator/receiver`) that keeps each
//!   delivery as it arrived (raw body and headers) and streams it to the page
//!   (`GET /__emulator/receiver/events`, server-sent events), so the page can
//!   verify it in the browser;
//! - a proxy (`/proxy/...`) to the real API, which sends no CORS headers, for a
//!   page that holds a real token: the request goes upstream with the caller's
//!   credentials, and the upstream's status, headers and body come back unchanged.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::Emulator;

/// Deliveries kept for a page that connects later.
const HISTORY: usize = 50;
/// Largest body the receiver keeps, and the proxy forwards.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A delivery as the receiver got it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    /// When it arrived (ISO-8601).
    pub at: String,
    /// The raw body, as text.
    pub body: String,
    /// Its headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The public key the emulator signed with when it arrived (PEM): a page
    /// that replays the history after a rotation verifies each delivery with
    /// the key of its time, as a receiver did when it arrived.
    pub public_key: String,
}

/// The receiver's history and its live feed.
#[derive(Debug)]
pub struct Receiver {
    history: Mutex<VecDeque<Received>>,
    feed: broadcast::Sender<Received>,
}

impl Default for Receiver {
    fn default() -> Receiver {
        Receiver { history: Mutex::default(), feed: broadcast::channel(64).0 }
    }
}

impl Receiver {
    fn keep(&self, delivery: Received) {
        let mut history = self.history.lock().unwrap_or_else(|p| p.into_inner());
        if history.len() == HISTORY {
            history.pop_front();
        }
        history.push_back(delivery.clone());
        let _ = self.feed.send(delivery);
    }

    /// Forgets the history.
    pub fn clear(&self) {
        self.history.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// `POST /__emulator/receiver`: keeps the delivery and answers 204.
pub async fn receive(State(emu): State<Arc<Emulator>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if body.len() > MAX_BODY {
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    let headers =
        headers.iter().map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())).collect();
    let body = String::from_utf8_lossy(&body).into_owned();
    emu.receiver.keep(Received { at: crate::store::now(), body, headers, public_key: emu.signer.public_pem().to_owned() });
    StatusCode::NO_CONTENT
}

/// `GET /__emulator/receiver/events`: the history, then each new delivery, as `delivery` events.
pub async fn events(State(emu): State<Arc<Emulator>>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let feed = emu.receiver.feed.subscribe();
    let history: Vec<Received> = emu.receiver.history.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
    let past = futures_util::stream::iter(history.into_iter().map(event));
    let live = futures_util::stream::unfold(feed, |mut feed| async move {
        loop {
            match feed.recv().await {
                Ok(delivery) => return Some((event(delivery), feed)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(futures_util::StreamExt::chain(past, live)).keep_alive(KeepAlive::default())
}

fn event(delivery: Received) -> Result<Event, Infallible> {
    Ok(Event::default().event("delivery").json_data(&delivery).unwrap_or_else(|_| Event::default().event("delivery")))
}

/// Headers not forwarded in either direction: per-connection ones, and what
/// identifies the browser rather than the caller.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "te"
            | "trailer"
            | "upgrade"
            | "host"
            | "content-length"
            | "origin"
            | "referer"
            | "cookie"
            | "accept-encoding"
    ) || name.as_str().starts_with("sec-")
        || name.as_str().starts_with("access-control-")
}

/// `/proxy/{rest}`: the same request to `{upstream}/{rest}`, and the upstream's reply unchanged.
pub async fn proxy(State(emu): State<Arc<Emulator>>, request: Request) -> Response {
    let Some(upstream) = &emu.config.upstream else {
        return (StatusCode::NOT_FOUND, "the proxy is off: start the emulator with --upstream URL").into_response();
    };
    let (parts, body) = request.into_parts();
    let rest = parts.uri.path().strip_prefix("/proxy").unwrap_or_default();
    let query = parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let url = format!("{}{rest}{query}", upstream.trim_end_matches('/'));
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let mut outgoing = emu.http.request(parts.method, &url).body(body);
    for (name, value) in parts.headers.iter().filter(|(name, _)| !hop_by_hop(name)) {
        outgoing = outgoing.header(name, value);
    }
    let reply = match outgoing.send().await {
        Ok(reply) => reply,
        Err(e) => {
            let why = if e.is_connect() { "could not connect to the upstream" } else { "the upstream request failed" };
            return (StatusCode::BAD_GATEWAY, why).into_response();
        }
    };
    let status = reply.status();
    let mut headers = HeaderMap::new();
    for (name, value) in reply.headers().iter().filter(|(name, _)| !hop_by_hop(name)) {
        headers.append(name.clone(), value.clone());
    }
    let body = match reply.bytes().await {
        Ok(body) => body,
        Err(_) => return (StatusCode::BAD_GATEWAY, "the upstream reply broke off").into_response(),
    };
    if let Ok(length) = HeaderValue::try_from(body.len().to_string()) {
        headers.insert("content-length", length);
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}
