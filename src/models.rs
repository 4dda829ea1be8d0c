//! The API's data shapes: webhooks, event names, request bodies.
//!
//! Field names are the API's own (`created_at`, `updated_at`), so values match
//! the API reference and what JavaScript users see.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::json::{describe, Doc, Writer};

/// A registered webhook, as the API returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Webhook {
    /// The webhook's id (a uuid).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The URL deliveries are POSTed to.
    pub url: String,
    /// The events it is subscribed to.
    pub events: Vec<WebhookEvent>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// When it was created (ISO-8601).
    pub created_at: String,
    /// When it was last changed (ISO-8601).
    pub updated_at: String,
}

/// The body of a create (`POST`) or replace (`PUT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWebhook {
    /// Name of the webhook (non-empty).
    pub name: String,
    /// Absolute `http` or `https` URL to deliver to.
    pub url: String,
    /// Events to subscribe to (at least one).
    pub events: Vec<WebhookEvent>,
    /// Whether it is active; the server's default (`true`) when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// The body of an edit (`PATCH`): fields left `None` are not sent and keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPatch {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// New event list (replaces the old one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<WebhookEvent>>,
    /// Enable or disable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// The `data` of a success envelope `{success, data}`, or what is wrong with it.
pub(crate) fn envelope_data(doc: &Doc) -> Result<Doc, &'static str> {
    if !doc.is_object() {
        return Err("the reply is not a JSON object");
    }
    if doc.get("success").and_then(|s| s.as_bool()) == Some(false) {
        return Err("the reply says success: false");
    }
    doc.get("data").filter(|d| !d.is_null()).ok_or("the reply has no data")
}

/// The `data` of a reply's body (parsed, or why it is not JSON). The JS
/// facade checks replies in `src/wasm/shape.js` instead, by the same rules and
/// messages: `tests/replies.json` holds the cases both must answer alike.
pub(crate) fn reply_data(parsed: Result<Doc, String>) -> Result<Doc, String> {
    let doc = parsed.map_err(|why| format!("the reply is not JSON ({why})"))?;
    envelope_data(&doc).map_err(str::to_owned)
}

/// A reply's `data` as a `T`, or what is wrong with the reply.
pub(crate) fn decode_reply<T: FromDoc>(parsed: Result<Doc, String>) -> Result<T, String> {
    T::from_doc(reply_data(parsed)?).map_err(|why| not_api(&why))
}

/// The message for a `data` of the wrong shape.
pub(crate) fn not_api(why: &str) -> String {
    format!("the reply is not what the API sends: {why}")
}

/// A type the `data` of a reply decodes into; the error names the field at fault.
pub(crate) trait FromDoc: Sized {
    fn from_doc(doc: Doc) -> Result<Self, String>;
}

/// The webhook fields that are strings (`events` is an array of strings,
/// `enabled` a boolean).
const WEBHOOK_STRINGS: [&str; 5] = ["id", "name", "url", "created_at", "updated_at"];

fn field_error(path: &str, field: &str, expected: &str, got: Option<&Doc>) -> String {
    format!("{path}.{field} should be {expected}, is {}", describe(got))
}

/// Checks that `doc` has the shape of a [`Webhook`] (extra fields are fine).
/// The JS facade checks replies it passes through in `src/wasm/shape.js`, with
/// the same rules and messages.
fn check_webhook(doc: &Doc, path: &str) -> Result<(), String> {
    if !doc.is_object() {
        return Err(format!("{path} should be a webhook object, is {}", describe(Some(doc))));
    }
    for field in WEBHOOK_STRINGS {
        let value = doc.get(field);
        if !value.as_ref().is_some_and(Doc::is_string) {
            return Err(field_error(path, field, "a string", value.as_ref()));
        }
    }
    let enabled = doc.get("enabled");
    if enabled.as_ref().and_then(Doc::as_bool).is_none() {
        return Err(field_error(path, "enabled", "a boolean", enabled.as_ref()));
    }
    strings(doc.get("events"), &format!("{path}.events")).map(drop)
}

/// The strings of an array, or what is wrong with it.
fn strings(doc: Option<Doc>, path: &str) -> Result<Vec<Doc>, String> {
    let items = doc.as_ref().and_then(Doc::items).ok_or_else(|| format!("{path} should be an array, is {}", describe(doc.as_ref())))?;
    if let Some((i, bad)) = items.iter().enumerate().find(|(_, item)| !item.is_string()) {
        return Err(format!("{path}[{i}] should be a string, is {}", describe(Some(bad))));
    }
    Ok(items)
}

