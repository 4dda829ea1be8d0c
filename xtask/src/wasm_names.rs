//! Short names for what a wasm module and its glue call each other by.
//!
//! wasm-bindgen names each import `__wbg_<name>_<16 hex digits>` and each
//! closure's export after its full Rust type (a few hundred characters), and
//! every name is written twice: in the `.wasm`'s import or export section and
//! in the glue (`__wbg_x_…: function (…)`, `wasm.x_…(…)`). Hashes compress
//! badly. [`shorten`] renames the imports of the glue's own module and every
//! export but `memory` to one or two characters, in the module and in the
//! glue alike: about 3.4 KB gzipped off what a /client user loads.
//!
//! It runs on wasm-opt's output and wasm-bindgen's unminified glue; anything
//! it does not recognise fails the build, so a wasm-bindgen whose output
//! changed shape is caught here, not by a user's runtime.

use crate::util::Result;

/// The module name wasm-bindgen gives the glue's own imports.
const GLUE_MODULE: &str = "./realtimekit_webhooks_bg.js";

/// The module and glue with short import and export names.
pub fn shorten(wasm: &[u8], glue: &str) -> Result<(Vec<u8>, String)> {
    let mut imports: Vec<(String, String)> = Vec::new();
    let mut exports: Vec<(String, String)> = Vec::new();
    let mut out = wasm.get(..8).filter(|head| head.starts_with(b"\0asm")).ok_or("not a wasm module")?.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let (size, start) = leb(wasm, at + 1)?;
        let body = wasm.get(start..start + size as usize).ok_or("a wasm section runs past the module's end")?;
        at = start + size as usize;
        let body = match id {
            2 => import_section(body, &mut imports)?,
            7 => export_section(body, &mut exports)?,
            _ => body.to_vec(),
        };
        out.push(id);
        put_leb(&mut out, body.len() as u32);
        out.extend_from_slice(&body);
    }
    let mut glue = glue.to_owned();
    for (old, new) in &imports {
        // The key of the glue's imports object: `__wbg_x_…: function(…)`.
        let (renamed, count) = replace_token(&glue, &format!("{old}:"), &format!("{new}:"));
        if count != 1 {
            return Err(format!("the glue names the wasm import {old} {count} times as a key, not once"));
        }
        glue = renamed;
    }
    for (old, new) in &exports {
        glue = replace_token(&glue, &format!("wasm.{old}"), &format!("wasm.{new}")).0;
    }
    Ok((out, glue))
}

/// The import section with the glue module's imports renamed (recorded in
/// `names`, old to new). Other modules' imports (the JS snippets, whose
/// functions are called by their own names) stay.
fn import_section(body: &[u8], names: &mut Vec<(String, String)>) -> Result<Vec<u8>> {
    let (count, mut at) = leb(body, 0)?;
    let mut out = Vec::with_capacity(body.len());
    put_leb(&mut out, count);
    for _ in 0..count {
        let (module, next) = name(body, at)?;
        let (field, next) = name(body, next)?;
        let end = import_end(body, next)?;
        let field = match module == GLUE_MODULE {
            true => rename(names, field),
            false => field.to_owned(),
        };
        put_name(&mut out, module);
        put_name(&mut out, &field);
        out.extend_from_slice(&body[next..end]);
        at = end;
    }
    Ok(out)
}

/// The export section with every export but `memory` renamed (recorded in `names`).
fn export_section(body: &[u8], names: &mut Vec<(String, String)>) -> Result<Vec<u8>> {
    let (count, mut at) = leb(body, 0)?;
    let mut out = Vec::with_capacity(body.len());
    put_leb(&mut out, count);
    for _ in 0..count {
        let (field, next) = name(body, at)?;
        // A kind byte, then an index.
        let (_, end) = leb(body, next + 1)?;
        let field = match field {
            // What tools (and the load test) read the module's memory by.
            "memory" => field.to_owned(),
            _ => rename(names, field),
        };
        put_name(&mut out, &field);
        out.extend_from_slice(&body[next..end]);
        at = end;
    }
    Ok(out)
}

/// Where an import's description (after its two names) ends: a function or
/// tag (type index), a table (reference type, limits), a memory (limits) or
/// a global (value type, mutability).
fn import_end(body: &[u8], at: usize) -> Result<usize> {
    let kind = *body.get(at).ok_or("an import without its kind")?;
    Ok(match kind {
        0 => leb(body, at + 1)?.1,
        1 => limits_end(body, at + 2)?,
        2 => limits_end(body, at + 1)?,
        3 => at + 3,
        4 => leb(body, at + 2)?.1,
        _ => return Err(format!("a wasm import of kind {kind}, unknown here")),
    })
}

fn limits_end(body: &[u8], at: usize) -> Result<usize> {
    let flags = *body.get(at).ok_or("limits without their flags")?;
    let (_, end) = leb(body, at + 1)?;
    Ok(if flags & 1 == 1 { leb(body, end)?.1 } else { end })
}

/// The short name for `old` (the same one each time it comes again): `a` to
/// `Z`, then `a1` to `Z1`, and so on; never a JS keyword.
fn rename(names: &mut Vec<(String, String)>, old: &str) -> String {
    if let Some((_, new)) = names.iter().find(|(name, _)| name == old) {
        return new.clone();
    }
    const LETTERS: &[u8; 52] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let n = names.len();
    let mut new = String::from(LETTERS[n % 52] as char);
    if n >= 52 {
        new.push_str(&(n / 52).to_string());
    }
    names.push((old.to_owned(), new.clone()));
    new
}

