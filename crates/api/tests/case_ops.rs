//! Cases across channels, contacts, history and undo through the API, as the UI calls them.

use std::sync::Arc;

use serde_json::Value;

use switchboard_api::case::{self, CaseIdParams, SetStatusParams};
use switchboard_api::case_ops::{
    self, CaseLinkParams, CaseMergeParams, CaseSplitParams, TimelineItem,
};
use switchboard_api::contact::{
    self, ContactIdParams, ContactMergeParams, ContactSetFlagsParams, ContactSplitParams,
    ContactSuggestionsParams, MatchReason,
};
use switchboard_api::history::{self, UndoLastParams};
use switchboard_api::{Code, Ctx, FixedClock};
use switchboard_store::contacts::IdentityRef;
use switchboard_store::ingest::{IngestOutcome, NewMessage, Visibility, ingest};

const T0: i64 = 1_780_000_000_000;
const HOUR: i64 = 3_600_000;

fn ctx() -> (tempfile::TempDir, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    switchboard_api::workspace::workspace_init(dir.path()).unwrap();
    let ctx = Ctx::open(dir.path(), Arc::new(FixedClock::new(T0 + 100 * HOUR))).unwrap();
    (dir, ctx)
}

struct Msg<'a> {
    channel: &'a str,
    external_id: &'a str,
    handle: &'a str,
    name: &'a str,
    visibility: Visibility,
    text: &'a str,
    at: i64,
}

/// Stores one inbound message as a new case; returns (case, conversation, contact).
fn arrive(ctx: &Ctx, m: Msg<'_>) -> (i64, i64, i64) {
    let mut store = ctx.store();
    let account = store
        .write(|tx| switchboard_store::accounts::ensure_archive(tx, T0))
        .unwrap();
    let msg = NewMessage {
        account_id: account,
        channel: m.channel.into(),
        external_id: format!("{}-{}", m.channel, m.at),
        direction: None,
        author: Some(IdentityRef {
            channel: m.channel.into(),
            external_id: m.external_id.into(),
            handle: Some(m.handle.into()),
            display_name: Some(m.name.into()),
        }),
        recipients: vec![],
        visibility: m.visibility,
        subject: Some(m.text.into()),
        subject_key: None,
        conversation_key: Some(format!("conv-{}-{}", m.channel, m.at)),
        in_reply_to: None,
        references: vec![],
        sent_at: m.at,
        received_at: m.at,
        text: m.text.into(),
        html: None,
        snippet: m.text.into(),
        has_remote_content: false,
        unread: true,
        raw_sha256: None,
        raw_size: None,
        attachments: vec![],
        automated: None,
    };
    let out = store.write(|tx| ingest(tx, &msg, "sync", m.at)).unwrap();
    let IngestOutcome::Stored {
        case_id,
        conversation_id,
        ..
    } = out
    else {
        panic!("not stored")
    };
    let contact: i64 = store
        .conn()
        .query_row(
            "SELECT contact_id FROM cases WHERE id = ?1",
            [case_id],
            |r| r.get(0),
        )
        .unwrap();
    (case_id, conversation_id, contact)
}

fn bluesky_complaint(ctx: &Ctx) -> (i64, i64, i64) {
    arrive(
        ctx,
        Msg {
            channel: "bluesky",
            external_id: "did:plc:alice",
            handle: "alice.bsky.social",
            name: "Alice Martin",
            visibility: Visibility::Public,
            text: "My parcel is two weeks late @shop",
            at: T0,
        },
    )
}

fn email_followup(ctx: &Ctx) -> (i64, i64, i64) {
    arrive(
        ctx,
        Msg {
            channel: "email",
            external_id: "alice@example.com",
            handle: "alice@example.com",
            name: "Alice Martin",
            visibility: Visibility::Private,
            text: "Order 1234 details as requested",
            at: T0 + 2 * HOUR,
        },
    )
}

