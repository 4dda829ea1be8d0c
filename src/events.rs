//! Typed delivery payloads, one per event of the list in `models`
//! (`with_webhook_events!`), and [`Payload::Unknown`] for the rest.
//!
//! Every body accepted by the API's many versions decodes: almost every field
//! is optional (Dyte's older shapes lack many), `fileSize` may be a number or a
//! string, statuses unknown to this version are kept, and each struct keeps the
//! fields it does not name in `other`.

use std::collections::BTreeMap;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::json::Value;
use crate::models::WebhookEvent;

/// Fields a struct does not name, kept as they came.
pub type Other = BTreeMap<String, Value>;

macro_rules! define_payload {
    ($($variant:ident => $name:literal, $payload:ident, $doc:literal;)*) => {
        /// A delivery's body, typed by its `event`: one variant per event of the
        /// list in `models` (`with_webhook_events!`), and [`Payload::Unknown`].
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Payload {
            $(#[doc = concat!("`", $name, "`: ", $doc)] $variant($payload),)*
            /// An event this version does not know: its name and the whole body, untouched.
            Unknown {
                /// The `event` field.
                event: String,
                /// The whole body.
                body: Value,
            },
        }

        impl Payload {
            /// The event this payload is for.
            pub fn event(&self) -> WebhookEvent {
                match self {
                    $(Payload::$variant(_) => WebhookEvent::$variant,)*
                    Payload::Unknown { event, .. } => WebhookEvent::Unknown(event.clone()),
                }
            }

            /// Decodes a body whose `event` is `event` into its payload type,
            /// with `decoder` (serde_json natively, JS values on wasm).
            pub(crate) fn decode<D: Decoder>(event: &str, decoder: &D) -> Result<Payload, D::Error> {
                Ok(match WebhookEvent::from_name(event) {
                    $(WebhookEvent::$variant => Payload::$variant(decoder.decode()?),)*
                    WebhookEvent::Unknown(event) => Payload::Unknown { event, body: decoder.decode()? },
                })
            }
        }
    };
}

crate::models::with_webhook_events!(define_payload);

/// Decodes one body into any of the payload types.
pub(crate) trait Decoder {
    /// Why a body did not decode.
    type Error;
    /// The body as a `T`.
    fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, Self::Error>;
}

/// A meeting, as the meeting events describe it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Meeting {
    /// The meeting id.
    pub id: Option<String>,
    /// This session of the meeting.
    pub session_id: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// Only for meetings created with the v1 API.
    pub room_name: Option<String>,
    /// `LIVE`, ...
    pub status: Option<String>,
    /// ISO-8601.
    pub created_at: Option<String>,
    /// ISO-8601.
    pub started_at: Option<String>,
    /// ISO-8601; absent or null while the meeting runs.
    pub ended_at: Option<String>,
    /// The organization that owns it.
    pub organized_by: Option<Organization>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// An organization (`organizedBy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Organization {
    /// Its id.
    pub id: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// A participant of the participant events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Participant {
    /// The peer id of this connection.
    pub peer_id: Option<String>,
    /// The name shown.
    pub user_display_name: Option<String>,
    /// Your own id for the participant.
    pub custom_participant_id: Option<String>,
    /// Deprecated twin of `custom_participant_id`.
    pub client_specific_id: Option<String>,
    /// ISO-8601.
    pub joined_at: Option<String>,
    /// ISO-8601 (`meeting.participantLeft`).
    pub left_at: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// `meeting.started`: a meeting began.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MeetingEvent {
    /// The meeting.
    pub meeting: Option<Meeting>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// `meeting.ended`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MeetingEnded {
    /// The meeting.
    pub meeting: Option<Meeting>,
    /// Why it ended.
    pub reason: Option<EndReason>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// `meeting.participantJoined` and `meeting.participantLeft`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ParticipantEvent {
    /// The meeting.
    pub meeting: Option<Meeting>,
    /// Who joined or left.
    pub participant: Option<Participant>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// `meeting.chatSynced`: the chat export is ready. RealtimeKit sends the meeting
/// fields at the top level; Dyte sent a `meeting` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatSynced {
    /// The session whose chat this is.
    pub session_id: Option<String>,
    /// The meeting id.
    pub meeting_id: Option<String>,
    /// The meeting title.
    pub title: Option<String>,
    /// Where to download the chat.
    pub chat_download_url: Option<String>,
    /// When that URL expires (ISO-8601; Dyte wrote a space for the `T`).
    pub chat_download_url_expiry: Option<String>,
    /// ISO-8601.
    pub created_at: Option<String>,
    /// ISO-8601.
    pub started_at: Option<String>,
    /// ISO-8601.
    pub ended_at: Option<String>,
    /// The organization.
    pub organized_by: Option<Organization>,
    /// The meeting, in Dyte's shape.
    pub meeting: Option<Meeting>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// A recording (`recording.statusUpdate`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Recording {
    /// Its id.
    pub id: Option<String>,
    /// Its id, again.
    pub recording_id: Option<String>,
    /// Where it is in its life.
    pub status: Option<RecordingStatus>,
    /// Video download URL.
    pub download_url: Option<String>,
    /// Audio download URL.
    pub audio_download_url: Option<String>,
    /// When the download URLs expire.
    pub download_url_expiry: Option<String>,
    /// ISO-8601.
    pub started_time: Option<String>,
    /// ISO-8601.
    pub stopped_time: Option<String>,
    /// Bytes (a string in Cloudflare's docs, a number in Dyte's: both read).
    #[serde(default, deserialize_with = "number_or_string", serialize_with = "as_number")]
    pub file_size: Option<u64>,
    /// The file's name.
    pub output_file_name: Option<String>,
    /// The meeting id.
    pub meeting_id: Option<String>,
    /// Seconds.
    pub recording_duration: Option<f64>,
    /// The organization id.
    pub organization_id: Option<String>,
    /// The session id.
    #[serde(rename = "roomUUID")]
    pub room_uuid: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// `recording.statusUpdate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordingStatusUpdate {
    /// The recording.
    pub recording: Option<Recording>,
    /// The meeting recorded.
    pub meeting: Option<Meeting>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// `livestreaming.statusUpdate`. Dyte sent only `streamId` and `status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LivestreamingStatusUpdate {
    /// The stream id.
    pub stream_id: Option<String>,
    /// Where the stream is.
    pub status: Option<LivestreamStatus>,
    /// Whether it is ingested from an external encoder.
    pub manual_ingest: Option<bool>,
    /// HLS playback URL.
    pub playback_url: Option<String>,
    /// RTMP ingest server.
    pub ingest_server: Option<String>,
    /// RTMP stream key.
    pub stream_key: Option<String>,
    /// The meeting streamed.
    pub meeting: Option<Meeting>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// `meeting.transcript`: the transcript is ready.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TranscriptReady {
    /// The meeting.
    pub meeting: Option<Meeting>,
    /// Where to download it.
    pub transcript_download_url: Option<String>,
    /// When that URL expires.
    pub transcript_download_url_expiry: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// `meeting.summary`: the summary is ready.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SummaryReady {
    /// The meeting.
    pub meeting: Option<Meeting>,
    /// Where to download it.
    pub summary_download_url: Option<String>,
    /// When that URL expires.
    pub summary_download_url_expiry: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub other: Other,
}

