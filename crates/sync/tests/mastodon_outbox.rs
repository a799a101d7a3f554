//! A Mastodon account through the sync engine and the outbox, on recorded responses served by a
//! local mock HTTP server (wiremock): a malformed entry is quarantined while the rest of the
//! page is stored; a send whose answer never came back is reconciled by reading our own
//! statuses and is never posted twice; a revoked token marks the account for a new sign-in
//! and loses nothing.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_api::mastodon_account::{AddMastodonAccountParams, account_add_mastodon};
use switchboard_api::{Ctx, FixedClock, MemorySecrets};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOW: i64 = 1_795_440_000_000;
const ALICE_ANSWER: &str = "1795439829536";
const BOB_ID: &str = "1795439829524";

fn fixture(name: &str) -> Value {
    let p = format!(
        "{}/../../tests/servers/mastodon/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    ctx: Ctx,
    clock: Arc<FixedClock>,
    rt: tokio::runtime::Runtime,
    server: MockServer,
}

impl World {
    fn mount(&self, m: Mock) {
        self.rt.block_on(m.mount(&self.server));
    }
    fn count(&self, sql: &str) -> i64 {
        self.ctx
            .store()
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
}

/// A workspace with a Mastodon account on a mock server that knows bob and the recorded
/// notifications (one of which is made unreadable).
fn world() -> World {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    let dir = tempfile::tempdir().unwrap();
    let store = switchboard_store::Store::open(dir.path()).unwrap();
    let clock = Arc::new(FixedClock::new(NOW));
    let ctx = Ctx::with_parts(store, clock.clone(), Arc::new(MemorySecrets::default()));
    let w = World {
        _dir: dir,
        ctx,
        clock,
        rt,
        server,
    };
    w.mount(
        Mock::given(method("GET"))
            .and(path("/api/v2/instance"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("instance_v2.json"))),
    );
    w.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/accounts/verify_credentials"))
            .and(header("authorization", "Bearer bob_token"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("verify_credentials_bob.json")),
            ),
    );
    let mut notes = fixture("notifications.json");
    // The direct status loses its author: unreadable, to be quarantined.
    notes[0]["status"]["account"] = json!(null);
    // Each pass reads recent statuses again for edits and deletions: they are still there.
    for n in notes.as_array().unwrap() {
        if let Some(id) = n["status"]["id"].as_str() {
            w.mount(
                Mock::given(method("GET"))
                    .and(path(format!("/api/v1/statuses/{id}")))
                    .respond_with(ResponseTemplate::new(200).set_body_json(n["status"].clone())),
            );
        }
    }
    w.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/notifications"))
            .respond_with(ResponseTemplate::new(200).set_body_json(notes)),
    );
    w.mount(
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/statuses/{ALICE_ANSWER}/context")))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("context_reply.json"))),
    );
    w.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/conversations"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    account_add_mastodon(
        &w.ctx,
        &AddMastodonAccountParams {
            server: w.server.uri(),
            name: Some("shop".into()),
            token: "bob_token".into(),
            public_visibility: None,
        },
    )
    .unwrap();
    w
}

