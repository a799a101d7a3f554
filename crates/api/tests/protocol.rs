//! The protocol, business hours and response clocks through the API, as the UI calls them,
//! with an injected clock.

use std::sync::Arc;

use chrono::TimeZone;
use switchboard_api::hours::{self, HoursGetParams, OpenRange};
use switchboard_api::protocol::{
    self, CaseInsightsParams, ProtocolExportParams, ProtocolImportParams, ProtocolListParams,
    ProtocolMoveParams, ProtocolSaveParams, ProtocolTestParams, RuleIdParams, SlaListParams,
    SlaSweepParams,
};
use switchboard_api::{Code, Ctx, FixedClock};
use switchboard_core::Priority;
use switchboard_core::protocol::{Actions, Conditions, Rule};
use switchboard_core::sla::ResponseState;
use switchboard_store::contacts::IdentityRef;
use switchboard_store::ingest::{IngestOutcome, NewMessage, Visibility, ingest};

const MIN: i64 = 60_000;

/// Monday 23 Nov 2026 10:00 UTC.
fn monday() -> i64 {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .unwrap()
        .timestamp_millis()
}

fn ctx() -> (tempfile::TempDir, Arc<FixedClock>, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    switchboard_api::workspace::workspace_init(dir.path()).unwrap();
    let clock = Arc::new(FixedClock::new(monday()));
    let ctx = Ctx::open(dir.path(), clock.clone()).unwrap();
    (dir, clock, ctx)
}

