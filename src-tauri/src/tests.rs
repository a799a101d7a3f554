//! The IPC contract, end to end on Tauri's mock runtime (no window, no WebKit display): the
//! one `rpc` command with arguments exactly as ui/src/lib/backend/tauri.ts sends them
//! (`{name, params}`), the real config and capabilities, and the `store-changed` event.

use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_api::app::App;
use switchboard_api::import::{ImportParams, import_files};
use switchboard_api::{MemorySecrets, SystemClock};
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
    let app = App::open(
        &data,
        Arc::new(SystemClock),
        Arc::new(MemorySecrets::default()),
    )
    .expect("open workspace");
    let mail = dir.path().join("lamp.eml");
    std::fs::write(&mail, EML).expect("write eml");
    import_files(
        &app.ctx(),
        &ImportParams {
            paths: vec![mail],
            self_addresses: vec![],
        },
        &mut |_| {},
    )
    .expect("import");
    let app = crate::shell(mock_builder(), app, false)
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

/// Calls a command as the webview would (`invoke('rpc', {name, params})`). `Err` holds the
/// serialized ApiError.
fn invoke(window: &WebviewWindow<MockRuntime>, name: &str, params: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: "rpc".into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(json!({ "name": name, "params": params })),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("json response"))
}

fn first_case_id(window: &WebviewWindow<MockRuntime>) -> i64 {
    let list = invoke(window, "case_list", json!({ "limit": 0, "offset": 0 })).expect("case_list");
    list["cases"][0]["id"].as_i64().expect("a case id")
}

#[test]
fn commands_of_the_table_run_through_the_one_rpc_command() {
    let f = fixture();
    let w = &f.window;

    let list = invoke(w, "case_list", json!({ "limit": 0, "offset": 0 })).unwrap();
    assert_eq!(list["total"], 1, "the imported email is one case: {list}");
    assert_eq!(list["cases"][0]["contact"]["name"], "Maria Lopez");
    let id = first_case_id(w);

    let detail = invoke(w, "case_show", json!({ "case_id": id })).unwrap();
    assert_eq!(
        detail["subject"], "Where is my lamp?",
        "summary fields are flattened"
    );

    let status = invoke(
        w,
        "case_set_status",
        json!({ "case_id": id, "status": "waiting", "until_reply": false }),
    )
    .unwrap();
    assert_eq!(status["to"], "waiting");

    invoke(w, "root_cause_add", json!({ "name": "Shipping" })).unwrap();
    let tag = invoke(
        w,
        "case_tag_root_cause",
        json!({ "case_id": id, "root_cause": "Shipping" }),
    )
    .unwrap();
    assert_eq!(tag["added"], true);

    // No params at all (the UI may omit them for commands that take none).
    let get = get_ipc_response(
        w,
        InvokeRequest {
            cmd: "rpc".into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(json!({ "name": "root_cause_list" })),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .expect("root_cause_list without params");
    let causes: Value = get.deserialize().expect("json");
    assert_eq!(causes.as_array().map(Vec::len), Some(1), "{causes}");
}

#[test]
fn errors_cross_as_code_and_message() {
    let f = fixture();
    let err = invoke(&f.window, "case_show", json!({ "case_id": 999_999 })).unwrap_err();
    assert_eq!(err["code"], "not_found", "{err}");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{err}"
    );

    let id = first_case_id(&f.window);
    let err = invoke(
        &f.window,
        "case_set_status",
        json!({ "case_id": id, "status": "bogus" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");

    let err = invoke(&f.window, "no_such_command", json!({})).unwrap_err();
    assert_eq!(err["code"], "not_found", "{err}");
}

#[test]
fn a_change_is_forwarded_as_store_changed() {
    let f = fixture();
    let id = first_case_id(&f.window);
    // The app's setup hook, which starts the forwarder, runs only inside the event loop; the
    // mock app is never run, so start the same forwarder here (the real-window run covers setup).
    let app = f.app.state::<Arc<App>>().inner().clone();
    crate::events::forward_store_changes(f.app.handle().clone(), &app);
    let (tx, rx) = channel();
    f.app
        .listen_any(crate::events::STORE_CHANGED, move |event| {
            let _ = tx.send(event.payload().to_string());
        });

    invoke(
        &f.window,
        "case_set_status",
        json!({ "case_id": id, "status": "resolved" }),
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
