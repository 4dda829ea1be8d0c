//! The emulator over real loopback sockets: the seven endpoints, auth, CORS,
//! fault scripts, the request log, the proxy (against a second emulator as
//! its upstream) and the demo receiver.

use std::sync::Arc;

use rtk_emulator::{router, serve, Config, Emulator};
use serde_json::{json, Value};

const TOKEN: &str = "emulator-token";

/// Starts an emulator on a free port; returns its `http://127.0.0.1:PORT`.
async fn start(config: Config) -> String {
    let emulator: Arc<Emulator> = Emulator::new(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, router(emulator)));
    url
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn call(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = http().request(method.parse().unwrap(), url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn hooks(base: &str, app: &str) -> String {
    format!("{base}/client/v4/accounts/acc/realtime/kit/{app}/webhooks")
}

#[tokio::test]
async fn the_seven_endpoints_with_real_envelopes() {
    let base = start(Config::default()).await;
    let url = hooks(&base, "app");
    let input = json!({"name": "n", "url": "https://example.com/h", "events": ["meeting.started"]});

    let (status, headers, body) = call("POST", &url, Some(TOKEN), Some(input.clone())).await;
    assert_eq!(status, 201);
    assert!(headers.get("cf-ray").is_some());
    assert_eq!(body["success"], true);
    let hook = body["data"].clone();
    assert_eq!((hook["name"].as_str(), hook["enabled"].as_bool()), (Some("n"), Some(true)));
    let id = hook["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);

    let (status, _, body) = call("GET", &url, Some(TOKEN), None).await;
    assert_eq!((status, body["data"].as_array().unwrap().len()), (200, 1));
    let (_, _, body) = call("GET", &format!("{url}/{id}"), Some(TOKEN), None).await;
    assert_eq!(body["data"], hook);
    let (_, _, body) = call("PATCH", &format!("{url}/{id}"), Some(TOKEN), Some(json!({"enabled": false}))).await;
    assert_eq!((body["data"]["enabled"].as_bool(), body["data"]["name"].as_str()), (Some(false), Some("n")));
    let (_, _, body) = call("PUT", &format!("{url}/{id}"), Some(TOKEN), Some(input.clone())).await;
    assert_eq!(body["data"]["enabled"], true, "a replace without enabled enables it again");
    let (_, _, body) = call("GET", &format!("{url}/all"), Some(TOKEN), None).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 9);
    let (status, _, body) = call("DELETE", &format!("{url}/{id}"), Some(TOKEN), None).await;
    assert_eq!((status, body["data"]["id"].as_str()), (200, Some(id.as_str())));
    let (status, _, body) = call("GET", &format!("{url}/{id}"), Some(TOKEN), None).await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({"success": false, "error": {"code": 404, "message": "Webhook not found"}}));

    // Per-app storage.
    call("POST", &url, Some(TOKEN), Some(input.clone())).await;
    let (_, _, body) = call("GET", &hooks(&base, "other-app"), Some(TOKEN), None).await;
    assert_eq!(body["data"], json!([]));
}

#[tokio::test]
async fn validation_auth_and_unknown_routes() {
    let base = start(Config::default()).await;
    let url = hooks(&base, "app");
    let (status, _, body) = call("POST", &url, Some(TOKEN), Some(json!({"url": "https://x.io", "events": ["meeting.started"]}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "BAD_REQUEST: \"name\" is required");
    let (status, _, body) = call("PATCH", &format!("{url}/x"), Some(TOKEN), Some(json!({"events": ["nope"]}))).await;
    assert_eq!(status, 400, "{body}");

    let (status, _, body) = call("GET", &url, None, None).await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["code"], 10000);
    let (status, _, _) = call("GET", &url, Some("wrong"), None).await;
    assert_eq!(status, 401);
    let keyed = http().get(&url).header("x-auth-key", "emulator-key").header("x-auth-email", "dev@example.com").send().await.unwrap();
    assert_eq!(keyed.status(), 200);

    let (status, _, body) = call("GET", &format!("{base}/client/v4/zones"), Some(TOKEN), None).await;
    assert_eq!((status, body["errors"][0]["code"].as_u64()), (400, Some(7003)));

    // CORS preflight allows the auth headers (a `*` would not cover Authorization) and a call's own.
    let preflight = http()
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://page.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type,x-my-header")
        .send()
        .await
        .unwrap();
    let allowed = preflight.headers().get("access-control-allow-headers").unwrap().to_str().unwrap().to_owned();
    assert!(["authorization", "content-type", "x-my-header"].iter().all(|name| allowed.contains(name)), "{allowed}");
}

#[tokio::test]
async fn fault_scripts_and_the_request_log() {
    let base = start(Config::default()).await;
    let url = hooks(&base, "faulty");
    let faults = format!("{base}/__emulator/faults");
    let script =
        |op: &'static str, replies: Value| call("POST", &faults, None, Some(json!({"op": op, "app": "faulty", "replies": replies})));
    script("list", json!([{"status": 503, "headers": {"retry-after": "7"}, "body": "<html>down</html>"}])).await;
    let (status, headers, body) = call("GET", &url, Some(TOKEN), None).await;
    assert_eq!((status, headers["retry-after"].to_str().unwrap()), (503, "7"));
    assert_eq!(body, Value::String("<html>down</html>".into()));
    let (status, _, _) = call("GET", &url, Some(TOKEN), None).await;
    assert_eq!(status, 200, "a script is used once");

    // A dropped connection: no reply at all.
    script("list", json!([{"drop": true}])).await;
    assert!(http().get(&url).bearer_auth(TOKEN).send().await.is_err());
    // A truncated body: headers, then the connection breaks.
    script("list", json!([{"truncate": 3}])).await;
    let response = http().get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert!(response.text().await.is_err());
    // Commit then fail: created, but the reply is a 500.
    script("create", json!([{"status": 500, "commit": true}])).await;
    let (status, _, _) =
        call("POST", &url, Some(TOKEN), Some(json!({"name": "n", "url": "https://x.io", "events": ["meeting.ended"]}))).await;
    assert_eq!(status, 500);
    let (_, _, body) = call("GET", &url, Some(TOKEN), None).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 1);

    let (_, _, log) = call("GET", &format!("{base}/__emulator/requests"), None, None).await;
    let ops: Vec<&str> = log.as_array().unwrap().iter().map(|r| r["op"].as_str().unwrap()).collect();
    assert_eq!(ops, ["list", "list", "list", "list", "create", "list"]);
    assert_eq!(log[4]["headers"]["authorization"], format!("Bearer {TOKEN}"));
}

#[tokio::test]
async fn the_proxy_passes_everything_through() {
    let upstream = start(Config { token: "real-token".into(), ..Config::default() }).await;
    let base = start(Config { upstream: Some(format!("{upstream}/client/v4")), ..Config::default() }).await;
    let via_proxy = format!("{base}/proxy/accounts/acc/realtime/kit/app/webhooks");

    // The caller's credentials go upstream; the emulator's own token does not work there.
    let (status, headers, body) = call("GET", &via_proxy, Some(TOKEN), None).await;
    assert_eq!(status, 401);
    assert!(headers.get("cf-ray").is_some());
    assert_eq!(body["errors"][0]["message"], "Authentication error");
    let (status, _, body) =
        call("POST", &via_proxy, Some("real-token"), Some(json!({"name": "p", "url": "https://x.io", "events": ["meeting.summary"]})))
            .await;
    assert_eq!(status, 201);
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    // It is upstream, not here.
    let (_, _, direct) = call("GET", &hooks(&upstream, "app"), Some("real-token"), None).await;
    assert_eq!(direct["data"][0]["id"], id.as_str());
    let (_, _, local) = call("GET", &hooks(&base, "app"), Some(TOKEN), None).await;
    assert_eq!(local["data"], json!([]));
    // Status and body unchanged, query kept.
    let (status, _, body) = call("GET", &format!("{via_proxy}/missing?x=1"), Some("real-token"), None).await;
    assert_eq!((status, body["error"]["message"].as_str()), (404, Some("Webhook not found")));
    let (_, _, log) = call("GET", &format!("{upstream}/__emulator/requests"), None, None).await;
    assert_eq!(log.as_array().unwrap().last().unwrap()["query"], "x=1");

    // Without --upstream there is no proxy.
    let (status, _, _) = call("GET", &format!("{upstream}/proxy/x"), Some(TOKEN), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_receiver_keeps_deliveries_for_the_page() {
    let base = start(Config::default()).await;
    let receiver = format!("{base}/__emulator/receiver");
    call("POST", &hooks(&base, "demo"), Some(TOKEN), Some(json!({"name": "demo", "url": receiver, "events": ["meeting.started"]}))).await;
    let (_, _, body) =
        call("POST", &format!("{base}/__emulator/deliveries"), None, Some(json!({"event": "meeting.started", "wait": true}))).await;
    assert_eq!(body["data"][0]["state"], "delivered", "{body}");
    let (_, _, key) = call("GET", &format!("{base}/.well-known/webhooks.json"), None, None).await;
    assert!(key["data"]["publicKey"].as_str().unwrap().starts_with("-----BEGIN PUBLIC KEY-----"));

    // The event stream replays what arrived, raw body and headers included.
    let mut stream = http().get(format!("{receiver}/events")).send().await.unwrap();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = stream.chunk().await.unwrap().unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.starts_with("event: delivery\ndata: "), "{text}");
    let data: Value = serde_json::from_str(text.lines().nth(1).unwrap().strip_prefix("data: ").unwrap()).unwrap();
    assert!(data["body"].as_str().unwrap().contains("\"event\": \"meeting.started\""));
    let headers: Vec<(String, String)> = serde_json::from_value(data["headers"].clone()).unwrap();
    assert!(headers.iter().any(|(name, value)| name == "rtk-signature" && !value.is_empty()));
}
