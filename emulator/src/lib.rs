//! A local emulator of the Cloudflare RealtimeKit webhooks API, for the demo
//! page, the tests, and anyone testing offline.
//!
//! - `api`: the seven endpoints, real envelopes, validation, 401s and 404s;
//! - `store`: webhooks per account and app (optionally in a state file);
//! - `faults`: scripted faults and the request log (`/__emulator/...`);
//! - `deliveries`: signed deliveries to the webhooks, with the real retry rules;
//! - `demo`: the demo page's delivery receiver (streamed to the page) and its
//!   proxy to the real API;
//! - `server`: the accept loop (it can drop a connection on request).

pub mod api;
pub mod deliveries;
pub mod demo;
pub mod faults;
pub mod server;
pub mod store;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::State;
use axum::http::{HeaderName, Method};
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::{Json, Router};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

pub use server::serve;

/// The port the emulator listens on unless told otherwise: not 8787, which
/// `wrangler dev` takes by default, so a Worker next to the emulator keeps its port.
pub const DEFAULT_PORT: u16 = 8765;

/// The token the emulator accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "emulator-token";
/// The global API key and email the emulator accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "emulator-key";
pub const DEFAULT_API_EMAIL: &str = "dev@example.com";

/// Settings of one emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// `Authorization: Bearer <token>` accepted.
    pub token: String,
    /// `X-Auth-Key` accepted (with `api_email`).
    pub api_key: String,
    /// `X-Auth-Email` accepted (with `api_key`).
    pub api_email: String,
    /// Served at `/` (the demo page).
    pub www: Option<PathBuf>,
    /// Served at `/pkg/` (the built package).
    pub pkg: Option<PathBuf>,
    /// Where webhooks are saved, so they survive a restart.
    pub state_file: Option<PathBuf>,
    /// The API that `/proxy/...` forwards to (off when `None`).
    pub upstream: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            token: DEFAULT_TOKEN.into(),
            api_key: DEFAULT_API_KEY.into(),
            api_email: DEFAULT_API_EMAIL.into(),
            www: None,
            pkg: None,
            state_file: None,
            upstream: None,
        }
    }
}

/// One running emulator's state.
#[derive(Debug)]
pub struct Emulator {
    pub config: Config,
    store: Mutex<store::Store>,
    faults: Mutex<faults::Faults>,
    deliveries: Mutex<Vec<deliveries::Record>>,
    /// The demo page's delivery receiver.
    pub receiver: demo::Receiver,
    /// Signs deliveries with the development key.
    pub signer: deliveries::Signer,
    /// The client deliveries are sent with.
    pub http: reqwest::Client,
}

impl Emulator {
    pub fn new(config: Config) -> std::io::Result<Arc<Emulator>> {
        let store = store::Store::open(config.state_file.as_deref())?;
        // Installs ring as rustls's crypto (once per process; later calls are no-ops).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http =
            reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().map_err(std::io::Error::other)?;
        Ok(Arc::new(Emulator {
            config,
            store: Mutex::new(store),
            faults: Mutex::default(),
            deliveries: Mutex::default(),
            receiver: demo::Receiver::default(),
            signer: deliveries::Signer::development(),
            http,
        }))
    }

