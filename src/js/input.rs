//! JS values in: options objects, webhook inputs and ids, checked field by
//! field into the Rust core's types. Every read that can run user code
//! (getters, proxies) is caught, so no input can throw through the module.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::error::Error;

#[wasm_bindgen]
extern "C" {
    /// `Object.keys`, with a throwing proxy caught.
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    pub(super) fn object_keys(value: &JsValue) -> Result<Array, JsValue>;
}

/// Rejects keys that are not in `allowed` (the first `shown` of them are
/// named in the message): a misspelt option or field is a bug, not a no-op.
pub(super) fn known_keys(o: &JsValue, allowed: &[&str], shown: usize, what: &str) -> Result<(), Error> {
    let keys = object_keys(o).map_err(|_| Error::invalid("options", "could not be read"))?;
    for key in keys.iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            let hint = closest(&key, allowed).map(|k| format!("did you mean {k}? ")).unwrap_or_default();
            let expected = allowed.iter().take(shown).copied().collect::<Vec<_>>().join(", ");
            return Err(Error::invalid(key, format!("is not {what} ({hint}expected {expected})")));
        }
    }
    Ok(())
}

/// The allowed name `key` is most likely a typo of: the same but for case,
/// or at most two edits away.
fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let key = key.to_ascii_lowercase();
    allowed
        .iter()
        .map(|name| (edit_distance(&key, &name.to_ascii_lowercase()), *name))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance of two short strings (every index is below
/// `row.len()`, which is `b.len() + 1`).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}
