//! The IPC contract, end to end on Tauri's mock runtime (no window, no WebKit display): the
//! real command list, the real config and capabilities, argument names exactly as
//! ui/src/lib/backend/tauri.ts sends them, and the `store-changed` event.

use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_api::import::{ImportParams, import_files};
use switchboard_api::workspace::workspace_init;
use switchboard_api::{Ctx, SystemClock};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Listener, Manager, WebviewWindow, WebviewWindowBuilder};

const EML: &str = "From: Maria Lopez <maria@example.com>\r\n\
To: support@shop.example\r\n\
Subject: Where is my lamp?\r\n\
Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n\
Message-ID: <lamp@example.com>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
I ordered a desk lamp two weeks ago and it has not arrived.\r\n";

struct Fixture {
    _dir: tempfile::TempDir,
    app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    workspace_init(&data).expect("init workspace");
    let ctx = Ctx::open(&data, Arc::new(SystemClock)).expect("open workspace");
    let mail = dir.path().join("lamp.eml");
    std::fs::write(&mail, EML).expect("write eml");
    import_files(
        &ctx,
        &ImportParams {
            paths: vec![mail],
            self_addresses: vec![],
        },
        &mut |_| {},
    )
    .expect("import");
    let app = crate::app(mock_builder(), ctx)
        .build(tauri::generate_context!("../tauri.conf.json"))
        .expect("build app");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window");
    Fixture {
        _dir: dir,
        app,
        window,
    }
}

/// Calls a command as the webview would. `Err` holds the serialized ApiError.
fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("json response"))
}

fn first_case_id(window: &WebviewWindow<MockRuntime>) -> i64 {
    let list = invoke(
        window,
        "case_list",
        json!({ "params": { "limit": 0, "offset": 0 } }),
    )
    .expect("case_list");
    list["cases"][0]["id"].as_i64().expect("a case id")
}

#[test]
fn every_command_answers_with_the_argument_names_the_ui_sends() {
    let f = fixture();
    let w = &f.window;

    let list = invoke(
        w,
        "case_list",
        json!({ "params": { "limit": 0, "offset": 0 } }),
    )
    .unwrap();
    assert_eq!(list["total"], 1, "the imported email is one case: {list}");
    assert_eq!(list["cases"][0]["contact"]["name"], "Maria Lopez");
    let id = first_case_id(w);

    let detail = invoke(w, "case_show", json!({ "caseId": id })).unwrap();
    assert_eq!(
        detail["subject"], "Where is my lamp?",
        "summary fields are flattened"
    );
    assert_eq!(detail["messages"].as_array().map(Vec::len), Some(1));

    let hits = invoke(
        w,
        "case_search",
        json!({ "params": { "query": "lamp", "limit": 10 } }),
    )
    .unwrap();
    assert_eq!(
        hits["hits"][0]["case_id"], id,
        "search finds the body text: {hits}"
    );

    let status = invoke(
        w,
        "case_set_status",
        json!({ "params": { "case_id": id, "status": "waiting", "until_reply": false } }),
    )
    .unwrap();
    assert_eq!(status["to"], "waiting");
    assert_eq!(status["changed"], true);

    let note = invoke(
        w,
        "case_add_note",
        json!({ "caseId": id, "text": "Called the courier" }),
    )
    .unwrap();
    assert_eq!(note["body"], "Called the courier");

    let parent = invoke(
        w,
        "root_cause_add",
        json!({ "name": "Shipping", "parent": null }),
    )
    .unwrap();
    assert_eq!(parent["path"], "Shipping");
    let child = invoke(
        w,
        "root_cause_add",
        json!({ "name": "Late delivery", "parent": "Shipping" }),
    )
    .unwrap();
    assert_eq!(child["path"], "Shipping › Late delivery");

    let tag = invoke(
        w,
        "case_tag_root_cause",
        json!({ "caseId": id, "rootCause": "Shipping › Late delivery" }),
    )
    .unwrap();
    assert_eq!(tag["added"], true);

    let causes = invoke(w, "root_cause_list", json!({})).unwrap();
    assert_eq!(causes.as_array().map(Vec::len), Some(2), "{causes}");

    let shown = invoke(w, "case_show", json!({ "caseId": id })).unwrap();
    assert_eq!(shown["status"], "waiting");
    assert_eq!(shown["root_causes"], json!(["Shipping › Late delivery"]));
    assert_eq!(shown["notes"][0]["body"], "Called the courier");
}

#[test]
fn errors_cross_as_code_and_message() {
    let f = fixture();
    let err = invoke(&f.window, "case_show", json!({ "caseId": 999_999 })).unwrap_err();
    assert_eq!(err["code"], "not_found", "{err}");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{err}"
    );

    let id = first_case_id(&f.window);
    let err = invoke(
        &f.window,
        "case_set_status",
        json!({ "params": { "case_id": id, "status": "bogus" } }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");
}

#[test]
fn a_change_is_forwarded_as_store_changed() {
    let f = fixture();
    let id = first_case_id(&f.window);
    // The app's setup hook, which starts the forwarder, runs only inside the event loop; the
    // mock app is never run, so start the same forwarder here (the real-window run covers setup).
    let changes = f.app.state::<Ctx>().subscribe();
    crate::events::forward_store_changes(f.app.handle().clone(), changes);
    let (tx, rx) = channel();
    f.app
        .listen_any(crate::events::STORE_CHANGED, move |event| {
            let _ = tx.send(event.payload().to_string());
        });

    invoke(
        &f.window,
        "case_set_status",
        json!({ "params": { "case_id": id, "status": "resolved" } }),
    )
    .unwrap();

    let payload = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a store-changed event after the commit");
    let changes: Value = serde_json::from_str(&payload).unwrap();
    assert!(
        changes["case"]
            .as_array()
            .is_some_and(|ids| ids.contains(&json!(id))),
        "the event names the changed case: {changes}"
    );
}
