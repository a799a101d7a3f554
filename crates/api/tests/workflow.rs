//! Case workflow through the API: root-cause upkeep and fix lifecycle, the "root cause required
//! to resolve" rule, settings, follow-ups, snooze and wake-up, templates, take offline (email,
//! DM, phone), logged calls, channel reason and priority. Time comes from a `FixedClock`.

use std::sync::Arc;

use serde_json::Value;
use switchboard_api::case::{
    self, CaseSetPriorityParams, CaseSetReasonParams, CaseSnoozeParams, SetStatusParams,
};
use switchboard_api::followup::{self, FollowUpState, FollowupAddParams, FollowupListParams};
use switchboard_api::history::{UndoLastParams, undo_last};
use switchboard_api::offline::{self, CaseLogCallParams, CaseOfflineParams};
use switchboard_api::root_cause::{self as rc, *};
use switchboard_api::rpc::NoParams;
use switchboard_api::settings::{self, SettingsGetParams, SettingsSetParams};
use switchboard_api::template::{self, TemplateRenderParams, TemplateSaveParams, TemplateVariant};
use switchboard_api::{Code, Ctx, FixedClock};
use switchboard_core::case::Direction;
use switchboard_store::contacts::IdentityRef;
use switchboard_store::ingest::{self, IngestOutcome, NewMessage, Recipient, Visibility};
use switchboard_store::{Store, accounts, outbox};

// 2026-11-23T12:00:00Z.
const T0: i64 = 1_795_435_200_000;
const HOUR: i64 = 3_600_000;

struct Ws {
    _dir: tempfile::TempDir,
    clock: Arc<FixedClock>,
    ctx: Ctx,
}

fn ws() -> Ws {
    let dir = tempfile::tempdir().unwrap();
    switchboard_api::workspace::workspace_init(dir.path()).unwrap();
    let clock = Arc::new(FixedClock::new(T0));
    let ctx = Ctx::open(dir.path(), clock.clone()).unwrap();
    Ws {
        _dir: dir,
        clock,
        ctx,
    }
}

