//! Input checks, done before anything is sent. Each failure names its field.

use crate::error::Error;
use crate::models::{NewWebhook, WebhookEvent, WebhookPatch};

/// Longest id accepted in a path segment (account ids are 32 characters).
pub const MAX_ID_LEN: usize = 128;

/// Checks an id that becomes one path segment and percent-encodes it, so no
/// id can change the path (`..`, `a/b`) or add a query (`?x=1`).
pub(crate) fn path_segment(field: &str, id: &str) -> Result<String, Error> {
    if id.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if id == "." || id == ".." {
        return Err(Error::invalid(field, "must not be \".\" or \"..\""));
    }
    if id.len() > MAX_ID_LEN {
        return Err(Error::invalid(field, format!("must be at most {MAX_ID_LEN} bytes")));
    }
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        }
    }
    Ok(out)
}

/// Checks an absolute `http`/`https` URL with a host.
pub(crate) fn http_url(field: &str, url: &str) -> Result<(), Error> {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = match url.get(..scheme_end).map(str::to_ascii_lowercase).as_deref() {
        Some("https://" | "http://") => url.get(scheme_end..).unwrap_or_default(),
        _ => return Err(Error::invalid(field, "must be an absolute http:// or https:// URL")),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(Error::invalid(field, "must name a host"));
    }
    if url.chars().any(|c| c.is_ascii_whitespace() || c.is_control()) {
        return Err(Error::invalid(field, "must not contain spaces or control characters"));
    }
    Ok(())
}

/// Checks a base URL and returns it without a trailing `/`.
pub(crate) fn base_url(url: &str) -> Result<String, Error> {
    http_url("baseURL", url)?;
    if url.contains(['?', '#']) {
        return Err(Error::invalid("baseURL", "must not have a query or fragment"));
    }
    no_credentials("baseURL", url)?;
    Ok(url.trim_end_matches('/').to_owned())
}

/// Refuses a URL with a user or password in it: `fetch` will not send one,
/// and it would show in messages.
pub(crate) fn no_credentials(field: &str, url: &str) -> Result<(), Error> {
    if crate::error::url_without_credentials(url) != url {
        return Err(Error::invalid(
            field,
            "must not hold a user or password (fetch refuses such URLs): give credentials as options or headers",
        ));
    }
    Ok(())
}

/// Checks a header name and value (RFC 9110 token; no line breaks or NUL in values).
pub(crate) fn header(field: &str, name: &str, value: &str) -> Result<(), Error> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(Error::invalid(field, format!("\"{name}\" is not a valid header name")));
    }
    if value.contains(['\r', '\n', '\0']) {
        return Err(Error::invalid(field, format!("the value of \"{name}\" must not contain line breaks or NUL")));
    }
    Ok(())
}

