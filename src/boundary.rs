//! What the Rust side and the JS (`src/wasm/*.js`, `src/package/*.js`) agree on, named in
//! one place. Each value is used by its Rust side from here, and the tests
//! below read the JS files and fail when a JS side no longer says the same.

/// Why `exchange` (fetch.js) produced no reply: its `failure` field.
pub(crate) mod failure {
    /// The attempt's timer fired.
    pub const TIMEOUT: &str = "timeout";
    /// The caller's signal fired.
    pub const ABORTED: &str = "aborted";
    /// The fetch failed or returned something unusable (the transport takes
    /// any other value for this too).
    #[cfg(test)]
    pub const CONNECTION: &str = "connection";
}

/// What a reply's `data` must be (shape.js's `SHAPE`).
pub(crate) mod shape {
    /// One webhook.
    pub const WEBHOOK: u8 = 0;
    /// A list of webhooks.
    pub const WEBHOOKS: u8 = 1;
    /// A list of strings (event names).
    pub const NAMES: u8 = 2;
}

/// The operations of `ClientCore::call`, by the names the client gives them
/// (in errors, too): what webhooks-client.js passes.
pub(crate) mod op {
    pub const LIST: &str = "list";
    pub const CREATE: &str = "create";
    pub const GET: &str = "get";
    pub const REPLACE: &str = "replace";
    pub const EDIT: &str = "edit";
    pub const DELETE: &str = "delete";
    pub const SUPPORTED_EVENTS: &str = "supportedEvents";
    pub const ENSURE: &str = "ensure";
    /// Every operation, for the test below.
    #[cfg(test)]
    pub const ALL: [&str; 8] = [LIST, CREATE, GET, REPLACE, EDIT, DELETE, SUPPORTED_EVENTS, ENSURE];
}

/// The error classes of errors.js that the wasm module makes with `makeError`
/// (API errors come from `makeApiError`, by status; key errors from `makeKeyError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    Validation,
    Connection,
    Timeout,
    UserAbort,
    Signature,
    Payload,
}

impl ErrorClass {
    /// Every class, for the test below.
    #[cfg(test)]
    const ALL: [ErrorClass; 6] = [
        ErrorClass::Validation,
        ErrorClass::Connection,
        ErrorClass::Timeout,
        ErrorClass::UserAbort,
        ErrorClass::Signature,
        ErrorClass::Payload,
    ];

    /// The class's name in errors.js.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ErrorClass::Validation => "ValidationError",
            ErrorClass::Connection => "APIConnectionError",
            ErrorClass::Timeout => "APIConnectionTimeoutError",
            ErrorClass::UserAbort => "APIUserAbortError",
            ErrorClass::Signature => "SignatureError",
            ErrorClass::Payload => "PayloadError",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FETCH_JS: &str = include_str!("wasm/fetch.js");
    const SHAPE_JS: &str = include_str!("wasm/shape.js");
    const ERRORS_JS: &str = include_str!("wasm/errors.js");
    const CLIENT_JS: &str = include_str!("package/webhooks-client.js");

    #[test]
    fn the_failures_are_the_ones_fetch_js_reports() {
        for kind in [failure::TIMEOUT, failure::ABORTED, failure::CONNECTION] {
            assert!(FETCH_JS.contains(&format!("failure: \"{kind}\"")), "fetch.js reports no failure {kind:?}");
        }
        let reported = FETCH_JS.matches("failure: \"").count();
        let known = [failure::TIMEOUT, failure::ABORTED, failure::CONNECTION]
            .iter()
            .map(|kind| FETCH_JS.matches(&format!("failure: \"{kind}\"")).count())
            .sum::<usize>();
        assert_eq!(reported, known, "fetch.js reports a failure the Rust side does not know");
    }

    #[test]
    fn the_shapes_are_shape_js_s() {
        let line = SHAPE_JS.lines().find(|l| l.starts_with("export const SHAPE = ")).expect("shape.js exports SHAPE");
        assert_eq!(
            line,
            format!("export const SHAPE = {{ WEBHOOK: {}, WEBHOOKS: {}, NAMES: {} }};", shape::WEBHOOK, shape::WEBHOOKS, shape::NAMES)
        );
    }

    #[test]
    fn the_operations_are_the_ones_webhooks_client_js_calls() {
        let called: Vec<&str> = CLIENT_JS.split("this.#call(\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        let mut sorted = called.clone();
        sorted.sort_unstable();
        let mut all = op::ALL.to_vec();
        all.sort_unstable();
        assert_eq!(sorted, all, "webhooks-client.js calls each operation of boundary::op once, and no other");
    }

    #[test]
    fn every_error_class_is_in_errors_js() {
        for class in ErrorClass::ALL {
            let name = class.name();
            assert!(ERRORS_JS.contains(&format!("export class {name} ")), "errors.js has no class {name}");
            assert!(
                ERRORS_JS.contains(&format!(" {name},")) || ERRORS_JS.contains(&format!(" {name}\n")),
                "{name} is not in errors.js's classes"
            );
        }
    }
}