fn webhooks(doc: &Doc) -> Result<Vec<Doc>, String> {
    let items = doc.items().ok_or_else(|| format!("data should be an array, is {}", describe(Some(doc))))?;
    for (i, item) in items.iter().enumerate() {
        check_webhook(item, &format!("data[{i}]"))?;
    }
    Ok(items)
}

impl Webhook {
    /// Reads a checked webhook document.
    fn read(doc: &Doc) -> Webhook {
        let text = |field: &str| doc.get(field).and_then(|d| d.as_str()).unwrap_or_default();
        let events = doc.get("events").and_then(|e| e.items()).unwrap_or_default();
        Webhook {
            id: text("id"),
            name: text("name"),
            url: text("url"),
            events: events.iter().filter_map(Doc::as_str).map(|e| WebhookEvent::from_name(&e)).collect(),
            enabled: doc.get("enabled").and_then(|e| e.as_bool()).unwrap_or_default(),
            created_at: text("created_at"),
            updated_at: text("updated_at"),
        }
    }
}

impl FromDoc for Webhook {
    fn from_doc(doc: Doc) -> Result<Webhook, String> {
        check_webhook(&doc, "data")?;
        Ok(Webhook::read(&doc))
    }
}

impl FromDoc for Vec<Webhook> {
    fn from_doc(doc: Doc) -> Result<Vec<Webhook>, String> {
        Ok(webhooks(&doc)?.iter().map(Webhook::read).collect())
    }
}

impl FromDoc for Vec<String> {
    fn from_doc(doc: Doc) -> Result<Vec<String>, String> {
        Ok(strings(Some(doc), "data")?.iter().filter_map(Doc::as_str).collect())
    }
}

impl NewWebhook {
    /// The request body (fields as the API spells them; `enabled` only when set).
    pub(crate) fn to_json(&self) -> String {
        let mut w = Writer::object();
        w.str("name", &self.name);
        w.str("url", &self.url);
        w.strs("events", self.events.iter().map(WebhookEvent::as_str));
        if let Some(enabled) = self.enabled {
            w.bool("enabled", enabled);
        }
        w.finish()
    }
}

impl WebhookPatch {
    /// The edit that makes `existing` look like `wanted`, as `ensure` (and the
    /// command line's `apply`) make it: the url, the events (as a set), and
    /// `enabled` (where `None` means `true`, as on create); empty when they match.
    pub(crate) fn to_match(existing: &Webhook, wanted: &NewWebhook) -> WebhookPatch {
        let enabled = wanted.enabled.unwrap_or(true);
        WebhookPatch {
            name: None,
            url: (existing.url != wanted.url).then(|| wanted.url.clone()),
            events: (!same_events(&existing.events, &wanted.events)).then(|| wanted.events.clone()),
            enabled: (existing.enabled != enabled).then_some(enabled),
        }
    }

    /// The request body: only the fields that are set.
    pub(crate) fn to_json(&self) -> String {
        let mut w = Writer::object();
        if let Some(name) = &self.name {
            w.str("name", name);
        }
        if let Some(url) = &self.url {
            w.str("url", url);
        }
        if let Some(events) = &self.events {
            w.strs("events", events.iter().map(WebhookEvent::as_str));
        }
        if let Some(enabled) = self.enabled {
            w.bool("enabled", enabled);
        }
        w.finish()
    }
}

/// Whether two event lists name the same events (order and repeats aside).
pub(crate) fn same_events(a: &[WebhookEvent], b: &[WebhookEvent]) -> bool {
    a.iter().all(|e| b.contains(e)) && b.iter().all(|e| a.contains(e))
}

/// What [`Client::ensure`](crate::Client::ensure) did to reach the wanted state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EnsureAction {
    /// No webhook had the name; one was created.
    Created,
    /// A webhook had the name but differed; it was edited.
    Updated,
    /// A webhook with the name already matched.
    Unchanged,
}

