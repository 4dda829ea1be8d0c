//! The JavaScript facade: `#[wasm_bindgen]` classes over the Rust core,
//! converting at the edge. One file per exported class, plus the conversions.

mod client;
mod errors;
mod receiver;
mod shape;
mod types;
mod verifier;
