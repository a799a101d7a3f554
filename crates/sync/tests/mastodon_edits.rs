//! Edits and deletions of Mastodon statuses already stored, on recorded responses served by a
//! local mock HTTP server (wiremock): each pass reads the newest inbound statuses of open cases
//! again; an edit replaces the text (the old text kept in a case event, search finding the new),
//! a status gone (404) is marked `deleted_at` and kept, and a failing read changes nothing.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_api::mastodon_account::{AddMastodonAccountParams, account_add_mastodon};
use switchboard_api::{Ctx, FixedClock, MemorySecrets};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NOW: i64 = 1_795_440_000_000;
/// alice's first mention ("my order #1234 is late").
const ORDER: &str = "1795439829529";
/// alice's answer to our reply.
const ANSWER: &str = "1795439829536";

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
    fn text(&self, sql: &str) -> String {
        self.ctx
            .store()
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
    fn sync(&self) {
        let r = switchboard_api::sync::sync_social_once(&self.ctx, None).unwrap();
        assert!(r[0].error.is_none(), "the pass itself succeeds: {r:?}");
    }

    /// Forgets every answer and serves the recorded account and notifications again, each
    /// status read by id answering `status(id)` (`None`: as recorded).
    fn serve(&self, status: impl Fn(&str) -> Option<ResponseTemplate>) {
        self.serve_with(|_| {}, status)
    }

    /// [`World::serve`], the notifications first changed by `notes_edit`.
    fn serve_with(
        &self,
        notes_edit: impl Fn(&mut Value),
        status: impl Fn(&str) -> Option<ResponseTemplate>,
    ) {
        self.rt.block_on(self.server.reset());
        self.mount(
            Mock::given(method("GET"))
                .and(path("/api/v2/instance"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(fixture("instance_v2.json")),
                ),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path("/api/v1/accounts/verify_credentials"))
                .and(header("authorization", "Bearer bob_token"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(fixture("verify_credentials_bob.json")),
                ),
        );
        let mut notes = fixture("notifications.json");
        // The direct status loses its author (quarantined): two statuses are stored.
        notes[0]["status"]["account"] = json!(null);
        notes_edit(&mut notes);
        for n in notes.as_array().unwrap() {
            let s = &n["status"];
            let Some(id) = s["id"].as_str() else { continue };
            let resp =
                status(id).unwrap_or_else(|| ResponseTemplate::new(200).set_body_json(s.clone()));
            self.mount(
                Mock::given(method("GET"))
                    .and(path(format!("/api/v1/statuses/{id}")))
                    .respond_with(resp),
            );
        }
        self.mount(
            Mock::given(method("GET"))
                .and(path("/api/v1/notifications"))
                .respond_with(ResponseTemplate::new(200).set_body_json(notes)),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!("/api/v1/statuses/{ANSWER}/context")))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(fixture("context_reply.json")),
                ),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path("/api/v1/conversations"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
        );
    }
}

/// A workspace with a Mastodon account whose first pass stored alice's two statuses as they
/// were recorded (nothing edited or deleted since).
fn world() -> World {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    let dir = tempfile::tempdir().unwrap();
    let store = switchboard_store::Store::open(dir.path()).unwrap();
    let ctx = Ctx::with_parts(
        store,
        Arc::new(FixedClock::new(NOW)),
        Arc::new(MemorySecrets::default()),
    );
    let w = World {
        _dir: dir,
        ctx,
        rt,
        server,
    };
    w.serve(|_| None);
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
    w.sync();
    assert_eq!(w.count("SELECT count(*) FROM messages"), 2);
    assert_eq!(
        w.count("SELECT count(*) FROM events WHERE kind IN ('message_edited', 'message_deleted')"),
        0,
        "statuses read again unchanged change nothing"
    );
    w
}

/// The recorded status `id`, as the server shows it now.
fn status_of(id: &str) -> Value {
    fixture("notifications.json")
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["status"]["id"] == id)
        .unwrap()["status"]
        .clone()
}

fn order_text(w: &World) -> String {
    w.text(&format!(
        "SELECT b.text FROM message_bodies b JOIN messages m ON m.id = b.message_id
          WHERE m.external_id = '{ORDER}'"
    ))
}

fn matches(w: &World, word: &str) -> i64 {
    w.count(&format!(
        "SELECT count(*) FROM message_search WHERE message_search MATCH '{word}'"
    ))
}

