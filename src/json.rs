//! JSON in and out, without a JSON parser or serde in the wasm module.
//!
//! - [`Doc`]: a parsed document read in place. On wasm it is the engine's own
//!   `JSON.parse` result, read field by field only where the client needs to
//!   look, so a reply handed to JavaScript is never copied or rebuilt; natively
//!   (tests, tools) it is a `serde_json::Value`.
//! - [`Writer`]: request bodies written directly as JSON text.
//! - [`Value`]: an owned JSON value for the Rust API (unknown payload fields).
//! - [`number`]: the decimal numbers of HTTP headers.
//!
//! Nothing here panics.

use std::fmt;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// A parsed JSON document (or a part of one), read in place.
#[derive(Clone, Debug)]
pub(crate) struct Doc(imp::Raw);

/// What a JSON value is, for messages.
pub(crate) fn describe(doc: Option<&Doc>) -> &'static str {
    match doc {
        None => "missing",
        Some(doc) if doc.is_null() => "null",
        Some(doc) if doc.as_bool().is_some() => "a boolean",
        Some(doc) if doc.as_f64().is_some() => "a number",
        Some(doc) if doc.is_string() => "a string",
        Some(doc) if doc.is_array() => "an array",
        Some(_) => "an object",
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use js_sys::{Array, Reflect};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use super::Doc;

    pub(crate) type Raw = JsValue;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
        fn json_parse(text: &str) -> Result<JsValue, JsValue>;
    }

    impl Doc {
        /// Parses JSON text.
        pub(crate) fn parse(text: &str) -> Result<Doc, String> {
            json_parse(text).map(Doc).map_err(|e| crate::transport::describe_js(&e))
        }

        /// A document the engine already parsed.
        pub(crate) fn from_js(value: JsValue) -> Doc {
            Doc(value)
        }

        /// The engine's value, to hand to JavaScript as it is.
        pub(crate) fn into_js(self) -> JsValue {
            self.0
        }

        /// The member `key` of an object (`None` when absent or not an object).
        pub(crate) fn get(&self, key: &str) -> Option<Doc> {
            if !self.is_object() {
                return None;
            }
            // JSON.parse makes plain data objects: reading a member cannot run code.
            let value = Reflect::get(&self.0, &JsValue::from_str(key)).ok()?;
            (!value.is_undefined()).then_some(Doc(value))
        }

        pub(crate) fn as_str(&self) -> Option<String> {
            self.0.as_string()
        }

        pub(crate) fn is_string(&self) -> bool {
            self.0.is_string()
        }

        pub(crate) fn as_bool(&self) -> Option<bool> {
            self.0.as_bool()
        }

        pub(crate) fn as_f64(&self) -> Option<f64> {
            self.0.as_f64()
        }

        pub(crate) fn is_null(&self) -> bool {
            self.0.is_null()
        }

        pub(crate) fn is_array(&self) -> bool {
            Array::is_array(&self.0)
        }

        pub(crate) fn is_object(&self) -> bool {
            self.0.is_object() && !self.is_array()
        }

        /// The items of an array.
        pub(crate) fn items(&self) -> Option<Vec<Doc>> {
            let array: &Array = self.is_array().then(|| self.0.unchecked_ref())?;
            Some(array.iter().map(Doc).collect())
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::Doc;

    pub(crate) type Raw = serde_json::Value;

    impl Doc {
        /// Parses JSON text.
        pub(crate) fn parse(text: &str) -> Result<Doc, String> {
            serde_json::from_str(text).map(Doc).map_err(|e| e.to_string())
        }

        pub(crate) fn get(&self, key: &str) -> Option<Doc> {
            self.0.as_object()?.get(key).cloned().map(Doc)
        }

        pub(crate) fn as_str(&self) -> Option<String> {
            self.0.as_str().map(str::to_owned)
        }

        pub(crate) fn is_string(&self) -> bool {
            self.0.is_string()
        }

        pub(crate) fn as_bool(&self) -> Option<bool> {
            self.0.as_bool()
        }

        pub(crate) fn as_f64(&self) -> Option<f64> {
            self.0.as_f64()
        }

        pub(crate) fn is_null(&self) -> bool {
            self.0.is_null()
        }

        pub(crate) fn is_array(&self) -> bool {
            self.0.is_array()
        }

        pub(crate) fn is_object(&self) -> bool {
            self.0.is_object()
        }

        pub(crate) fn items(&self) -> Option<Vec<Doc>> {
            Some(self.0.as_array()?.iter().cloned().map(Doc).collect())
        }
    }
}

impl Doc {
    /// A number, or a string that holds a plain decimal one (`"12"`).
    pub(crate) fn as_number(&self) -> Option<f64> {
        self.as_f64().or_else(|| self.as_str().and_then(|s| number(&s)))
    }
}

/// A plain non-negative decimal (`12`, `0.5`, ` 30 `): what HTTP headers and
/// loose JSON fields carry. No sign, exponent, `inf` or `NaN`.
pub(crate) fn number(text: &str) -> Option<f64> {
    let text = text.trim_ascii();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    if whole.is_empty()
        || fraction.is_empty()
        || whole.len() > 15
        || fraction.len() > 9
        || !(whole.bytes().chain(fraction.bytes())).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = |s: &str| s.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
    let scale = 10u64.pow(fraction.len() as u32);
    Some(digits(whole) as f64 + digits(fraction) as f64 / scale as f64)
}

/// Writes JSON text: objects of strings, booleans and string arrays, which is
/// all a request body needs.
#[derive(Debug)]
pub(crate) struct Writer {
    out: String,
    first: bool,
}

impl Writer {
    /// Starts an object.
    pub(crate) fn object() -> Writer {
        Writer { out: String::from("{"), first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        string(&mut self.out, key);
        self.out.push(':');
    }

    pub(crate) fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        string(&mut self.out, value);
    }

    pub(crate) fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
    }

    pub(crate) fn strs<'a>(&mut self, key: &str, values: impl IntoIterator<Item = &'a str>) {
        self.key(key);
        self.out.push('[');
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            string(&mut self.out, value);
        }
        self.out.push(']');
    }

    /// Ends the object and returns the text.
    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Appends `value` as a JSON string literal.