fn name(field: &str, name: &str) -> Result<(), Error> {
    if name.trim_ascii().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

fn events(field: &str, events: &[WebhookEvent]) -> Result<(), Error> {
    if events.is_empty() {
        return Err(Error::invalid(field, "must list at least one event"));
    }
    for (i, event) in events.iter().enumerate() {
        if !event.is_known() {
            return Err(Error::invalid(
                format!("{field}[{i}]"),
                format!("\"{}\" is not a webhook event; expected one of {}", event.as_str(), WebhookEvent::known_names()),
            ));
        }
        // A repeat is a mistake to point out, not to send (the API would keep it).
        if let Some(first) = events.iter().position(|e| e == event).filter(|first| *first < i) {
            return Err(Error::invalid(format!("{field}[{i}]"), format!("\"{}\" is listed already, at {field}[{first}]", event.as_str())));
        }
    }
    Ok(())
}

/// Checks the body of a create or replace.
pub(crate) fn new_webhook(hook: &NewWebhook) -> Result<(), Error> {
    name("name", &hook.name)?;
    http_url("url", &hook.url)?;
    events("events", &hook.events)
}

/// Checks the body of an edit: at least one field, each valid.
pub(crate) fn patch(patch: &WebhookPatch) -> Result<(), Error> {
    if *patch == WebhookPatch::default() {
        return Err(Error::invalid("patch", "give at least one of name, url, events or enabled (an edit of none would change nothing)"));
    }
    if let Some(n) = &patch.name {
        name("name", n)?;
    }
    if let Some(url) = &patch.url {
        http_url("url", url)?;
    }
    if let Some(list) = &patch.events {
        events("events", list)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_hold_no_credentials() {
        assert_eq!(base_url("https://api.example.com/client/v4/").unwrap(), "https://api.example.com/client/v4");
        for bad in ["https://u:p@api.example.com/client/v4", "https://token@api.example.com", "http://h/x?y", "ftp://h"] {
            assert!(matches!(base_url(bad), Err(Error::Validation(v)) if v.field == "baseURL"), "{bad}");
        }
        // An @ after the host is no user.
        assert!(base_url("https://api.example.com/a@b").is_ok());
    }

    #[test]
    fn segments_stay_segments() {
        assert_eq!(path_segment("id", "abc-1_2.3~").unwrap(), "abc-1_2.3~");
        assert_eq!(path_segment("id", "a/b").unwrap(), "a%2Fb");
        assert_eq!(path_segment("id", "?x=1").unwrap(), "%3Fx%3D1");
        assert_eq!(path_segment("id", "%2e%2e").unwrap(), "%252e%252e");
        assert_eq!(path_segment("id", "é #").unwrap(), "%C3%A9%20%23");
        for bad in ["", ".", ".."] {
            assert!(matches!(path_segment("id", bad), Err(Error::Validation(_))), "{bad:?}");
        }
        assert!(path_segment("id", &"a".repeat(MAX_ID_LEN + 1)).is_err());
    }

    #[test]
    fn urls() {
        for good in ["https://example.com", "http://127.0.0.1:8787/hook?x=1", "HTTPS://E.COM/x", "https://u:p@h.io"] {
            assert!(http_url("url", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "example.com",
            "ftp://x.com",
            "https://",
            "https:///path",
            "http://:80",
            "https://a b.com",
            "javascript:alert(1)",
            "https://x.com/\n",
        ] {
            assert!(http_url("url", bad).is_err(), "{bad:?}");
        }
        assert_eq!(base_url("http://127.0.0.1:1/client/v4/").unwrap(), "http://127.0.0.1:1/client/v4");
        assert!(base_url("http://h/x?y").is_err());
    }

    #[test]
    fn headers() {
        assert!(header("headers", "x-trace", "a b").is_ok());
        assert!(header("headers", "bad name", "v").is_err());
        assert!(header("headers", "", "v").is_err());
        assert!(header("headers", "x", "a\r\nb").is_err());
    }

    #[test]
    fn bodies() {
        let good = NewWebhook { name: "n".into(), url: "https://e.com".into(), events: vec![WebhookEvent::Summary], enabled: None };
        assert!(new_webhook(&good).is_ok());
        let err =
            new_webhook(&NewWebhook { events: vec![WebhookEvent::Summary, WebhookEvent::from_name("meeting.strated")], ..good.clone() })
                .unwrap_err();
        let Error::Validation(v) = err else { panic!() };
        assert_eq!(v.field, "events[1]");
        assert!(v.message.contains("meeting.started") && v.message.contains("meeting.summary"));
        assert!(new_webhook(&NewWebhook { name: " ".into(), ..good.clone() }).is_err());
        assert!(new_webhook(&NewWebhook { events: vec![], ..good }).is_err());
        assert!(patch(&WebhookPatch::default()).is_err(), "an empty edit");
        assert!(patch(&WebhookPatch { enabled: Some(false), ..Default::default() }).is_ok());
        assert!(patch(&WebhookPatch { url: Some("nope".into()), ..Default::default() }).is_err());
    }
}
