//! A Mastodon account end to end against mastodon_mock (PyPI 0.6.1): connected with a token,
//! a customer's mention becomes a case, the reply goes through the outbox into the thread, the
//! customer's answer joins the same case, a direct status arrives once although two streams
//! carry it, and syncing again stores nothing twice.
//! Start the server with `eval "$(bash tests/servers/mastodon.sh up)"`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_api::mastodon_account::{AddMastodonAccountParams, account_add_mastodon};
use switchboard_api::{Ctx, FixedClock, MemorySecrets};

const NOT_RUNNING: &str =
    "mastodon_mock is not running: eval \"$(bash tests/servers/mastodon.sh up)\"";

fn base() -> String {
    std::env::var("SB_TEST_MASTODON_URL")
        .unwrap_or("http://127.0.0.1:14300".into())
        .trim_end_matches('/')
        .to_string()
}

/// One JSON call over plain HTTP/1.1 (the mock is on this machine, without TLS).
fn call(method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Value {
    let host = base().trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&host).expect(NOT_RUNNING);
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.1 2"),
        "{method} {path}: {head}\n{body}"
    );
    serde_json::from_str(body).unwrap_or(Value::Null)
}

fn alice_posts(text: &str, visibility: &str, in_reply_to: Option<&str>) -> String {
    let mut b = json!({"status": text, "visibility": visibility});
    if let Some(p) = in_reply_to {
        b["in_reply_to_id"] = json!(p);
    }
    call("POST", "/api/v1/statuses", Some("alice_token"), Some(b))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn count(ctx: &Ctx, sql: &str) -> i64 {
    ctx.store().conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
#[ignore = "needs servers: mastodon_mock (tests/servers/mastodon.sh up)"]
fn a_mention_becomes_a_case_answered_in_its_thread_and_nothing_comes_twice() {
    call("POST", "/api/v1/_mock/reset", None, None);
    let dir = tempfile::tempdir().unwrap();
    let store = switchboard_store::Store::open(dir.path()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let clock = Arc::new(FixedClock::new(now));
    let ctx = Ctx::with_parts(store, clock.clone(), Arc::new(MemorySecrets::default()));
    let added = account_add_mastodon(
        &ctx,
        &AddMastodonAccountParams {
            server: base(),
            name: Some("shop".into()),
            token: "bob_token".into(),
            public_visibility: None,
        },
    )
    .unwrap();
    assert!(added.acct.starts_with("bob@"));

    let mention = alice_posts("@bob my parcel never arrived", "public", None);
    let r = switchboard_api::sync::sync_social_once(&ctx, None).unwrap();
    assert!(r[0].error.is_none(), "{r:?}");
    assert_eq!(count(&ctx, "SELECT count(*) FROM cases"), 1);
    let case_id = count(&ctx, "SELECT id FROM cases");

    let reply = switchboard_api::reply::reply_create(
        &ctx,
        &switchboard_api::reply::ReplyParams {
            case_id,
            text: "So sorry, we are on it.".into(),
            account: None,
            private: None,
        },
    )
    .unwrap();
    let f = switchboard_api::outbox::outbox_flush(&ctx, Default::default()).unwrap();
    assert_eq!(f.sent, vec![reply.outbox_id], "{f:?}");
    let ctx_json = call(
        "GET",
        &format!("/api/v1/statuses/{mention}/context"),
        Some("alice_token"),
        None,
    );
    let desc = ctx_json["descendants"].as_array().unwrap();
    assert_eq!(desc.len(), 1, "one reply in the thread: {ctx_json}");
    assert_eq!(desc[0]["in_reply_to_id"], mention.as_str());
    let our_status = desc[0]["id"].as_str().unwrap().to_string();
    // A second flush sends nothing.
    let f = switchboard_api::outbox::outbox_flush(&ctx, Default::default()).unwrap();
    assert!(f.sent.is_empty(), "{f:?}");

    // The customer answers our reply: same case.
    clock.advance(60_000);
    alice_posts("@bob thanks!", "public", Some(&our_status));
    let r = switchboard_api::sync::sync_social_once(&ctx, None).unwrap();
    assert!(r[0].error.is_none(), "{r:?}");
    assert_eq!(
        count(&ctx, "SELECT count(*) FROM cases"),
        1,
        "the answer joins the case"
    );
    let messages = count(&ctx, "SELECT count(*) FROM messages");
    assert_eq!(messages, 3, "mention, our reply, the answer");

    // A direct status comes through two streams (mentions, conversations) and is stored once.
    clock.advance(60_000);
    alice_posts("@bob my address is 1 Main St", "direct", None);
    switchboard_api::sync::sync_social_once(&ctx, None).unwrap();
    assert_eq!(count(&ctx, "SELECT count(*) FROM messages"), messages + 1);
    assert_eq!(
        count(
            &ctx,
            "SELECT count(DISTINCT i.contact_id) FROM identities i WHERE i.channel = 'mastodon' AND i.is_self = 0"
        ),
        1,
        "alice is one contact"
    );

    // Syncing again (a restart reads the same cursors) stores nothing twice.
    let again = switchboard_api::sync::sync_social_once(&ctx, None).unwrap();
    assert!(again[0].error.is_none(), "{again:?}");
    assert_eq!(count(&ctx, "SELECT count(*) FROM messages"), messages + 1);

    // Answering the direct status answers privately; our direct status, read back through the
    // conversations stream, is the same message, not a second one.
    let dm_case = count(
        &ctx,
        "SELECT cc.case_id FROM case_conversations cc JOIN conversations c ON c.id = cc.conversation_id WHERE c.visibility = 'private'",
    );
    let dm_reply = switchboard_api::reply::reply_create(
        &ctx,
        &switchboard_api::reply::ReplyParams {
            case_id: dm_case,
            text: "Thanks, shipping again today.".into(),
            account: None,
            private: None,
        },
    )
    .unwrap();
    let f = switchboard_api::outbox::outbox_flush(&ctx, Default::default()).unwrap();
    assert_eq!(f.sent, vec![dm_reply.outbox_id], "{f:?}");
    let convs = call("GET", "/api/v1/conversations", Some("alice_token"), None);
    let last = &convs[0]["last_status"];
    assert_eq!(last["visibility"], "direct", "a private answer: {convs}");
    assert!(last["content"].as_str().unwrap().contains("shipping again"));
    clock.advance(60_000);
    switchboard_api::sync::sync_social_once(&ctx, None).unwrap();
    assert_eq!(
        count(&ctx, "SELECT count(*) FROM messages"),
        messages + 2,
        "our direct status is not stored twice"
    );
}
