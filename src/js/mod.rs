//! The JavaScript facade: `#[wasm_bindgen]` classes over the Rust core,
//! converting at the edge. One file per exported class, plus the conversions.

mod client;
mod errors;
mod input;
mod receiver;
mod shape;
mod types;
mod verifier;

pub use verifier::WebhookVerifier;
