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

/// The operations of `ClientCore::call`: webhooks-client.js's `OP`.
pub(crate) mod op {
    pub const LIST: u8 = 0;
    pub const CREATE: u8 = 1;
    pub const GET: u8 = 2;
    pub const REPLACE: u8 = 3;
    pub const EDIT: u8 = 4;
    pub const DELETE: u8 = 5;
    pub const SUPPORTED_EVENTS: u8 = 6;
    pub const ENSURE: u8 = 7;
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
    fn the_operations_are_client_js_s() {
        let line = CLIENT_JS.lines().find(|l| l.starts_with("const OP = ")).expect("webhooks-client.js has OP");
        let ops = [
            ("LIST", op::LIST),
            ("CREATE", op::CREATE),
            ("GET", op::GET),
            ("REPLACE", op::REPLACE),
            ("EDIT", op::EDIT),
            ("DELETE", op::DELETE),
            ("SUPPORTED_EVENTS", op::SUPPORTED_EVENTS),
            ("ENSURE", op::ENSURE),
        ];
        let fields: Vec<String> = ops.iter().map(|(name, code)| format!("{name}: {code}")).collect();
        assert_eq!(line, format!("const OP = {{ {} }};", fields.join(", ")));
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
