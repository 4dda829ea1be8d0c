//! The seven webhooks endpoints, with the real envelopes and errors.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::store::{self, Shape, EVENTS};
use crate::Emulator;

/// The API routes, under `/client/v4`.
pub fn routes() -> Router<Arc<Emulator>> {
    let base = "/client/v4/accounts/{account}/realtime/kit/{app}/webhooks";
    Router::new()
        .route(base, get(list).post(create))
        // A static segment outranks `{id}` in axum's router: `all` is never an id.
        .route(&format!("{base}/all"), get(supported_events))
        .route(&format!("{base}/{{id}}"), get(get_one).put(replace).patch(edit).delete(delete))
        .fallback(no_route)
}

/// `{"success": true, "data": ...}`
pub fn ok(data: impl serde::Serialize) -> Response {
    Json(json!({ "success": true, "data": data })).into_response()
}

/// RealtimeKit's error envelope: `{"success": false, "error": {code, message}}`.
pub fn rtk_error(status: StatusCode, message: &str) -> Response {
    let body = json!({ "success": false, "error": { "code": status.as_u16(), "message": message } });
    (status, Json(body)).into_response()
}

/// Cloudflare's v4 error envelope: `{"success": false, "errors": [{code, message}], ...}`.
pub fn cf_error(status: StatusCode, code: u32, message: &str) -> Response {
    let body = json!({ "success": false, "errors": [{ "code": code, "message": message }], "messages": [], "result": null });
    (status, Json(body)).into_response()
}

/// The 401 reply, unless the request carries the emulator's token (or key and email).
fn denied(emulator: &Emulator, headers: &HeaderMap) -> Option<Response> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let config = &emulator.config;
    let by_token = header("authorization").and_then(|v| v.strip_prefix("Bearer ")) == Some(config.token.as_str());
    let by_key = header("x-auth-key") == Some(config.api_key.as_str()) && header("x-auth-email") == Some(config.api_email.as_str());
    (!(by_token || by_key)).then(|| cf_error(StatusCode::UNAUTHORIZED, 10000, "Authentication error"))
}

type AppPath = Path<(String, String)>;
type HookPath = Path<(String, String, String)>;

async fn list(State(emu): State<Arc<Emulator>>, headers: HeaderMap, Path((account, app)): AppPath) -> Response {
    if let Some(denied) = denied(&emu, &headers) {
        return denied;
    }
    ok(emu.store().list(&account, &app))
}

async fn create(State(emu): State<Arc<Emulator>>, headers: HeaderMap, Path((account, app)): AppPath, body: Bytes) -> Response {
    if let Some(denied) = denied(&emu, &headers) {
        return denied;
    }
    match store::parse_fields(&body, Shape::Full) {
        Ok(fields) => (StatusCode::CREATED, ok(emu.store().create(&account, &app, fields))).into_response(),
        Err(message) => rtk_error(StatusCode::BAD_REQUEST, &format!("BAD_REQUEST: {message}")),
    }
}

async fn supported_events(State(emu): State<Arc<Emulator>>, headers: HeaderMap, _: AppPath) -> Response {
    if let Some(denied) = denied(&emu, &headers) {
        return denied;
    }
    ok(EVENTS)
}

async fn get_one(State(emu): State<Arc<Emulator>>, headers: HeaderMap, Path((account, app, id)): HookPath) -> Response {
    if let Some(denied) = denied(&emu, &headers) {
        return denied;
    }
    found(emu.store().get(&account, &app, &id))
}

async fn replace(State(emu): State<Arc<Emulator>>, headers: HeaderMap, Path((account, app, id)): HookPath, body: Bytes) -> Response {
    update(&emu, &headers, &account, &app, &id, &body, Shape::Full)
}

async fn edit(State(emu): State<Arc<Emulator>>, headers: HeaderMap, Path((account, app, id)): HookPath, body: Bytes) -> Response {
    update(&emu, &headers, &account, &app, &id, &body, Shape::Partial)
}

fn update(emu: &Emulator, headers: &HeaderMap, account: &str, app: &str, id: &str, body: &[u8], shape: Shape) -> Response {
    if let Some(denied) = denied(emu, headers) {
        return denied;
    }
    match store::parse_fields(body, shape) {
        Ok(fields) => found(emu.store().update(account, app, id, fields, shape)),
        Err(message) => rtk_error(StatusCode::BAD_REQUEST, &format!("BAD_REQUEST: {message}")),
    }
}

async fn delete(State(emu): State<Arc<Emulator>>, headers: HeaderMap, Path((account, app, id)): HookPath) -> Response {
    if let Some(denied) = denied(&emu, &headers) {
        return denied;
    }
    found(emu.store().delete(&account, &app, &id))
}

fn found(hook: Option<store::Webhook>) -> Response {
    match hook {
        Some(hook) => ok(hook),
        None => rtk_error(StatusCode::NOT_FOUND, "Webhook not found"),
    }
}

async fn no_route() -> Response {
    cf_error(StatusCode::BAD_REQUEST, 7003, "No route for the URI")
}
