//! Bluesky against a local mock XRPC server: the failures a real PDS cannot be made to produce
//! on demand (429 with reset headers, an expired then a revoked session, a connection dropped
//! after the request went out, a malformed payload) and chat, which has no local server.
//! Responses follow the lexicons' shapes (app.bsky.notification.listNotifications,
//! com.atproto.repo.*, chat.bsky.convo.*). Each test checks the error names what and why,
//! nothing stored is lost, and the rest (other items, other accounts) carries on.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use switchboard_api::social_account::{AddBlueskyParams, account_add_bluesky};
use switchboard_api::{Ctx, FixedClock, MemorySecrets};

// ------------------------------------------------------------------------------ mock server

#[derive(Debug, Clone)]
struct Req {
    nsid: String,
    query: Vec<(String, String)>,
    auth: Option<String>,
    body: Value,
}

impl Req {
    fn q(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }
}

enum Resp {
    Json(u16, Vec<(&'static str, String)>, String),
    /// Read the request, then close the connection without answering.
    Drop,
}

fn ok(v: Value) -> Resp {
    Resp::Json(200, vec![], v.to_string())
}

fn xrpc_error(status: u16, error: &str, message: &str) -> Resp {
    Resp::Json(
        status,
        vec![],
        json!({ "error": error, "message": message }).to_string(),
    )
}

type Handler = Arc<dyn Fn(&Req) -> Resp + Send + Sync>;

/// Serves `handler` on a loopback port, one thread per connection; returns the base URL.
fn serve(handler: Handler) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let handler = handler.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() || line.is_empty() {
                    return;
                }
                let mut parts = line.split_whitespace().skip(1);
                let target = parts.next().unwrap_or_default().to_owned();
                let mut len = 0usize;
                let mut auth = None;
                loop {
                    let mut h = String::new();
                    reader.read_line(&mut h).unwrap();
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    let (k, v) = h.split_once(':').unwrap();
                    match k.to_ascii_lowercase().as_str() {
                        "content-length" => len = v.trim().parse().unwrap(),
                        "authorization" => {
                            auth = Some(v.trim().trim_start_matches("Bearer ").to_owned())
                        }
                        _ => {}
                    }
                }
                let mut body = vec![0; len];
                reader.read_exact(&mut body).unwrap();
                let u = url::Url::parse(&format!("http://x{target}")).unwrap();
                let req = Req {
                    nsid: u.path().trim_start_matches("/xrpc/").to_owned(),
                    query: u
                        .query_pairs()
                        .map(|(a, b)| (a.into_owned(), b.into_owned()))
                        .collect(),
                    auth,
                    body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                };
                match handler(&req) {
                    Resp::Drop => drop(conn),
                    Resp::Json(status, headers, body) => {
                        let mut out = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                            body.len()
                        );
                        for (k, v) in headers {
                            out.push_str(&format!("{k}: {v}\r\n"));
                        }
                        out.push_str("\r\n");
                        out.push_str(&body);
                        let _ = conn.write_all(out.as_bytes());
                    }
                }
            });
        }
    });
    url
}

// ------------------------------------------------------------------------------ a fake PDS

const SHOP_DID: &str = "did:plc:shop";
const CAROL_DID: &str = "did:plc:carol";
const NOW: i64 = 1_795_200_000_000; // 2026-11-21

/// What the fake PDS knows and how it should misbehave.
#[derive(Default)]
struct Pds {
    notifications: Vec<Value>,
    /// Access tokens it accepts; every session hands out a new one.
    valid_tokens: HashSet<String>,
    issued: u32,
    refresh_revoked: bool,
    password: String,
    records: HashMap<String, Value>,
    creates: u32,
    /// Answer the next N listNotifications with 429.
    rate_limit_next: u32,
    /// Drop the connection of the next createRecord *after* storing the record.
    drop_next_create: bool,
    /// Drop the next listNotifications connection.
    drop_next_list: bool,
    /// Drop the next getRecord connection (the read-back after a failed send).
    drop_next_get: bool,
    /// Answer listNotifications with a body that is not the lexicon's shape.
    garbage_list: bool,
    /// Answer listNotifications normally but say the rate-limit window is used up.
    exhaust_on_list: bool,
    /// Answer the next createRecord with 429 (nothing stored).
    rate_limit_next_create: bool,
    chat_messages: Vec<Value>,
    calls: Vec<String>,
}