fn write<T>(
    w: &Ws,
    f: impl FnOnce(&mut switchboard_store::Tx<'_>) -> switchboard_store::Result<T>,
) -> T {
    let mut s = w.ctx.store();
    Store::write(&mut s, f).unwrap()
}

fn email_account(w: &Ws, name: &str, address: &str) -> i64 {
    let config = serde_json::json!({
        "email": address, "display_name": "Shop", "username": address,
        "imap": {"host": "127.0.0.1", "port": 993, "security": "tls"},
        "smtp": {"host": "127.0.0.1", "port": 465, "security": "tls"},
        "auth": {"kind": "password"}, "ca_file": null,
    });
    write(w, |tx| {
        accounts::insert(
            tx,
            accounts::NewAccount {
                kind: "email",
                name,
                address: Some(address),
                config,
            },
            T0,
        )
    })
}

fn social_account(w: &Ws, kind: &str, name: &str) -> i64 {
    let config = match kind {
        "bluesky" => serde_json::json!({
            "handle": "shop.example", "did": "did:plc:shop",
            "service": "https://pds.invalid", "chat": true,
        }),
        "mastodon" => serde_json::json!({
            "server": "https://masto.invalid/", "account_id": "1",
            "acct": "shop@masto.invalid", "account_uri": "https://masto.invalid/users/shop",
        }),
        other => panic!("no test config for {other}"),
    };
    write(w, |tx| {
        accounts::insert(
            tx,
            accounts::NewAccount {
                kind,
                name,
                address: Some("shop.example"),
                config,
            },
            T0,
        )
    })
}

fn stored(o: IngestOutcome) -> (i64, i64) {
    match o {
        IngestOutcome::Stored {
            message_id,
            case_id,
            ..
        } => (message_id, case_id),
        other => panic!("expected a new message, got {other:?}"),
    }
}

/// An inbound email from Alice Smith; returns (message id, case id).
fn alice_email(w: &Ws, account_id: i64, id: &str, at: i64) -> (i64, i64) {
    let m = NewMessage {
        account_id,
        channel: "email".into(),
        external_id: id.into(),
        direction: None,
        author: Some(IdentityRef {
            channel: "email".into(),
            external_id: "alice@example.com".into(),
            handle: None,
            display_name: Some("Alice Smith".into()),
        }),
        recipients: vec![Recipient {
            kind: "to".into(),
            name: None,
            address: "help@shop.example".into(),
        }],
        visibility: Visibility::Private,
        subject: Some("Parcel late".into()),
        subject_key: Some("parcel late".into()),
        conversation_key: None,
        in_reply_to: None,
        references: vec![],
        sent_at: at,
        received_at: at,
        text: "Where is my parcel?".into(),
        html: None,
        snippet: "Where is my parcel?".into(),
        has_remote_content: false,
        unread: true,
        raw_sha256: None,
        raw_size: None,
        attachments: vec![],
        automated: None,
    };
    stored(write(w, |tx| ingest::ingest(tx, &m, "sync", at)))
}

/// A public Bluesky post from Bob; returns (message id, case id).
fn bob_post(w: &Ws, account_id: i64, channel: &str, at: i64) -> (i64, i64) {
    let uri = format!("at://did:plc:bob/app.bsky.feed.post/{at}");
    let m = NewMessage {
        account_id,
        channel: channel.into(),
        external_id: uri.clone(),
        direction: Some(Direction::Inbound),
        author: Some(IdentityRef {
            channel: channel.into(),
            external_id: "did:plc:bob".into(),
            handle: Some("bob.bsky.social".into()),
            display_name: Some("Bob Jones".into()),
        }),
        recipients: vec![],
        visibility: Visibility::Public,
        subject: None,
        subject_key: None,
        conversation_key: Some(uri),
        in_reply_to: None,
        references: vec![],
        sent_at: at,
        received_at: at,
        text: "@shop my order never came, terrible".into(),
        html: None,
        snippet: "@shop my order never came, terrible".into(),
        has_remote_content: false,
        unread: true,
        raw_sha256: None,
        raw_size: None,
        attachments: vec![],
        automated: None,
    };
    stored(write(w, |tx| ingest::ingest(tx, &m, "sync", at)))
}

fn status(w: &Ws, case_id: i64) -> String {
    case::case_show(&w.ctx, case_id)
        .unwrap()
        .case
        .status
        .as_str()
        .to_string()
}

fn set_status(w: &Ws, case_id: i64, st: &str) -> switchboard_api::Result<case::SetStatusResult> {
    case::case_set_status(
        &w.ctx,
        &SetStatusParams {
            case_id,
            status: st.into(),
            snooze_until: None,
            until_reply: false,
        },
    )
}

fn events(w: &Ws, case_id: Option<i64>, kind: &str) -> Vec<Value> {
    let s = w.ctx.store();
    let mut stmt = s
        .conn()
        .prepare("SELECT case_id, kind, data FROM events ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get::<_, Option<i64>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .filter(|(c, k, _)| *c == case_id && k == kind)
    .map(|(_, _, d)| serde_json::from_str(&d).unwrap())
    .collect()
}

fn add_rc(w: &Ws, name: &str, parent: Option<&str>) -> RootCause {
    rc::root_cause_add(&w.ctx, name, parent).unwrap()
}

fn by_path(w: &Ws, path: &str) -> RootCause {
    rc::root_cause_list(&w.ctx)
        .unwrap()
        .into_iter()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("root cause {path}"))
}

// ---------------------------------------------------------------------------------------------
// Root causes
// ---------------------------------------------------------------------------------------------

#[test]
fn rename_and_move_keep_two_levels_and_refuse_cycles() {
    let w = ws();
    add_rc(&w, "Shipping", None);
    add_rc(&w, "Late", Some("Shipping"));
    add_rc(&w, "Billing", None);
    add_rc(&w, "Refund slow", Some("Billing"));

    let r = root_cause_rename(
        &w.ctx,
        &RootCauseRenameParams {
            root_cause: "Shipping › Late".into(),
            new_name: "Late delivery".into(),
        },
    )
    .unwrap();
    assert_eq!(r.path, "Shipping › Late delivery");

    let e = root_cause_rename(
        &w.ctx,
        &RootCauseRenameParams {
            root_cause: "Billing".into(),
            new_name: "shipping".into(),
        },
    )
    .unwrap_err();
    assert_eq!(e.code, Code::Conflict, "sibling names are unique: {e}");

    let mv = |name: &str, parent: Option<&str>| {
        root_cause_move(
            &w.ctx,
            &RootCauseMoveParams {
                root_cause: name.into(),
                parent: parent.map(str::to_string),
            },
        )
    };
    let e = mv("Billing", Some("Shipping › Late delivery")).unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(e.message.contains("two levels"), "{e}");
    let e = mv("Billing", Some("Shipping")).unwrap_err();
    assert!(
        e.message.contains("has children"),
        "a parent cannot become a child (three levels): {e}"
    );
    let e = mv("Shipping", Some("Shipping")).unwrap_err();
    assert!(e.message.contains("under itself"), "{e}");

    let moved = mv("Billing › Refund slow", Some("Shipping")).unwrap();
    assert_eq!(moved.path, "Shipping › Refund slow");
    let top = mv("Shipping › Refund slow", None).unwrap();
    assert_eq!((top.path.as_str(), top.parent_id), ("Refund slow", None));
}

#[test]
fn merge_retags_cases_archives_the_source_and_undo_restores_both() {
    let w = ws();
    let archive = write(&w, |tx| accounts::ensure_archive(tx, T0));
    let (_, c1) = alice_email(&w, archive, "a1@x", T0 - 3 * HOUR);
    add_rc(&w, "Shipping", None);
    add_rc(&w, "Late", Some("Shipping"));
    add_rc(&w, "Delayed", Some("Shipping"));
    case::case_tag_root_cause(&w.ctx, c1, "Shipping › Delayed").unwrap();

    let out = root_cause_merge(
        &w.ctx,
        &RootCauseMergeParams {
            root_cause: "Delayed".into(),
            into: "Shipping › Late".into(),
        },
    )
    .unwrap();
    assert_eq!(out.cases_retagged, vec![c1]);
    assert!(out.source.archived, "the source is archived, not deleted");
    assert_eq!(out.source.case_count, 0);
    assert_eq!(
        case::case_show(&w.ctx, c1).unwrap().case.root_causes,
        vec!["Shipping › Late"]
    );
    assert_eq!(
        events(&w, Some(c1), "root_cause_merge").len(),
        1,
        "the case's own history says why its tag changed"
    );

    undo_last(&w.ctx, &UndoLastParams { case_id: Some(c1) }).unwrap();
    assert_eq!(
        case::case_show(&w.ctx, c1).unwrap().case.root_causes,
        vec!["Shipping › Delayed"],
        "undo puts the old tag back and removes the one the merge added"
    );
    assert!(!by_path(&w, "Shipping › Delayed").archived);

    let e = root_cause_merge(
        &w.ctx,
        &RootCauseMergeParams {
            root_cause: "Shipping".into(),
            into: "Shipping › Late".into(),
        },
    )
    .unwrap_err();
    assert!(e.message.contains("has children"), "{e}");
}

#[test]
fn archive_hides_but_keeps_and_can_be_restored() {
    let w = ws();
    let archive = write(&w, |tx| accounts::ensure_archive(tx, T0));
    let (_, c1) = alice_email(&w, archive, "a1@x", T0);
    add_rc(&w, "Billing", None);
    case::case_tag_root_cause(&w.ctx, c1, "Billing").unwrap();
    let a = root_cause_archive(
        &w.ctx,
        &RootCauseArchiveParams {
            root_cause: "Billing".into(),
            archived: true,
        },
    )
    .unwrap();
    assert!(a.archived);
    assert_eq!(a.case_count, 1, "archived causes stay on their cases");
    let r = root_cause_archive(
        &w.ctx,
        &RootCauseArchiveParams {
            root_cause: "Billing".into(),
            archived: false,
        },
    )
    .unwrap();
    assert!(!r.archived);
}

#[test]
fn fix_lifecycle_records_date_and_note_reopen_clears_the_date_and_counts_split_at_the_fix() {
    let w = ws();
    let archive = write(&w, |tx| accounts::ensure_archive(tx, T0));
    add_rc(&w, "Shipping", None);
    add_rc(&w, "Late", Some("Shipping"));
    let (_, before) = alice_email(&w, archive, "a1@x", T0 - 5 * HOUR);
    case::case_tag_root_cause(&w.ctx, before, "Late").unwrap();

    let set = |st: &str, note: Option<&str>| {
        root_cause_set_status(
            &w.ctx,
            &RootCauseSetStatusParams {
                root_cause: "Shipping › Late".into(),
                status: st.into(),
                note: note.map(str::to_string),
                fixed_on: None,
            },
        )
    };
    let r = set("fixing", None).unwrap();
    assert_eq!(
        (r.from.as_str(), r.root_cause.status.as_str()),
        ("open", "fixing")
    );
    assert_eq!(
        r.root_cause.cases_before_fix, None,
        "no counts before a fix"
    );

    w.clock.set(T0 + HOUR);
    let r = set("fixed", Some("switched carrier")).unwrap();
    assert_eq!(r.root_cause.fixed_at, Some(T0 + HOUR));
    assert_eq!(r.root_cause.fix_note.as_deref(), Some("switched carrier"));

    // A case that began after the fix counts "after".
    let bsky = social_account(&w, "bluesky", "bsky");
    w.clock.set(T0 + 2 * HOUR);
    let (_, after) = bob_post(&w, bsky, "bluesky", T0 + 2 * HOUR);
    case::case_tag_root_cause(&w.ctx, after, "Shipping › Late").unwrap();
    let late = by_path(&w, "Shipping › Late");
    assert_eq!(
        (late.cases_before_fix, late.cases_after_fix),
        (Some(1), Some(1)),
        "one case before the fix, one after"
    );
    assert_eq!(by_path(&w, "Shipping").cases_before_fix, None);

    let e = set("done", None).unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(e.message.contains("open, fixing or fixed"), "{e}");

    w.clock.set(T0 + 3 * HOUR);
    let r = set("open", None).unwrap();
    assert_eq!(r.root_cause.fixed_at, None, "reopening clears the fix date");
    let hist = events(&w, None, "root_cause_status");
    let fixed = hist.iter().find(|e| e["to"] == "fixed").unwrap();
    assert_eq!(fixed["fixed_at"], T0 + HOUR, "the fix stays in the history");
    let reopened = hist.last().unwrap();
    assert_eq!(reopened["fixed_at_before"], T0 + HOUR);
}

#[test]
fn a_required_root_cause_blocks_resolving_until_the_case_is_tagged() {
    let w = ws();
    let archive = write(&w, |tx| accounts::ensure_archive(tx, T0));
    let (_, c) = alice_email(&w, archive, "a1@x", T0);
    set_status(&w, c, "resolved").unwrap();
    set_status(&w, c, "open").unwrap();

    settings::settings_set(
        &w.ctx,
        &SettingsSetParams {
            key: "require_root_cause".into(),
            value: "true".into(),
        },
    )
    .unwrap();
    let e = set_status(&w, c, "resolved").unwrap_err();
    assert_eq!(e.code, Code::Conflict);
    assert!(
        e.message.contains("root cause is required") && e.message.contains("require_root_cause"),
        "the error names the rule: {e}"
    );
    assert_eq!(status(&w, c), "open", "nothing changed");

    add_rc(&w, "Billing", None);
    case::case_tag_root_cause(&w.ctx, c, "Billing").unwrap();
    let r = set_status(&w, c, "resolved").unwrap();
    assert!(r.changed);
}

#[test]
fn settings_refuse_unknown_keys_and_bad_values() {
    let w = ws();
    let all = settings::settings_get(&w.ctx, &SettingsGetParams { key: None }).unwrap();
    let keys: Vec<&str> = all.settings.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["require_root_cause", "business_name", "agent_name"]);
    assert!(all.settings.iter().all(|s| !s.is_set));

    let e = settings::settings_set(
        &w.ctx,
        &SettingsSetParams {
            key: "require_rootcause".into(),
            value: "true".into(),
        },
    )
    .unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(
        e.message.contains("require_root_cause"),
        "lists the known keys: {e}"
    );
    let e = settings::settings_set(
        &w.ctx,
        &SettingsSetParams {
            key: "require_root_cause".into(),
            value: "maybe".into(),
        },
    )
    .unwrap_err();
    assert!(e.message.contains("true or false"), "{e}");

    let s = settings::settings_set(
        &w.ctx,
        &SettingsSetParams {
            key: "business_name".into(),
            value: " Acme Parcels ".into(),
        },
    )
    .unwrap();
    assert_eq!((s.value.as_str(), s.is_set), ("Acme Parcels", true));
}

