//! The sample-data workspace: what a newcomer sees, and that it stays apart from real data.

use std::sync::Arc;

use switchboard_api::app::App;
use switchboard_api::demo::{
    DemoStartParams, demo_remove, demo_start, workspace_status, write_demo,
};
use switchboard_api::rpc::NoParams;
use switchboard_api::{Ctx, FixedClock, MemorySecrets};

const NOW: i64 = 1_794_000_000_000;

#[test]
fn the_demo_has_every_channel_and_the_workflow_data_screens_show() {
    let dir = tempfile::tempdir().expect("tmp");
    let demo = dir.path().join("demo");
    let s = write_demo(&demo, 40, NOW).expect("write demo");
    assert_eq!(s.cases, 40, "one case per story: {s:?}");
    assert!(s.messages > 40, "answers and replies too: {s:?}");

    let ctx = Ctx::open(&demo, Arc::new(FixedClock::new(NOW))).expect("open");
    let list = switchboard_api::case::case_list(&ctx, &Default::default()).expect("list");
    let channels: std::collections::BTreeSet<&str> = list
        .cases
        .iter()
        .flat_map(|c| c.channels.iter().map(String::as_str))
        .collect();
    for ch in ["email", "bluesky", "mastodon"] {
        assert!(channels.contains(ch), "{ch} cases exist: {channels:?}");
    }
    for status in ["new", "waiting", "resolved"] {
        assert!(
            list.cases.iter().any(|c| c.status.as_str() == status),
            "some case is {status}"
        );
    }
    assert!(
        list.cases.iter().any(|c| !c.root_causes.is_empty()),
        "cases are tagged with root causes"
    );
    assert_eq!(list.total, 40, "the inbox holds the 40 stories");
    let automated = switchboard_api::case::case_list(
        &ctx,
        &switchboard_api::case::ListCasesParams {
            automated: Some(true),
            ..Default::default()
        },
    )
    .expect("automated list");
    assert_eq!(
        automated
            .cases
            .iter()
            .map(|c| c.automated.as_deref())
            .collect::<Vec<_>>(),
        vec![Some("List-Id: news.packwell.example")],
        "one newsletter shows what the Automated view is for"
    );
    let causes = switchboard_api::root_cause::root_cause_list(&ctx).expect("causes");
    assert!(causes.iter().any(|r| r.path == "Shipping › Late delivery"));
    assert!(
        causes
            .iter()
            .any(|r| r.path == "Billing › Double charge" && r.status == "fixed"),
        "one root cause is fixed, for the before/after view"
    );
    let followups =
        switchboard_api::followup::followup_list(&ctx, &Default::default()).expect("followups");
    let json = serde_json::to_value(&followups).expect("json");
    assert!(
        json.to_string().contains("overdue"),
        "an overdue follow-up: {json}"
    );
    let templates = switchboard_api::template::template_list(&ctx, &NoParams {}).expect("tpl");
    assert!(!templates.templates.is_empty());
    let accounts = switchboard_api::account::account_list(&ctx).expect("accounts");
    for kind in ["email", "bluesky", "mastodon"] {
        assert!(
            accounts.iter().any(|a| a.kind == kind),
            "a {kind} demo account"
        );
    }
}