fn string(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Any JSON value, owned: for the Rust API's unknown payload fields and
/// unknown events. Decoding into it never fails on a well-formed document,
/// and objects keep their members' order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, members in order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            // Whole numbers go out as integers, as they most likely came in.
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => serializer.serialize_i64(*n as i64),
            Value::Number(n) => serializer.serialize_f64(*n),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            members.push((key, value));
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_read_in_place() {
        let doc = Doc::parse(r#"{"a":[1,"2",null,true],"b":{"c":1.5},"s":"x"}"#).unwrap();
        let items = doc.get("a").and_then(|a| a.items()).unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[1].as_number(), Some(2.0));
        assert!(items[2].is_null() && items[3].as_bool() == Some(true));
        assert_eq!(doc.get("b").and_then(|b| b.get("c")).and_then(|c| c.as_f64()), Some(1.5));
        assert_eq!(doc.get("s").and_then(|s| s.as_str()).as_deref(), Some("x"));
        assert!(doc.get("missing").is_none() && items[0].get("x").is_none());
        assert_eq!(describe(doc.get("a").as_ref()), "an array");
        assert_eq!(describe(None), "missing");
        assert!(Doc::parse("{").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(number("12"), Some(12.0));
        assert_eq!(number(" 0.5 "), Some(0.5));
        assert_eq!(number("1800000020"), Some(1_800_000_020.0));
        for bad in ["", "-4", "1e3", "inf", "NaN", "1.", ".5", "1.2.3", "12a", "9999999999999999"] {
            assert_eq!(number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn writer_matches_serde_json() {
        let mut w = Writer::object();
        w.str("name", "a \"quoted\" \\ name\n\u{1}é");
        w.bool("enabled", false);
        w.strs("events", ["meeting.started", "x"]);
        let text = w.finish();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"name": "a \"quoted\" \\ name\n\u{1}é", "enabled": false, "events": ["meeting.started", "x"]})
        );
        assert_eq!(Writer::object().finish(), "{}");
    }

    proptest::proptest! {
        #[test]
        fn writer_escapes_anything(text in "\\PC*|[\\x00-\\x1f\"\\\\]*") {
            let mut w = Writer::object();
            w.str("k", &text);
            let parsed: serde_json::Value = serde_json::from_str(&w.finish()).unwrap();
            proptest::prop_assert_eq!(parsed["k"].as_str(), Some(text.as_str()));
        }

        #[test]
        fn number_never_panics(text in ".{0,40}") {
            let _ = number(&text);
        }
    }
}
