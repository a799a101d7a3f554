//! The server as a browser sees it: real sockets on loopback, real HTTP.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_api::app::App;
use switchboard_api::{FixedClock, MemorySecrets};
use switchboard_http::{ServeOptions, start};

fn app(dir: &tempfile::TempDir) -> Arc<App> {
    App::open(
        &dir.path().join("data"),
        Arc::new(FixedClock::new(1_794_000_000_000)),
        Arc::new(MemorySecrets::default()),
    )
    .expect("open app")
}

fn client() -> reqwest::Client {
    // reqwest is built without a bundled TLS provider (the workspace uses ring); plain HTTP
    // still needs one installed before a client is built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_listens_on_loopback_only_with_a_random_port_and_token() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = start(app(&dir), ServeOptions::default())
        .await
        .expect("start");
    assert!(a.addr.ip().is_loopback(), "bound {}", a.addr);
    assert_ne!(a.addr.port(), 0);
    assert_eq!(a.token.len(), 64, "32 random bytes, hex");
    let dir2 = tempfile::tempdir().expect("tmp");
    let b = start(app(&dir2), ServeOptions::default())
        .await
        .expect("start");
    assert_ne!(a.token, b.token, "every server draws its own token");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_the_token_are_refused_with_a_json_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = start(app(&dir), ServeOptions::default())
        .await
        .expect("start");
    let url = format!("{}/rpc/root_cause_list", server.base_url());
    for auth in [
        None,
        Some("Bearer nope".to_string()),
        Some(server.token.clone()),
    ] {
        let mut req = client().post(&url).body("{}");
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        let res = req.send().await.expect("send");
        assert_eq!(res.status(), 401, "auth header {auth:?} must be refused");
        let body: Value = res.json().await.expect("json error");
        assert_eq!(body["code"], "auth");
        assert!(body["message"].as_str().unwrap_or("").contains("token"));
    }
    let events = client()
        .get(format!("{}/events", server.base_url()))
        .send()
        .await
        .expect("send");
    assert_eq!(events.status(), 401, "the event stream needs the token too");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_run_and_errors_keep_their_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let server = start(app(&dir), ServeOptions::default())
        .await
        .expect("start");
    let call = |name: &str, body: Value| {
        client()
            .post(format!("{}/rpc/{name}", server.base_url()))
            .bearer_auth(&server.token)
            .json(&body)
            .send()
    };
    let added = call("root_cause_add", json!({"name": "Shipping"}))
        .await
        .expect("send");
    assert_eq!(added.status(), 200);
    let rc: Value = added.json().await.expect("json");
    assert_eq!(rc["path"], "Shipping");

    let list: Value = call("root_cause_list", json!({}))
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1));

    let missing = call("case_show", json!({"case_id": 404}))
        .await
        .expect("send");
    assert_eq!(missing.status(), 404);
    let err: Value = missing.json().await.expect("json");
    assert_eq!(err["code"], "not_found");

    let bad = call("case_show", json!({"case": 1})).await.expect("send");
    assert_eq!(bad.status(), 422);
    let err: Value = bad.json().await.expect("json");
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap_or("").contains("case_id"),
        "{err}"
    );

    let unknown = call("nope", json!({})).await.expect("send");
    assert_eq!(unknown.status(), 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_carries_change_sets() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = app(&dir);
    let server = start(app.clone(), ServeOptions::default())
        .await
        .expect("start");
    let mut events = client()
        .get(format!("{}/events", server.base_url()))
        .bearer_auth(&server.token)
        .send()
        .await
        .expect("subscribe");
    assert_eq!(events.status(), 200);
    // Give the stream a moment to subscribe before writing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    switchboard_api::root_cause::root_cause_add(&app.ctx(), "Billing", None).expect("write");
    let mut text = String::new();
    while !text.contains("root_cause") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), events.chunk())
            .await
            .expect("an event within 10 s")
            .expect("read")
            .expect("stream open");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: store-changed"), "{text}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_serves_the_ui_with_a_strict_csp() {
    let dir = tempfile::tempdir().expect("tmp");
    let ui = dir.path().join("dist");
    std::fs::create_dir_all(&ui).expect("dist");
    std::fs::write(
        ui.join("index.html"),
        "<!doctype html><title>Switchboard</title>",
    )
    .expect("index");
    let server = start(
        app(&dir),
        ServeOptions {
            ui_dir: Some(ui),
            ..Default::default()
        },
    )
    .await
    .expect("start");
    for path in ["/", "/inbox/123"] {
        let res = client()
            .get(format!("{}{path}", server.base_url()))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200, "{path}");
        let csp = res
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(res.text().await.expect("body").contains("Switchboard"));
    }
    assert!(server.ui_url().contains("#token="));
    server.stop().await;
}