#[test]
fn a_complaint_taken_to_email_becomes_one_case_with_one_timeline() {
    let (_d, ctx) = ctx();
    let (public_case, _, bsky_contact) = bluesky_complaint(&ctx);
    let (mail_case, mail_conv, mail_contact) = email_followup(&ctx);
    assert_ne!(public_case, mail_case);

    // The contacts are suggested as one person, by name.
    let s = contact::contact_suggestions(
        &ctx,
        &ContactSuggestionsParams {
            contact_id: Some(bsky_contact),
        },
    )
    .unwrap();
    assert!(
        s.iter()
            .any(|x| x.other_id == mail_contact && x.reason == MatchReason::SimilarName),
        "{s:?}"
    );
    contact::contact_merge(
        &ctx,
        &ContactMergeParams {
            into: bsky_contact,
            from: vec![mail_contact],
        },
    )
    .unwrap();
    // Every case shows the customer's whole history across channels.
    let detail = case::case_show(&ctx, public_case).unwrap();
    let history = detail.contact_history.expect("the case has a contact");
    assert_eq!(history.identities.len(), 2);
    let ids: Vec<i64> = history.cases.iter().map(|c| c.id).collect();
    assert!(ids.contains(&public_case) && ids.contains(&mail_case));

    // Link the email conversation to the public case: one case, two channels.
    let link = case_ops::case_link(
        &ctx,
        &CaseLinkParams {
            case_id: public_case,
            conversation_id: mail_conv,
        },
    )
    .unwrap();
    assert_eq!(link.from_case, Some(mail_case));
    assert!(link.from_case_merged);
    let t = case_ops::case_timeline(
        &ctx,
        &CaseIdParams {
            case_id: public_case,
        },
    )
    .unwrap();
    let channels: Vec<(&str, &str)> = t
        .items
        .iter()
        .filter_map(|i| match i {
            TimelineItem::Message { message, .. } => {
                Some((message.channel.as_str(), message.visibility.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(channels, vec![("bluesky", "public"), ("email", "private")]);
    assert!(t.items.iter().any(|i| matches!(i,
        TimelineItem::Event { event, .. } if event.kind == "link")));

    // The history says what, when, who and from which device.
    let h = history::case_history(
        &ctx,
        &CaseIdParams {
            case_id: public_case,
        },
    )
    .unwrap();
    let link_ev = h.events.iter().find(|e| e.kind == "link").unwrap();
    assert_eq!(link_ev.actor, "user");
    assert!(link_ev.device.as_deref().is_some_and(|d| !d.is_empty()));
    assert_eq!(
        link_ev.summary,
        format!("conversation {mail_conv} linked here from case {mail_case}")
    );

    // Undo the link: the email is its own case again.
    let u = history::undo_last(&ctx, &UndoLastParams { case_id: None }).unwrap();
    assert_eq!(u.kind, "link");
    let back = case::case_show(&ctx, mail_case).unwrap();
    assert_eq!(back.messages.len(), 1);
    // Then the contact merge.
    let u = history::undo_last(&ctx, &UndoLastParams { case_id: None }).unwrap();
    assert_eq!(u.kind, "contact_merge");
    let c = contact::contact_show(
        &ctx,
        &ContactIdParams {
            contact_id: mail_contact,
        },
    )
    .unwrap();
    assert_eq!(c.merged_into, None);
    assert_eq!(c.identities.len(), 1);
    assert_eq!(c.cases.len(), 1);
}

#[test]
fn merge_and_split_cases_through_the_api() {
    let (_d, ctx) = ctx();
    let (a, _, _) = bluesky_complaint(&ctx);
    let (b, conv_b, _) = email_followup(&ctx);
    case::case_add_note(&ctx, b, "customer called too").unwrap();
    let m = case_ops::case_merge(
        &ctx,
        &CaseMergeParams {
            into: a,
            from: vec![b],
        },
    )
    .unwrap();
    assert_eq!((m.conversations_moved, m.notes_moved), (1, 1));
    assert_eq!(case::case_show(&ctx, a).unwrap().notes.len(), 1);
    let s = case_ops::case_split(
        &ctx,
        &CaseSplitParams {
            case_id: a,
            conversation_ids: vec![conv_b],
        },
    )
    .unwrap();
    assert_ne!(s.new_case_id, b, "a split makes a new case");
    assert_eq!(
        case::case_show(&ctx, s.new_case_id).unwrap().messages.len(),
        1
    );
    // Unlink is a split of one conversation; it may not empty a case.
    let err = case_ops::case_unlink(
        &ctx,
        &CaseLinkParams {
            case_id: s.new_case_id,
            conversation_id: conv_b,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, Code::InvalidInput);
    assert!(
        err.message.contains("without conversations"),
        "{}",
        err.message
    );
    let err = case_ops::case_merge(
        &ctx,
        &CaseMergeParams {
            into: a,
            from: vec![a],
        },
    )
    .unwrap_err();
    assert_eq!(err.code, Code::InvalidInput);
    let err = case_ops::case_merge(
        &ctx,
        &CaseMergeParams {
            into: a,
            from: vec![b],
        },
    )
    .unwrap_err();
    assert_eq!(
        err.code,
        Code::Conflict,
        "b is already merged: {}",
        err.message
    );
    let err = case_ops::case_timeline(&ctx, &CaseIdParams { case_id: 999 }).unwrap_err();
    assert_eq!(err.code, Code::NotFound);
}

#[test]
fn the_existing_case_actions_can_be_undone() {
    let (_d, ctx) = ctx();
    let (a, _, _) = bluesky_complaint(&ctx);
    switchboard_api::root_cause::root_cause_add(&ctx, "Shipping", None).unwrap();
    case::case_set_status(
        &ctx,
        &SetStatusParams {
            case_id: a,
            status: "resolved".into(),
            snooze_until: None,
            until_reply: false,
        },
    )
    .unwrap();
    case::case_tag_root_cause(&ctx, a, "Shipping").unwrap();
    case::case_label(&ctx, a, "refund").unwrap();
    case::case_add_note(&ctx, a, "goodwill voucher sent").unwrap();
    let undo = |expect: &str| {
        let u = history::undo_last(&ctx, &UndoLastParams { case_id: Some(a) }).unwrap();
        assert_eq!(u.kind, expect);
    };
    undo("note");
    assert!(case::case_show(&ctx, a).unwrap().notes.is_empty());
    undo("label");
    assert!(case::case_show(&ctx, a).unwrap().case.labels.is_empty());
    undo("tag_root_cause");
    assert!(
        case::case_show(&ctx, a)
            .unwrap()
            .case
            .root_causes
            .is_empty()
    );
    undo("status");
    let shown = case::case_show(&ctx, a).unwrap();
    assert_eq!(shown.case.status, switchboard_core::CaseStatus::New);
    // Nothing the user did is left: the ingest events are not the user's to undo.
    let err = history::undo_last(&ctx, &UndoLastParams { case_id: Some(a) }).unwrap_err();
    assert_eq!(err.code, Code::Conflict);
    assert_eq!(err.message, format!("nothing to undo on case {a}"));
    let h = history::case_history(&ctx, &CaseIdParams { case_id: a }).unwrap();
    assert_eq!(h.events.iter().filter(|e| e.kind == "undo").count(), 4);
    assert!(
        h.events
            .iter()
            .any(|e| e.summary == "undid: internal note added")
    );
    assert!(h.events.iter().any(|e| e.summary == "label refund added"));
    assert!(
        h.events
            .iter()
            .any(|e| e.summary == "root cause Shipping added")
    );
}

#[test]
fn contact_split_and_flags() {
    let (_d, ctx) = ctx();
    let (pub_case, _, bsky) = bluesky_complaint(&ctx);
    let (mail_case, _, mail) = email_followup(&ctx);
    contact::contact_merge(
        &ctx,
        &ContactMergeParams {
            into: bsky,
            from: vec![mail],
        },
    )
    .unwrap();
    let shown = contact::contact_show(&ctx, &ContactIdParams { contact_id: bsky }).unwrap();
    let mail_identity = shown
        .identities
        .iter()
        .find(|i| i.channel == "email")
        .unwrap()
        .id;
    let s = contact::contact_split(
        &ctx,
        &ContactSplitParams {
            contact_id: bsky,
            identity_ids: vec![mail_identity],
        },
    )
    .unwrap();
    assert_eq!(
        s.case_ids,
        vec![mail_case],
        "the email case goes with its identity"
    );
    let new = contact::contact_show(
        &ctx,
        &ContactIdParams {
            contact_id: s.new_contact_id,
        },
    )
    .unwrap();
    assert_eq!(new.identities.len(), 1);
    assert_eq!(new.cases.len(), 1);
    let old = contact::contact_show(&ctx, &ContactIdParams { contact_id: bsky }).unwrap();
    assert_eq!(
        old.cases.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![pub_case]
    );
    let err = contact::contact_split(
        &ctx,
        &ContactSplitParams {
            contact_id: bsky,
            identity_ids: vec![mail_identity],
        },
    )
    .unwrap_err();
    assert_eq!(err.code, Code::InvalidInput, "{}", err.message);

    let f = contact::contact_set_flags(
        &ctx,
        &ContactSetFlagsParams {
            contact_id: bsky,
            vip: Some(true),
            do_not_engage: None,
        },
    )
    .unwrap();
    assert!(f.vip && !f.do_not_engage);
    let err = contact::contact_set_flags(
        &ctx,
        &ContactSetFlagsParams {
            contact_id: bsky,
            vip: None,
            do_not_engage: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, Code::InvalidInput);
    let u = history::undo_last(&ctx, &UndoLastParams::default()).unwrap();
    assert_eq!(u.kind, "contact_flags");
    let c = contact::contact_show(&ctx, &ContactIdParams { contact_id: bsky }).unwrap();
    assert!(!c.vip);
    let err = contact::contact_show(&ctx, &ContactIdParams { contact_id: 4242 }).unwrap_err();
    assert_eq!(err.code, Code::NotFound);
}

#[test]
fn same_handle_across_networks_is_suggested() {
    let (_d, ctx) = ctx();
    let (_, _, bsky) = bluesky_complaint(&ctx);
    let (_, _, masto) = arrive(
        &ctx,
        Msg {
            channel: "mastodon",
            external_id: "https://mastodon.social/users/alice",
            handle: "alice@mastodon.social",
            name: "A. M.",
            visibility: Visibility::Public,
            text: "still waiting",
            at: T0 + HOUR,
        },
    );
    let s = contact::contact_suggestions(&ctx, &ContactSuggestionsParams::default()).unwrap();
    let hit = s
        .iter()
        .find(|x| x.reason == MatchReason::SameHandle)
        .expect("same handle suggested");
    assert_eq!(
        (hit.contact_id, hit.other_id),
        (bsky.min(masto), bsky.max(masto))
    );
    assert!(
        hit.detail.contains("alice.bsky.social") && hit.detail.contains("alice@mastodon.social")
    );
}

/// The UI calls these by name over the command table (Tauri IPC and HTTP alike).
#[tokio::test]
async fn the_commands_run_by_name_over_rpc() {
    use serde_json::json;
    use switchboard_api::app::App;
    use switchboard_api::{MemorySecrets, rpc};
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(
        &dir.path().join("data"),
        Arc::new(FixedClock::new(T0 + 100 * HOUR)),
        Arc::new(MemorySecrets::default()),
    )
    .unwrap();
    let (a, _, _) = bluesky_complaint(&app.ctx());
    let (_, conv_b, _) = email_followup(&app.ctx());
    let linked = rpc::call(
        &app,
        "case_link",
        json!({ "case_id": a, "conversation_id": conv_b }),
    )
    .await
    .unwrap();
    assert_eq!(linked["from_case_merged"], true);
    let t = rpc::call(&app, "case_timeline", json!({ "case_id": a }))
        .await
        .unwrap();
    assert_eq!(
        t["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["type"] == "message")
            .count(),
        2
    );
    let u = rpc::call(&app, "undo_last", json!({})).await.unwrap();
    assert_eq!(u["kind"], "link");
    let err = rpc::call(&app, "undo_last", json!({ "case_id": a }))
        .await
        .unwrap_err();
    assert_eq!(err.code, Code::Conflict);
    let s = rpc::call(&app, "contact_suggestions", Value::Null)
        .await
        .unwrap();
    assert!(s.as_array().is_some_and(|v| !v.is_empty()));
}

#[test]
fn a_logged_call_is_on_the_timeline_with_duration_and_outcome() {
    let (_d, ctx) = ctx();
    let (a, _, _) = bluesky_complaint(&ctx);
    switchboard_api::offline::case_log_call(
        &ctx,
        &switchboard_api::offline::CaseLogCallParams {
            case_id: a,
            duration: "12m".into(),
            outcome: "resolved".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let t = case_ops::case_timeline(&ctx, &CaseIdParams { case_id: a }).unwrap();
    let call = t
        .items
        .iter()
        .find_map(|i| match i {
            TimelineItem::Message {
                message,
                call_duration_s: Some(d),
                call_outcome,
                ..
            } => Some((message.channel.clone(), *d, call_outcome.clone())),
            _ => None,
        })
        .expect("the call is a timeline message");
    assert_eq!(
        call,
        ("phone".to_string(), 720, Some("resolved".to_string()))
    );
    assert!(t.items.windows(2).all(|w| w[0].at() <= w[1].at()));
}

fn email_from(ctx: &Ctx, address: &str, name: &str, at: i64) -> i64 {
    arrive(
        ctx,
        Msg {
            channel: "email",
            external_id: address,
            handle: address,
            name,
            visibility: Visibility::Private,
            text: "About my order",
            at,
        },
    )
    .2
}

#[test]
fn same_surname_with_addresses_that_read_alike_is_suggested_with_both_sides_shown() {
    let (_d, ctx) = ctx();
    let margaret = email_from(&ctx, "mdunn@example.com", "Margaret Dunn", T0);
    let maggie = email_from(&ctx, "maggie.dunn@mail.example", "Maggie Dunn", T0 + HOUR);
    // Same surname, an address that says nothing about her name: not suggested.
    let other_dunn = email_from(
        &ctx,
        "orders@hardware.example",
        "Maureen Dunn",
        T0 + 2 * HOUR,
    );
    let paul = email_from(&ctx, "pdunn@example.com", "Paul Dunn", T0 + 3 * HOUR);

    let s = contact::contact_suggestions(
        &ctx,
        &ContactSuggestionsParams {
            contact_id: Some(margaret),
        },
    )
    .unwrap();
    assert_eq!(s.len(), 1, "only Maggie: {s:#?}");
    let x = &s[0];
    assert_eq!(
        (x.contact_id, x.other_id, x.reason),
        (margaret, maggie, MatchReason::SameSurname)
    );
    assert_eq!(
        x.detail,
        "\"Margaret Dunn\" <mdunn@example.com> and \"Maggie Dunn\" <maggie.dunn@mail.example>: \
         same surname, both addresses read as \"M. Dunn\""
    );
    assert_eq!(x.contact.id, margaret);
    assert_eq!(x.contact.display_name.as_deref(), Some("Margaret Dunn"));
    assert_eq!(
        x.contact
            .identities
            .iter()
            .map(|i| (i.channel.as_str(), i.external_id.as_str()))
            .collect::<Vec<_>>(),
        [("email", "mdunn@example.com")],
        "each side shows its channels and handles"
    );
    assert_eq!(x.other.id, maggie);
    assert_eq!(
        x.other.identities[0].external_id,
        "maggie.dunn@mail.example"
    );

    let all =
        contact::contact_suggestions(&ctx, &ContactSuggestionsParams { contact_id: None }).unwrap();
    for stranger in [other_dunn, paul] {
        assert!(
            all.iter()
                .all(|x| x.contact_id != stranger && x.other_id != stranger),
            "a shared surname alone suggests nothing: {all:#?}"
        );
    }
}