#[test]
fn the_demo_is_the_same_every_time() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = write_demo(&dir.path().join("a"), 30, NOW).expect("a");
    let b = write_demo(&dir.path().join("b"), 30, NOW).expect("b");
    assert_eq!((a.cases, a.messages), (b.cases, b.messages));
    let list = |p: &std::path::Path| {
        let ctx = Ctx::open(p, Arc::new(FixedClock::new(NOW))).expect("open");
        let l = switchboard_api::case::case_list(&ctx, &Default::default()).expect("list");
        l.cases
            .iter()
            .map(|c| (c.subject.clone(), c.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(list(&dir.path().join("a")), list(&dir.path().join("b")));
}

#[test]
fn starting_and_removing_the_demo_never_touches_real_data() {
    let dir = tempfile::tempdir().expect("tmp");
    let home = dir.path().join("data");
    let app = App::open(
        &home,
        Arc::new(FixedClock::new(NOW)),
        Arc::new(MemorySecrets::default()),
    )
    .expect("app");
    switchboard_api::root_cause::root_cause_add(&app.ctx(), "Real cause", None).expect("real");
    let before = workspace_status(&app, &NoParams {}).expect("status");
    assert!(!before.demo_active);
    assert!(before.first_run, "no account and no case yet");

    let on = demo_start(&app, &DemoStartParams { cases: Some(12) }).expect("start");
    assert!(on.demo_active);
    assert_eq!(on.cases, 12);
    assert!(on.first_run, "the real workspace is still empty");
    assert!(app.demo_dir().exists());

    // Reopening (a restart) lands in the demo again.
    drop(app);
    let app = App::open(
        &home,
        Arc::new(FixedClock::new(NOW)),
        Arc::new(MemorySecrets::default()),
    )
    .expect("reopen");
    assert!(
        app.demo_active(),
        "the demo survives a restart until removed"
    );

    let off = demo_remove(&app, &NoParams {}).expect("remove");
    assert!(!off.demo_active);
    assert!(!app.demo_dir().exists(), "the demo folder is gone");
    let real = switchboard_api::root_cause::root_cause_list(&app.ctx()).expect("list");
    assert_eq!(real.len(), 1, "real data is untouched: {real:?}");
    assert_eq!(real[0].name, "Real cause");
}

#[test]
fn notifications_fire_once_for_due_follow_ups_and_new_public_complaints() {
    use switchboard_api::notice::{NoticeKind, Notifier};
    use switchboard_store::contacts::IdentityRef;
    use switchboard_store::ingest::{self, NewMessage, Visibility};

    let dir = tempfile::tempdir().expect("tmp");
    let demo = dir.path().join("demo");
    write_demo(&demo, 40, NOW).expect("demo");
    let clock = Arc::new(FixedClock::new(NOW));
    let ctx = Ctx::open(&demo, clock.clone()).expect("open");

    let mut n = Notifier::new();
    let first = n.collect(&ctx).expect("collect");
    let due: Vec<_> = first
        .iter()
        .filter(|x| x.kind == NoticeKind::FollowUpDue)
        .collect();
    assert_eq!(due.len(), 2, "the two overdue follow-ups: {first:?}");
    assert!(
        first.iter().all(|x| x.kind != NoticeKind::PublicComplaint),
        "history is not replayed on start: {first:?}"
    );
    let again = n.collect(&ctx).expect("collect again");
    assert!(
        again.iter().all(|x| x.kind != NoticeKind::FollowUpDue),
        "a follow-up is notified once: {again:?}"
    );
    // A restart (a new notifier) does not repeat follow-ups either: they are marked in the store.
    let restarted = Notifier::new().collect(&ctx).expect("restart");
    assert!(restarted.iter().all(|x| x.kind != NoticeKind::FollowUpDue));

    // A new public complaint arrives; the demo's protocol rules make it urgent.
    clock.set(NOW + 60_000);
    let account = switchboard_api::account::account_list(&ctx)
        .expect("accounts")
        .into_iter()
        .find(|a| a.kind == "bluesky")
        .expect("bluesky account");
    let text = "@tidewater my parcel arrived broken, in pieces. Refund please!";
    let m = NewMessage {
        account_id: account.id,
        channel: "bluesky".into(),
        external_id: "at://did:plc:new/app.bsky.feed.post/1".into(),
        direction: None,
        author: Some(IdentityRef {
            channel: "bluesky".into(),
            external_id: "did:plc:newcustomer".into(),
            handle: Some("new.bsky.social".into()),
            display_name: Some("New Customer".into()),
        }),
        recipients: vec![],
        visibility: Visibility::Public,
        subject: None,
        subject_key: None,
        conversation_key: Some("at://did:plc:new/app.bsky.feed.post/1".into()),
        in_reply_to: None,
        references: vec![],
        sent_at: NOW + 60_000,
        received_at: NOW + 60_000,
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
    ctx.store()
        .write(|tx| ingest::ingest(tx, &m, "sync", NOW + 60_000))
        .expect("ingest");
    let fresh = n.collect(&ctx).expect("collect");
    let public: Vec<_> = fresh
        .iter()
        .filter(|x| x.kind == NoticeKind::PublicComplaint)
        .collect();
    assert_eq!(
        public.len(),
        1,
        "one notice for the new complaint: {fresh:?}"
    );
    assert!(public[0].body.contains("broken"), "{:?}", public[0]);
    assert!(
        n.collect(&ctx)
            .expect("again")
            .iter()
            .all(|x| x.kind != NoticeKind::PublicComplaint),
        "shown once"
    );
}

#[test]
fn a_demo_workspace_is_recognised_as_sample_data() {
    let dir = tempfile::tempdir().expect("tmp");
    write_demo(&dir.path().join("demo"), 5, NOW).expect("demo");
    let demo = Ctx::open(&dir.path().join("demo"), Arc::new(FixedClock::new(NOW))).expect("open");
    assert!(switchboard_api::demo::is_demo_workspace(&demo).expect("check"));
    switchboard_api::workspace::workspace_init(&dir.path().join("real")).expect("init");
    let real = Ctx::open(&dir.path().join("real"), Arc::new(FixedClock::new(NOW))).expect("open");
    assert!(!switchboard_api::demo::is_demo_workspace(&real).expect("check"));
}

#[test]
fn every_protocol_rule_of_the_demo_acts_on_some_demo_case() {
    let dir = tempfile::tempdir().expect("tmp");
    let demo = dir.path().join("demo");
    write_demo(&demo, 40, NOW).expect("write demo");
    let ctx = Ctx::open(&demo, Arc::new(FixedClock::new(NOW))).expect("open");
    let rules = switchboard_api::protocol::protocol_list(
        &ctx,
        &switchboard_api::protocol::ProtocolListParams {},
    )
    .expect("rules")
    .rules;
    let list = switchboard_api::case::case_list(&ctx, &Default::default()).expect("list");
    // Which rules set at least one field (the first rule to set a field wins) on some case.
    let mut acted = std::collections::BTreeSet::new();
    for c in &list.cases {
        let insights = switchboard_api::protocol::case_insights(
            &ctx,
            &switchboard_api::protocol::CaseInsightsParams { case_id: c.id },
        )
        .expect("insights");
        for ev in &insights.protocol {
            acted.extend(ev.sources.iter().map(|s| s.rule.clone()));
        }
    }
    for r in &rules {
        assert!(
            acted.contains(&r.name),
            "rule {:?} never acts on a demo case (shadowed by an earlier rule, or no case matches); acted: {acted:?}",
            r.name
        );
    }
}

#[test]
fn demo_accounts_read_as_sample_data_not_as_waiting_for_a_first_sync() {
    let dir = tempfile::tempdir().expect("tmp");
    let demo = dir.path().join("demo");
    write_demo(&demo, 12, NOW).expect("write demo");
    let ctx = Ctx::open(&demo, Arc::new(FixedClock::new(NOW))).expect("open");
    for a in switchboard_api::account::account_list(&ctx).expect("accounts") {
        let expected = if a.name == "manual" || a.name == "archive" {
            switchboard_api::account::SyncStatus::Local
        } else {
            switchboard_api::account::SyncStatus::Demo
        };
        assert_eq!(a.health.status, expected, "{}", a.name);
        assert_ne!(a.health.status, switchboard_api::account::SyncStatus::New);
    }
}
