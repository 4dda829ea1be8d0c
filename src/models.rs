//! The API's data shapes: webhooks, event names, request bodies.
//!
//! Field names are the API's own (`created_at`, `updated_at`), so values match
//! the API reference and what JavaScript users see.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A registered webhook, as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The success envelope `{success, data}` of every reply.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope<T> {
    pub success: Option<bool>,
    pub data: Option<T>,
}

impl<T> Envelope<T> {
    /// The `data`, or what is wrong with the reply.
    pub(crate) fn into_data(self) -> Result<T, &'static str> {
        match self {
            Envelope { success: Some(false), .. } => Err("the reply says success: false"),
            Envelope { data: Some(data), .. } => Ok(data),
            Envelope { data: None, .. } => Err("the reply has no data"),
        }
    }
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

macro_rules! webhook_events {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// A webhook event name. Names this version does not know, when they come
        /// from the server, are kept in [`WebhookEvent::Unknown`], never an error.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum WebhookEvent {
            $(#[doc = $doc] $variant,)*
            /// An event name this version does not know.
            Unknown(String),
        }

        // The TypeScript union of the names, from this same list.
        #[cfg(target_arch = "wasm32")]
        #[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
        const WEBHOOK_EVENT_TS: &'static str = concat!(
            "/** The nine webhook event names. */\nexport type WebhookEvent =",
            $("\n  | \"", $name, "\""),*,
            ";\n"
        );

        impl WebhookEvent {
            /// The nine event names the API documents, in the API's order.
            pub const ALL: [WebhookEvent; 9] = [$(WebhookEvent::$variant),*];

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

webhook_events! {
    MeetingStarted => "meeting.started", "A meeting started (its first participant joined).";
    MeetingEnded => "meeting.ended", "A meeting ended.";
    ParticipantJoined => "meeting.participantJoined", "A participant joined a meeting.";
    ParticipantLeft => "meeting.participantLeft", "A participant left a meeting.";
    ChatSynced => "meeting.chatSynced", "A meeting's chat export is ready.";
    RecordingStatusUpdate => "recording.statusUpdate", "A recording changed status.";
    LivestreamingStatusUpdate => "livestreaming.statusUpdate", "A livestream changed status.";
    Transcript => "meeting.transcript", "A meeting's transcript is ready.";
    Summary => "meeting.summary", "A meeting's summary is ready.";
}

impl WebhookEvent {
    /// Whether this is one of the nine documented events.
    pub fn is_known(&self) -> bool {
        !matches!(self, WebhookEvent::Unknown(_))
    }

    /// The nine names joined by `, `, for messages that list the valid values.
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
    fn event_names_round_trip() {
        for event in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::from_name(event.as_str()), event);
            assert!(event.is_known());
        }
        assert_eq!(WebhookEvent::ALL.len(), 9);
    }

    #[test]
    fn unknown_event_from_server_is_kept() {
        let events: Vec<WebhookEvent> =
            serde_json::from_str(r#"["meeting.started","meeting.future"]"#).unwrap();
        assert_eq!(events[0], WebhookEvent::MeetingStarted);
        assert_eq!(events[1], WebhookEvent::Unknown("meeting.future".into()));
        assert_eq!(serde_json::to_string(&events).unwrap(), r#"["meeting.started","meeting.future"]"#);
    }

    #[test]
    fn patch_sends_only_given_fields() {
        let patch = WebhookPatch { enabled: Some(false), ..Default::default() };
        assert_eq!(serde_json::to_string(&patch).unwrap(), r#"{"enabled":false}"#);
        let new = NewWebhook {
            name: "n".into(),
            url: "https://e.com".into(),
            events: vec![WebhookEvent::Summary],
            enabled: None,
        };
        assert_eq!(
            serde_json::to_string(&new).unwrap(),
            r#"{"name":"n","url":"https://e.com","events":["meeting.summary"]}"#
        );
    }

    #[test]
    fn envelope_gives_data_or_says_why_not() {
        let env = |text: &str| serde_json::from_str::<Envelope<Vec<String>>>(text).map(Envelope::into_data);
        assert_eq!(env(r#"{"success":true,"data":["a"]}"#).unwrap(), Ok(vec!["a".to_owned()]));
        assert_eq!(env(r#"{"data":[]}"#).unwrap(), Ok(vec![]));
        assert_eq!(env(r#"{"success":false,"data":[]}"#).unwrap(), Err("the reply says success: false"));
        assert_eq!(env(r#"{"success":true}"#).unwrap(), Err("the reply has no data"));
        assert_eq!(env(r#"{"success":true,"data":null}"#).unwrap(), Err("the reply has no data"));
        assert!(env(r#"{"success":true,"data":{"id":1}}"#).is_err());
    }

    proptest::proptest! {
        /// Decoding any reply text into any envelope never panics.
        #[test]
        fn decoding_never_panics(text in ".{0,300}", bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            for body in [&text, &lossy] {
                let _ = serde_json::from_str::<Envelope<Vec<Webhook>>>(body).map(Envelope::into_data);
                let _ = serde_json::from_str::<Envelope<Webhook>>(body).map(Envelope::into_data);
                let _ = serde_json::from_str::<Envelope<Vec<String>>>(body).map(Envelope::into_data);
            }
        }

        /// Webhook-shaped JSON with arbitrary values decodes or fails cleanly.
        #[test]
        fn webhook_shapes(id in proptest::option::of(".{0,8}"), events in proptest::collection::vec(".{0,20}", 0..5), enabled in proptest::option::of(proptest::bool::ANY)) {
            let body = serde_json::json!({"success": true, "data": {"id": id, "name": "n", "url": "u", "events": events, "enabled": enabled, "created_at": "t", "updated_at": "t"}});
            let decoded = serde_json::from_value::<Envelope<Webhook>>(body).map(Envelope::into_data);
            if let Ok(Ok(hook)) = decoded {
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
