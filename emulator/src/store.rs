//! Webhooks kept per account and app, with the real API's validation rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The event names the API knows: the client crate's list.
pub const EVENTS: [&str; realtimekit_webhooks::WebhookEvent::COUNT] = realtimekit_webhooks::WebhookEvent::NAMES;

/// A stored webhook, serialised exactly as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// The fields a create, replace or edit may set.
#[derive(Debug, Default)]
pub struct Fields {
    pub name: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// Which fields a body must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// POST and PUT: name, url and events required.
    Full,
    /// PATCH: everything optional.
    Partial,
}

/// Reads and checks a request body; the error is the API's message text
/// (`"name" is required`), to go into a 400 envelope.
pub fn parse_fields(body: &[u8], shape: Shape) -> Result<Fields, String> {
    let value: Value = serde_json::from_slice(body).map_err(|_| "Invalid JSON body".to_owned())?;
    let Value::Object(map) = value else {
        return Err("\"value\" must be of type object".to_owned());
    };
    let mut fields = Fields::default();
    for key in map.keys() {
        if !matches!(key.as_str(), "name" | "url" | "events" | "enabled") {
            return Err(format!("\"{key}\" is not allowed"));
        }
    }
    match map.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => fields.name = Some(s.clone()),
        Some(Value::String(_)) => return Err("\"name\" is not allowed to be empty".into()),
        Some(_) => return Err("\"name\" must be a string".into()),
        None => {}
    }
    match map.get("url") {
        Some(Value::String(s)) if is_http_url(s) => fields.url = Some(s.clone()),
        Some(Value::String(_)) => return Err("\"url\" must be a valid uri with a scheme matching the http|https pattern".into()),
        Some(_) => return Err("\"url\" must be a string".into()),
        None => {}
    }
    match map.get("events") {
        Some(Value::Array(items)) => {
            let mut events = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(name) if EVENTS.contains(&name) => events.push(name.to_owned()),
                    _ => return Err(format!("\"events[{i}]\" must be one of [{}]", EVENTS.join(", "))),
                }
            }
            if events.is_empty() {
                return Err("\"events\" must contain at least 1 items".into());
            }
            fields.events = Some(events);
        }
        Some(_) => return Err("\"events\" must be an array".into()),
        None => {}
    }
    match map.get("enabled") {
        Some(Value::Bool(b)) => fields.enabled = Some(*b),
        Some(_) => return Err("\"enabled\" must be a boolean".into()),
        None => {}
    }
    if shape == Shape::Full {
        for (present, name) in [(fields.name.is_some(), "name"), (fields.url.is_some(), "url"), (fields.events.is_some(), "events")] {
            if !present {
                return Err(format!("\"{name}\" is required"));
            }
        }
    }
    Ok(fields)
}

fn is_http_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// All webhooks, by `(account, app)`, in creation order; saved to a state file when given.
#[derive(Debug, Default)]
pub struct Store {
    apps: BTreeMap<String, Vec<Webhook>>,
    file: Option<PathBuf>,
}

#[derive(Serialize, Deserialize)]
struct Saved {
    apps: BTreeMap<String, Vec<Webhook>>,
}

fn key(account: &str, app: &str) -> String {
    format!("{account}/{app}")
}

