//! Signed deliveries: on an admin request, every enabled webhook subscribed
//! to an event gets a POST of the event's body, signed with the emulator's
//! development key (`rtk-signature`), with a fresh `rtk-uuid` per delivery.
//!
//! The real rules apply: any 2xx is success; a 5xx, a timeout or a network
//! failure is retried with backoff (same `rtk-uuid`); any other status is
//! recorded as failed and not retried. Every attempt goes into a log.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::{now, Webhook};
use crate::Emulator;

/// The development key pairs (see `keys/README.md`: public, not secret).
const KEYS: [(&str, &str); 2] = [
    (include_str!("../keys/dev-key-1.pem"), include_str!("../keys/dev-key-1.pub.pem")),
    (include_str!("../keys/dev-key-2.pem"), include_str!("../keys/dev-key-2.pub.pem")),
];

/// Builds `FIXTURES`, one example body per event (from the RealtimeKit
/// docs), from the client crate's one list of events: each event's
/// `fixtures/<name>.json` (an event without one fails the build, naming the
/// file; a file of no event fails a test below).
macro_rules! fixture_table {
    ($($variant:ident => $name:literal, $payload:ident, $doc:literal;)*) => {
        const FIXTURES: &[(&str, &str)] = &[$(($name, include_str!(concat!("../fixtures/", $name, ".json")))),*];
    };
}
realtimekit_webhooks::with_webhook_events!(fixture_table);

/// The example body of `event`, if there is one.
pub fn fixture(event: &str) -> Option<&'static str> {
    FIXTURES.iter().find(|(name, _)| *name == event).map(|(_, body)| *body)
}

