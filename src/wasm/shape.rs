//! Replies handed to JavaScript as they came, once `shape.js` has parsed them
//! and checked their envelope and shape: one call per reply, not one per field.

use js_sys::JsString;
use wasm_bindgen::prelude::*;

use crate::client::FromReply;
use crate::json::Doc;
use crate::models::FromDoc;
use crate::transport::Reply;

#[wasm_bindgen(module = "/src/wasm/shape.js")]
extern "C" {
    #[wasm_bindgen(js_name = shapeError)]
    fn shape_error(data: &JsValue, shape: u8) -> String;

    /// `{ data }` or `{ problem }`.
    type Decoded;
    #[wasm_bindgen(js_name = decodeReply)]
    fn decode_reply(text: &JsString, shape: u8) -> Decoded;
    #[wasm_bindgen(method, getter)]
    fn data(this: &Decoded) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn problem(this: &Decoded) -> Option<String>;
}

use crate::boundary::shape::{NAMES, WEBHOOK, WEBHOOKS};

fn from_reply(reply: &Reply, shape: u8) -> Result<JsValue, String> {
    let decoded = decode_reply(reply.body(), shape);
    match decoded.problem() {
        Some(problem) => Err(problem),
        None => Ok(decoded.data()),
    }
}

fn from_doc(doc: Doc, shape: u8) -> Result<JsValue, String> {
    let data = doc.into_js();
    match shape_error(&data, shape) {
        error if error.is_empty() => Ok(data),
        error => Err(error),
    }
}

macro_rules! shapes {
    ($($(#[$doc:meta])* $name:ident = $shape:expr;)*) => {$(
        $(#[$doc])*
        pub(crate) struct $name(pub JsValue);

        impl FromReply for $name {
            fn from_reply(reply: &Reply) -> Result<Self, String> {
                from_reply(reply, $shape).map($name)
            }
        }

        impl FromDoc for $name {
            fn from_doc(doc: Doc) -> Result<Self, String> {
                from_doc(doc, $shape).map($name)
            }
        }
    )*};
}

shapes! {
    /// A reply's `data` that is a webhook.
    Webhook = WEBHOOK;
    /// A reply's `data` that is a list of webhooks.
    Webhooks = WEBHOOKS;
    /// A reply's `data` that is a list of strings.
    Names = NAMES;
}