/// A public Bluesky post arriving now; returns its case id.
fn post(ctx: &Ctx, id: &str, text: &str) -> i64 {
    let now = ctx.now();
    let mut store = ctx.store();
    let account = store
        .write(|tx| switchboard_store::accounts::ensure_archive(tx, now))
        .unwrap();
    let m = NewMessage {
        account_id: account,
        channel: "bluesky".into(),
        external_id: id.into(),
        direction: None,
        author: Some(IdentityRef {
            channel: "bluesky".into(),
            external_id: "did:plc:ann".into(),
            handle: Some("ann.bsky.social".into()),
            display_name: Some("Ann".into()),
        }),
        recipients: vec![],
        visibility: Visibility::Public,
        subject: None,
        subject_key: None,
        conversation_key: Some(format!("at://ann/{id}")),
        in_reply_to: None,
        references: vec![],
        sent_at: now,
        received_at: now,
        text: text.into(),
        html: None,
        snippet: text.into(),
        has_remote_content: false,
        unread: true,
        raw_sha256: None,
        raw_size: None,
        attachments: vec![],
        automated: None,
    };
    match store.write(|tx| ingest(tx, &m, "sync", now)).unwrap() {
        IngestOutcome::Stored { case_id, .. } => case_id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_public_complaint_shows_its_rule_its_reasons_and_a_live_clock() {
    let (_d, clock, ctx) = ctx();
    let case_id = post(&ctx, "p1", "My parcel never arrived, I want a refund");
    let i = protocol::case_insights(&ctx, &CaseInsightsParams { case_id }).unwrap();
    assert_eq!(i.protocol.len(), 1);
    let fired = &i.protocol[0].fired[0];
    assert_eq!(fired.name, "Public complaint");
    assert_eq!(
        fired.reasons,
        ["public", "keyword 'refund'", "keyword 'never arrived'"]
    );
    assert_eq!(i.protocol[0].actions.priority, Some(Priority::High));
    assert_eq!(i.response.state, ResponseState::OnTrack);
    assert_eq!(i.response.due_at, Some(monday() + 60 * MIN));
    assert_eq!(i.response.remaining_ms, Some(60 * MIN));
    assert!(!i.repeat.repeat);
    assert_eq!(i.first_response_at, None);

    clock.set(monday() + 45 * MIN);
    let i = protocol::case_insights(&ctx, &CaseInsightsParams { case_id }).unwrap();
    assert_eq!(
        i.response.state,
        ResponseState::DueSoon,
        "15 min left, warning at 30"
    );
    let sweep = protocol::sla_sweep(&ctx, &SlaSweepParams::default()).unwrap();
    assert!(sweep.breached.is_empty());
    assert_eq!(
        sweep.due_soon.len(),
        1,
        "due soon: for a desktop notification"
    );
    assert_eq!(sweep.due_soon[0].case_id, case_id);

    clock.set(monday() + 61 * MIN);
    let i = protocol::case_insights(&ctx, &CaseInsightsParams { case_id }).unwrap();
    assert_eq!(i.response.state, ResponseState::Breached);
    assert_eq!(i.response.remaining_ms, Some(-MIN));
    let sweep = protocol::sla_sweep(&ctx, &SlaSweepParams::default()).unwrap();
    assert_eq!(sweep.breached.len(), 1);
    assert_eq!(sweep.breached[0].visibility, "public");
    assert_eq!(sweep.breached[0].channel, "bluesky");
    let again = protocol::sla_sweep(&ctx, &SlaSweepParams::default()).unwrap();
    assert!(again.breached.is_empty(), "a breach is recorded once");
    let list = protocol::sla_list(&ctx, &SlaListParams { breached: true }).unwrap();
    assert_eq!(list.breaches.len(), 1);
    assert!(list.pending.is_empty(), "--breached lists only breaches");
    let list = protocol::sla_list(&ctx, &SlaListParams { breached: false }).unwrap();
    assert_eq!(list.pending.len(), 1, "still unanswered");
    let i = protocol::case_insights(&ctx, &CaseInsightsParams { case_id }).unwrap();
    assert_eq!(i.breaches.len(), 1);
}

#[test]
fn export_then_import_round_trips_and_a_bad_file_changes_nothing() {
    let (_d, _c, ctx) = ctx();
    let before = protocol::protocol_list(&ctx, &ProtocolListParams {})
        .unwrap()
        .rules;
    let file = protocol::protocol_export(&ctx, &ProtocolExportParams {}).unwrap();
    assert_eq!(file.rules, before.len());
    assert!(file.text.contains("[[rule]]"));
    assert!(file.text.contains("name = \"Public complaint\""));
    let r = protocol::protocol_import(
        &ctx,
        &ProtocolImportParams {
            text: file.text.clone(),
            replace: true,
        },
    )
    .unwrap();
    let strip = |rules: &[Rule]| -> Vec<Rule> {
        rules
            .iter()
            .map(|r| Rule {
                id: None,
                ..r.clone()
            })
            .collect()
    };
    assert_eq!(
        strip(&r.rules),
        strip(&before),
        "replace with the export = the same rules"
    );
    // Appending doubles the list.
    let r = protocol::protocol_import(
        &ctx,
        &ProtocolImportParams {
            text: file.text.clone(),
            replace: false,
        },
    )
    .unwrap();
    assert_eq!(r.rules.len(), 2 * before.len());

    let bad = file
        .text
        .replacen("priority = \"high\"", "priority = \"sky-high\"", 1);
    let e = protocol::protocol_import(
        &ctx,
        &ProtocolImportParams {
            text: bad,
            replace: true,
        },
    )
    .unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(
        e.message.contains("rule 3 \"Public complaint\""),
        "{}",
        e.message
    );
    assert!(e.message.contains("sky-high"), "{}", e.message);
    let typo = "[[rule]]\nname = \"X\"\n[rule.conditions]\nkeyword = [\"a\"]\n";
    let e = protocol::protocol_import(
        &ctx,
        &ProtocolImportParams {
            text: typo.into(),
            replace: true,
        },
    )
    .unwrap_err();
    assert!(e.message.contains("rule 1 \"X\""), "{}", e.message);
    assert!(
        e.message.contains("unknown field `keyword`"),
        "{}",
        e.message
    );
    let now = protocol::protocol_list(&ctx, &ProtocolListParams {})
        .unwrap()
        .rules;
    assert_eq!(now.len(), 2 * before.len(), "failed imports wrote nothing");
}

#[test]
fn rules_are_added_moved_deleted_and_dry_run_without_changing_the_case() {
    let (_d, _c, ctx) = ctx();
    let case_id = post(&ctx, "q1", "a quick question");
    let vip_only = Rule {
        id: None,
        name: "Everything urgent".into(),
        enabled: true,
        conditions: Conditions::default(),
        actions: Actions {
            priority: Some(Priority::Urgent),
            owner: Some("sam".into()),
            ..Default::default()
        },
    };
    let saved = protocol::protocol_save(
        &ctx,
        &ProtocolSaveParams {
            rule: vip_only.clone(),
            position: Some(1),
        },
    )
    .unwrap();
    assert_eq!(saved.position, 1);
    let id = saved.rule.id.unwrap();
    let t = protocol::protocol_test(
        &ctx,
        &ProtocolTestParams {
            case_id,
            rules: None,
        },
    )
    .unwrap();
    assert_eq!(t.evaluation.fired[0].name, "Everything urgent");
    assert_eq!(t.evaluation.actions.priority, Some(Priority::Urgent));
    let c = switchboard_api::case::case_show(&ctx, case_id).unwrap();
    assert_eq!(c.case.priority, "normal", "a dry run changes nothing");

    // An unsaved rule list can be tried too.
    let t = protocol::protocol_test(
        &ctx,
        &ProtocolTestParams {
            case_id,
            rules: Some(vec![]),
        },
    )
    .unwrap();
    assert!(t.evaluation.fired.is_empty());

    let list = protocol::protocol_move(
        &ctx,
        &ProtocolMoveParams {
            rule_id: id,
            position: 99,
        },
    )
    .unwrap();
    assert_eq!(
        list.rules.last().unwrap().id,
        Some(id),
        "past the end = last"
    );
    let mut edited = saved.rule.clone();
    edited.enabled = false;
    protocol::protocol_save(
        &ctx,
        &ProtocolSaveParams {
            rule: edited,
            position: None,
        },
    )
    .unwrap();
    let gone = protocol::protocol_delete(&ctx, &RuleIdParams { rule_id: id }).unwrap();
    assert!(!gone.deleted.enabled);
    let e = protocol::protocol_delete(&ctx, &RuleIdParams { rule_id: id }).unwrap_err();
    assert_eq!(e.code, Code::NotFound);
    let bad = Rule {
        name: "".into(),
        ..vip_only
    };
    let e = protocol::protocol_save(
        &ctx,
        &ProtocolSaveParams {
            rule: bad,
            position: None,
        },
    )
    .unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(e.message.contains("name"), "{}", e.message);
}

#[test]
fn hours_are_validated_and_used_for_business_targets() {
    let (_d, clock, ctx) = ctx();
    let mut s = hours::hours_get(&ctx, &HoursGetParams {}).unwrap();
    assert_eq!(s.hours.time_zone, "UTC");
    s.hours.week.mon = vec![OpenRange::new("10:00", "09:00")];
    let e = hours::hours_set(&ctx, &s).unwrap_err();
    assert_eq!(e.code, Code::InvalidInput);
    assert!(
        e.message.contains("mon: range 10:00-09:00"),
        "{}",
        e.message
    );

    let mut s = hours::hours_get(&ctx, &HoursGetParams {}).unwrap();
    s.hours.time_zone = "Europe/Berlin".into();
    s.hours.holidays = vec!["2026-11-24".into()];
    let saved = hours::hours_set(&ctx, &s).unwrap();
    assert_eq!(saved, s);

    // A private email on Monday 15:00 Berlin (14:00 UTC): 2 business hours Monday, Tuesday is
    // a holiday, 6 more on Wednesday: due Wednesday 15:00 Berlin = 14:00 UTC.
    clock.set(monday() + 4 * 60 * MIN);
    let now = ctx.now();
    let case_id = {
        let mut store = ctx.store();
        let account = store
            .write(|tx| switchboard_store::accounts::ensure_archive(tx, now))
            .unwrap();
        let m = NewMessage {
            account_id: account,
            channel: "email".into(),
            external_id: "<h1@x>".into(),
            direction: None,
            author: Some(IdentityRef {
                channel: "email".into(),
                external_id: "bo@example.com".into(),
                handle: None,
                display_name: Some("Bo".into()),
            }),
            recipients: vec![],
            visibility: Visibility::Private,
            subject: Some("Invoice".into()),
            subject_key: Some("invoice".into()),
            conversation_key: None,
            in_reply_to: None,
            references: vec![],
            sent_at: now,
            received_at: now,
            text: "Could you resend it?".into(),
            html: None,
            snippet: "Could you resend it?".into(),
            has_remote_content: false,
            unread: true,
            raw_sha256: None,
            raw_size: None,
            attachments: vec![],
            automated: None,
        };
        match store.write(|tx| ingest(tx, &m, "sync", now)).unwrap() {
            IngestOutcome::Stored { case_id, .. } => case_id,
            other => panic!("{other:?}"),
        }
    };
    let i = protocol::case_insights(&ctx, &CaseInsightsParams { case_id }).unwrap();
    let wed = chrono::Utc
        .with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert_eq!(i.response.due_at, Some(wed));
    assert_eq!(
        i.response.remaining_ms,
        Some(8 * 60 * MIN),
        "business time left, not 48 h"
    );
}
