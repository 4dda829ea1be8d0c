//! Rust errors as instances of the JS classes in `errors.js`.

use wasm_bindgen::prelude::*;

use crate::boundary::ErrorClass;
use crate::error::Error;
use crate::verify::VerifyError;

#[wasm_bindgen(module = "/src/wasm/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    fn make_js_error(kind: &str, message: &str, field: Option<String>) -> JsValue;

    #[wasm_bindgen(js_name = makeKeyError)]
    fn make_key_error(message: &str, retry_after: Option<f64>, cause: JsValue) -> JsValue;

    #[wasm_bindgen(js_name = makeApiError)]
    fn make_api_error(
        message: &str,
        status: u16,
        errors: js_sys::Array,
        request_id: Option<String>,
        retry_after: Option<f64>,
        body: &str,
    ) -> JsValue;
}

/// An error of `class` (errors.js), with `field` for a ValidationError.
fn make_error(class: ErrorClass, message: &str, field: Option<String>) -> JsValue {
    make_js_error(class.name(), message, field)
}

/// The JS error for `error`: always an `Error` of one of the exported classes.
pub(crate) fn to_js(error: &Error) -> JsValue {
    let message = error.to_string();
    match error {
        Error::Validation(v) => make_error(ErrorClass::Validation, &message, Some(v.field.clone())),
        Error::Api(api) => {
            let errors = js_sys::Array::new();
            for detail in &api.errors {
                let item = js_sys::Object::new();
                let code = detail.code.map_or(JsValue::NULL, |c| JsValue::from_f64(c as f64));
                let _ = js_sys::Reflect::set(&item, &"code".into(), &code);
                let _ = js_sys::Reflect::set(&item, &"message".into(), &detail.message.as_str().into());
                errors.push(&item);
            }
            make_api_error(&message, api.status, errors, api.request_id.clone(), api.retry_after, &api.body)
        }
        Error::Connection(failure) => with_cause(make_error(ErrorClass::Connection, &message, None), failure.cause.as_ref()),
        Error::Timeout(_) => make_error(ErrorClass::Timeout, &message, None),
        Error::Aborted(failure) => with_cause(make_error(ErrorClass::UserAbort, &message, None), failure.cause.as_ref()),
    }
}

/// `error` with what `fetch` threw (or the signal's reason) as its `cause`, when there is one.
fn with_cause(error: JsValue, cause: Option<&JsValue>) -> JsValue {
    if let Some(cause) = cause {
        let _ = js_sys::Reflect::set(&error, &"cause".into(), cause);
    }
    error
}

/// The JS error for a delivery that was not accepted.
pub(crate) fn to_js_verify(error: &VerifyError) -> JsValue {
    match error {
        VerifyError::Signature(why) => make_error(ErrorClass::Signature, why, None),
        VerifyError::Payload(why) => make_error(ErrorClass::Payload, why, None),
        VerifyError::KeyUnavailable(key) => {
            let cause = key.cause.as_ref().map_or(JsValue::UNDEFINED, to_js);
            make_key_error(&key.message, key.retry_after, cause)
        }
    }
}