/// The example body with fresh ids: each distinct uuid in it becomes a new
/// one (the same new one wherever it appears), so that two deliveries of an
/// event are two different events, as RealtimeKit's are (a receiver with
/// replay protection takes a body it has handled before for a replay).
pub fn fresh_ids(example: &str) -> String {
    let mut fresh: Vec<(&str, String)> = Vec::new();
    let mut out = String::with_capacity(example.len());
    let mut rest = example;
    while let Some(at) = rest.find(is_uuid_start) {
        let candidate = &rest[at..];
        match candidate.get(..36).filter(|c| is_uuid(c)) {
            Some(uuid) => {
                out.push_str(&rest[..at]);
                let new = match fresh.iter().find(|(old, _)| *old == uuid) {
                    Some((_, new)) => new.clone(),
                    None => {
                        let new = uuid::Uuid::new_v4().to_string();
                        fresh.push((uuid, new.clone()));
                        new
                    }
                };
                out.push_str(&new);
                rest = &candidate[36..];
            }
            None => {
                let step = at + candidate.chars().next().map_or(1, char::len_utf8);
                out.push_str(&rest[..step]);
                rest = &rest[step..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_uuid_start(c: char) -> bool {
    c.is_ascii_hexdigit()
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower-case hex.
fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

/// Signs bodies with the current development key; `rotate` switches keys.
pub struct Signer {
    keys: Vec<(RsaKeyPair, String)>,
    current: AtomicUsize,
    rng: SystemRandom,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("current", &self.current.load(Ordering::Relaxed)).finish()
    }
}

impl Signer {
    pub fn development() -> Signer {
        let keys = KEYS
            .iter()
            .map(|(private, public)| {
                let der = pem_body(private).expect("the bundled development key is PEM");
                let pair = RsaKeyPair::from_pkcs8(&der).expect("the bundled development key is PKCS#8 RSA");
                (pair, public.trim().to_owned())
            })
            .collect();
        Signer { keys, current: AtomicUsize::new(0), rng: SystemRandom::new() }
    }

    /// The current public key, PEM SPKI.
    pub fn public_pem(&self) -> &str {
        &self.key().1
    }

    /// Switches to the other key pair.
    pub fn rotate(&self) {
        let next = (self.current.load(Ordering::Relaxed) + 1) % self.keys.len();
        self.current.store(next, Ordering::Relaxed);
    }

    /// Base64 RSA-SHA256 (PKCS#1 v1.5) signature of `body`.
    pub fn sign(&self, body: &[u8]) -> String {
        let pair = &self.key().0;
        let mut signature = vec![0; pair.public().modulus_len()];
        match pair.sign(&RSA_PKCS1_SHA256, &self.rng, body, &mut signature) {
            Ok(()) => base64::engine::general_purpose::STANDARD.encode(signature),
            Err(_) => String::new(),
        }
    }

    fn key(&self) -> &(RsaKeyPair, String) {
        &self.keys[self.current.load(Ordering::Relaxed) % self.keys.len()]
    }
}

fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// `POST /__emulator/deliveries`: what to deliver.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    /// The event name; webhooks subscribed to it get the delivery.
    pub event: String,
    /// The body: a string is sent as is, JSON otherwise; default the event's example body.
    pub body: Option<Value>,
    /// Only webhooks of this account id.
    pub account: Option<String>,
    /// Only webhooks of this app id.
    pub app: Option<String>,
    /// Send a body other than the one signed, as an attacker would.
    #[serde(default)]
    pub tamper: bool,
    /// First retry delay (default 500 ms; doubles each time).
    pub retry_delay_ms: Option<u64>,
    /// Retries after the first attempt (default 5).
    pub max_retries: Option<u32>,
    /// Time allowed for each attempt (default 3000 ms).
    pub timeout_ms: Option<u64>,
    /// Reply only once every delivery has succeeded or failed for good.
    #[serde(default)]
    pub wait: bool,
    /// Send each delivery this many times at once (same `rtk-uuid`, body and
    /// signature), as RealtimeKit may when an attempt times out (default 1, at most 10).
    pub copies: Option<u32>,
}

/// `POST /__emulator/deliveries/{id}/resend`: options of a resend.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resend {
    /// Reply only once the resent delivery has succeeded or failed for good.
    #[serde(default)]
    pub wait: bool,
}

/// One delivery and its attempts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The `rtk-uuid`, the same for every attempt.
    pub id: String,
    pub webhook_id: String,
    pub event: String,
    pub url: String,
    pub tampered: bool,
    /// `pending`, `delivered` or `failed` (delivered once any copy or resend was).
    pub state: &'static str,
    pub attempts: Vec<Attempt>,
    /// What was sent, to send it again.
    #[serde(skip)]
    sent: Option<Arc<Sent>>,
}

/// A delivery's bytes as sent, and its retry policy.
#[derive(Debug)]
struct Sent {
    body: Vec<u8>,
    signature: String,
    policy: Policy,
}

/// One attempt: the status, or why there was none.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub at: String,
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// Starts a delivery to each subscribed webhook; returns their records (and
/// waits for them to finish when asked).
pub async fn deliver(emulator: &Arc<Emulator>, request: Request) -> Result<Vec<Record>, String> {
    let body: Vec<u8> = match &request.body {
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(json) => json.to_string().into_bytes(),
        None => fresh_ids(fixture(&request.event).ok_or_else(|| format!("there is no example body for {:?}; give a body", request.event))?)
            .into_bytes(),
    };
    let targets: Vec<(String, Webhook)> = emulator
        .store()
        .subscribed(&request.event)
        .into_iter()
        .filter(|(app_key, _)| matches_app(app_key, request.account.as_deref(), request.app.as_deref()))
        .collect();
    let signature = emulator.signer.sign(&body);
    let bytes = if request.tamper { tampered(&body) } else { body };
    let policy = Policy {
        retry_delay: Duration::from_millis(request.retry_delay_ms.unwrap_or(500)),
        max_retries: request.max_retries.unwrap_or(5).min(10),
        timeout: Duration::from_millis(request.timeout_ms.unwrap_or(3000)),
    };
    let copies = request.copies.unwrap_or(1).clamp(1, 10);
    let mut tasks = Vec::new();
    let mut ids = Vec::new();
    for (_, hook) in targets {
        let sent = Arc::new(Sent { body: bytes.clone(), signature: signature.clone(), policy });
        let record = Record {
            id: uuid::Uuid::new_v4().to_string(),
            webhook_id: hook.id.clone(),
            event: request.event.clone(),
            url: hook.url.clone(),
            tampered: request.tamper,
            state: "pending",
            attempts: Vec::new(),
            sent: Some(Arc::clone(&sent)),
        };
        ids.push(record.id.clone());
        emulator.deliveries().push(record.clone());
        for _ in 0..copies {
            let (emulator, record, sent) = (Arc::clone(emulator), record.clone(), Arc::clone(&sent));
            tasks.push(tokio::spawn(async move { run(&emulator, &record, &sent).await }));
        }
    }
    if request.wait {
        for task in tasks {
            let _ = task.await;
        }
    }
    let log = emulator.deliveries();
    Ok(log.iter().filter(|r| ids.contains(&r.id)).cloned().collect())
}

/// Sends a logged delivery again, as it was first sent (same `rtk-uuid`,
/// body and signature), with a fresh round of retries.
pub async fn resend(emulator: &Arc<Emulator>, id: &str, options: Resend) -> Result<Record, String> {
    let record = emulator.deliveries().iter().find(|r| r.id == id).cloned();
    let record = record.ok_or_else(|| format!("no delivery has the id {id:?}"))?;
    let sent = record.sent.clone().ok_or("that delivery cannot be resent")?;
    let task = {
        let (emulator, record) = (Arc::clone(emulator), record.clone());
        tokio::spawn(async move { run(&emulator, &record, &sent).await })
    };
    if options.wait {
        let _ = task.await;
    }
    let log = emulator.deliveries();
    log.iter().find(|r| r.id == id).cloned().ok_or_else(|| format!("no delivery has the id {id:?}"))
}

#[derive(Debug, Clone, Copy)]
struct Policy {
    retry_delay: Duration,
    max_retries: u32,
    timeout: Duration,
}

/// Attempts one delivery until it succeeds, fails for good, or runs out of retries.
async fn run(emulator: &Emulator, record: &Record, sent: &Sent) {
    let Sent { body, signature, policy } = sent;
    for retry in 0..=policy.max_retries {
        let outcome = emulator
            .http
            .post(&record.url)
            .timeout(policy.timeout)
            .header("content-type", "application/json")
            .header("rtk-signature", signature)
            .header("rtk-uuid", &record.id)
            .header("rtk-webhook-id", &record.webhook_id)
            .body(body.clone())
            .send()
            .await;
        let attempt = match &outcome {
            Ok(response) => Attempt { at: now(), status: Some(response.status().as_u16()), error: None },
            Err(error) => Attempt { at: now(), status: None, error: Some(describe(error)) },
        };
        // 2xx: delivered. 5xx or no reply: retried. Anything else: failed for good.
        let state = match attempt.status {
            Some(s) if (200..300).contains(&s) => "delivered",
            Some(s) if s < 500 => "failed",
            _ if retry == policy.max_retries => "failed",
            _ => "pending",
        };
        update(emulator, &record.id, attempt, state);
        if state != "pending" {
            return;
        }
        tokio::time::sleep(policy.retry_delay * 2u32.saturating_pow(retry)).await;
    }
}

fn update(emulator: &Emulator, id: &str, attempt: Attempt, state: &'static str) {
    let mut log = emulator.deliveries();
    if let Some(record) = log.iter_mut().find(|r| r.id == id) {
        record.attempts.push(attempt);
        // Copies and resends share the record: once one got through, it stays delivered.
        if record.state != "delivered" {
            record.state = state;
        }
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "could not connect".into()
    } else {
        "the connection failed".into()
    }
}

/// `account/app` keys matching the optional filters.
fn matches_app(app_key: &str, account: Option<&str>, app: Option<&str>) -> bool {
    let (key_account, key_app) = app_key.split_once('/').unwrap_or((app_key, ""));
    account.is_none_or(|a| a == key_account) && app.is_none_or(|a| a == key_app)
}

/// The body with an extra field, so the signature no longer matches.
fn tampered(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    match text.trim_end().strip_suffix('}') {
        Some(head) => format!("{head},\"tampered\":true}}").into_bytes(),
        None => [body, b" "].concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_a_fixture_that_is_json_with_its_event() {
        let names: Vec<&str> = FIXTURES.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, crate::store::EVENTS, "one example per event, in the list's order");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
        for file in std::fs::read_dir(dir).unwrap() {
            let file = file.unwrap().file_name().into_string().unwrap();
            let event = file.strip_suffix(".json").unwrap_or(&file);
            assert!(names.contains(&event), "{dir}/{file} is the example of no event in the list (src/models.rs)");
        }
        for (event, body) in FIXTURES {
            let value: Value = serde_json::from_str(body).unwrap();
            assert_eq!(value["event"], *event);
        }
    }

    #[test]
    fn signatures_verify_and_rotate() {
        let signer = Signer::development();
        let first = signer.public_pem().to_owned();
        let signature = signer.sign(b"{}");
        let bytes = base64::engine::general_purpose::STANDARD.decode(&signature).unwrap();
        assert_eq!(bytes.len(), 256, "RSA-2048");
        let public =
            ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, signer.key().0.public().as_ref());
        assert!(public.verify(b"{}", &bytes).is_ok());
        assert!(public.verify(b"{ }", &bytes).is_err());
        signer.rotate();
        assert_ne!(signer.public_pem(), first);
        signer.rotate();
        assert_eq!(signer.public_pem(), first);
    }

    #[test]
    fn tampering_changes_the_body_but_keeps_json() {
        let body = br#"{"event":"meeting.started"}"#;
        let changed = tampered(body);
        assert_ne!(changed, body.to_vec());
        assert!(serde_json::from_slice::<Value>(&changed).is_ok());
    }

    #[test]
    fn example_bodies_get_fresh_ids_consistently() {
        let example = fixture("recording.statusUpdate").unwrap();
        let (a, b) = (fresh_ids(example), fresh_ids(example));
        assert_ne!(a, b);
        let (value, original): (Value, Value) = (serde_json::from_str(&a).unwrap(), serde_json::from_str(example).unwrap());
        // Same shape and same non-id values; an id used twice is still the same id twice.
        assert_eq!(value["recording"]["status"], original["recording"]["status"]);
        assert_eq!(value["recording"]["id"], value["recording"]["recordingId"]);
        assert_eq!(value["meeting"]["id"], value["recording"]["meetingId"]);
        assert_ne!(value["recording"]["id"], original["recording"]["id"]);
        assert_eq!(fresh_ids("no ids, é, 12345678-aaaa"), "no ids, é, 12345678-aaaa");
    }

    #[test]
    fn app_filters() {
        assert!(matches_app("acc/app", None, None));
        assert!(matches_app("acc/app", Some("acc"), Some("app")));
        assert!(!matches_app("acc/app", None, Some("other")));
    }
}
