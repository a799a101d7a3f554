//! `switchboard account add bluesky`, `sync --once`, `reply` and `outbox flush` on a Bluesky
//! account. Bad input is refused before any network or keychain use; against the real local
//! AT Protocol network (ignored: needs `tests/servers/atproto.sh up` and the OS keychain) the
//! whole loop runs, including a crash right after the post went out: the next flush finds the
//! post by its record key and marks it sent, and the post exists exactly once.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

/// Runs with `input` on standard input.
fn run_stdin(sb: &Sb, args: &[&str], input: &str) -> Run {
    let mut c = sb.command();
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn switchboard");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run::from_output(args.join(" "), out)
}

#[test]
fn adding_without_an_app_password_is_refused_and_nothing_is_saved() {
    let sb = Sb::new();
    let m = sb
        .fail(&["account", "add", "bluesky", "--handle", "shop.test"])
        .error_message()
        .to_string();
    assert!(m.contains("pass --app-password-stdin"), "{m}");
    let r = run_stdin(
        &sb,
        &[
            "account",
            "add",
            "bluesky",
            "--handle",
            "shop.test",
            "--app-password-stdin",
        ],
        "  \n",
    );
    assert!(
        r.error_message().contains("the app password is empty"),
        "{}",
        r.stderr
    );
    let list = sb.json(&["account", "list", "--json"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|a| a["kind"] != "bluesky"),
        "{list}"
    );
}

fn pds() -> String {
    std::env::var("SB_TEST_ATPROTO_PDS").unwrap_or("http://localhost:2583".into())
}

fn xrpc(method: &str, nsid: &str, body: &Value, token: Option<&str>) -> Value {
    let mut c = Command::new("curl");
    c.args(["-sS", "--max-time", "10", "-X", method]);
    if let Some(t) = token {
        c.args(["-H", &format!("authorization: Bearer {t}")]);
    }
    let url = if method == "GET" {
        let q: Vec<String> = body
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
            .collect();
        format!("{}/xrpc/{nsid}?{}", pds(), q.join("&"))
    } else {
        c.args([
            "-H",
            "content-type: application/json",
            "-d",
            &body.to_string(),
        ]);
        format!("{}/xrpc/{nsid}", pds())
    };
    let out = c.arg(url).output().expect("curl");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{nsid}: not JSON: {}", String::from_utf8_lossy(&out.stdout)))
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros()
        % 100_000_000
}

#[test]
#[ignore = "needs servers: tests/servers/atproto.sh up, and the OS keychain"]
fn add_sync_reply_and_a_crash_after_posting_never_posts_twice() {
    let n = unique();
    let (shop, cust) = (format!("shop{n}.test"), format!("cust{n}.test"));
    let mk = |h: &str| {
        xrpc(
            "POST",
            "com.atproto.server.createAccount",
            &json!({ "handle": h, "email": format!("{h}@test.invalid"), "password": "app-pw-1" }),
            None,
        )
    };
    let shop_acct = mk(&shop);
    let cust_acct = mk(&cust);
    let shop_did = shop_acct["did"].as_str().unwrap().to_owned();
    let sb = Sb::new();

    let r = run_stdin(
        &sb,
        &[
            "account",
            "add",
            "bluesky",
            "--handle",
            &shop,
            "--app-password-stdin",
            "--service",
            &pds(),
            "--name",
            "bad",
        ],
        "wrong-password",
    );
    let m = r.error_message().to_string();
    assert!(
        m.contains("cannot add account \"bad\"") && m.contains("sign-in needed"),
        "{m}"
    );
    let r = run_stdin(
        &sb,
        &[
            "account",
            "add",
            "bluesky",
            "--handle",
            &shop,
            "--app-password-stdin",
            "--service",
            &pds(),
            "--json",
        ],
        "app-pw-1",
    );
    assert!(r.success(), "{}", r.stderr);
    assert_eq!(r.json()["kind"], "bluesky");

    // The customer mentions the shop.
    let text = format!("@{shop} my parcel never came");
    xrpc(
        "POST",
        "com.atproto.repo.createRecord",
        &json!({ "repo": cust_acct["did"], "collection": "app.bsky.feed.post", "record": {
            "$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-11-23T12:00:00.000Z",
            "facets": [{ "index": { "byteStart": 0, "byteEnd": shop.len() + 1 },
                         "features": [{ "$type": "app.bsky.richtext.facet#mention", "did": shop_did }] }] } }),
        cust_acct["accessJwt"].as_str(),
    );
    let start = Instant::now();
    while sb.cases().is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the mention never arrived"
        );
        sb.ok(&["sync", "--once"]);
        std::thread::sleep(Duration::from_millis(300));
    }
    let case = &sb.cases()[0];
    assert_eq!(case["channels"], json!(["bluesky"]));
    let list = sb.json(&["account", "list", "--json"]);
    assert_eq!(list[0]["health"]["status"], "ok", "{list}");

    let id = case["id"].as_i64().unwrap().to_string();
    sb.ok(&["reply", &id, "We are on it — sorry!"]);
    // Crash right after the PDS took the post, before it was recorded as sent.
    let mut c = sb.command();
    c.env("SWITCHBOARD_TEST_CRASH_AFTER", "social_sent")
        .args(["outbox", "flush"]);
    let crashed = run_command(c, &["outbox", "flush"]);
    assert!(!crashed.success(), "the test hook aborts the flush");
    let report = sb.json(&["outbox", "flush", "--json"]);
    assert_eq!(
        report["reconciled"].as_array().unwrap().len(),
        1,
        "{report}"
    );
    assert!(
        report["sent"].as_array().unwrap().is_empty(),
        "not sent again: {report}"
    );
    let posts = xrpc(
        "GET",
        "com.atproto.repo.listRecords",
        &json!({ "repo": shop_did, "collection": "app.bsky.feed.post" }),
        None,
    );
    assert_eq!(
        posts["records"].as_array().unwrap().len(),
        1,
        "exactly one post: {posts}"
    );
    let outbox = sb.json(&["outbox", "list", "--all", "--json"]);
    assert_eq!(outbox[0]["state"], "sent", "{outbox}");
}