/// The one list of webhook events: each with its variant, the API's name, the
/// payload type its deliveries decode into (in `events`), and a line of docs.
/// `$then` is the macro that expands the list: `define_webhook_event` below
/// (the enum, and the TypeScript `WebhookEvent` and `WebhookPayload` unions),
/// `define_payload` in `events`, and the emulator's table of example bodies.
///
/// Adding an event is a line here, its payload struct (`events`), and its
/// example body (`emulator/fixtures/<name>.json`); the build generates the
/// rest, and a test names what is missing: the `<Variant>Payload` interface
/// in `src/package/payloads.d.ts`, the example body, the `.d.ts` snapshot.
#[doc(hidden)]
#[macro_export]
macro_rules! with_webhook_events {
    ($then:ident) => {
        $then! {
            MeetingStarted => "meeting.started", MeetingEvent, "A meeting started (its first participant joined).";
            MeetingEnded => "meeting.ended", MeetingEnded, "A meeting ended.";
            ParticipantJoined => "meeting.participantJoined", ParticipantEvent, "A participant joined a meeting.";
            ParticipantLeft => "meeting.participantLeft", ParticipantEvent, "A participant left a meeting.";
            ChatSynced => "meeting.chatSynced", ChatSynced, "A meeting's chat export is ready.";
            RecordingStatusUpdate => "recording.statusUpdate", RecordingStatusUpdate, "A recording changed status.";
            LivestreamingStatusUpdate => "livestreaming.statusUpdate", LivestreamingStatusUpdate, "A livestream changed status.";
            Transcript => "meeting.transcript", TranscriptReady, "A meeting's transcript is ready.";
            Summary => "meeting.summary", SummaryReady, "A meeting's summary is ready.";
        }
    };
}
pub(crate) use with_webhook_events;

macro_rules! define_webhook_event {
    ($($variant:ident => $name:literal, $payload:ident, $doc:literal;)*) => {
        /// A webhook event name. Names this version does not know, when they come
        /// from the server, are kept in [`WebhookEvent::Unknown`], never an error.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum WebhookEvent {
            $(#[doc = $doc] $variant,)*
            /// An event name this version does not know.
            Unknown(String),
        }

        // The TypeScript unions of the names and of the payloads (each
        // `<Variant>Payload`, declared in src/package/payloads.d.ts), from this
        // same list.
        #[cfg(target_arch = "wasm32")]
        #[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
        const WEBHOOK_EVENT_TS: &'static str = concat!(
            "/** The webhook event names. */\nexport type WebhookEvent =",
            $("\n  | \"", $name, "\""),*,
            ";\n/** A delivery's body: a union discriminated on `event` (see `UnknownPayload` for the rest). */\nexport type WebhookPayload =",
            $("\n  | ", stringify!($variant), "Payload"),*,
            ";\n"
        );

        impl WebhookEvent {
            /// How many events the API documents.
            pub const COUNT: usize = [$($name),*].len();

            /// The events the API documents, in the API's order.
            pub const ALL: [WebhookEvent; WebhookEvent::COUNT] = [$(WebhookEvent::$variant),*];

            /// Their names, in the same order.
            pub const NAMES: [&'static str; WebhookEvent::COUNT] = [$($name),*];

            /// Their variants' names, in the same order (the TypeScript payload
            /// interfaces are named after them).
            #[cfg(test)]
            pub(crate) const VARIANTS: [&'static str; WebhookEvent::COUNT] = [$(stringify!($variant)),*];

            /// The API's name for the event.
            pub fn as_str(&self) -> &str {
                match self {
                    $(WebhookEvent::$variant => $name,)*
                    WebhookEvent::Unknown(name) => name,
                }
            }

            /// The event for a name; an unknown name gives [`WebhookEvent::Unknown`].
            pub fn from_name(name: &str) -> WebhookEvent {
                match name {
                    $($name => WebhookEvent::$variant,)*
                    other => WebhookEvent::Unknown(other.to_owned()),
                }
            }
        }
    };
}

with_webhook_events!(define_webhook_event);

impl WebhookEvent {
    /// Whether this is one of the documented events (not [`WebhookEvent::Unknown`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, WebhookEvent::Unknown(_))
    }

    /// Whether two genuine deliveries of this event can have the same body:
    /// `livestreaming.statusUpdate` carries no time (a stream that goes `LIVE`
    /// twice sends the same body twice), and an unknown event may be anything.
    /// Replay protection keys these on their identity (`rtk-uuid` and body) only.
    pub fn body_may_repeat(&self) -> bool {
        matches!(self, WebhookEvent::LivestreamingStatusUpdate | WebhookEvent::Unknown(_))
    }

    /// The names joined by `, `, for messages that list the valid values.
    pub fn known_names() -> String {
        let names: Vec<&str> = WebhookEvent::ALL.iter().map(WebhookEvent::as_str).collect();
        names.join(", ")
    }
}

