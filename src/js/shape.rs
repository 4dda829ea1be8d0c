//! Replies handed to JavaScript as they came, once their shape is checked
//! (in `shape.js`: one call per reply, not one per field).

use wasm_bindgen::prelude::*;

use crate::json::Doc;
use crate::models::FromDoc;

#[wasm_bindgen(module = "/src/js/shape.js")]
extern "C" {
    #[wasm_bindgen(js_name = shapeError, catch)]
    fn shape_error(data: &JsValue, shape: u8) -> Result<JsValue, JsValue>;
}

fn checked(doc: Doc, shape: u8) -> Result<JsValue, String> {
    let data = doc.into_js();
    match shape_error(&data, shape).map(|e| e.as_string()) {
        Ok(Some(error)) if error.is_empty() => Ok(data),
        Ok(Some(error)) => Err(error),
        _ => Err("data could not be checked".into()),
    }
}

/// A reply's `data` that is a webhook.
pub(crate) struct Webhook(pub JsValue);
/// A reply's `data` that is a list of webhooks.
pub(crate) struct Webhooks(pub JsValue);
/// A reply's `data` that is a list of strings.
pub(crate) struct Names(pub JsValue);

impl FromDoc for Webhook {
    fn from_doc(doc: Doc) -> Result<Self, String> {
        checked(doc, 0).map(Webhook)
    }
}

impl FromDoc for Webhooks {
    fn from_doc(doc: Doc) -> Result<Self, String> {
        checked(doc, 1).map(Webhooks)
    }
}

impl FromDoc for Names {
    fn from_doc(doc: Doc) -> Result<Self, String> {
        checked(doc, 2).map(Names)
    }
}