#[test]
fn an_edited_status_replaces_the_text_and_keeps_the_old_one_in_the_case_history() {
    let w = world();
    let before = order_text(&w);
    assert!(before.contains("is late"), "{before}");
    assert_eq!(matches(&w, "arrived"), 0);

    let mut edited = status_of(ORDER);
    edited["content"] = json!("<p>@bob my order #1234 arrived today, thanks!</p>");
    edited["edited_at"] = json!("2026-11-23T13:25:00.000000+00:00");
    w.serve(move |id| {
        (id == ORDER).then(|| ResponseTemplate::new(200).set_body_json(edited.clone()))
    });
    w.sync();

    let now = order_text(&w);
    assert!(now.contains("arrived today"), "the body is the edit: {now}");
    let snippet = w.text(&format!(
        "SELECT snippet FROM messages WHERE external_id = '{ORDER}'"
    ));
    assert!(snippet.contains("arrived today"), "{snippet}");
    assert_eq!(matches(&w, "arrived"), 1, "search finds the new text");
    assert_eq!(matches(&w, "late"), 0, "and no longer the old one");
    let (actor, data): (String, String) = w
        .ctx
        .store()
        .conn()
        .query_row(
            "SELECT actor, data FROM events WHERE kind = 'message_edited'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(actor, "sync");
    let data: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["previous_text"], json!(before), "nothing is lost");
    assert_eq!(data["external_id"], json!(ORDER));
    assert_eq!(
        w.count(
            "SELECT count(*) FROM events e JOIN case_conversations cc ON cc.case_id = e.case_id
               JOIN messages m ON m.conversation_id = cc.conversation_id
              WHERE e.kind = 'message_edited' AND m.external_id = '1795439829529'"
        ),
        1,
        "the event is on the status's case"
    );

    // The same edit seen again changes nothing more.
    w.sync();
    assert_eq!(
        w.count("SELECT count(*) FROM events WHERE kind = 'message_edited'"),
        1
    );
    assert_eq!(matches(&w, "arrived"), 1);
}

#[test]
fn a_deleted_status_is_marked_deleted_and_kept() {
    let w = world();
    let before = order_text(&w);
    w.serve(|id| {
        (id == ORDER)
            .then(|| ResponseTemplate::new(404).set_body_json(json!({"error": "Record not found"})))
    });
    w.sync();

    assert_eq!(
        w.count(&format!(
            "SELECT deleted_at FROM messages WHERE external_id = '{ORDER}'"
        )),
        NOW
    );
    assert_eq!(order_text(&w), before, "the row and its text are kept");
    assert_eq!(w.count("SELECT count(*) FROM messages"), 2);
    assert_eq!(
        w.count(&format!(
            "SELECT count(*) FROM messages WHERE external_id = '{ANSWER}' AND deleted_at IS NULL"
        )),
        1,
        "the status still there is not touched"
    );
    let data: String = w.text("SELECT data FROM events WHERE kind = 'message_deleted'");
    let data: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["text"], json!(before));
    assert_eq!(
        matches(&w, "late"),
        1,
        "a deleted status can still be found"
    );

    // Marked once: the next pass does not read it again nor record a second deletion.
    w.sync();
    assert_eq!(
        w.count("SELECT count(*) FROM events WHERE kind = 'message_deleted'"),
        1
    );
}

#[test]
fn a_failing_read_changes_nothing_and_the_pass_succeeds() {
    let w = world();
    let before = order_text(&w);
    w.serve(|_| Some(ResponseTemplate::new(500)));
    w.sync();
    assert_eq!(order_text(&w), before);
    assert_eq!(
        w.count("SELECT count(*) FROM messages WHERE deleted_at IS NULL"),
        2
    );
    assert_eq!(
        w.count("SELECT count(*) FROM events WHERE kind IN ('message_edited', 'message_deleted')"),
        0
    );
    assert_eq!(
        w.count("SELECT count(*) FROM sync_state WHERE last_error IS NOT NULL"),
        0,
        "a failed read again is not an account failure"
    );
    let asked =
        w.rt.block_on(w.server.received_requests())
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == format!("/api/v1/statuses/{ANSWER}"))
            .count();
    assert_eq!(asked, 1, "the newest status was read again (and failed)");

    // Once the server answers again, a deletion is seen.
    w.serve(|id| (id == ORDER).then(|| ResponseTemplate::new(410)));
    w.sync();
    assert_eq!(
        w.count("SELECT count(*) FROM messages WHERE deleted_at IS NOT NULL"),
        1
    );
}

#[test]
fn an_edit_seen_in_the_notifications_feed_is_applied_to_the_stored_status() {
    let w = world();
    let before = order_text(&w);
    // The server lists the edited status again; reading statuses by id fails this time, so
    // only the feed can bring the edit.
    w.serve_with(
        |notes| {
            for n in notes.as_array_mut().unwrap() {
                if n["status"]["id"] == ORDER {
                    n["status"]["content"] = json!("<p>@bob order #1234 found, never mind</p>");
                    n["status"]["edited_at"] = json!("2026-11-23T13:30:00.000000+00:00");
                }
            }
        },
        |_| Some(ResponseTemplate::new(500)),
    );
    w.sync();
    assert!(order_text(&w).contains("never mind"), "{}", order_text(&w));
    assert_eq!(matches(&w, "mind"), 1);
    let data: Value =
        serde_json::from_str(&w.text("SELECT data FROM events WHERE kind = 'message_edited'"))
            .unwrap();
    assert_eq!(data["previous_text"], json!(before));
    assert_eq!(
        w.count("SELECT count(*) FROM messages"),
        2,
        "no second message"
    );
}