// ---------------------------------------------------------------------------------------------
// Follow-ups and snooze
// ---------------------------------------------------------------------------------------------

#[test]
fn follow_ups_become_due_then_overdue_notify_once_and_can_be_done() {
    let w = ws();
    let archive = write(&w, |tx| accounts::ensure_archive(tx, T0));
    let (_, c) = alice_email(&w, archive, "a1@x", T0);
    let add = |due: &str, note: &str| {
        followup::followup_add(
            &w.ctx,
            &FollowupAddParams {
                case_id: c,
                due: due.into(),
                note: Some(note.into()),
            },
        )
        .unwrap()
    };
    let soon = add("+2h", "call back");
    let later = add("+3d", "check delivery");
    assert_eq!(soon.due_at, T0 + 2 * HOUR);
    assert_eq!(soon.state, FollowUpState::Due);
    assert_eq!(later.state, FollowUpState::Upcoming);

    let e = followup::followup_add(
        &w.ctx,
        &FollowupAddParams {
            case_id: c,
            due: "next week".into(),
            note: None,
        },
    )
    .unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(e.message.contains("next week"), "{e}");
    let e = followup::followup_add(
        &w.ctx,
        &FollowupAddParams {
            case_id: 999,
            due: "+1h".into(),
            note: None,
        },
    )
    .unwrap_err();
    assert_eq!(e.code, Code::NotFound);

    let list = |due_only: bool, include_done: bool| {
        followup::followup_list(
            &w.ctx,
            &FollowupListParams {
                due_only,
                include_done,
                case_id: None,
            },
        )
        .unwrap()
    };
    let due = list(true, false);
    assert_eq!(
        due.follow_ups.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![soon.id]
    );
    assert!(
        followup::followup_due_unnotified(&w.ctx, &NoParams {})
            .unwrap()
            .is_empty(),
        "nothing to notify before its time"
    );

    w.clock.set(T0 + 2 * HOUR);
    let l = list(false, false);
    assert_eq!(l.follow_ups[0].state, FollowUpState::Overdue);
    assert_eq!((l.overdue, l.due), (1, 0));
    let n = followup::followup_due_unnotified(&w.ctx, &NoParams {}).unwrap();
    assert_eq!(n.iter().map(|f| f.id).collect::<Vec<_>>(), vec![soon.id]);
    let marked = followup::followup_mark_notified(
        &w.ctx,
        &followup::FollowupMarkNotifiedParams { ids: vec![soon.id] },
    )
    .unwrap();
    assert_eq!(marked.marked, 1);
    assert!(
        followup::followup_due_unnotified(&w.ctx, &NoParams {})
            .unwrap()
            .is_empty(),
        "each reminder notifies once"
    );

    let d = followup::followup_done(&w.ctx, &followup::FollowupIdParams { id: soon.id }).unwrap();
    assert!(d.changed && d.follow_up.state == FollowUpState::Done);
    let again =
        followup::followup_done(&w.ctx, &followup::FollowupIdParams { id: soon.id }).unwrap();
    assert!(!again.changed, "done twice is not an error");
    assert_eq!(
        list(false, false).follow_ups.len(),
        1,
        "done ones leave the list"
    );
    assert_eq!(list(false, true).follow_ups.len(), 2, "unless asked for");

    undo_last(&w.ctx, &UndoLastParams { case_id: Some(c) }).unwrap();
    assert_eq!(
        list(false, false).follow_ups.len(),
        2,
        "undo of done makes it open again"
    );

    followup::followup_delete(&w.ctx, &followup::FollowupIdParams { id: later.id }).unwrap();
    assert_eq!(list(false, true).follow_ups.len(), 1);
    undo_last(&w.ctx, &UndoLastParams { case_id: Some(c) }).unwrap();
    assert_eq!(
        list(false, true).follow_ups.len(),
        2,
        "undo of delete restores the reminder"
    );
}

#[test]
fn snooze_until_a_time_wakes_exactly_then_and_until_reply_wakes_on_inbound() {
    let w = ws();
    let archive = write(&w, |tx| accounts::ensure_archive(tx, T0));
    let (_, c) = alice_email(&w, archive, "a1@x", T0 - HOUR);
    let snooze = |until: Option<&str>, until_reply: bool| {
        case::case_snooze(
            &w.ctx,
            &CaseSnoozeParams {
                case_id: c,
                until: until.map(str::to_string),
                until_reply,
            },
        )
    };
    assert_eq!(snooze(None, false).unwrap_err().code, Code::InvalidInput);
    assert_eq!(
        snooze(Some("+1h"), true).unwrap_err().code,
        Code::InvalidInput
    );
    let e = snooze(Some("2020-01-01"), false).unwrap_err();
    assert!(e.message.contains("already passed"), "{e}");

    let r = snooze(Some("+3h"), false).unwrap();
    assert_eq!(r.snoozed_until, Some(T0 + 3 * HOUR));
    assert_eq!(status(&w, c), "snoozed");

    w.clock.set(T0 + 3 * HOUR - 1);
    let woke = case::case_wake_due(&w.ctx, &NoParams {}).unwrap();
    assert!(woke.woken.is_empty(), "one millisecond early: still asleep");
    assert_eq!(status(&w, c), "snoozed");
    w.clock.set(T0 + 3 * HOUR);
    let woke = case::case_wake_due(&w.ctx, &NoParams {}).unwrap();
    assert_eq!(woke.woken.len(), 1);
    assert_eq!(woke.woken[0].case_id, c);
    assert_eq!(status(&w, c), "open");

    let r = snooze(None, true).unwrap();
    assert!(r.until_reply && r.snoozed_until.is_none());
    w.clock.set(T0 + 1000 * HOUR);
    assert!(
        case::case_wake_due(&w.ctx, &NoParams {})
            .unwrap()
            .woken
            .is_empty(),
        "until-reply never wakes by time"
    );
    let (_, same) = {
        // The customer replies in the same thread.
        let mut m_at = T0 + 1000 * HOUR;
        m_at += 1;
        let m = NewMessage {
            in_reply_to: Some("a1@x".into()),
            ..reply_from_alice(archive, "a2@x", m_at)
        };
        stored(write(&w, |tx| ingest::ingest(tx, &m, "sync", m_at)))
    };
    assert_eq!(same, c);
    assert_eq!(status(&w, c), "open", "an inbound reply wakes the case");
}