/// `text` with each `old` that is a whole token (no identifier character
/// just before or after it) replaced by `new`, and how many were.
fn replace_token(text: &str, old: &str, new: &str) -> (String, usize) {
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut rest = text;
    while let Some(at) = rest.find(old) {
        let before = rest[..at].chars().last().or_else(|| out.chars().last());
        let after = rest[at + old.len()..].chars().next();
        out.push_str(&rest[..at]);
        // A key ends in ':' and a property access starts with "wasm.": the
        // token's own edge is then that character.
        let open_end = !old.ends_with(':') && ident(after);
        if ident(before) || open_end {
            out.push_str(old);
        } else {
            out.push_str(new);
            count += 1;
        }
        rest = &rest[at + old.len()..];
    }
    out.push_str(rest);
    (out, count)
}

/// An unsigned LEB128 number at `at`, and where it ends.
fn leb(bytes: &[u8], mut at: usize) -> Result<(u32, usize)> {
    let mut value: u64 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at).ok_or("a wasm number runs past its section")?;
        at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(value).map(|v| (v, at)).map_err(|_| "a wasm number too large".into());
        }
    }
    Err("a wasm number longer than 5 bytes".into())
}

fn put_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A wasm name (length, UTF-8) at `at`, and where it ends.
fn name(bytes: &[u8], at: usize) -> Result<(&str, usize)> {
    let (len, start) = leb(bytes, at)?;
    let end = start + len as usize;
    let text = bytes.get(start..end).ok_or("a wasm name runs past its section")?;
    Ok((std::str::from_utf8(text).map_err(|_| "a wasm name that is not UTF-8")?, end))
}

fn put_name(out: &mut Vec<u8>, text: &str) {
    put_leb(out, text.len() as u32);
    out.extend_from_slice(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing `__wbg_log_0123` (twice) from the glue and
    /// `describe` from a snippet, and exporting its memory and `make_core`.
    fn module() -> Vec<u8> {
        let mut imports = Vec::new();
        put_leb(&mut imports, 3);
        for (module, field) in [(GLUE_MODULE, "__wbg_log_0123"), ("./snippets/x/fetch.js", "describe"), (GLUE_MODULE, "__wbg_log_0123")] {
            put_name(&mut imports, module);
            put_name(&mut imports, field);
            imports.extend_from_slice(&[0, 1]); // a function of type 1
        }
        let mut exports = Vec::new();
        put_leb(&mut exports, 2);
        put_name(&mut exports, "memory");
        exports.extend_from_slice(&[2, 0]);
        put_name(&mut exports, "make_core");
        exports.extend_from_slice(&[0, 0x81, 0x01]); // function 129
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        for (id, body) in [(2u8, imports), (10, vec![0]), (7, exports)] {
            wasm.push(id);
            put_leb(&mut wasm, body.len() as u32);
            wasm.extend_from_slice(&body);
        }
        wasm
    }

    const GLUE: &str = "const imports = { __wbg_log_0123: function(a) { console.log(a) } };\n\
                        export function make_core() { return wasm.make_core(wasm.memory.buffer, wasm.make_core_x) }\n";

    #[test]
    fn imports_of_the_glue_and_exports_get_short_names_in_both() {
        let (wasm, glue) = shorten(&module(), GLUE).unwrap();
        let mut names = (Vec::new(), Vec::new());
        let mut at = 8;
        while at < wasm.len() {
            let (size, start) = leb(&wasm, at + 1).unwrap();
            let body = &wasm[start..start + size as usize];
            match wasm[at] {
                2 => names.0 = import_names(body),
                7 => names.1 = export_names(body),
                10 => assert_eq!(body, [0]),
                id => panic!("section {id}"),
            }
            at = start + size as usize;
        }
        assert_eq!(names.0, ["a", "describe", "a"], "the snippet's import keeps its name");
        assert_eq!(names.1, ["memory", "a"]);
        assert_eq!(
            glue,
            "const imports = { a: function(a) { console.log(a) } };\n\
             export function make_core() { return wasm.a(wasm.memory.buffer, wasm.make_core_x) }\n",
            "keys and `wasm.` accesses renamed, whole tokens only"
        );
    }

    #[test]
    fn an_import_the_glue_does_not_name_once_fails_the_build() {
        let error = shorten(&module(), "const imports = {};").unwrap_err();
        assert!(error.to_string().contains("__wbg_log_0123"), "{error}");
        assert!(shorten(b"\0asm\x01\0\0\0\x07\x05", "").is_err(), "a section past the end");
    }

    #[test]
    fn short_names_are_never_keywords() {
        let mut names = Vec::new();
        let all: Vec<String> = (0..200).map(|n| rename(&mut names, &n.to_string())).collect();
        assert_eq!((&all[0][..], &all[51][..], &all[52][..], &all[199][..]), ("a", "Z", "a1", "R3"));
        assert_eq!(rename(&mut names, "7"), "h", "the same name again");
    }

    fn import_names(body: &[u8]) -> Vec<String> {
        let (count, mut at) = leb(body, 0).unwrap();
        (0..count)
            .map(|_| {
                let (_, next) = name(body, at).unwrap();
                let (field, next) = name(body, next).unwrap();
                at = import_end(body, next).unwrap();
                field.to_owned()
            })
            .collect()
    }

    fn export_names(body: &[u8]) -> Vec<String> {
        let (count, mut at) = leb(body, 0).unwrap();
        (0..count)
            .map(|_| {
                let (field, next) = name(body, at).unwrap();
                at = leb(body, next + 1).unwrap().1;
                field.to_owned()
            })
            .collect()
    }
}