#[test]
fn a_bad_entry_is_quarantined_and_an_unanswered_send_is_reconciled_not_repeated() {
    let w = world();
    let r = switchboard_api::sync::sync_social_once(&w.ctx, None).unwrap();
    assert!(r[0].error.is_none(), "{r:?}");
    let rep = r[0].social.as_ref().unwrap();
    let notes = rep
        .streams
        .iter()
        .find(|s| s.stream == "notifications")
        .unwrap();
    assert_eq!(notes.stored, 2, "the readable mentions are stored: {rep:?}");
    assert_eq!(
        notes.quarantined, 1,
        "the unreadable one is kept aside: {rep:?}"
    );
    assert_eq!(w.count("SELECT count(*) FROM quarantine"), 1);
    assert_eq!(
        w.count("SELECT count(*) FROM cases"),
        1,
        "the mention and the answer to our reply are one thread, one case"
    );
    let case_id = w.count("SELECT id FROM cases");

    // The server takes the status but the answer is a 502: fate unknown.
    w.mount(
        Mock::given(method("POST"))
            .and(path("/api/v1/statuses"))
            .respond_with(ResponseTemplate::new(502))
            .expect(1),
    );
    let reply = switchboard_api::reply::reply_create(
        &w.ctx,
        &switchboard_api::reply::ReplyParams {
            case_id,
            text: "sorry! checking now".into(),
            account: None,
            private: None,
        },
    )
    .unwrap();
    let f = switchboard_api::outbox::outbox_flush(&w.ctx, Default::default()).unwrap();
    assert_eq!(f.unknown.len(), 1, "a 502 after sending: unknown, {f:?}");
    assert!(f.sent.is_empty());

    // Reading back our own statuses finds it (the server did post it, in answer to the
    // customer's newest status): reconciled, and no second POST (expect(1)).
    let mut own = fixture("own_statuses_bob.json");
    own[0]["in_reply_to_id"] = json!(ALICE_ANSWER);
    w.mount(
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/accounts/{BOB_ID}/statuses")))
            .respond_with(ResponseTemplate::new(200).set_body_json(own)),
    );
    w.clock.advance(3_600_000);
    let f = switchboard_api::outbox::outbox_flush(&w.ctx, Default::default()).unwrap();
    assert_eq!(f.reconciled, vec![reply.outbox_id], "{f:?}");
    assert_eq!(
        w.count("SELECT count(*) FROM outbox WHERE state = 'sent'"),
        1
    );
    let parent: String = w
        .ctx
        .store()
        .conn()
        .query_row(
            "SELECT m.in_reply_to FROM messages m WHERE m.direction = 'outbound'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        parent, ALICE_ANSWER,
        "the reply answers the customer's newest status"
    );
    w.rt.block_on(w.server.verify());
}

#[test]
fn a_revoked_token_asks_for_a_new_sign_in_and_keeps_everything() {
    let w = world();
    switchboard_api::sync::sync_social_once(&w.ctx, None).unwrap();
    let before = w.count("SELECT count(*) FROM messages");
    let w2 = w;
    w2.rt.block_on(w2.server.reset());
    w2.mount(
        Mock::given(method("GET"))
            .and(path("/api/v2/instance"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("instance_v2.json"))),
    );
    w2.mount(Mock::given(method("GET")).respond_with(
        ResponseTemplate::new(401).set_body_json(json!({"error": "The access token was revoked"})),
    ));
    let r = switchboard_api::sync::sync_social_once(&w2.ctx, None).unwrap();
    assert_eq!(r[0].error_class.map(|c| c.as_str()), Some("auth"), "{r:?}");
    assert!(
        r[0].error
            .as_deref()
            .unwrap_or_default()
            .contains("revoked"),
        "{r:?}"
    );
    assert_eq!(
        w2.count("SELECT count(*) FROM messages"),
        before,
        "nothing lost"
    );
}

#[test]
fn the_same_account_twice_a_refused_token_or_an_unreachable_server_saves_nothing() {
    let w = world();
    let add = |server: String, name: &str, token: &str| {
        account_add_mastodon(
            &w.ctx,
            &AddMastodonAccountParams {
                server,
                name: Some(name.into()),
                token: token.into(),
                public_visibility: None,
            },
        )
    };
    let e = add(w.server.uri(), "again", "bob_token").unwrap_err();
    assert_eq!(e.code, switchboard_api::Code::Conflict);
    assert!(e.message.contains("already connected as \"shop\""), "{e}");

    // Any other token is refused (the bob_token answer was mounted first and wins for bob).
    w.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/accounts/verify_credentials"))
            .respond_with(
                ResponseTemplate::new(401)
                    .set_body_json(json!({"error": "The access token is invalid"})),
            ),
    );
    let e = add(w.server.uri(), "wrong", "nope").unwrap_err();
    assert_eq!(e.code, switchboard_api::Code::Auth, "{e}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = add(format!("http://127.0.0.1:{port}"), "gone", "t").unwrap_err();
    assert_eq!(e.code, switchboard_api::Code::Unavailable, "{e}");

    assert_eq!(
        w.count("SELECT count(*) FROM accounts WHERE kind = 'mastodon'"),
        1
    );
    let s = w.ctx.secrets();
    for name in ["again", "wrong", "gone"] {
        assert!(
            s.get(name, switchboard_channels::secrets::SecretKind::AccessToken)
                .is_err(),
            "no token kept for {name}"
        );
    }
}
