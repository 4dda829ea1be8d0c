// The README is the crate's front page, and its Rust examples are doctests:
// compiled for wasm32, where the client lives (`cargo xtask test native`).
#![cfg_attr(target_arch = "wasm32", doc = include_str!("../README.md"))]
#![deny(missing_docs, missing_debug_implementations)]
// The client runs on wasm only; natively just its pure parts build (for tests),
// and what only the client calls would show as dead code.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
// A module of one side alone (the npm package's client or receiving module)
// leaves the other side's core unused.
#![cfg_attr(not(all(feature = "client", feature = "receive")), allow(dead_code, unused_imports))]
//!
//! # Layout
//!
//! Three layers, each a place of its own: the Rust core (`src/*.rs`, which
//! is also the Rust API), the wasm bindings (`src/wasm/`), and the JS package
//! built on them (`src/package/`, with `pkg-template/`).
//!
//! The core:
//! - [`models`]: webhooks, event names (the one list of events), request bodies;
//! - `boundary`: what the Rust side and the JS agree on (tested against the JS);
//! - [`error`]: the one error type and how error replies become it;
//! - `validate`: input checks, done before anything is sent;
//! - `retry`: the one retry policy (by method and failure), and the waits;
//! - `json`: JSON text in and out (the engine's `JSON` on wasm);
//! - `transport` (wasm): the only code that touches `fetch`;
//! - `client` (wasm): [`Client`], over one private request function;
//! - [`events`]: typed delivery payloads; `pem`: base64 and PEM decoding;
//! - `keys`: when the verifier may fetch the public key again;
//! - `verify` (wasm): [`Verifier`], which checks `rtk-signature` with WebCrypto;
//! - [`store`]: the [`DeliveryStore`] interface de-duplication goes through, and [`MemoryStore`];
//! - `receive` (wasm): [`Receiver`]: verify, de-duplicate, handle once, and the status to answer.
//!
//! `wasm` (wasm): the `#[wasm_bindgen]` cores of the JS classes, the JS error
//! classes, and the JS snippets the module imports.

/// The npm package's allocator: talc, smaller and faster on wasm than the
/// default dlmalloc. Only with the `package` feature: a library must leave the
/// choice of allocator to the program that uses it.
#[cfg(all(target_arch = "wasm32", feature = "package"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

mod boundary;
pub mod error;
pub mod events;
mod json;
mod keys;
pub mod models;
mod pem;
mod retry;
pub mod store;
mod validate;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
pub mod receive;
#[cfg(target_arch = "wasm32")]
mod transport;
#[cfg(target_arch = "wasm32")]
pub mod verify;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{ApiError, Error, ErrorDetail, ValidationError};
pub use json::Value;
pub use models::{EnsureAction, NewWebhook, Webhook, WebhookEvent, WebhookPatch};
pub use retry::MAX_SERVER_WAIT_SECS;
pub use store::{Claim, DeliveryKey, DeliveryStore, MemoryStore, NoStore};
pub use validate::MAX_ID_LEN;

#[cfg(target_arch = "wasm32")]
pub use client::{Auth, Client, ClientBuilder, Ensured, RequestOptions, DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, MAX_BODY};
#[cfg(target_arch = "wasm32")]
pub use receive::{delivery_key, Outcome, Receiver};
#[cfg(target_arch = "wasm32")]
pub use transport::Fetch;
#[cfg(target_arch = "wasm32")]
pub use verify::{Delivery, DeliveryHeaders, KeyUnavailable, Verifier, VerifyError};
