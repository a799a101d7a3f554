//! The command table as every front end uses it: JSON in, JSON out, errors with a code.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_api::app::App;
use switchboard_api::import::{ImportParams, import_files};
use switchboard_api::{Code, FixedClock, MemorySecrets, rpc};

const EML: &str = "From: Maria Lopez <maria@example.com>\r\n\
To: support@shop.example\r\n\
Subject: Where is my lamp?\r\n\
Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n\
Message-ID: <lamp@example.com>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
I ordered a desk lamp two weeks ago and it has not arrived.\r\n";

fn app() -> (tempfile::TempDir, Arc<App>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = App::open(
        &dir.path().join("data"),
        Arc::new(FixedClock::new(1_794_000_000_000)),
        Arc::new(MemorySecrets::default()),
    )
    .expect("open app");
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
    (dir, app)
}

#[tokio::test]
async fn commands_run_by_name_with_json_params() {
    let (_dir, app) = app();
    let list = rpc::call(&app, "case_list", json!({"limit": 10, "offset": 0}))
        .await
        .expect("case_list");
    assert_eq!(list["total"], 1, "the imported mail made one case: {list}");
    let id = list["cases"][0]["id"].clone();

    let shown = rpc::call(&app, "case_show", json!({ "case_id": id }))
        .await
        .expect("case_show");
    assert_eq!(shown["subject"], "Where is my lamp?");

    rpc::call(&app, "root_cause_add", json!({"name": "Shipping"}))
        .await
        .expect("add root cause");
    let tagged = rpc::call(
        &app,
        "case_tag_root_cause",
        json!({"case_id": id, "root_cause": "Shipping"}),
    )
    .await
    .expect("tag");
    assert_eq!(tagged["added"], true);

    // No params at all counts as `{}`.
    let causes = rpc::call(&app, "root_cause_list", Value::Null)
        .await
        .expect("root_cause_list");
    assert_eq!(causes.as_array().map(Vec::len), Some(1), "{causes}");
}

#[tokio::test]
async fn an_unknown_command_is_not_found_and_names_it() {
    let (_dir, app) = app();
    let err = rpc::call(&app, "case_explode", json!({}))
        .await
        .expect_err("no such command");
    assert_eq!(err.code, Code::NotFound);
    assert!(err.message.contains("case_explode"), "{}", err.message);
}

#[tokio::test]
async fn bad_params_are_invalid_input_naming_the_field() {
    let (_dir, app) = app();
    let err = rpc::call(&app, "case_show", json!({}))
        .await
        .expect_err("case_id is required");
    assert_eq!(err.code, Code::InvalidInput);
    assert!(
        err.message.contains("case_show") && err.message.contains("case_id"),
        "{}",
        err.message
    );

    let err = rpc::call(&app, "case_show", json!({"case_id": "seven"}))
        .await
        .expect_err("case_id must be a number");
    assert_eq!(err.code, Code::InvalidInput);
}

#[tokio::test]
async fn api_errors_keep_their_code() {
    let (_dir, app) = app();
    let err = rpc::call(&app, "case_show", json!({"case_id": 999}))
        .await
        .expect_err("no case 999");
    assert_eq!(err.code, Code::NotFound);
}

#[test]
fn the_change_feed_survives_a_workspace_switch() {
    let (_dir, app) = app();
    let rx = app.subscribe();
    switchboard_api::workspace::workspace_init(&app.demo_dir()).expect("demo folder");
    app.switch_to_demo().expect("switch");
    let reload = rx
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("a reload after the switch");
    assert!(!reload.ids(switchboard_api::Entity::Case).is_empty());
    assert!(app.demo_active());

    // A write in the new workspace reaches the same receiver.
    switchboard_api::root_cause::root_cause_add(&app.ctx(), "Billing", None).expect("write");
    let change = rx
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("change from the demo store");
    assert!(!change.ids(switchboard_api::Entity::RootCause).is_empty());

    app.switch_to_home().expect("back");
    assert!(!app.demo_active());
}

#[test]
fn writes_from_another_process_are_noticed() {
    let (dir, app) = app();
    assert!(!app.poll_external_writes().expect("first poll"), "baseline");
    assert!(!app.poll_external_writes().expect("no change"));
    // A second connection stands in for the CLI.
    let other = switchboard_api::Ctx::open(
        &dir.path().join("data"),
        Arc::new(FixedClock::new(1_794_000_000_000)),
    )
    .expect("second ctx");
    switchboard_api::root_cause::root_cause_add(&other, "Billing", None).expect("write");
    let rx = app.subscribe();
    assert!(app.poll_external_writes().expect("poll"), "saw the commit");
    assert!(
        rx.try_recv().is_ok(),
        "subscribers were told to reload after another process wrote"
    );
}

/// The window's "add mail account" goes through the table too: the sign-in runs on the blocking
/// pool (its own network runtime there must not clash with the caller's), a refused connection
/// comes back as `unavailable` naming the server, and nothing is saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_mail_account_signs_in_first_and_saves_nothing_on_failure() {
    let (_dir, app) = app();
    let err = rpc::call(
        &app,
        "account_add_email",
        json!({
            "name": "support", "email": "help@shop.example", "password": "pw",
            "imap_host": "127.0.0.1", "imap_port": 9, "imap_security": "starttls"
        }),
    )
    .await
    .expect_err("nothing listens on port 9");
    assert_eq!(err.code, Code::Unavailable, "{err:?}");
    assert!(err.message.contains("127.0.0.1"), "{}", err.message);
    let missing = rpc::call(
        &app,
        "account_add_email",
        json!({"name": "x", "email": "x@y.example", "password": "pw"}),
    )
    .await
    .expect_err("no server and no preset");
    assert_eq!(missing.code, Code::InvalidInput);
    assert!(
        missing.message.contains("IMAP server"),
        "{}",
        missing.message
    );
    let list = rpc::call(&app, "account_list", json!({}))
        .await
        .expect("list");
    let names: Vec<&str> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["archive"],
        "only the import's archive account exists"
    );
}