/// A string-valued enum whose unknown values are kept.
macro_rules! open_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum $name {
            $(#[doc = $text] $variant,)*
            /// A value this version does not know.
            Other(String),
        }

        impl $name {
            /// The value as the API writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(text) => text,
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Ok(match text.as_str() {
                    $($text => $name::$variant,)*
                    _ => $name::Other(text),
                })
            }
        }
    };
}

open_enum! {
    /// Why a meeting ended.
    EndReason { HostEndedMeeting => "HOST_ENDED_MEETING", AllParticipantsLeft => "ALL_PARTICIPANTS_LEFT" }
}

open_enum! {
    /// A recording's status (`INVOKED` only from Dyte).
    RecordingStatus { Invoked => "INVOKED", Recording => "RECORDING", Uploading => "UPLOADING", Uploaded => "UPLOADED", Errored => "ERRORED" }
}

open_enum! {
    /// A livestream's status.
    LivestreamStatus { Live => "LIVE", Offline => "OFFLINE", Idle => "IDLE" }
}

/// A byte count written as a number or a string of digits; other strings are `None`.
fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct Size;
    impl<'de> Visitor<'de> for Size {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a size as a number or a string")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(u64::try_from(v).ok())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok((v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1.8e19).then_some(v as u64))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.trim().parse().ok())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(Size)
        }
    }
    d.deserialize_any(Size)
}