fn new_session(pds: &mut Pds) -> Value {
    pds.issued += 1;
    let access = format!("access-{}", pds.issued);
    pds.valid_tokens.insert(access.clone());
    json!({ "accessJwt": access, "refreshJwt": format!("refresh-{}", pds.issued),
            "did": SHOP_DID, "handle": "shop.test" })
}

fn notification(n: u32, text: &str, author: &str, handle: &str, at: &str) -> Value {
    json!({
        "uri": format!("at://{author}/app.bsky.feed.post/3kaaaaaaaaa{n:02}"),
        "cid": format!("bafycid{n}"),
        "author": { "did": author, "handle": handle, "displayName": "Carol" },
        "reason": "mention",
        "record": { "$type": "app.bsky.feed.post", "text": text, "createdAt": at },
        "isRead": false,
        "indexedAt": at,
        "labels": [],
    })
}

fn pds_handler(state: Arc<Mutex<Pds>>) -> Handler {
    Arc::new(move |r: &Req| {
        let mut s = state.lock().unwrap();
        s.calls.push(r.nsid.clone());
        let authed = r.auth.as_ref().is_some_and(|t| s.valid_tokens.contains(t));
        match r.nsid.as_str() {
            "com.atproto.server.createSession" => {
                if r.body["password"] == s.password.as_str() {
                    ok(new_session(&mut s))
                } else {
                    xrpc_error(
                        401,
                        "AuthenticationRequired",
                        "Invalid identifier or password",
                    )
                }
            }
            "com.atproto.server.refreshSession" => {
                if s.refresh_revoked {
                    xrpc_error(400, "ExpiredToken", "Token has been revoked")
                } else {
                    ok(new_session(&mut s))
                }
            }
            _ if !authed => xrpc_error(400, "ExpiredToken", "Token has expired"),
            "chat.bsky.convo.listConvos" => ok(json!({ "convos": [] })),
            "app.bsky.notification.listNotifications" => {
                if s.drop_next_list {
                    s.drop_next_list = false;
                    return Resp::Drop;
                }
                if s.rate_limit_next > 0 {
                    s.rate_limit_next -= 1;
                    return Resp::Json(
                        429,
                        vec![
                            ("ratelimit-limit", "3000".into()),
                            ("ratelimit-remaining", "0".into()),
                            ("ratelimit-reset", ((NOW + 300_000) / 1000).to_string()),
                        ],
                        json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})
                            .to_string(),
                    );
                }
                if s.garbage_list {
                    return ok(json!({ "notifications": "not a list" }));
                }
                // Newest first, one page (the cursor walk is covered against the real PDS).
                let mut list = s.notifications.clone();
                list.reverse();
                if s.exhaust_on_list {
                    return Resp::Json(
                        200,
                        vec![
                            ("ratelimit-remaining", "0".into()),
                            ("ratelimit-reset", ((NOW + 60_000) / 1000).to_string()),
                        ],
                        json!({ "notifications": list }).to_string(),
                    );
                }
                ok(json!({ "notifications": list, "seenAt": "2026-11-21T00:00:00.000Z" }))
            }
            "com.atproto.repo.createRecord" if s.rate_limit_next_create => {
                s.rate_limit_next_create = false;
                Resp::Json(
                    429,
                    vec![("ratelimit-reset", ((NOW + 120_000) / 1000).to_string())],
                    json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})
                        .to_string(),
                )
            }
            "com.atproto.repo.createRecord" => {
                let rkey = r.body["rkey"].as_str().unwrap_or_default().to_owned();
                let uri = format!("at://{SHOP_DID}/app.bsky.feed.post/{rkey}");
                if s.records.contains_key(&rkey) {
                    return xrpc_error(400, "InvalidRequest", "Record already exists");
                }
                s.creates += 1;
                s.records.insert(
                    rkey,
                    json!({ "uri": uri, "cid": "bafynew", "value": r.body["record"] }),
                );
                if s.drop_next_create {
                    s.drop_next_create = false;
                    return Resp::Drop;
                }
                ok(json!({ "uri": uri, "cid": "bafynew" }))
            }
            "com.atproto.repo.getRecord" if s.drop_next_get => {
                s.drop_next_get = false;
                Resp::Drop
            }
            "com.atproto.repo.getRecord" => match s.records.get(r.q("rkey").unwrap_or_default()) {
                Some(v) => ok(v.clone()),
                None => xrpc_error(400, "RecordNotFound", "Could not locate record"),
            },
            "chat.bsky.convo.getLog" => {
                ok(json!({ "logs": s.chat_messages.clone(), "cursor": "rev-2" }))
            }
            "chat.bsky.convo.getConvoForMembers" => {
                ok(json!({ "convo": { "id": "convo-1", "rev": "rev-1", "members": [] } }))
            }
            "chat.bsky.convo.sendMessage" => ok(json!({
                "id": "msg-ours-1", "rev": "rev-3", "text": r.body["message"]["text"],
                "sender": { "did": SHOP_DID }, "sentAt": "2026-11-21T00:05:00.000Z",
            })),
            "chat.bsky.convo.getMessages" => ok(json!({ "messages": [] })),
            other => xrpc_error(404, "MethodNotImplemented", &format!("no {other}")),
        }
    })
}