fn reply_from_alice(account_id: i64, id: &str, at: i64) -> NewMessage {
    NewMessage {
        account_id,
        channel: "email".into(),
        external_id: id.into(),
        direction: None,
        author: Some(IdentityRef {
            channel: "email".into(),
            external_id: "alice@example.com".into(),
            handle: None,
            display_name: Some("Alice Smith".into()),
        }),
        recipients: vec![],
        visibility: Visibility::Private,
        subject: Some("Re: Parcel late".into()),
        subject_key: Some("parcel late".into()),
        conversation_key: None,
        in_reply_to: None,
        references: vec![],
        sent_at: at,
        received_at: at,
        text: "Any news?".into(),
        html: None,
        snippet: "Any news?".into(),
        has_remote_content: false,
        unread: true,
        raw_sha256: None,
        raw_size: None,
        attachments: vec![],
        automated: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

#[test]
fn default_templates_ship_and_every_shipped_body_is_valid() {
    let w = ws();
    let list = template::template_list(&w.ctx, &NoParams {}).unwrap();
    let names: Vec<&str> = list.templates.iter().map(|t| t.name.as_str()).collect();
    for want in [
        "Take offline acknowledgement",
        "Ask channel reason",
        "Shipping delay apology",
    ] {
        assert!(names.contains(&want), "{want} ships: {names:?}");
    }
    for t in &list.templates {
        for v in &t.variants {
            switchboard_core::template::validate(&v.body)
                .unwrap_or_else(|e| panic!("{} ({}): {e}", t.name, v.variant));
        }
    }
    let ack = &list
        .templates
        .iter()
        .find(|t| t.name == "Take offline acknowledgement")
        .unwrap()
        .variants;
    assert!(ack.iter().any(|v| v.variant == "public"
        && v.body
            == "Hi {first_name}, sorry about this — {offline_route} to sort it out. {case_ref}"),
        "the shipped acknowledgement names the route taken, never a private message by default");
}

#[test]
fn saving_refuses_unknown_variables_and_rendering_picks_the_variant_and_names_missing_values() {
    let w = ws();
    let bsky = social_account(&w, "bluesky", "bsky");
    let (_, c) = bob_post(&w, bsky, "bluesky", T0);

    let e = template::template_save(
        &w.ctx,
        &TemplateSaveParams {
            name: "Thanks".into(),
            variants: vec![
                TemplateVariant {
                    variant: "default".into(),
                    body: "Thanks {first_name}".into(),
                },
                TemplateVariant {
                    variant: "public".into(),
                    body: "Thanks {frist_name}".into(),
                },
            ],
        },
    )
    .unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(
        e.message.contains("{frist_name}"),
        "names the variable: {e}"
    );
    assert!(
        template::template_list(&w.ctx, &NoParams {})
            .unwrap()
            .templates
            .iter()
            .all(|t| t.name != "Thanks"),
        "nothing stored when one variant is bad"
    );

    template::template_save(
        &w.ctx,
        &TemplateSaveParams {
            name: "Thanks".into(),
            variants: vec![
                TemplateVariant {
                    variant: "default".into(),
                    body: "Dear {name}, thanks for writing about {case_ref}. {agent_name}, {business_name}".into(),
                },
                TemplateVariant {
                    variant: "public".into(),
                    body: "Thanks {first_name}! {case_ref}".into(),
                },
                TemplateVariant {
                    variant: "bluesky".into(),
                    body: "Thanks {first_name} 🦋 via {channel}".into(),
                },
            ],
        },
    )
    .unwrap();
    let render = |channel: Option<&str>, visibility: Option<&str>| {
        template::template_render(
            &w.ctx,
            &TemplateRenderParams {
                name: "thanks".into(),
                case_id: c,
                channel: channel.map(str::to_string),
                visibility: visibility.map(str::to_string),
                ..Default::default()
            },
        )
    };
    let r = render(None, Some("public")).unwrap();
    assert_eq!(
        (r.variant.as_str(), r.text.as_str()),
        ("bluesky", "Thanks Bob 🦋 via Bluesky"),
        "the channel's own variant wins; the channel defaults to the case's"
    );
    let r = render(Some("mastodon"), Some("public")).unwrap();
    assert_eq!(
        (r.variant.as_str(), r.text.as_str()),
        ("public", "Thanks Bob! #1")
    );
    let e = render(Some("email"), Some("private")).unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(
        e.message.contains("{agent_name}") && e.message.contains("settings set agent_name"),
        "a missing value names the variable and how to fix it: {e}"
    );
    for (k, v) in [("agent_name", "Dana"), ("business_name", "Acme")] {
        settings::settings_set(
            &w.ctx,
            &SettingsSetParams {
                key: k.into(),
                value: v.into(),
            },
        )
        .unwrap();
    }
    let r = render(Some("email"), Some("private")).unwrap();
    assert_eq!(
        r.text,
        format!("Dear Bob Jones, thanks for writing about #{c}. Dana, Acme")
    );

    let e = render(Some("email"), Some("secret")).unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);

    template::template_delete(
        &w.ctx,
        &template::TemplateDeleteParams {
            name: "Thanks".into(),
            variant: Some("default".into()),
        },
    )
    .unwrap();
    let e = render(Some("email"), Some("private")).unwrap_err();
    assert_eq!(e.code, Code::NotFound, "no variant fits: {e}");
    template::template_delete(
        &w.ctx,
        &template::TemplateDeleteParams {
            name: "Thanks".into(),
            variant: None,
        },
    )
    .unwrap();
    assert_eq!(render(None, None).unwrap_err().code, Code::NotFound);
}

// ---------------------------------------------------------------------------------------------
// Take offline and logged calls
// ---------------------------------------------------------------------------------------------

fn offline(w: &Ws, p: CaseOfflineParams) -> switchboard_api::Result<offline::CaseOfflineResult> {
    offline::case_offline(&w.ctx, &p)
}

fn outbox_rows(w: &Ws) -> Vec<outbox::OutboxItem> {
    outbox::list(w.ctx.store().conn(), &[]).unwrap()
}

#[test]
fn offline_via_email_on_a_public_complaint_queues_the_ack_and_a_new_email_thread_in_one_case() {
    let w = ws();
    let bsky = social_account(&w, "bluesky", "bsky");
    email_account(&w, "shop", "help@shop.example");
    let (post, c) = bob_post(&w, bsky, "bluesky", T0);

    let e = offline(
        &w,
        CaseOfflineParams {
            case_id: c,
            via: "email".into(),
            text: Some("Hi Bob, can you send your order number?".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(
        e.message.contains("no email address") && e.message.contains("--to"),
        "{e}"
    );
    assert!(outbox_rows(&w).is_empty(), "a refusal queues nothing");

    let e = offline(
        &w,
        CaseOfflineParams {
            case_id: c,
            via: "email".into(),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.message.contains("private message"), "{e}");
    let e = offline(
        &w,
        CaseOfflineParams {
            case_id: c,
            via: "fax".into(),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.message.contains("email, dm or phone"), "{e}");

    let r = offline(
        &w,
        CaseOfflineParams {
            case_id: c,
            via: "email".into(),
            text: Some("Hi Bob, can you send your order number?".into()),
            to: Some("Bob@Example.com".into()),
            subject: Some("Your order".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let ack = r.ack.clone().expect("an acknowledgement was queued");
    assert_eq!(
        ack.text,
        format!("Hi Bob, sorry about this — we've emailed you to sort it out. #{c}"),
        "the acknowledgement says what happened: an email"
    );
    assert_eq!(
        (ack.kind.as_str(), ack.channel.as_str()),
        ("public_reply", "bluesky")
    );
    assert_eq!(r.to.as_deref(), Some("bob@example.com"));
    assert_eq!(r.subject.as_deref(), Some(&*format!("Your order [#{c}]")));

    let rows = outbox_rows(&w);
    assert_eq!(rows.len(), 2);
    let pub_row = rows.iter().find(|o| o.kind == "public_reply").unwrap();
    assert_eq!(pub_row.account_id, bsky);
    assert_eq!(pub_row.case_id, Some(c));
    assert_eq!(pub_row.visibility, "public");
    assert_eq!(pub_row.reply_to_message_id, Some(post));
    assert_eq!(
        pub_row.payload["reply_to"]["external_id"],
        format!("at://did:plc:bob/app.bsky.feed.post/{T0}")
    );
    assert!(pub_row.payload["recipient"].is_null());
    assert_eq!(pub_row.payload["channel"], "bluesky");
    assert_eq!(
        pub_row.payload["timeline_id"],
        format!(
            "at://did:plc:shop/app.bsky.feed.post/{}",
            pub_row.idempotency_key
        ),
        "a Bluesky post's key is its record key: the timeline already has its final URI"
    );
    let mail = rows.iter().find(|o| o.kind == "reply").unwrap();
    assert_eq!(mail.case_id, Some(c));
    assert_eq!(mail.payload["draft"]["to"][0]["email"], "bob@example.com");
    assert_eq!(
        mail.payload["draft"]["subject"],
        format!("Your order [#{c}]")
    );
    assert!(
        mail.payload["draft"]["in_reply_to"].is_null(),
        "a new thread"
    );

    let shown = case::case_show(&w.ctx, c).unwrap();
    assert_eq!(
        shown.case.channels,
        vec!["bluesky", "email"],
        "one case, two channels"
    );
    let out = shown
        .messages
        .iter()
        .find(|m| m.channel == "email")
        .expect("the email is on the case timeline");
    assert_eq!(out.direction, "outbound");
    assert_eq!(
        out.external_id, mail.idempotency_key,
        "Message-ID = idempotency key"
    );
    assert_eq!(r.message_id, Some(out.id));
    let ack_msg = shown
        .messages
        .iter()
        .find(|m| m.channel == "bluesky" && m.direction == "outbound")
        .expect("the acknowledgement is on the timeline too");
    assert_eq!(ack_msg.external_id, pub_row.payload["timeline_id"]);
    assert_eq!(ack_msg.visibility, "public");
    assert_eq!(
        r.case_status, "waiting",
        "our reply puts the case to waiting"
    );

    let ev = events(&w, Some(c), "taken_offline");
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["via"], "email");
    assert_eq!(ev[0]["ack_outbox_id"], pub_row.id);
    assert_eq!(ev[0]["private_outbox_id"], mail.id);

    // The address was added to Bob's contact: next time no --to is needed.
    let r2 = offline(
        &w,
        CaseOfflineParams {
            case_id: c,
            via: "email".into(),
            text: Some("Any news?".into()),
            no_ack: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r2.to.as_deref(), Some("bob@example.com"));
    assert!(r2.ack.is_none());
    assert_eq!(
        r2.ack_skipped.as_deref(),
        Some("no acknowledgement was asked for")
    );
}

#[test]
fn undoing_take_offline_removes_what_it_queued_unless_something_was_already_sent() {
    let w = ws();
    let bsky = social_account(&w, "bluesky", "bsky");
    email_account(&w, "shop", "help@shop.example");
    let (_, c) = bob_post(&w, bsky, "bluesky", T0);
    let take = || {
        offline(
            &w,
            CaseOfflineParams {
                case_id: c,
                via: "email".into(),
                text: Some("Order number please".into()),
                to: Some("bob@example.com".into()),
                ..Default::default()
            },
        )
        .unwrap()
    };
    take();
    assert_eq!(status(&w, c), "waiting");
    undo_last(&w.ctx, &UndoLastParams { case_id: Some(c) }).unwrap();
    assert!(outbox_rows(&w).is_empty(), "both outbox items are gone");
    let shown = case::case_show(&w.ctx, c).unwrap();
    assert_eq!(shown.messages.len(), 1, "only the customer's post is left");
    assert_eq!(shown.case.channels, vec!["bluesky"]);
    assert_eq!(status(&w, c), "new", "the case fields are as before");
    let emails: i64 = w
        .ctx
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM identities WHERE channel = 'email' AND external_id = 'bob@example.com'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(emails, 0, "the address the action added is removed");

    let again = take();
    w.ctx
        .store()
        .conn()
        .execute(
            "UPDATE outbox SET state = 'sent' WHERE id = ?1",
            [again.ack.unwrap().outbox_id],
        )
        .unwrap();
    let e = undo_last(&w.ctx, &UndoLastParams { case_id: Some(c) }).unwrap_err();
    assert_eq!(e.code, Code::Conflict, "a sent reply cannot be unsent: {e}");
    assert_eq!(outbox_rows(&w).len(), 2, "a refused undo changes nothing");
}

#[test]
fn offline_on_an_email_case_skips_the_ack_and_an_address_of_someone_else_is_refused() {
    let w = ws();
    let shop = email_account(&w, "shop", "help@shop.example");
    let (_, c) = alice_email(&w, shop, "a1@x", T0);
    let r = offline(
        &w,
        CaseOfflineParams {
            case_id: c,
            via: "email".into(),
            text: Some("Let's sort this out.".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.ack.is_none());
    assert_eq!(
        r.ack_skipped.as_deref(),
        Some("the case has no public conversation to acknowledge on")
    );
    assert_eq!(r.to.as_deref(), Some("alice@example.com"));

    let bsky = social_account(&w, "bluesky", "bsky");
    let (_, bob_case) = bob_post(&w, bsky, "bluesky", T0 + 1);
    let e = offline(
        &w,
        CaseOfflineParams {
            case_id: bob_case,
            via: "email".into(),
            text: Some("hi".into()),
            to: Some("alice@example.com".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code, Code::Conflict, "{e}");
    assert!(e.message.contains("merge the contacts"), "{e}");
    assert_eq!(
        outbox_rows(&w).len(),
        1,
        "the refused offline queued no acknowledgement either"
    );
}

#[test]
fn offline_via_dm_queues_a_direct_message_to_the_customer_on_the_same_account() {
    let w = ws();
    let masto = social_account(&w, "mastodon", "masto");
    let (_, c) = bob_post(&w, masto, "mastodon", T0);
    let r = offline(
        &w,
        CaseOfflineParams {
            case_id: c,
            via: "dm".into(),
            text: Some("Could you DM us your order number?".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.ack.as_ref().unwrap().channel, "mastodon");
    let rows = outbox_rows(&w);
    let dm = rows.iter().find(|o| o.kind == "direct").unwrap();
    assert_eq!((dm.account_id, dm.visibility.as_str()), (masto, "private"));
    assert_eq!(dm.case_id, Some(c));
    assert_eq!(
        dm.payload["channel"], "mastodon",
        "the sync engine's payload shape"
    );
    assert_eq!(
        dm.payload["reply_to"]["external_id"],
        format!("at://did:plc:bob/app.bsky.feed.post/{T0}"),
        "in reply to the complaint, as reply_create does"
    );
    assert_eq!(dm.payload["recipient"]["external_id"], "did:plc:bob");
    assert_eq!(dm.payload["recipient"]["handle"], "bob.bsky.social");
    assert_ne!(
        dm.idempotency_key,
        rows.iter()
            .find(|o| o.kind == "public_reply")
            .unwrap()
            .idempotency_key
    );
    assert_eq!(r.to.as_deref(), Some("bob.bsky.social"));

    let shop = email_account(&w, "shop", "help@shop.example");
    let (_, email_case) = alice_email(&w, shop, "a1@x", T0 + 5);
    let e = offline(
        &w,
        CaseOfflineParams {
            case_id: email_case,
            via: "dm".into(),
            text: Some("hi".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.message.contains("no social conversation"), "{e}");
}

#[test]
fn offline_via_phone_logs_the_call_on_the_case() {
    let w = ws();
    let bsky = social_account(&w, "bluesky", "bsky");
    let (_, c) = bob_post(&w, bsky, "bluesky", T0);
    let r = offline(
        &w,
        CaseOfflineParams {
            case_id: c,
            via: "phone".into(),
            text: Some("Called Bob, replacement on its way".into()),
            duration: Some("12m".into()),
            outcome: Some("resolved".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.ack.is_some());
    assert!(r.private.is_none());
    let shown = case::case_show(&w.ctx, c).unwrap();
    let call = shown
        .messages
        .iter()
        .find(|m| m.channel == "phone")
        .unwrap();
    assert_eq!(Some(call.id), r.message_id);
    assert_eq!(call.text, "Called Bob, replacement on its way");
    let (dur, outcome): (i64, String) = w
        .ctx
        .store()
        .conn()
        .query_row(
            "SELECT call_duration_s, call_outcome FROM messages WHERE id = ?1",
            [call.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((dur, outcome.as_str()), (720, "resolved"));
}

#[test]
fn logged_calls_carry_direction_duration_and_outcome_and_an_inbound_call_reopens() {
    let w = ws();
    let archive = write(&w, |tx| accounts::ensure_archive(tx, T0));
    let (_, c) = alice_email(&w, archive, "a1@x", T0 - HOUR);
    set_status(&w, c, "resolved").unwrap();

    let log = |p: CaseLogCallParams| offline::case_log_call(&w.ctx, &p);
    let e = log(CaseLogCallParams {
        case_id: c,
        duration: "5m".into(),
        outcome: "great".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.message.contains("resolved, callback, no_answer"), "{e}");
    let e = log(CaseLogCallParams {
        case_id: c,
        duration: "five".into(),
        outcome: "resolved".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.message.contains("five"), "{e}");
    let e = log(CaseLogCallParams {
        case_id: c,
        duration: "5m".into(),
        outcome: "resolved".into(),
        direction: Some("sideways".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert_eq!(status(&w, c), "resolved", "refusals change nothing");

    let r = log(CaseLogCallParams {
        case_id: c,
        duration: "1h5m".into(),
        outcome: "callback".into(),
        outcome_text: Some("needs the invoice".into()),
        direction: Some("inbound".into()),
        note: Some("Alice rang about the parcel".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        (r.channel.as_str(), r.direction.as_str(), r.duration_s),
        ("phone", "inbound", 3900)
    );
    assert_eq!(
        r.case_status, "open",
        "the customer's call reopens the case"
    );
    let visit = log(CaseLogCallParams {
        case_id: c,
        duration: "10".into(),
        outcome: "no-answer".into(),
        in_person: true,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        (visit.channel.as_str(), visit.outcome.as_str()),
        ("in_person", "no_answer")
    );
    assert_eq!(
        visit.case_status, "waiting",
        "our own call waits on the customer"
    );

    let shown = case::case_show(&w.ctx, c).unwrap();
    let call = shown
        .messages
        .iter()
        .find(|m| m.id == r.message_id)
        .unwrap();
    assert!(call.text.contains("Alice rang") && call.text.contains("Outcome: needs the invoice"));
    assert!(shown.case.channels.contains(&"phone".to_string()));
    assert!(shown.case.channels.contains(&"in_person".to_string()));
    let outcome: String = w
        .ctx
        .store()
        .conn()
        .query_row(
            "SELECT call_outcome FROM messages WHERE id = ?1",
            [r.message_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(outcome, "callback: needs the invoice");
    assert_eq!(events(&w, Some(c), "call_logged").len(), 2);

    // Undo the visit: its message and conversation go, and the case is open again.
    undo_last(&w.ctx, &UndoLastParams { case_id: Some(c) }).unwrap();
    let shown = case::case_show(&w.ctx, c).unwrap();
    assert!(shown.messages.iter().all(|m| m.id != visit.message_id));
    assert!(!shown.case.channels.contains(&"in_person".to_string()));
    assert_eq!(status(&w, c), "open");
    let hits = switchboard_api::case::case_search(
        &w.ctx,
        &switchboard_api::case::SearchParams {
            query: "Alice rang".into(),
            order: Default::default(),
            limit: 10,
        },
    )
    .unwrap();
    assert_eq!(hits.hits.len(), 1, "the remaining call is still searchable");
}

// ---------------------------------------------------------------------------------------------
// Channel reason and priority
// ---------------------------------------------------------------------------------------------

#[test]
fn channel_reason_and_priority_are_checked_recorded_and_undoable() {
    let w = ws();
    let archive = write(&w, |tx| accounts::ensure_archive(tx, T0));
    let (_, c) = alice_email(&w, archive, "a1@x", T0);
    let reason = |r: &str, text: Option<&str>| {
        case::case_set_reason(
            &w.ctx,
            &CaseSetReasonParams {
                case_id: c,
                reason: r.into(),
                text: text.map(str::to_string),
            },
        )
    };
    let e = reason("bored", None).unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(e.message.contains("phone_tree"), "lists the reasons: {e}");
    let r = reason("earlier_channel_failed", Some("email bounced")).unwrap();
    assert_eq!(
        r.channel_reason.as_deref(),
        Some("earlier_channel_failed: email bounced")
    );
    assert!(r.changed);

    let prio = |p: &str| {
        case::case_set_priority(
            &w.ctx,
            &CaseSetPriorityParams {
                case_id: c,
                priority: p.into(),
            },
        )
    };
    assert_eq!(prio("asap").unwrap_err().code, Code::InvalidInput);
    let p = prio("HIGH").unwrap();
    assert_eq!((p.from.as_str(), p.priority.as_str()), ("normal", "high"));
    assert!(!prio("high").unwrap().changed);
    assert_eq!(case::case_show(&w.ctx, c).unwrap().case.priority, "high");

    undo_last(&w.ctx, &UndoLastParams { case_id: Some(c) }).unwrap();
    assert_eq!(case::case_show(&w.ctx, c).unwrap().case.priority, "normal");
    undo_last(&w.ctx, &UndoLastParams { case_id: Some(c) }).unwrap();
    let reason_now: Option<String> = w
        .ctx
        .store()
        .conn()
        .query_row("SELECT channel_reason FROM cases WHERE id = ?1", [c], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(reason_now, None, "undo clears the reason again");
    let cleared = reason("none", None).unwrap();
    assert!(!cleared.changed);
}

// ---------------------------------------------------------------------------------------------
// Undo: exactly the newest action, down the stack
// ---------------------------------------------------------------------------------------------

fn undo(w: &Ws) -> switchboard_api::Result<switchboard_api::history::UndoOutcome> {
    undo_last(&w.ctx, &UndoLastParams { case_id: None })
}

#[test]
fn undo_reverts_the_hours_change_made_after_a_root_cause_fix_not_the_fix() {
    // Reported: `rootcause status X fixed`, then `hours set …`, then `undo` printed "Undid:
    // root cause status": it reached past the newer change.
    let w = ws();
    add_rc(&w, "Shipping", None);
    rc::root_cause_set_status(
        &w.ctx,
        &RootCauseSetStatusParams {
            root_cause: "Shipping".into(),
            status: "fixed".into(),
            note: None,
            fixed_on: None,
        },
    )
    .unwrap();
    let before = switchboard_api::hours::hours_get(&w.ctx, &Default::default()).unwrap();
    let mut changed = before.clone();
    changed.hours.week.sat = vec![switchboard_api::hours::OpenRange::new("10:00", "14:00")];
    changed.repeat_window_days = 7;
    w.clock.set(T0 + 60_000);
    switchboard_api::hours::hours_set(&w.ctx, &changed).unwrap();

    let first = undo(&w).unwrap();
    assert_eq!(
        first.kind, "settings",
        "the newest action is undone: {first:?}"
    );
    assert_eq!(
        first.summary,
        "business hours and response settings changed"
    );
    assert_eq!(
        first.restored,
        "business hours and response settings are back to Mon–Fri 09:00-17:00, Sat–Sun closed (UTC), \
         repeat window 30 days, due-soon warning 30 min",
        "says what they are back to"
    );
    let now = switchboard_api::hours::hours_get(&w.ctx, &Default::default()).unwrap();
    assert_eq!(
        (now.hours, now.repeat_window_days),
        (before.hours.clone(), before.repeat_window_days),
        "the previous settings are back"
    );
    assert_eq!(
        by_path(&w, "Shipping").status,
        "fixed",
        "the fix is untouched"
    );

    let second = undo(&w).unwrap();
    assert_eq!(second.kind, "root_cause_status");
    assert_eq!(second.summary, "root cause Shipping status open → fixed");
    assert_eq!(second.restored, "root cause Shipping is open again");
    assert_eq!(by_path(&w, "Shipping").status, "open");
}

#[test]
fn a_setting_change_is_undone_as_the_newest_action() {
    let w = ws();
    let archive = write(&w, |tx| accounts::ensure_archive(tx, T0));
    let (_, c) = alice_email(&w, archive, "a1@x", T0);
    set_status(&w, c, "open").unwrap();
    let set = |v: &str| {
        settings::settings_set(
            &w.ctx,
            &SettingsSetParams {
                key: "business_name".into(),
                value: v.into(),
            },
        )
        .unwrap()
    };
    set("Tidewater");
    set("Tidewater Goods");
    let get = || {
        settings::settings_get(
            &w.ctx,
            &SettingsGetParams {
                key: Some("business_name".into()),
            },
        )
        .unwrap()
        .settings[0]
            .clone()
    };
    let u = undo(&w).unwrap();
    assert_eq!(u.summary, "setting business_name changed");
    assert_eq!(u.restored, "business_name is back to \"Tidewater\"");
    assert_eq!(get().value, "Tidewater");
    let u = undo(&w).unwrap();
    assert_eq!(u.restored, "business_name is unset again");
    assert!(!get().is_set, "unset, as before the first change");
    let u = undo(&w).unwrap();
    assert_eq!(u.summary, "status new → open", "then the case's status");
    assert_eq!(u.restored, format!("case #{c} is new again"));
    assert_eq!(status(&w, c), "new");
}

#[test]
fn undo_after_undoing_a_take_offline_goes_on_down_the_stack() {
    // Reported: after undoing a take-offline the next `undo` failed with "status new → waiting
    // cannot be undone", and the history kept that line un-struck.
    let w = ws();
    let bsky = social_account(&w, "bluesky", "bsky");
    let (_, c) = bob_post(&w, bsky, "bluesky", T0);
    case::case_set_priority(
        &w.ctx,
        &CaseSetPriorityParams {
            case_id: c,
            priority: "urgent".into(),
        },
    )
    .unwrap();
    w.clock.set(T0 + 60_000);
    offline(
        &w,
        CaseOfflineParams {
            case_id: c,
            via: "phone".into(),
            duration: Some("4m".into()),
            outcome: Some("resolved".into()),
            text: Some("Sorted on the phone".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(status(&w, c), "waiting");

    let first = undo(&w).unwrap();
    assert_eq!(first.kind, "taken_offline");
    assert_eq!(
        first.restored,
        format!(
            "the queued public acknowledgement and the logged call are withdrawn; case #{c} is new again"
        )
    );
    let second = undo(&w).expect("undo steps on to the action before");
    assert_eq!(second.kind, "priority");
    assert_eq!(
        second.restored,
        format!("case #{c} has priority high again")
    );

    // Every event of the undone take-offline reads as undone, the lifecycle's status line too.
    let history =
        switchboard_api::history::case_history(&w.ctx, &case::CaseIdParams { case_id: c }).unwrap();
    for e in history
        .events
        .iter()
        .filter(|e| e.actor == "user" && e.kind != "undo")
    {
        assert!(e.undone_by.is_some(), "{} is marked undone", e.summary);
    }
    let status_line = history
        .events
        .iter()
        .find(|e| e.summary == "status new → waiting")
        .expect("the take-offline moved the case to waiting");
    assert_eq!(status_line.undone_by, Some(first.undo_event));
    let e = undo(&w).unwrap_err();
    assert!(e.message.contains("nothing to undo"), "{e}");
}

#[test]
fn an_action_that_cannot_be_undone_stops_undo_and_is_named() {
    let w = ws();
    let archive = write(&w, |tx| accounts::ensure_archive(tx, T0));
    let (_, c) = alice_email(&w, archive, "a1@x", T0);
    set_status(&w, c, "open").unwrap();
    // Our own message on the case (a reply is on its way): recorded by the user, no inverse.
    let mut m = reply_from_alice(archive, "ours-1@x", T0 + 1000);
    m.direction = Some(Direction::Outbound);
    m.in_reply_to = Some("a1@x".into());
    write(&w, |tx| {
        switchboard_store::offline::store_on_case(tx, c, &m, T0 + 1000)
    });
    let e = undo(&w).unwrap_err();
    assert_eq!(e.code, Code::Conflict);
    assert!(
        e.message
            .contains("the newest action, \"status open → waiting\" on case #")
            && e.message.contains("cannot be undone")
            && e.message.contains("never reaches past it"),
        "names the blocking change: {e}"
    );
    assert_eq!(status(&w, c), "waiting", "nothing older was undone");
}

// ---------------------------------------------------------------------------------------------
// Take offline, honestly
// ---------------------------------------------------------------------------------------------

#[test]
fn the_public_acknowledgement_names_the_route_actually_taken() {
    let w = ws();
    let bsky = social_account(&w, "bluesky", "bsky");
    let ack_of = |at: i64, via: &str, duration: Option<&str>, outcome: Option<&str>| {
        let (_, c) = bob_post(&w, bsky, "bluesky", at);
        let r = offline(
            &w,
            CaseOfflineParams {
                case_id: c,
                via: via.into(),
                text: Some("Hi Bob".into()),
                duration: duration.map(str::to_string),
                outcome: outcome.map(str::to_string),
                ..Default::default()
            },
        )
        .unwrap();
        let text = r.ack.expect("acknowledged").text;
        assert!(!text.contains("private message"), "{via}: {text}");
        (c, text)
    };
    let (c, t) = ack_of(T0, "phone", None, None);
    assert_eq!(
        t,
        format!("Hi Bob, sorry about this — we'll call you to sort it out. #{c}"),
        "no call logged yet: a promise"
    );
    let (c, t) = ack_of(T0 + 1, "phone", Some("10m"), Some("resolved"));
    assert_eq!(
        t,
        format!("Hi Bob, sorry about this — we've called you to sort it out. #{c}")
    );
    let (c, t) = ack_of(T0 + 2, "phone", Some("0"), Some("voicemail"));
    assert_eq!(
        t,
        format!(
            "Hi Bob, sorry about this — we tried to call you — please call us back to sort it out. #{c}"
        )
    );
    let (c, t) = ack_of(T0 + 3, "dm", None, None);
    assert_eq!(
        t,
        format!("Hi Bob, sorry about this — we've sent you a direct message to sort it out. #{c}")
    );

    // The preview in the take-offline dialog renders the same words.
    let preview = template::template_render(
        &w.ctx,
        &TemplateRenderParams {
            name: offline::DEFAULT_ACK_TEMPLATE.into(),
            case_id: c,
            visibility: Some("public".into()),
            offline_via: Some("phone".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        preview.text,
        format!("Hi Bob, sorry about this — we'll call you to sort it out. #{c}")
    );
    let e = template::template_render(
        &w.ctx,
        &TemplateRenderParams {
            name: offline::DEFAULT_ACK_TEMPLATE.into(),
            case_id: c,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        e.message.contains("{offline_route}") && e.message.contains("offline_via"),
        "outside take-offline the route is unknown, and the message says how to preview: {e}"
    );
}

#[test]
fn taking_a_case_offline_again_posts_no_second_public_reply_unless_asked() {
    let w = ws();
    let bsky = social_account(&w, "bluesky", "bsky");
    let (_, c) = bob_post(&w, bsky, "bluesky", T0);
    let take = |again: bool| {
        offline(
            &w,
            CaseOfflineParams {
                case_id: c,
                via: "phone".into(),
                text: Some("call".into()),
                ack_again: again,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let first = take(false);
    let ack = first.ack.expect("the first take-offline acknowledges");
    let second = take(false);
    assert!(second.ack.is_none(), "no second public reply");
    let why = second.ack_skipped.expect("a notice says why");
    assert!(
        why.contains("already queued")
            && why.contains(&format!("outbox item {}", ack.outbox_id))
            && why.contains("--ack-again"),
        "{why}"
    );
    let publics = || {
        outbox_rows(&w)
            .into_iter()
            .filter(|o| o.kind == "public_reply")
            .count()
    };
    assert_eq!(publics(), 1);
    let third = take(true);
    assert!(third.ack.is_some(), "asked for: a second acknowledgement");
    assert_eq!(publics(), 2);

    // An acknowledgement that was undone does not count.
    let (_, other) = bob_post(&w, bsky, "bluesky", T0 + 5);
    let once = |case_id| {
        offline(
            &w,
            CaseOfflineParams {
                case_id,
                via: "phone".into(),
                ..Default::default()
            },
        )
        .unwrap()
    };
    once(other);
    undo_last(
        &w.ctx,
        &UndoLastParams {
            case_id: Some(other),
        },
    )
    .unwrap();
    assert!(once(other).ack.is_some(), "the undone one never went out");
}

#[test]
fn the_offline_email_subject_is_short_or_the_emails_own() {
    let w = ws();
    let bsky = social_account(&w, "bluesky", "bsky");
    let shop = email_account(&w, "shop", "help@shop.example");
    let (_, post_case) = bob_post(&w, bsky, "bluesky", T0);
    let r = offline(
        &w,
        CaseOfflineParams {
            case_id: post_case,
            via: "email".into(),
            text: Some("Hi Bob".into()),
            to: Some("bob@example.com".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        r.subject.as_deref(),
        Some(&*format!(
            "Your message about “my order never came, terrible” [#{post_case}]"
        )),
        "the post's first words, without the @mention"
    );
    let (_, mail_case) = alice_email(&w, shop, "a1@x", T0 + 1);
    let r = offline(
        &w,
        CaseOfflineParams {
            case_id: mail_case,
            via: "email".into(),
            text: Some("Hi Alice".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        r.subject.as_deref(),
        Some(&*format!("Parcel late [#{mail_case}]")),
        "an email case keeps its subject"
    );
}

// ---------------------------------------------------------------------------------------------
// What a case shows
// ---------------------------------------------------------------------------------------------

#[test]
fn template_render_picks_the_variant_by_how_the_customer_wrote() {
    let w = ws();
    let bsky = social_account(&w, "bluesky", "bsky");
    let shop = email_account(&w, "shop", "help@shop.example");
    let (_, post) = bob_post(&w, bsky, "bluesky", T0);
    let (_, mail) = alice_email(&w, shop, "a1@x", T0);
    template::template_save(
        &w.ctx,
        &TemplateSaveParams {
            name: "hello".into(),
            variants: vec![
                TemplateVariant {
                    variant: "public".into(),
                    body: "short".into(),
                },
                TemplateVariant {
                    variant: "private".into(),
                    body: "long".into(),
                },
            ],
        },
    )
    .unwrap();
    let render = |case_id| {
        template::template_render(
            &w.ctx,
            &TemplateRenderParams {
                name: "hello".into(),
                case_id,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let r = render(post);
    assert_eq!(
        (r.variant.as_str(), r.visibility.as_deref()),
        ("public", Some("public")),
        "a public post gets the public variant"
    );
    let r = render(mail);
    assert_eq!(
        (r.variant.as_str(), r.visibility.as_deref()),
        ("private", Some("private"))
    );
}

#[test]
fn case_show_has_triage_follow_ups_calls_and_only_earlier_cases() {
    let w = ws();
    let shop = email_account(&w, "shop", "help@shop.example");
    let (_, first) = alice_email(&w, shop, "a1@x", T0);
    set_status(&w, first, "resolved").unwrap();
    w.clock.set(T0 + 40 * 24 * HOUR);
    let mut m = reply_from_alice(shop, "a2@x", T0 + 40 * 24 * HOUR);
    m.subject = Some("Another thing".into());
    m.subject_key = Some("another thing".into());
    m.in_reply_to = None;
    m.references = vec![];
    let (_, second) = stored(write(&w, |tx| {
        ingest::ingest(tx, &m, "sync", T0 + 40 * 24 * HOUR)
    }));
    assert_ne!(first, second);
    case::case_set_reason(
        &w.ctx,
        &CaseSetReasonParams {
            case_id: second,
            reason: "faster".into(),
            text: None,
        },
    )
    .unwrap();
    followup::followup_add(
        &w.ctx,
        &FollowupAddParams {
            case_id: second,
            due: "+2d".into(),
            note: Some("check the parcel arrived".into()),
        },
    )
    .unwrap();
    offline::case_log_call(
        &w.ctx,
        &CaseLogCallParams {
            case_id: second,
            duration: "12m30s".into(),
            outcome: "resolved".into(),
            note: Some("Explained the delay".into()),
            ..Default::default()
        },
    )
    .unwrap();

    let shown = case::case_show(&w.ctx, second).unwrap();
    assert_eq!(shown.case.channel_reason.as_deref(), Some("faster"));
    assert_eq!(shown.follow_ups.len(), 1);
    assert_eq!(shown.follow_ups[0].note, "check the parcel arrived");
    assert_eq!(shown.calls.len(), 1);
    assert_eq!(shown.calls[0].duration_s, 750);
    assert_eq!(shown.calls[0].outcome.as_deref(), Some("resolved"));
    assert_eq!(shown.calls[0].note, "Explained the delay");
    let earlier: Vec<i64> = shown.earlier_cases.iter().map(|c| c.id).collect();
    assert_eq!(earlier, vec![first], "the earlier case, not this one");
    let json = serde_json::to_value(&shown).unwrap();
    for key in [
        "priority",
        "response_due_at",
        "snoozed_until",
        "channel_reason",
        "snooze_until_reply",
        "follow_ups",
        "calls",
        "repeat",
        "earlier_cases",
    ] {
        assert!(json.get(key).is_some(), "case show JSON has {key}");
    }

    let older = case::case_show(&w.ctx, first).unwrap();
    assert!(
        older.earlier_cases.is_empty(),
        "a newer case is never an earlier one: {:?}",
        older.earlier_cases
    );
    assert_eq!(
        older.contact_history.unwrap().cases.len(),
        2,
        "the whole history is still there"
    );
}

#[test]
fn the_account_of_logged_calls_is_listed_but_not_removable() {
    let w = ws();
    let shop = email_account(&w, "shop", "help@shop.example");
    let (_, c) = alice_email(&w, shop, "a1@x", T0);
    offline::case_log_call(
        &w.ctx,
        &CaseLogCallParams {
            case_id: c,
            duration: "5m".into(),
            outcome: "resolved".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let list = switchboard_api::account::account_list(&w.ctx).unwrap();
    let manual = list.iter().find(|a| a.name == "manual").expect("listed");
    assert!(!manual.removable);
    assert_eq!(
        manual.health.status,
        switchboard_api::account::SyncStatus::Local
    );
    let mail = list.iter().find(|a| a.name == "shop").unwrap();
    assert!(mail.removable);
    let e = switchboard_api::account::account_remove(&w.ctx, "manual").unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(e.message.contains("logged calls"), "{e}");
}