fn as_number<S: Serializer>(size: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match size {
        Some(n) => s.serialize_u64(*n),
        None => s.serialize_none(),
    }
}

/// Decodes JSON text into a payload (natively; on wasm the verifier decodes
/// from the parsed JS value).
#[cfg(not(target_arch = "wasm32"))]
pub fn from_json(text: &str) -> Result<Payload, String> {
    #[derive(Deserialize)]
    struct Tag {
        event: String,
    }
    struct Json<'a>(&'a str);
    impl Decoder for Json<'_> {
        type Error = String;
        fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
            serde_json::from_str(self.0).map_err(|e| e.to_string())
        }
    }
    let tag: Tag = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Payload::decode(&tag.event, &Json(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/emulator/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn every_event_has_a_typescript_payload_interface() {
        const PAYLOADS_DTS: &str = include_str!("package/payloads.d.ts");
        for (variant, name) in WebhookEvent::VARIANTS.iter().zip(WebhookEvent::NAMES) {
            let interface = format!("export interface {variant}Payload {{\n  event: \"{name}\";");
            assert!(
                PAYLOADS_DTS.contains(&interface),
                "src/package/payloads.d.ts declares no `{variant}Payload` (with `event: \"{name}\"` first) for the event {name} of the list in src/models.rs"
            );
        }
    }

    #[test]
    fn every_example_body_decodes_with_its_fields() {
        for event in WebhookEvent::ALL {
            let payload = from_json(&fixture(event.as_str())).unwrap();
            assert_eq!(payload.event(), event);
        }
        let Payload::RecordingStatusUpdate(rec) = from_json(&fixture("recording.statusUpdate")).unwrap() else { panic!() };
        let recording = rec.recording.unwrap();
        assert_eq!(recording.file_size, Some(2_044_680));
        assert_eq!(recording.status, Some(RecordingStatus::Uploaded));
        assert_eq!(recording.room_uuid.as_deref(), Some("05e57591-d89e-45c9-ae44-08dc1eaad0e0"));
        assert_eq!(rec.meeting.unwrap().organized_by.unwrap().name.as_deref(), Some("Example organization"));
        let Payload::MeetingEnded(ended) = from_json(&fixture("meeting.ended")).unwrap() else { panic!() };
        assert_eq!(ended.reason, Some(EndReason::AllParticipantsLeft));
        let Payload::ParticipantLeft(left) = from_json(&fixture("meeting.participantLeft")).unwrap() else { panic!() };
        assert_eq!(left.participant.unwrap().left_at.as_deref(), Some("2026-06-03T10:25:00.000Z"));
        let Payload::LivestreamingStatusUpdate(live) = from_json(&fixture("livestreaming.statusUpdate")).unwrap() else { panic!() };
        assert_eq!((live.status, live.manual_ingest), (Some(LivestreamStatus::Live), Some(false)));
    }

    /// Only `event` is required, as in the TypeScript payload types (whose
    /// `tests/types/consumer.mts` checks the same of them: `minimal`, `emptyParts`).
    #[test]
    fn every_field_but_event_is_optional() {
        for event in WebhookEvent::ALL {
            let name = event.as_str();
            assert_eq!(from_json(&format!(r#"{{"event":"{name}"}}"#)).unwrap().event(), event);
            let empty = format!(r#"{{"event":"{name}","meeting":{{"organizedBy":{{}}}},"participant":{{}},"recording":{{}}}}"#);
            assert_eq!(from_json(&empty).unwrap().event(), event);
        }
    }

    #[test]
    fn variations_decode() {
        let rec = |size: &str| match from_json(&format!(
            r#"{{"event":"recording.statusUpdate","recording":{{"fileSize":{size},"status":"INVOKED"}}}}"#
        )) {
            Ok(Payload::RecordingStatusUpdate(r)) => r.recording.unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(rec("2044680").file_size, Some(2_044_680));
        assert_eq!(rec("\"2044680\"").file_size, Some(2_044_680));
        assert_eq!(rec("null").file_size, None);
        assert_eq!(rec("\"big\"").file_size, None);
        assert_eq!(rec("1").status, Some(RecordingStatus::Invoked));
        // endedAt null or absent; no roomName.
        for meeting in [r#"{"id":"m","endedAt":null}"#, r#"{"id":"m"}"#] {
            let Ok(Payload::MeetingEnded(e)) =
                from_json(&format!(r#"{{"event":"meeting.ended","meeting":{meeting},"reason":"SOMETHING_NEW"}}"#))
            else {
                panic!()
            };
            let m = e.meeting.unwrap();
            assert_eq!((m.ended_at, m.room_name), (None, None));
            assert_eq!(e.reason, Some(EndReason::Other("SOMETHING_NEW".into())));
        }
        // Dyte's livestream and chat shapes.
        let Ok(Payload::LivestreamingStatusUpdate(l)) =
            from_json(r#"{"event":"livestreaming.statusUpdate","streamId":"s","status":"STARTING"}"#)
        else {
            panic!()
        };
        assert_eq!((l.stream_id.as_deref(), l.status), (Some("s"), Some(LivestreamStatus::Other("STARTING".into()))));
        let Ok(Payload::ChatSynced(c)) = from_json(
            r#"{"event":"meeting.chatSynced","meeting":{"id":"m"},"chatDownloadUrl":"u","chatDownloadUrlExpiry":"2023-06-09 13:04:25.143Z"}"#,
        ) else {
            panic!()
        };
        assert_eq!(c.meeting.unwrap().id.as_deref(), Some("m"));
        assert_eq!(c.chat_download_url_expiry.as_deref(), Some("2023-06-09 13:04:25.143Z"));
    }

    #[test]
    fn unknown_fields_and_events_are_kept() {
        let Ok(Payload::MeetingStarted(p)) =
            from_json(r#"{"event":"meeting.started","meeting":{"id":"m","newField":[1,2]},"traceId":"t"}"#)
        else {
            panic!()
        };
        assert_eq!(p.meeting.unwrap().other.get("newField"), Some(&Value::Array(vec![Value::Number(1.0), Value::Number(2.0)])));
        assert_eq!(p.other.get("traceId"), Some(&Value::String("t".into())));
        let body = r#"{"event":"meeting.recapReady","recap":{"url":"u"}}"#;
        let Ok(Payload::Unknown { event, body: value }) = from_json(body) else { panic!() };
        assert_eq!(event, "meeting.recapReady");
        assert_eq!(serde_json::to_string(&value).unwrap(), body);
    }

    proptest::proptest! {
        /// Any text with any event name decodes or fails cleanly.
        #[test]
        fn parser_never_panics(event in proptest::sample::select(vec!["meeting.started", "meeting.ended", "meeting.participantJoined", "meeting.chatSynced", "recording.statusUpdate", "livestreaming.statusUpdate", "meeting.summary", "x"]), rest in ".{0,200}", value in proptest::option::of(proptest::num::f64::ANY)) {
            let _ = from_json(&format!(r#"{{"event":"{event}",{rest}"#));
            let number = value.filter(|v| v.is_finite()).map_or("null".to_owned(), |v| v.to_string());
            for field in ["meeting", "recording", "participant", "status", "fileSize", "reason"] {
                let _ = from_json(&format!(r#"{{"event":"{event}","{field}":{number}}}"#));
                let _ = from_json(&format!(r#"{{"event":"{event}","{field}":{{"fileSize":{number},"status":{number}}}}}"#));
            }
        }
    }
}