struct World {
    _dir: tempfile::TempDir,
    ctx: Ctx,
    clock: Arc<FixedClock>,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = switchboard_store::Store::open(dir.path()).unwrap();
    let clock = Arc::new(FixedClock::new(NOW));
    let ctx = Ctx::with_parts(store, clock.clone(), Arc::new(MemorySecrets::default()));
    World {
        _dir: dir,
        ctx,
        clock,
    }
}

fn pds(notifications: Vec<Value>) -> (Arc<Mutex<Pds>>, String) {
    let state = Arc::new(Mutex::new(Pds {
        notifications,
        password: "app-pass".into(),
        ..Pds::default()
    }));
    let url = serve(pds_handler(state.clone()));
    (state, url)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn add(w: &World, name: &str, url: &str) {
    rt().block_on(account_add_bluesky(
        &w.ctx,
        &AddBlueskyParams {
            handle: "shop.test".into(),
            app_password: "app-pass".into(),
            name: Some(name.into()),
            service: Some(url.into()),
            plc_url: None,
            resolver: None,
        },
    ))
    .unwrap();
}

fn sync(w: &World) -> Vec<switchboard_api::sync::AccountSyncResult> {
    switchboard_api::sync::sync_social_once(&w.ctx, None).unwrap()
}

fn count(w: &World, sql: &str) -> i64 {
    w.ctx
        .store()
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn stream_state(
    w: &World,
    account: &str,
) -> (Option<String>, Option<String>, Option<i64>, Option<String>) {
    w.ctx
        .store()
        .conn()
        .query_row(
            "SELECT s.cursor, s.error_class, s.backoff_until, s.last_error FROM sync_state s
               JOIN accounts a ON a.id = s.account_id
              WHERE a.name = ?1 AND s.stream = 'social:notifications'",
            [account],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

const T1: &str = "2026-11-20T10:00:00.000Z";
const T2: &str = "2026-11-20T11:00:00.000Z";

// ------------------------------------------------------------------------------ tests

#[test]
fn a_wrong_app_password_is_refused_and_nothing_is_saved() {
    let w = world();
    let (_s, url) = pds(vec![]);
    let err = rt()
        .block_on(account_add_bluesky(
            &w.ctx,
            &AddBlueskyParams {
                handle: "@Shop.test".into(),
                app_password: "wrong".into(),
                name: None,
                service: Some(url),
                plc_url: None,
                resolver: None,
            },
        ))
        .unwrap_err();
    assert_eq!(err.code, switchboard_api::Code::Auth);
    assert!(
        err.message.contains("cannot add account \"shop.test\"")
            && err.message.contains("Invalid identifier or password"),
        "names the account and the server's reason: {err}"
    );
    assert_eq!(
        count(&w, "SELECT count(*) FROM accounts WHERE kind = 'bluesky'"),
        0
    );
}

#[test]
fn rate_limited_stream_records_the_reset_time_and_other_accounts_continue() {
    let w = world();
    let (limited, url1) = pds(vec![notification(
        1,
        "where is my order?",
        CAROL_DID,
        "carol.test",
        T1,
    )]);
    let (_fine, url2) = pds(vec![notification(
        2,
        "refund please",
        CAROL_DID,
        "carol.test",
        T2,
    )]);
    add(&w, "limited", &url1);
    add(&w, "fine", &url2);
    limited.lock().unwrap().rate_limit_next = 1;

    let results = sync(&w);
    let l = results.iter().find(|r| r.account == "limited").unwrap();
    let f = results.iter().find(|r| r.account == "fine").unwrap();
    assert_eq!(l.error_class.map(|c| c.as_str()), Some("rate_limited"));
    assert!(
        l.error.as_deref().unwrap().contains("rate limited until")
            && l.error
                .as_deref()
                .unwrap()
                .contains("cannot list notifications: HTTP 429"),
        "says what and why: {:?}",
        l.error
    );
    assert!(
        f.error.is_none(),
        "the other account is unaffected: {:?}",
        f.error
    );
    assert_eq!(f.social.as_ref().unwrap().stored(), 1);
    let (cursor, class, backoff, _) = stream_state(&w, "limited");
    assert_eq!(cursor, None, "no cursor moved past unfetched items");
    assert_eq!(class.as_deref(), Some("rate_limited"));
    assert_eq!(
        backoff,
        Some(NOW + 300_000),
        "backoff is the server's ratelimit-reset"
    );

    // Before the reset we do not ask again; after it, the item arrives: nothing was lost.
    let calls_before = limited.lock().unwrap().calls.len();
    sync(&w);
    assert_eq!(
        limited
            .lock()
            .unwrap()
            .calls
            .iter()
            .skip(calls_before)
            .filter(|c| c.contains("listNotifications"))
            .count(),
        0,
        "the server is not asked before its reset time"
    );
    w.clock.advance(301_000);
    let results = sync(&w);
    assert!(results.iter().all(|r| r.error.is_none()), "{results:?}");
    assert_eq!(
        count(
            &w,
            "SELECT count(*) FROM messages WHERE channel = 'bluesky'"
        ),
        2,
        "both customers' posts are stored"
    );
}

#[test]
fn an_expired_token_is_refreshed_and_a_revoked_session_asks_to_sign_in() {
    let w = world();
    let (state, url) = pds(vec![notification(1, "hello?", CAROL_DID, "carol.test", T1)]);
    add(&w, "shop", &url);
    // Every access token so far expires: the next call must refresh (not re-login).
    state.lock().unwrap().valid_tokens.clear();
    let r = sync(&w);
    assert!(r[0].error.is_none(), "{r:?}");
    assert_eq!(count(&w, "SELECT count(*) FROM messages"), 1);
    {
        let s = state.lock().unwrap();
        let logins = s
            .calls
            .iter()
            .filter(|c| c.ends_with("createSession"))
            .count();
        assert_eq!(
            logins, 1,
            "only the sign-in used the app password: {:?}",
            s.calls
        );
    }

    // Revoked: the refresh is refused and the app password was changed too.
    {
        let mut s = state.lock().unwrap();
        s.valid_tokens.clear();
        s.refresh_revoked = true;
        s.password = "changed".into();
        s.notifications.push(notification(
            2,
            "still waiting",
            CAROL_DID,
            "carol.test",
            T2,
        ));
    }
    let r = sync(&w);
    assert_eq!(r[0].error_class.map(|c| c.as_str()), Some("auth"));
    assert!(
        r[0].error.as_deref().unwrap().contains("sign-in needed"),
        "{:?}",
        r[0].error
    );
    assert_eq!(
        count(&w, "SELECT count(*) FROM messages"),
        1,
        "what was stored stays"
    );
    let info = switchboard_api::account::account_get(&w.ctx, "shop").unwrap();
    assert_eq!(
        info.health.error_class.as_deref(),
        Some("auth"),
        "account list shows it"
    );
}

#[test]
fn a_malformed_item_is_quarantined_and_a_malformed_page_is_named() {
    let w = world();
    let mut broken = notification(2, "x", CAROL_DID, "carol.test", T2);
    broken["record"].as_object_mut().unwrap().remove("text");
    let (state, url) = pds(vec![
        notification(1, "first", CAROL_DID, "carol.test", T1),
        broken,
    ]);
    add(&w, "shop", &url);
    let r = sync(&w);
    let rep = r[0].social.as_ref().unwrap();
    assert_eq!(rep.stored(), 1, "the good item is stored");
    assert_eq!(rep.streams[0].quarantined, 1);
    let reason: String = w
        .ctx
        .store()
        .conn()
        .query_row(
            "SELECT origin || ' | ' || reason FROM quarantine",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        reason.contains("at://did:plc:carol/app.bsky.feed.post/3kaaaaaaaaa02")
            && reason.contains("the post record has no text"),
        "{reason}"
    );

    state.lock().unwrap().garbage_list = true;
    let (cursor_before, ..) = stream_state(&w, "shop");
    let r = sync(&w);
    let err = r[0].error.as_deref().unwrap();
    assert!(
        err.contains("malformed response to list notifications"),
        "names the endpoint: {err}"
    );
    assert_eq!(
        stream_state(&w, "shop").0,
        cursor_before,
        "cursor unchanged"
    );
    assert_eq!(count(&w, "SELECT count(*) FROM messages"), 1);
}

#[test]
fn a_dropped_connection_never_posts_twice() {
    let w = world();
    let (state, url) = pds(vec![notification(
        1,
        "my parcel is lost",
        CAROL_DID,
        "carol.test",
        T1,
    )]);
    add(&w, "shop", &url);

    // A fetch whose connection drops: retryable, nothing stored, nothing lost.
    state.lock().unwrap().drop_next_list = true;
    let r = sync(&w);
    assert_eq!(
        r[0].error_class.map(|c| c.as_str()),
        Some("retryable"),
        "{r:?}"
    );
    assert_eq!(count(&w, "SELECT count(*) FROM messages"), 0);
    w.clock.advance(3_600_000);
    let r = sync(&w);
    assert!(r[0].error.is_none(), "{r:?}");
    let case_id = count(&w, "SELECT id FROM cases");

    let reply = switchboard_api::reply::reply_create(
        &w.ctx,
        &switchboard_api::reply::ReplyParams {
            case_id,
            text: "So sorry — we are tracking it now.".into(),
            account: None,
            private: None,
        },
    )
    .unwrap();
    assert!(
        reply
            .external_id
            .starts_with("at://did:plc:shop/app.bsky.feed.post/")
    );

    // The PDS stores the post, then the connection drops before the answer, and the
    // immediate read-back fails too: the fate is unknown.
    {
        let mut s = state.lock().unwrap();
        s.drop_next_create = true;
        s.drop_next_get = true;
    }
    let f = switchboard_api::outbox::outbox_flush(&w.ctx, Default::default()).unwrap();
    assert_eq!(
        f.unknown.len(),
        1,
        "fate unknown after a dropped connection: {f:?}"
    );
    assert!(f.sent.is_empty());
    assert!(
        f.unknown[0].error.contains("cannot post a reply"),
        "names what failed: {f:?}"
    );

    // Next flush reconciles by reading the record back: sent, and no second create.
    let f = switchboard_api::outbox::outbox_flush(&w.ctx, Default::default()).unwrap();
    assert_eq!(f.reconciled, vec![reply.outbox_id], "{f:?}");
    let s = state.lock().unwrap();
    assert_eq!(s.creates, 1, "posted exactly once");
    assert_eq!(
        s.calls
            .iter()
            .filter(|c| c.ends_with("createRecord"))
            .count(),
        1,
        "reconciled by reading back, never by sending again"
    );
    let rec = s.records.values().next().unwrap();
    assert_eq!(
        rec["value"]["reply"]["root"]["uri"],
        rec["value"]["reply"]["parent"]["uri"]
    );
    assert_eq!(
        rec["value"]["reply"]["parent"]["uri"],
        "at://did:plc:carol/app.bsky.feed.post/3kaaaaaaaaa01"
    );
    assert_eq!(rec["value"]["reply"]["parent"]["cid"], "bafycid1");
    drop(s);
    assert_eq!(
        count(&w, "SELECT count(*) FROM outbox WHERE state = 'sent'"),
        1
    );
}

#[test]
fn a_reply_over_300_graphemes_is_refused_before_queueing() {
    let w = world();
    let (_s, url) = pds(vec![notification(1, "hi", CAROL_DID, "carol.test", T1)]);
    add(&w, "shop", &url);
    sync(&w);
    let err = switchboard_api::reply::reply_create(
        &w.ctx,
        &switchboard_api::reply::ReplyParams {
            case_id: 1,
            text: "é".repeat(301),
            account: None,
            private: None,
        },
    )
    .unwrap_err();
    assert!(
        err.message
            .contains("301 characters and bluesky allows 300"),
        "{err}"
    );
    assert_eq!(count(&w, "SELECT count(*) FROM outbox"), 0);
    let id = count(&w, "SELECT id FROM accounts WHERE kind = 'bluesky'");
    let limits = switchboard_api::social_account::channel_limits(
        &w.ctx,
        &switchboard_api::social_account::ChannelLimitsParams { account_id: id },
    )
    .unwrap();
    assert_eq!(limits.channel, "bluesky");
    let public = limits
        .limits
        .iter()
        .find(|l| l.visibility == "public")
        .unwrap();
    assert_eq!((public.unit.as_str(), public.max), ("graphemes", Some(300)));
}

#[test]
fn direct_messages_go_through_chat_with_recorded_responses() {
    let w = world();
    let (state, url) = pds(vec![]);
    state.lock().unwrap().chat_messages = vec![json!({
        "$type": "chat.bsky.convo.defs#logCreateMessage",
        "rev": "rev-2", "convoId": "convo-1",
        "message": { "$type": "chat.bsky.convo.defs#messageView", "id": "msg-1", "rev": "rev-2",
                     "text": "can you DM me about my refund?", "sender": { "did": CAROL_DID },
                     "sentAt": "2026-11-20T12:00:00.000Z" },
    })];
    add(&w, "shop", &url);
    let r = sync(&w);
    assert!(r[0].error.is_none(), "{r:?}");
    let streams: Vec<_> = r[0]
        .social
        .as_ref()
        .unwrap()
        .streams
        .iter()
        .map(|s| s.stream.clone())
        .collect();
    assert_eq!(
        streams,
        ["notifications", "chat"],
        "chat is read when the app password allows it"
    );
    let vis: String = w
        .ctx
        .store()
        .conn()
        .query_row("SELECT visibility FROM conversations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(vis, "private");
    let case_id = count(&w, "SELECT id FROM cases");
    let reply = switchboard_api::reply::reply_create(
        &w.ctx,
        &switchboard_api::reply::ReplyParams {
            case_id,
            text: "Of course — refund is on its way.".into(),
            account: None,
            private: None,
        },
    )
    .unwrap();
    let f = switchboard_api::outbox::outbox_flush(&w.ctx, Default::default()).unwrap();
    assert_eq!(f.sent, vec![reply.outbox_id], "{f:?}");
    let ext: String = w
        .ctx
        .store()
        .conn()
        .query_row(
            "SELECT external_id FROM messages WHERE direction = 'outbound'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        ext, "chat:msg-ours-1",
        "the timeline message takes the chat id once sent"
    );
    let s = state.lock().unwrap();
    assert!(s.calls.iter().any(|c| c == "chat.bsky.convo.sendMessage"));
}

#[test]
fn a_customer_on_bluesky_then_email_ends_as_one_contact_with_one_case() {
    let w = world();
    let (_s, url) = pds(vec![notification(
        1,
        "my order 77 is late",
        CAROL_DID,
        "carol.test",
        T1,
    )]);
    add(&w, "shop", &url);
    sync(&w);
    let eml = w._dir.path().join("carol.eml");
    std::fs::write(
        &eml,
        "From: Carol <carol@example.com>\r\nTo: shop@example.com\r\nSubject: Order 77\r\n\
         Message-ID: <carol-77@example.com>\r\nDate: Fri, 20 Nov 2026 12:00:00 +0000\r\n\r\n\
         Following up by email on my Bluesky post about order 77.\r\n",
    )
    .unwrap();
    switchboard_api::import::import_files(
        &w.ctx,
        &switchboard_api::import::ImportParams {
            paths: vec![eml],
            self_addresses: vec![],
        },
        &mut |_| {},
    )
    .unwrap();
    let contact_of = |channel: &str| -> i64 {
        w.ctx
            .store()
            .conn()
            .query_row(
                "SELECT contact_id FROM identities WHERE channel = ?1 AND is_self = 0",
                [channel],
                |r| r.get(0),
            )
            .unwrap()
    };
    let case_of = |channel: &str| -> i64 {
        w.ctx
            .store()
            .conn()
            .query_row(
                "SELECT cc.case_id FROM conversations c
                   JOIN case_conversations cc ON cc.conversation_id = c.id WHERE c.channel = ?1",
                [channel],
                |r| r.get(0),
            )
            .unwrap()
    };
    let (bsky_contact, mail_contact) = (contact_of("bluesky"), contact_of("email"));
    assert_ne!(
        bsky_contact, mail_contact,
        "two channels, two contacts until merged"
    );
    switchboard_api::contact::contact_merge(
        &w.ctx,
        &switchboard_api::contact::ContactMergeParams {
            into: bsky_contact,
            from: vec![mail_contact],
        },
    )
    .unwrap();
    switchboard_api::case_ops::case_merge(
        &w.ctx,
        &switchboard_api::case_ops::CaseMergeParams {
            into: case_of("bluesky"),
            from: vec![case_of("email")],
        },
    )
    .unwrap();
    assert_eq!(
        contact_of("email"),
        contact_of("bluesky"),
        "one contact, both identities"
    );
    assert_eq!(
        case_of("email"),
        case_of("bluesky"),
        "one case, both conversations"
    );
    let detail = switchboard_api::case::case_show(&w.ctx, case_of("bluesky")).unwrap();
    assert_eq!(
        detail.messages.len(),
        2,
        "the case shows the post and the email"
    );
    // Naming the Bluesky account answers on Bluesky from the merged case.
    let err = switchboard_api::reply::reply_create(
        &w.ctx,
        &switchboard_api::reply::ReplyParams {
            case_id: case_of("bluesky"),
            text: "Thanks Carol".into(),
            account: Some("shop".into()),
            private: None,
        },
    );
    assert!(
        err.is_ok(),
        "answering on Bluesky from the merged case works: {err:?}"
    );
}

#[test]
fn identities_are_keyed_on_the_did_and_follow_handle_changes() {
    let w = world();
    let (state, url) = pds(vec![notification(1, "hi", CAROL_DID, "carol.test", T1)]);
    add(&w, "shop", &url);
    sync(&w);
    state.lock().unwrap().notifications.push(notification(
        2,
        "it's me again, new handle",
        CAROL_DID,
        "carol-new.test",
        T2,
    ));
    sync(&w);
    let rows: Vec<(String, String)> = {
        let store = w.ctx.store();
        let mut stmt = store
            .conn()
            .prepare("SELECT external_id, handle FROM identities WHERE channel = 'bluesky' AND is_self = 0")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        rows,
        [(CAROL_DID.to_string(), "carol-new.test".to_string())],
        "one identity per DID, with the newest handle"
    );
    assert_eq!(
        count(&w, "SELECT count(DISTINCT contact_id) FROM cases"),
        1,
        "both posts belong to the same contact"
    );
    let reply = switchboard_api::reply::reply_create(
        &w.ctx,
        &switchboard_api::reply::ReplyParams {
            case_id: count(&w, "SELECT max(id) FROM cases"),
            text: "Hi Carol!".into(),
            account: None,
            private: Some(true),
        },
    )
    .unwrap();
    assert_eq!(
        reply.to, "carol-new.test",
        "the user sees the current handle"
    );
}

#[test]
fn watching_polls_bluesky_accounts_until_stopped() {
    let w = world();
    let (_s, url) = pds(vec![notification(
        1,
        "anyone there?",
        CAROL_DID,
        "carol.test",
        T1,
    )]);
    add(&w, "shop", &url);
    let (handle, stop) = switchboard_api::sync::stop_handle();
    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            switchboard_api::sync::sync_watch(
                &w.ctx,
                &switchboard_api::sync::WatchParams::default(),
                stop,
                &mut |_| {},
            )
        });
        let start = std::time::Instant::now();
        while count(&w, "SELECT count(*) FROM messages") == 0 {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "nothing fetched"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        handle.stop();
        watcher.join().unwrap().unwrap();
    });
    assert_eq!(count(&w, "SELECT count(*) FROM cases"), 1);
}

#[test]
fn a_used_up_rate_limit_window_pauses_the_next_request_until_its_reset() {
    let w = world();
    let (state, url) = pds(vec![notification(1, "hello", CAROL_DID, "carol.test", T1)]);
    add(&w, "shop", &url);
    state.lock().unwrap().exhaust_on_list = true;
    let r = sync(&w);
    let rep = r[0].social.as_ref().unwrap();
    assert_eq!(
        rep.streams[0].stored, 1,
        "the answer that used the last request counts"
    );
    let chat = &rep.streams[1];
    assert_eq!(chat.error_class.as_deref(), Some("rate_limited"), "{rep:?}");
    assert!(
        chat.error
            .as_deref()
            .unwrap()
            .contains("rate limit is used up"),
        "{chat:?}"
    );
    assert!(
        !state
            .lock()
            .unwrap()
            .calls
            .iter()
            .any(|c| c == "chat.bsky.convo.getLog"),
        "no request was sent while the window was used up"
    );
}

#[test]
fn a_rate_limited_reply_waits_for_the_reset_and_is_then_sent_once() {
    let w = world();
    let (state, url) = pds(vec![notification(1, "hello?", CAROL_DID, "carol.test", T1)]);
    add(&w, "shop", &url);
    sync(&w);
    let reply = switchboard_api::reply::reply_create(
        &w.ctx,
        &switchboard_api::reply::ReplyParams {
            case_id: count(&w, "SELECT id FROM cases"),
            text: "On it!".into(),
            account: None,
            private: None,
        },
    )
    .unwrap();
    state.lock().unwrap().rate_limit_next_create = true;
    let f = switchboard_api::outbox::outbox_flush(&w.ctx, Default::default()).unwrap();
    assert_eq!(f.deferred.len(), 1, "{f:?}");
    assert_eq!(f.deferred[0].class, "rate_limited");
    assert_eq!(
        count(&w, "SELECT next_attempt_at FROM outbox"),
        NOW + 120_000,
        "waits for the server's ratelimit-reset"
    );
    let f = switchboard_api::outbox::outbox_flush(&w.ctx, Default::default()).unwrap();
    assert!(f.sent.is_empty(), "not before the reset: {f:?}");
    w.clock.advance(121_000);
    let f = switchboard_api::outbox::outbox_flush(&w.ctx, Default::default()).unwrap();
    assert_eq!(f.sent, vec![reply.outbox_id], "{f:?}");
    assert_eq!(state.lock().unwrap().creates, 1);
}