impl fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for WebhookEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(WebhookEvent::from_name(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edit_to_match_changes_only_what_differs() {
        use WebhookEvent::{MeetingEnded as Ended, MeetingStarted as Started};
        let existing = Webhook {
            id: "1".into(),
            name: "a".into(),
            url: "https://e.com/old".into(),
            events: vec![Started, Ended],
            enabled: false,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let wanted = |url: &str, events: Vec<WebhookEvent>, enabled| NewWebhook { name: "a".into(), url: url.into(), events, enabled };
        assert_eq!(
            WebhookPatch::to_match(&existing, &wanted("https://e.com/old", vec![Ended, Started, Ended], Some(false))),
            WebhookPatch::default()
        );
        assert_eq!(
            WebhookPatch::to_match(&existing, &wanted("https://e.com/new", vec![Started], None)),
            WebhookPatch { name: None, url: Some("https://e.com/new".into()), events: Some(vec![Started]), enabled: Some(true) },
            "a missing enabled means true"
        );
    }

    /// The cases of `tests/replies.json`, which `src/wasm/shape.js` must answer alike (tests/js/replies.test.mjs).
    #[test]
    fn replies_are_judged_as_shape_js_judges_them() {
        let file: serde_json::Value = serde_json::from_str(include_str!("../tests/replies.json")).unwrap();
        for case in file["cases"].as_array().unwrap() {
            let body = case["body"].as_str().unwrap();
            let parsed = Doc::parse(body);
            let problem = match case["shape"].as_str().unwrap() {
                "webhook" => decode_reply::<Webhook>(parsed).err(),
                "webhooks" => decode_reply::<Vec<Webhook>>(parsed).err(),
                "names" => decode_reply::<Vec<String>>(parsed).err(),
                other => panic!("no shape {other}"),
            };
            match (case.get("problemStarts").and_then(|p| p.as_str()), case["problem"].as_str()) {
                (Some(start), _) => assert!(problem.as_deref().is_some_and(|p| p.starts_with(start)), "{body}: {problem:?}"),
                (None, expected) => assert_eq!(problem.as_deref(), expected, "{body}"),
            }
        }
    }

    #[test]
    fn event_names_round_trip() {
        for event in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::from_name(event.as_str()), event);
            assert!(event.is_known());
        }
        assert_eq!(WebhookEvent::ALL.len(), 9);
        assert_eq!(WebhookEvent::NAMES.len(), WebhookEvent::COUNT);
    }

    #[test]
    fn unknown_event_from_server_is_kept() {
        let events: Vec<WebhookEvent> = serde_json::from_str(r#"["meeting.started","meeting.future"]"#).unwrap();
        assert_eq!(events[0], WebhookEvent::MeetingStarted);
        assert_eq!(events[1], WebhookEvent::Unknown("meeting.future".into()));
        assert_eq!(serde_json::to_string(&events).unwrap(), r#"["meeting.started","meeting.future"]"#);
    }

    const HOOK: &str = r#"{"id":"0d1f069d-43bb-489a-ad8c-7eb95592ba8e","created_at":"2022-05-28T07:01:53.075Z",
        "enabled":true,"events":["meeting.started","meeting.future"],"name":"All events webhook",
        "updated_at":"2022-05-28T07:01:53.075Z","url":"https://webhook.site/x","extra":1}"#;

    fn decode<T: FromDoc>(text: &str) -> Result<T, String> {
        let doc = Doc::parse(text)?;
        T::from_doc(envelope_data(&doc)?)
    }

    #[test]
    fn envelope_gives_data_or_says_why_not() {
        assert_eq!(decode::<Vec<String>>(r#"{"success":true,"data":["a"]}"#), Ok(vec!["a".to_owned()]));
        assert_eq!(decode::<Vec<String>>(r#"{"data":[]}"#), Ok(vec![]));
        assert_eq!(decode::<Vec<String>>(r#"{"success":false,"data":[]}"#), Err("the reply says success: false".into()));
        assert_eq!(decode::<Vec<String>>(r#"{"success":true}"#), Err("the reply has no data".into()));
        assert_eq!(decode::<Vec<String>>(r#"{"success":true,"data":null}"#), Err("the reply has no data".into()));
        assert_eq!(decode::<Vec<String>>("[]"), Err("the reply is not a JSON object".into()));
        assert_eq!(decode::<Vec<String>>(r#"{"data":["a",1]}"#), Err("data[1] should be a string, is a number".into()));
    }

    #[test]
    fn webhooks_decode_and_check_with_paths() {
        let hook: Webhook = decode(&format!(r#"{{"success":true,"data":{HOOK}}}"#)).unwrap();
        assert_eq!(hook.name, "All events webhook");
        assert_eq!(hook.events, vec![WebhookEvent::MeetingStarted, WebhookEvent::Unknown("meeting.future".into())]);
        let list: Vec<Webhook> = decode(&format!(r#"{{"success":true,"data":[{HOOK},{HOOK}]}}"#)).unwrap();
        assert_eq!(list, vec![hook.clone(), hook]);
        let bad = HOOK.replace(r#""enabled":true"#, r#""enabled":"yes""#);
        assert_eq!(
            decode::<Vec<Webhook>>(&format!(r#"{{"data":[{HOOK},{bad}]}}"#)).unwrap_err(),
            "data[1].enabled should be a boolean, is a string"
        );
        let bad = HOOK.replace(r#""meeting.future""#, "7");
        assert_eq!(decode::<Webhook>(&format!(r#"{{"data":{bad}}}"#)).unwrap_err(), "data.events[1] should be a string, is a number");
        let bad = HOOK.replace(r#""id":"0d1f069d-43bb-489a-ad8c-7eb95592ba8e","#, "");
        assert_eq!(decode::<Webhook>(&format!(r#"{{"data":{bad}}}"#)).unwrap_err(), "data.id should be a string, is missing");
        assert_eq!(decode::<Webhook>(r#"{"data":[1]}"#).unwrap_err(), "data should be a webhook object, is an array");
        assert_eq!(decode::<Vec<Webhook>>(r#"{"data":{}}"#).unwrap_err(), "data should be an array, is an object");
    }

    #[test]
    fn bodies_are_written_as_the_api_spells_them() {
        let new = NewWebhook { name: "n".into(), url: "https://e.com".into(), events: vec![WebhookEvent::Summary], enabled: None };
        assert_eq!(new.to_json(), r#"{"name":"n","url":"https://e.com","events":["meeting.summary"]}"#);
        assert_eq!(serde_json::to_string(&new).unwrap(), new.to_json(), "the same as serde's");
        let patch = WebhookPatch { enabled: Some(false), ..Default::default() };
        assert_eq!(patch.to_json(), r#"{"enabled":false}"#);
        let full = WebhookPatch { name: Some("a".into()), url: Some("u".into()), events: Some(vec![]), enabled: Some(true) };
        assert_eq!(serde_json::to_string(&full).unwrap(), full.to_json());
    }

    proptest::proptest! {
        /// Decoding any reply text into any shape never panics.
        #[test]
        fn decoding_never_panics(text in ".{0,300}", bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            for body in [&text, &lossy] {
                let _ = decode::<Vec<Webhook>>(body);
                let _ = decode::<Webhook>(body);
                let _ = decode::<Vec<String>>(body);
            }
        }

        /// Webhook-shaped JSON with arbitrary values decodes or fails cleanly.
        #[test]
        fn webhook_shapes(id in proptest::option::of(".{0,8}"), events in proptest::collection::vec(".{0,20}", 0..5), enabled in proptest::option::of(proptest::bool::ANY)) {
            let body = serde_json::json!({"success": true, "data": {"id": id, "name": "n", "url": "u", "events": events, "enabled": enabled, "created_at": "t", "updated_at": "t"}});
            if let Ok(hook) = decode::<Webhook>(&body.to_string()) {
                proptest::prop_assert_eq!(hook.events.len(), events.len());
            }
        }
    }

    #[test]
    fn webhook_decodes_api_example() {
        let body = r#"{"id":"0d1f069d-43bb-489a-ad8c-7eb95592ba8e","created_at":"2022-05-28T07:01:53.075Z",
            "enabled":true,"events":["meeting.started"],"name":"All events webhook",
            "updated_at":"2022-05-28T07:01:53.075Z","url":"https://webhook.site/x","extra":1}"#;
        let hook: Webhook = serde_json::from_str(body).unwrap();
        assert_eq!(hook.name, "All events webhook");
        assert_eq!(hook.events, vec![WebhookEvent::MeetingStarted]);
    }
}