impl Store {
    /// A store kept in `file` (loaded now when it exists), or in memory only.
    pub fn open(file: Option<&Path>) -> std::io::Result<Store> {
        let mut store = Store { apps: BTreeMap::new(), file: file.map(Path::to_path_buf) };
        if let Some(path) = file {
            if path.exists() {
                let text = std::fs::read_to_string(path)?;
                let saved: Saved = serde_json::from_str(&text)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))?;
                store.apps = saved.apps;
            }
        }
        Ok(store)
    }

    pub fn list(&self, account: &str, app: &str) -> Vec<Webhook> {
        self.apps.get(&key(account, app)).cloned().unwrap_or_default()
    }

    /// Every enabled webhook subscribed to `event`, with its `account/app` key.
    pub fn subscribed(&self, event: &str) -> Vec<(String, Webhook)> {
        self.apps
            .iter()
            .flat_map(|(app, hooks)| hooks.iter().map(move |w| (app, w)))
            .filter(|(_, w)| w.enabled && w.events.iter().any(|e| e == event))
            .map(|(app, w)| (app.clone(), w.clone()))
            .collect()
    }

    pub fn get(&self, account: &str, app: &str, id: &str) -> Option<Webhook> {
        self.apps.get(&key(account, app))?.iter().find(|w| w.id == id).cloned()
    }

    pub fn create(&mut self, account: &str, app: &str, fields: Fields) -> Webhook {
        let now = now();
        let hook = Webhook {
            id: uuid::Uuid::new_v4().to_string(),
            name: fields.name.unwrap_or_default(),
            url: fields.url.unwrap_or_default(),
            events: fields.events.unwrap_or_default(),
            enabled: fields.enabled.unwrap_or(true),
            created_at: now.clone(),
            updated_at: now,
        };
        self.apps.entry(key(account, app)).or_default().push(hook.clone());
        self.save();
        hook
    }

    /// Replaces (`Shape::Full`: `enabled` back to true unless given) or edits the fields.
    pub fn update(&mut self, account: &str, app: &str, id: &str, fields: Fields, shape: Shape) -> Option<Webhook> {
        let hook = self.apps.get_mut(&key(account, app))?.iter_mut().find(|w| w.id == id)?;
        if let Some(name) = fields.name {
            hook.name = name;
        }
        if let Some(url) = fields.url {
            hook.url = url;
        }
        if let Some(events) = fields.events {
            hook.events = events;
        }
        match (fields.enabled, shape) {
            (Some(enabled), _) => hook.enabled = enabled,
            (None, Shape::Full) => hook.enabled = true,
            (None, Shape::Partial) => {}
        }
        hook.updated_at = now();
        let hook = hook.clone();
        self.save();
        Some(hook)
    }

    pub fn delete(&mut self, account: &str, app: &str, id: &str) -> Option<Webhook> {
        let hooks = self.apps.get_mut(&key(account, app))?;
        let at = hooks.iter().position(|w| w.id == id)?;
        let hook = hooks.remove(at);
        self.save();
        Some(hook)
    }

    /// Forgets every webhook.
    pub fn clear(&mut self) {
        self.apps.clear();
        self.save();
    }

    fn save(&self) {
        let Some(path) = &self.file else { return };
        let saved = Saved { apps: self.apps.clone() };
        let written = serde_json::to_string_pretty(&saved).map_err(std::io::Error::other).and_then(|text| std::fs::write(path, text));
        if let Err(e) = written {
            eprintln!("rtk-emulator: could not save state to {}: {e}", path.display());
        }
    }
}

/// Now as the API writes it: `2022-05-28T07:01:53.075Z`.
pub fn now() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    time::OffsetDateTime::now_utc().format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages() {
        let full = |body: &str| parse_fields(body.as_bytes(), Shape::Full).err();
        assert_eq!(full("{"), Some("Invalid JSON body".into()));
        assert_eq!(full("[]"), Some("\"value\" must be of type object".into()));
        assert_eq!(full(r#"{"url":"https://x.io","events":["meeting.started"]}"#), Some("\"name\" is required".into()));
        assert_eq!(full(r#"{"name":"n","url":"x.io","events":["meeting.started"]}"#).map(|e| e.contains("valid uri")), Some(true));
        assert_eq!(full(r#"{"name":"n","url":"https://x.io","events":["nope"]}"#).map(|e| e.starts_with("\"events[0]\"")), Some(true));
        assert_eq!(
            full(r#"{"name":"n","url":"https://x.io","events":["meeting.started"],"enabled":"yes"}"#),
            Some("\"enabled\" must be a boolean".into())
        );
        assert_eq!(full(r#"{"name":"n","url":"https://x.io","events":["meeting.started"],"x":1}"#), Some("\"x\" is not allowed".into()));
        assert!(full(r#"{"name":"n","url":"https://x.io","events":["meeting.started"]}"#).is_none());
        assert!(parse_fields(b"{}", Shape::Partial).is_ok());
    }

    #[test]
    fn timestamps_look_like_the_api() {
        let t = now();
        assert_eq!(t.len(), "2022-05-28T07:01:53.075Z".len(), "{t}");
        assert!(t.ends_with('Z'));
    }

    #[test]
    fn state_file_survives_restart() {
        let dir = std::env::temp_dir().join(format!("rtk-emulator-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("state.json");
        let mut store = Store::open(Some(&file)).unwrap();
        let fields = parse_fields(br#"{"name":"n","url":"https://x.io","events":["meeting.started"]}"#, Shape::Full).unwrap();
        let hook = store.create("acc", "app", fields);
        let reopened = Store::open(Some(&file)).unwrap();
        assert_eq!(reopened.get("acc", "app", &hook.id), Some(hook));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
