//! The Rust API on wasm, as a Rust user (e.g. a workers-rs Worker) calls it:
//! wasm-bindgen-test in Node, against the emulator that `cargo xtask test`
//! starts (its URL in `RTK_EMULATOR_URL`).
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use realtimekit_webhooks::events::{Payload, RecordingStatus};
use realtimekit_webhooks::{
    Auth, Client, DeliveryHeaders, EnsureAction, Error, MemoryStore, NewWebhook, Outcome, Receiver, RequestOptions, Verifier, VerifyError,
    WebhookEvent, WebhookPatch,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const TOKEN: &str = "emulator-token";

/// The emulator's base URL, from the Node process's environment.
fn base_url() -> String {
    let env = js_sys::Reflect::get(&js_sys::global(), &"process".into())
        .and_then(|p| js_sys::Reflect::get(&p, &"env".into()))
        .and_then(|e| js_sys::Reflect::get(&e, &"RTK_EMULATOR_URL".into()))
        .ok()
        .and_then(|v| v.as_string())
        .expect("RTK_EMULATOR_URL is set by `cargo xtask test`");
    format!("{env}/client/v4")
}

/// A client for an app of its own, so tests do not see each other's webhooks.
fn client(app: &str) -> Client {
    Client::builder("wasm-account", app, Auth::ApiToken(TOKEN.into()))
        .base_url(base_url())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("valid settings")
}

fn hook(name: &str) -> NewWebhook {
    NewWebhook {
        name: name.into(),
        url: "https://example.com/hooks".into(),
        events: vec![WebhookEvent::MeetingStarted, WebhookEvent::RecordingStatusUpdate],
        enabled: None,
    }
}

#[wasm_bindgen_test]
async fn the_seven_endpoints() {
    let client = client("crud");
    let created = client.create(&hook("crud")).await.unwrap();
    assert_eq!(created.events, vec![WebhookEvent::MeetingStarted, WebhookEvent::RecordingStatusUpdate]);
    assert!(created.enabled);
    assert_eq!(client.list().await.unwrap(), vec![created.clone()]);
    assert_eq!(client.get(&created.id).await.unwrap(), created);

    let patch = WebhookPatch { enabled: Some(false), ..Default::default() };
    let edited = client.edit(&created.id, &patch).await.unwrap();
    assert!(!edited.enabled);
    assert_eq!(edited.name, "crud");

    let replaced = client.replace(&created.id, &NewWebhook { events: vec![WebhookEvent::Summary], ..hook("renamed") }).await.unwrap();
    assert_eq!((replaced.name.as_str(), replaced.events.as_slice()), ("renamed", &[WebhookEvent::Summary][..]));

    let events = client.supported_events().await.unwrap();
    let known: Vec<&str> = WebhookEvent::ALL.iter().map(WebhookEvent::as_str).collect();
    assert_eq!(events, known);

    assert_eq!(client.delete(&created.id).await.unwrap().id, created.id);
    assert!(client.list().await.unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn errors_are_typed_and_the_client_keeps_working() {
    let client = client("errors");
    let missing = client.get("0d1f069d-43bb-489a-ad8c-7eb95592ba8e").await.unwrap_err();
    assert_eq!(missing.status(), Some(404));
    let api = missing.as_api().unwrap();
    assert_eq!(api.errors[0].message, "Webhook not found");
    assert!(api.request_id.is_some());

    let bad = client.create(&NewWebhook { url: "not a url".into(), ..hook("x") }).await.unwrap_err();
    assert!(matches!(&bad, Error::Validation(v) if v.field == "url"), "{bad:?}");
    let bad = client.get("..").await.unwrap_err();
    assert!(matches!(&bad, Error::Validation(v) if v.field == "webhookId"), "{bad:?}");

    let wrong = Client::builder("wasm-account", "errors", Auth::ApiToken("wrong-s3cret".into())).base_url(base_url()).build().unwrap();
    let denied = wrong.list().await.unwrap_err();
    assert_eq!(denied.status(), Some(401));
    assert!(!format!("{denied} {denied:?} {wrong:?}").contains("wrong-s3cret"));

    assert!(client.list().await.is_ok());
}

#[wasm_bindgen_test]
async fn ensure_creates_then_leaves_then_updates() {
    let client = client("ensure");
    let first = client.ensure(&hook("deploy")).await.unwrap();
    assert_eq!(first.action, EnsureAction::Created);
    let again = client.ensure(&hook("deploy")).await.unwrap();
    assert_eq!((again.action, &again.webhook.id), (EnsureAction::Unchanged, &first.webhook.id));
    let changed = client.ensure(&NewWebhook { enabled: Some(false), ..hook("deploy") }).await.unwrap();
    assert_eq!(changed.action, EnsureAction::Updated);
    assert!(!changed.webhook.enabled);
    assert_eq!(client.list().await.unwrap().len(), 1);
}

#[wasm_bindgen_test]
async fn an_aborted_signal_sends_nothing() {
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort_with_reason(&JsValue::from_str("not an Error"));
    let options = RequestOptions { signal: Some(controller.signal()), ..Default::default() };
    let result = client("abort").with_options(options).list().await;
    assert!(matches!(result, Err(Error::Aborted(_))), "{result:?}");
}

#[wasm_bindgen_test]
fn debug_output_has_no_credentials() {
    let client = Client::builder("a", "b", Auth::ApiKey { key: "k3y-s3cret".into(), email: "me@secret.io".into() })
        .default_header("x-extra", "value-s3cret")
        .build()
        .unwrap();
    let text = format!("{client:?}");
    assert!(!text.contains("s3cret") && !text.contains("me@secret.io"), "{text}");
}

/// `emulator/fixtures/recording.statusUpdate.json` signed with `emulator/keys/dev-key-1.pem`
/// (`openssl dgst -sha256 -sign emulator/keys/dev-key-1.pem emulator/fixtures/recording.statusUpdate.json | base64 -w0`).
const RECORDING_SIGNATURE: &str = "LjbPB08daSNF54wzQn/QZlte1MS/NtkyK9TBmKUA9IQx/DKKu0qACgo11Mahy8vGBaC/fw2Nz9+FkaOxn3Zjuz8GqlR4A54gWdVO5BMOP1jjaxG+GcQsimrNXqT01+U4IcVlZw3IaKaZCrZkDYU/m7QE28WthnJINs4DJDCn9Vwb9+t2qUXoLXx7aQRKwFq2OHyu1esoAX2JD/e2qJKHekayU5MBZewdN2VvAUMeMDmnsqXKTUKfele81qah3DpBKR6kTXdm033EOaqmDKOU2IS3aHg5ffM6O4m+2AdCZOt+GsFKLeUa7RwoTbd+c9zK2qa+LqnakT/fj5J6zioSUA==";
const RECORDING_BODY: &str = include_str!("../emulator/fixtures/recording.statusUpdate.json");
const DEV_PUBLIC_KEY: &str = include_str!("../emulator/keys/dev-key-1.pub.pem");

fn delivery_headers(signature: &str) -> DeliveryHeaders {
    headers_with_id(signature, "delivery-1")
}

fn headers_with_id(signature: &str, id: &str) -> DeliveryHeaders {
    DeliveryHeaders::from_lookup(|name| match name {
        "rtk-signature" => Some(signature.to_owned()),
        "rtk-uuid" => Some(id.to_owned()),
        "rtk-webhook-id" => Some("hook-1".to_owned()),
        _ => None,
    })
}

#[wasm_bindgen_test]
async fn a_signed_delivery_verifies_and_types_its_payload() {
    let verifier = Verifier::with_public_key(DEV_PUBLIC_KEY).unwrap();
    let delivery = verifier.verify(RECORDING_BODY.as_bytes(), &delivery_headers(RECORDING_SIGNATURE)).await.unwrap();
    assert_eq!((delivery.id.as_str(), delivery.webhook_id.as_deref()), ("delivery-1", Some("hook-1")));
    assert_eq!(delivery.event, WebhookEvent::RecordingStatusUpdate);
    let Payload::RecordingStatusUpdate(update) = delivery.payload().unwrap() else { panic!("wrong payload") };
    let recording = update.recording.unwrap();
    assert_eq!(recording.file_size, Some(2_044_680));
    assert_eq!(recording.status, Some(RecordingStatus::Uploaded));
}

#[wasm_bindgen_test]
async fn wrong_deliveries_are_refused() {
    let verifier = Verifier::with_public_key(DEV_PUBLIC_KEY).unwrap().max_body(RECORDING_BODY.len());
    let tampered = RECORDING_BODY.replace("UPLOADED", "ERRORED");
    let cases: [(&[u8], &str); 4] = [
        (tampered.as_bytes(), RECORDING_SIGNATURE),
        (RECORDING_BODY.as_bytes(), ""),
        (RECORDING_BODY.as_bytes(), "%%%"),
        (RECORDING_BODY.as_bytes(), "AAAA"),
    ];
    for (body, signature) in cases {
        let result = verifier.verify(body, &delivery_headers(signature)).await;
        assert!(matches!(result, Err(VerifyError::Signature(_))), "{signature:?}: {result:?}");
    }
    let padded = format!("{RECORDING_BODY} ");
    let result = verifier.verify(padded.as_bytes(), &delivery_headers(RECORDING_SIGNATURE)).await;
    assert!(matches!(result, Err(VerifyError::Payload(_))), "{result:?}");
    let no_id = DeliveryHeaders { uuid: None, ..delivery_headers(RECORDING_SIGNATURE) };
    let result = verifier.verify(RECORDING_BODY.as_bytes(), &no_id).await;
    assert!(matches!(&result, Err(e @ VerifyError::Payload(_)) if e.status() == 400), "{result:?}");
    assert!(matches!(Verifier::with_public_key("nope"), Err(Error::Validation(v)) if v.field == "publicKey"));
    // Still verifies after all that.
    assert!(verifier.verify(RECORDING_BODY.as_bytes(), &delivery_headers(RECORDING_SIGNATURE)).await.is_ok());
}

#[wasm_bindgen_test]
async fn a_key_url_that_fails_is_a_retryable_key_error_never_a_signature_error() {
    let url = format!("{}/.well-known/missing.json", base_url().trim_end_matches("/client/v4"));
    let verifier = Verifier::fetching(Some(url.clone()), realtimekit_webhooks::Fetch::global());
    let result = verifier.verify(RECORDING_BODY.as_bytes(), &delivery_headers(RECORDING_SIGNATURE)).await;
    let Err(VerifyError::KeyUnavailable(key)) = &result else { panic!("{result:?}") };
    assert!(key.message.contains(&url), "{}", key.message);
    assert!(key.cause.as_ref().and_then(Error::status).is_some_and(|s| s >= 400), "{key:?}");
    assert_eq!(result.unwrap_err().status(), 503);
}

/// The receiver's answers, as a workers-rs Worker would use them: the handler
/// matches on the typed payload.
#[wasm_bindgen_test]
async fn the_receiver_handles_each_delivery_once_and_answers_with_the_right_status() {
    let handled = std::cell::RefCell::new(Vec::new());
    let fail_next = std::cell::Cell::new(true);
    let receiver = Receiver::new(Verifier::with_public_key(DEV_PUBLIC_KEY).unwrap()).with_store(MemoryStore::default());
    let handle = |delivery: realtimekit_webhooks::Delivery| {
        let (handled, fail_next) = (&handled, &fail_next);
        async move {
            if fail_next.replace(false) {
                return Err("the database is down");
            }
            match delivery.payload() {
                Ok(Payload::RecordingStatusUpdate(update)) => handled.borrow_mut().push(update.recording.and_then(|r| r.status)),
                other => panic!("{other:?}"),
            }
            Ok(())
        }
    };
    let body = RECORDING_BODY.as_bytes();
    let statuses = [
        receiver.receive(body, &delivery_headers(RECORDING_SIGNATURE), handle).await, // the handler fails: 500
        receiver.receive(body, &delivery_headers(RECORDING_SIGNATURE), handle).await, // its retry: handled
        receiver.receive(body, &delivery_headers(RECORDING_SIGNATURE), handle).await, // a repeat
        receiver.receive(body, &headers_with_id(RECORDING_SIGNATURE, "new-uuid"), handle).await, // a replay
        receiver.receive(b"{}", &delivery_headers(RECORDING_SIGNATURE), handle).await, // forged
    ]
    .map(|outcome| (outcome.name(), outcome.status()));
    assert_eq!(statuses, [("handler-failed", 500), ("handled", 200), ("repeat", 200), ("repeat", 200), ("forged", 401)]);
    assert_eq!(*handled.borrow(), [Some(RecordingStatus::Uploaded)]);
    // Without replay protection the same body under a new rtk-uuid is handled.
    let receiver = receiver.replay_protection(false);
    let outcome = receiver.receive(body, &headers_with_id(RECORDING_SIGNATURE, "newer-uuid"), handle).await;
    assert!(matches!(outcome, Outcome::Handled { unrecorded: None, .. }), "{outcome:?}");
    assert_eq!(handled.borrow().len(), 2);
}