    pub fn deliveries(&self) -> MutexGuard<'_, Vec<deliveries::Record>> {
        self.deliveries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn store(&self) -> MutexGuard<'_, store::Store> {
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn faults(&self) -> MutexGuard<'_, faults::Faults> {
        self.faults.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Every route: the API (behind the fault middleware), the admin endpoints,
/// and the static demo page and package.
pub fn router(emulator: Arc<Emulator>) -> Router {
    let api = api::routes().layer(axum::middleware::from_fn_with_state(emulator.clone(), faults::intercept)).with_state(emulator.clone());
    let admin = Router::new()
        .route("/__emulator/info", get(info))
        .route("/__emulator/requests", get(requests).delete(clear_requests))
        .route("/__emulator/faults", post(add_faults).delete(clear_faults))
        .route("/__emulator/reset", post(reset))
        .route("/__emulator/deliveries", get(delivery_log).post(deliver))
        .route("/__emulator/deliveries/{id}/resend", post(resend))
        .route("/__emulator/keys/rotate", post(rotate_key))
        .route("/.well-known/webhooks.json", get(public_key))
        .route("/__emulator/receiver", post(demo::receive))
        .route("/__emulator/receiver/events", get(demo::events))
        .route("/proxy/{*rest}", any(demo::proxy))
        .with_state(emulator.clone());
    let mut app = Router::new().merge(admin).merge(api);
    if let Some(pkg) = &emulator.config.pkg {
        app = app.nest_service("/pkg", ServeDir::new(pkg));
    }
    if let Some(www) = &emulator.config.www {
        app = app.fallback_service(ServeDir::new(www));
    }
    app.layer(cors())
}

/// CORS for browser callers: any origin, and whatever headers a page's
/// preflight asks for (mirrored: `Authorization`, the key headers, and a
/// call's own `headers` or `defaultHeaders`; a `*` would not cover
/// `Authorization`).
fn cors() -> CorsLayer {
    let exposed = [
        "cf-ray",
        "retry-after",
        "retry-after-ms",
        "ratelimit",
        "ratelimit-policy",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ];
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(exposed.map(HeaderName::from_static))
        .max_age(std::time::Duration::from_secs(600))
}

async fn info(State(emu): State<Arc<Emulator>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "token": emu.config.token,
        "apiKey": emu.config.api_key,
        "apiEmail": emu.config.api_email,
        "basePath": "/client/v4",
        "upstream": emu.config.upstream,
        "proxyPath": emu.config.upstream.as_ref().map(|_| "/proxy"),
        "receiverPath": "/__emulator/receiver",
        "keyPath": "/.well-known/webhooks.json",
    }))
}

async fn requests(State(emu): State<Arc<Emulator>>) -> Json<Vec<faults::Logged>> {
    Json(emu.faults().log().to_vec())
}

async fn clear_requests(State(emu): State<Arc<Emulator>>) -> Response {
    emu.faults().clear_log();
    api::ok(serde_json::Value::Null)
}

async fn add_faults(State(emu): State<Arc<Emulator>>, Json(script): Json<faults::Script>) -> Response {
    emu.faults().script(script);
    api::ok(serde_json::Value::Null)
}

async fn clear_faults(State(emu): State<Arc<Emulator>>) -> Response {
    emu.faults().clear_scripts();
    api::ok(serde_json::Value::Null)
}

async fn reset(State(emu): State<Arc<Emulator>>) -> Response {
    emu.store().clear();
    emu.deliveries().clear();
    emu.receiver.clear();
    let mut faults = emu.faults();
    faults.clear_scripts();
    faults.clear_log();
    api::ok(serde_json::Value::Null)
}

/// The key deliveries are signed with, shaped like RealtimeKit's.
async fn public_key(State(emu): State<Arc<Emulator>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "success": true, "data": { "publicKey": emu.signer.public_pem() }, "message": "" }))
}

async fn rotate_key(State(emu): State<Arc<Emulator>>) -> Response {
    emu.signer.rotate();
    api::ok(serde_json::json!({ "publicKey": emu.signer.public_pem() }))
}

async fn deliver(State(emu): State<Arc<Emulator>>, Json(request): Json<deliveries::Request>) -> Response {
    match deliveries::deliver(&emu, request).await {
        Ok(records) => api::ok(records),
        Err(message) => api::rtk_error(axum::http::StatusCode::BAD_REQUEST, &message),
    }
}

async fn resend(
    State(emu): State<Arc<Emulator>>,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let options = match body.is_empty() {
        true => Ok(deliveries::Resend::default()),
        false => serde_json::from_slice::<deliveries::Resend>(&body).map_err(|e| e.to_string()),
    };
    let result = match options {
        Ok(options) => deliveries::resend(&emu, &id, options).await,
        Err(why) => Err(why),
    };
    match result {
        Ok(record) => api::ok(record),
        Err(message) => api::rtk_error(axum::http::StatusCode::BAD_REQUEST, &message),
    }
}

async fn delivery_log(State(emu): State<Arc<Emulator>>) -> Response {
    api::ok(emu.deliveries().clone())
}
