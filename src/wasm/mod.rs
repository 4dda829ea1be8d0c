//! The wasm bindings: the `#[wasm_bindgen]` cores that the JS package
//! (`src/package/`) builds its classes on, converting at the edge, and the
//! JS snippets the wasm module imports (`fetch.js`, `errors.js`, `shape.js`).
//!
//! | Rust core | binding here | JS package class |
//! | --- | --- | --- |
//! | `client::Client` | `client_core` (`ClientCore`) | `webhooks-client.js` (`WebhooksClient`) |
//! | `verify::Verifier` | `verifier_core` (`VerifierCore`) | `webhook-verifier.js` (`WebhookVerifier`) |
//! | `receive::Receiver` | `receiver_core` (`ReceiverCore`) | `webhook-receiver.js` (`WebhookReceiver`) |

#[cfg(feature = "client")]
mod client_core;
mod errors;
#[cfg(feature = "receive")]
mod receiver_core;
mod shape;
#[cfg(feature = "receive")]
mod verifier_core;
