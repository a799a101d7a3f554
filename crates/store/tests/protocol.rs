//! The protocol hook in ingest: rules applied to cases, response clocks armed and met,
//! breaches recorded exactly once, reopen re-arms, repeat contact, and rule editing.

mod common;

use chrono::TimeZone;
use common::{archive, email, open};
use switchboard_core::protocol::{Actions, Conditions, Rule, default_rules};
use switchboard_core::sla::ResponseSettings;
use switchboard_store::Store;
use switchboard_store::contacts::IdentityRef;
use switchboard_store::ingest::{IngestOutcome, NewMessage, Visibility, ingest};
use switchboard_store::{cases, protocol, sla};

const MIN: i64 = 60_000;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    chrono::Utc
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp_millis()
}

/// Monday 23 Nov 2026, 10:00 UTC (default hours: Mon–Fri 09–17 UTC).
fn monday() -> i64 {
    utc(2026, 11, 23, 10, 0)
}

fn post(account: i64, id: &str, handle: &str, text: &str, at: i64) -> NewMessage {
    let mut m = email(account, id, "x@example.com", "", at);
    m.channel = "bluesky".into();
    m.author = Some(IdentityRef {
        channel: "bluesky".into(),
        external_id: format!("did:plc:{handle}"),
        handle: Some(format!("{handle}.bsky.social")),
        display_name: Some(handle.into()),
    });
    m.visibility = Visibility::Public;
    m.subject = None;
    m.subject_key = None;
    m.conversation_key = Some(format!("at://{handle}/{id}"));
    m.text = text.into();
    m.snippet = text.into();
    m
}

fn put(store: &mut Store, m: &NewMessage, actor: &str, now: i64) -> (i64, i64) {
    match store.write(|tx| ingest(tx, m, actor, now)).unwrap() {
        IngestOutcome::Stored {
            case_id,
            message_id,
            ..
        } => (case_id, message_id),
        other => panic!("not stored: {other:?}"),
    }
}

fn reply(m: &NewMessage, id: &str, at: i64) -> NewMessage {
    let mut r = m.clone();
    r.external_id = id.into();
    r.direction = Some(switchboard_core::Direction::Outbound);
    r.in_reply_to = Some(m.external_id.clone());
    r.sent_at = at;
    r.received_at = at;
    r
}

fn case(store: &Store, id: i64) -> cases::CaseSummary {
    cases::summary(store.conn(), id).unwrap()
}

#[test]
fn migration_ships_the_default_protocol() {
    let (_d, store) = open();
    let stored: Vec<Rule> = protocol::list(store.conn())
        .unwrap()
        .into_iter()
        .map(|r| Rule { id: None, ..r })
        .collect();
    assert_eq!(
        stored,
        default_rules(),
        "0005_protocol.sql must match core::protocol::default_rules"
    );
}

#[test]
fn public_complaint_gets_high_priority_a_60_minute_target_and_a_reason() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let m = post(
        acc,
        "p1",
        "ann",
        "Worst service ever, I want a refund",
        monday(),
    );
    let (case_id, message_id) = put(&mut store, &m, "sync", monday() + MIN);
    let c = case(&store, case_id);
    assert_eq!(c.priority, "high");
    assert_eq!(
        c.response_due_at,
        Some(monday() + 60 * MIN),
        "calendar target from the post time"
    );
    let evs = protocol::evaluations(store.conn(), case_id, 10).unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].message_id, Some(message_id));
    assert_eq!(evs[0].fired[0].name, "Public complaint");
    assert!(
        evs[0].fired[0]
            .reasons
            .contains(&"keyword 'refund'".to_string())
    );
    assert_eq!(evs[0].applied["priority"]["to"], "high");
    let actor: String = store
        .conn()
        .query_row(
            "SELECT actor FROM events WHERE case_id = ?1 AND kind = 'protocol'",
            [case_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(actor, "rule");
}

#[test]
fn do_not_engage_contact_needs_no_reply_and_gets_no_clock() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let first = post(acc, "t1", "troll", "hello", monday());
    let (c1, _) = put(&mut store, &first, "sync", monday());
    store
        .write(|tx| {
            tx.conn().execute(
                "UPDATE contacts SET do_not_engage = 1 WHERE id = (SELECT contact_id FROM cases WHERE id = ?1)",
                [c1],
            )?;
            Ok(())
        })
        .unwrap();
    let m = post(acc, "t2", "troll", "you are terrible", monday() + 5 * MIN);
    let (c2, _) = put(&mut store, &m, "sync", monday() + 5 * MIN);
    let c = case(&store, c2);
    assert!(c.no_reply_needed);
    assert_eq!(c.priority, "low");
    assert_eq!(c.response_due_at, None);
    assert!(sla::pending_clock(store.conn(), c2).unwrap().is_none());
}

#[test]
fn private_email_gets_one_business_day_across_the_weekend() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let fri = utc(2026, 11, 20, 15, 0);
    let m = email(acc, "<e1@x>", "bob@example.com", "Question", fri);
    let (case_id, _) = put(&mut store, &m, "sync", fri);
    // 2 business hours on Friday, 6 on Monday: due Monday 15:00.
    assert_eq!(
        case(&store, case_id).response_due_at,
        Some(utc(2026, 11, 23, 15, 0))
    );
    assert_eq!(case(&store, case_id).priority, "normal");
}

#[test]
fn response_in_time_is_met_and_late_response_breaches_once() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let m = post(acc, "a1", "ann", "my order is broken", monday());
    let (case_id, _) = put(&mut store, &m, "sync", monday());
    put(
        &mut store,
        &reply(&m, "a1r", monday() + 30 * MIN),
        "sync",
        monday() + 30 * MIN,
    );
    assert_eq!(
        case(&store, case_id).response_due_at,
        None,
        "answered: nothing pending"
    );
    let k = sla::latest_clock(store.conn(), case_id).unwrap().unwrap();
    assert_eq!(k.responded_at, Some(monday() + 30 * MIN));
    assert!(sla::breaches(store.conn(), None).unwrap().is_empty());

    // A second complaint answered late: one breach, recorded by the response.
    let m = post(acc, "b1", "bea", "still waiting, unacceptable", monday());
    let (late_case, _) = put(&mut store, &m, "sync", monday());
    put(
        &mut store,
        &reply(&m, "b1r", monday() + 90 * MIN),
        "sync",
        monday() + 90 * MIN,
    );
    let b = sla::breaches(store.conn(), Some(late_case)).unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].recorded_by, "response");
    assert_eq!(b[0].due_at, monday() + 60 * MIN);
    assert_eq!(b[0].responded_at, Some(monday() + 90 * MIN));
    // A sweep afterwards records nothing new.
    assert!(
        store
            .write(|tx| sla::sweep(tx, monday() + 120 * MIN))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn sweep_records_each_breach_once_and_a_late_reply_completes_it() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let m = post(acc, "s1", "sam", "refund now", monday());
    let (case_id, _) = put(&mut store, &m, "sync", monday());
    assert!(
        store
            .write(|tx| sla::sweep(tx, monday() + 59 * MIN))
            .unwrap()
            .is_empty(),
        "not due yet"
    );
    let first = store
        .write(|tx| sla::sweep(tx, monday() + 61 * MIN))
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].case_id, case_id);
    assert_eq!(first[0].recorded_by, "sweep");
    assert!(
        store
            .write(|tx| sla::sweep(tx, monday() + 70 * MIN))
            .unwrap()
            .is_empty(),
        "idempotent"
    );
    put(
        &mut store,
        &reply(&m, "s1r", monday() + 80 * MIN),
        "sync",
        monday() + 80 * MIN,
    );
    let all = sla::breaches(store.conn(), None).unwrap();
    assert_eq!(all.len(), 1, "the late reply does not add a second breach");
    assert_eq!(all[0].responded_at, Some(monday() + 80 * MIN));
}

#[test]
fn snoozed_and_resolved_cases_do_not_breach() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let m = post(acc, "z1", "zoe", "broken again", monday());
    let (case_id, _) = put(&mut store, &m, "sync", monday());
    store
        .write(|tx| {
            cases::set_status(
                tx,
                case_id,
                switchboard_core::CaseStatus::Snoozed,
                Some(switchboard_core::Wake::At(monday() + 600 * MIN)),
                "user",
                monday(),
            )
        })
        .unwrap();
    assert!(
        store
            .write(|tx| sla::sweep(tx, monday() + 120 * MIN))
            .unwrap()
            .is_empty()
    );
    assert!(sla::pending(store.conn(), i64::MAX).unwrap().is_empty());
}

#[test]
fn reopen_re_arms_the_target() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let m = post(acc, "r1", "rob", "hello there", monday());
    let (case_id, _) = put(&mut store, &m, "sync", monday());
    assert_eq!(
        case(&store, case_id).response_due_at,
        Some(monday() + 120 * MIN)
    );
    store
        .write(|tx| {
            cases::set_status(
                tx,
                case_id,
                switchboard_core::CaseStatus::Resolved,
                None,
                "user",
                monday() + 10 * MIN,
            )
        })
        .unwrap();
    let later = monday() + 24 * 60 * MIN;
    let mut again = post(acc, "r2", "rob", "it happened again", later);
    again.conversation_key = m.conversation_key.clone();
    let (same, _) = put(&mut store, &again, "sync", later);
    assert_eq!(same, case_id, "same thread, same case");
    assert_eq!(
        case(&store, case_id).response_due_at,
        Some(later + 120 * MIN),
        "new clock"
    );
    let clocks: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM response_clocks WHERE case_id = ?1",
            [case_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(clocks, 2);
    assert!(
        sla::breaches(store.conn(), None).unwrap().is_empty(),
        "resolved clock never breached"
    );
}

#[test]
fn a_second_unanswered_message_does_not_push_the_due_time_later() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let m = post(acc, "w1", "wes", "hello", monday());
    let (case_id, _) = put(&mut store, &m, "sync", monday());
    let mut m2 = post(acc, "w2", "wes", "anyone?", monday() + 30 * MIN);
    m2.conversation_key = m.conversation_key.clone();
    put(&mut store, &m2, "sync", monday() + 30 * MIN);
    assert_eq!(
        case(&store, case_id).response_due_at,
        Some(monday() + 120 * MIN)
    );
    // A stricter rule firing later tightens it: the complaint target is 60 min from now.
    let mut m3 = post(
        acc,
        "w3",
        "wes",
        "this is unacceptable",
        monday() + 40 * MIN,
    );
    m3.conversation_key = m.conversation_key.clone();
    put(&mut store, &m3, "sync", monday() + 40 * MIN);
    assert_eq!(
        case(&store, case_id).response_due_at,
        Some(monday() + 100 * MIN)
    );
}

#[test]
fn rules_only_raise_priority_and_keep_an_owner() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let m = post(acc, "u1", "uma", "question", monday());
    let (case_id, _) = put(&mut store, &m, "sync", monday());
    store
        .write(|tx| {
            tx.conn().execute(
                "UPDATE cases SET priority = 'urgent', owner = 'kim' WHERE id = ?1",
                [case_id],
            )?;
            Ok(())
        })
        .unwrap();
    store
        .write(|tx| {
            protocol::save(
                tx,
                &Rule {
                    id: None,
                    name: "Everything to lee".into(),
                    enabled: true,
                    conditions: Conditions::default(),
                    actions: Actions {
                        owner: Some("lee".into()),
                        ..Default::default()
                    },
                },
                monday(),
            )
        })
        .unwrap();
    let mut m2 = post(acc, "u2", "uma", "a refund please", monday() + MIN);
    m2.conversation_key = m.conversation_key.clone();
    put(&mut store, &m2, "sync", monday() + MIN);
    let c = case(&store, case_id);
    assert_eq!(
        c.priority, "urgent",
        "high from the complaint rule does not lower urgent"
    );
    let owner: Option<String> = store
        .conn()
        .query_row("SELECT owner FROM cases WHERE id = ?1", [case_id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(owner.as_deref(), Some("kim"));

    // A case without an owner gets the rule's, and the evaluation says so.
    let m3 = post(acc, "v1", "vic", "hi", monday() + 2 * MIN);
    let (fresh, _) = put(&mut store, &m3, "sync", monday() + 2 * MIN);
    let owner: Option<String> = store
        .conn()
        .query_row("SELECT owner FROM cases WHERE id = ?1", [fresh], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(owner.as_deref(), Some("lee"));
    let ev = &protocol::evaluations(store.conn(), fresh, 1).unwrap()[0];
    assert_eq!(ev.applied["owner"]["to"], "lee");
}

#[test]
fn imported_open_cases_get_a_clock_from_the_message_time() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    // A public complaint from last week: 60 calendar minutes from when it was posted.
    let sent = monday() - 7 * 24 * 60 * MIN;
    let m = post(acc, "i1", "ida", "refund", sent);
    let (case_id, _) = put(&mut store, &m, "import", monday());
    let c = case(&store, case_id);
    assert_eq!(c.priority, "high");
    assert_eq!(c.response_due_at, Some(sent + 60 * MIN));
    // A private email imported: one business day counted within business hours from the
    // message time (Friday 15:00 → Monday 15:00), not from the import.
    let fri = utc(2026, 11, 20, 15, 0);
    let e = email(acc, "<imp1@x>", "ian@example.com", "Question", fri);
    let (email_case, _) = put(&mut store, &e, "import", monday() + 60 * MIN);
    assert_eq!(
        case(&store, email_case).response_due_at,
        Some(utc(2026, 11, 23, 15, 0))
    );
    // The unanswered backlog breaches like synced mail.
    let swept = store
        .write(|tx| sla::sweep(tx, monday() + 2 * 60 * MIN))
        .unwrap();
    assert_eq!(
        swept.iter().map(|b| b.case_id).collect::<Vec<_>>(),
        vec![case_id]
    );
}

#[test]
fn an_imported_reply_stored_before_its_message_meets_the_clock() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let sent = monday() - 3 * 24 * 60 * MIN;
    let m = post(acc, "n1", "nia", "my parcel is damaged", sent);
    // Newest first: our reply (30 minutes later) arrives before the complaint.
    put(
        &mut store,
        &reply(&m, "n1r", sent + 30 * MIN),
        "import",
        monday(),
    );
    let (case_id, _) = put(&mut store, &m, "import", monday());
    let c = case(&store, case_id);
    assert_eq!(c.response_due_at, None, "already answered");
    let k = sla::latest_clock(store.conn(), case_id).unwrap().unwrap();
    assert_eq!(k.started_at, sent);
    assert_eq!(k.responded_at, Some(sent + 30 * MIN));
    assert!(sla::breaches(store.conn(), None).unwrap().is_empty());
    // Answered late (90 minutes on a 60-minute target): met late, one breach.
    let m = post(acc, "n2", "noa", "still waiting, unacceptable", sent);
    put(
        &mut store,
        &reply(&m, "n2r", sent + 90 * MIN),
        "import",
        monday(),
    );
    let (late, _) = put(&mut store, &m, "import", monday());
    assert_eq!(case(&store, late).response_due_at, None);
    let b = sla::breaches(store.conn(), Some(late)).unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].responded_at, Some(sent + 90 * MIN));
}

#[test]
fn a_case_woken_from_snooze_after_its_due_time_is_not_breached_at_once() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    // Private email Monday 10:00: one business day (7 hours Monday, 1 Tuesday), Tuesday 10:00.
    let m = email(acc, "<s1@x>", "sue@example.com", "Question", monday());
    let (case_id, _) = put(&mut store, &m, "sync", monday());
    let due = utc(2026, 11, 24, 10, 0);
    assert_eq!(case(&store, case_id).response_due_at, Some(due));
    // Snoozed at 11:00 (7 business hours left) until Wednesday 09:00.
    let snoozed_at = monday() + 60 * MIN;
    let wake = utc(2026, 11, 25, 9, 0);
    store
        .write(|tx| {
            cases::set_status(
                tx,
                case_id,
                switchboard_core::CaseStatus::Snoozed,
                Some(switchboard_core::Wake::At(wake)),
                "user",
                snoozed_at,
            )
        })
        .unwrap();
    let woken = store
        .write(|tx| switchboard_store::triage::wake_due(tx, wake))
        .unwrap();
    assert_eq!(woken.len(), 1);
    // 14 business hours snoozed (Mon 11–17, Tue 9–17): due 7 business hours after waking.
    let moved = utc(2026, 11, 25, 16, 0);
    assert_eq!(case(&store, case_id).response_due_at, Some(moved));
    assert_eq!(
        sla::pending_clock(store.conn(), case_id)
            .unwrap()
            .unwrap()
            .due_at,
        moved
    );
    assert!(
        store.write(|tx| sla::sweep(tx, wake)).unwrap().is_empty(),
        "not overdue the moment it wakes"
    );
    assert_eq!(
        store.write(|tx| sla::sweep(tx, moved + MIN)).unwrap().len(),
        1
    );
}

#[test]
fn a_snoozed_case_opened_by_hand_keeps_its_calendar_time_left() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    // Public post: 120 calendar minutes. Snoozed after 30 (90 left), opened by hand an hour on.
    let m = post(acc, "v1", "val", "hello there", monday());
    let (case_id, _) = put(&mut store, &m, "sync", monday());
    let set = |store: &mut Store, to, wake, at| {
        store
            .write(|tx| cases::set_status(tx, case_id, to, wake, "user", at))
            .unwrap();
    };
    set(
        &mut store,
        switchboard_core::CaseStatus::Snoozed,
        Some(switchboard_core::Wake::OnReply),
        monday() + 30 * MIN,
    );
    set(
        &mut store,
        switchboard_core::CaseStatus::Open,
        None,
        monday() + 90 * MIN,
    );
    assert_eq!(
        case(&store, case_id).response_due_at,
        Some(monday() + 180 * MIN),
        "90 minutes were left when snoozed, 90 are left when opened"
    );
}

#[test]
fn repeat_contact_is_flagged_with_the_earlier_cases() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let e = email(
        acc,
        "<q1@x>",
        "kay@example.com",
        "Where is my parcel",
        monday(),
    );
    let (first, _) = put(&mut store, &e, "sync", monday());
    assert!(!case(&store, first).repeat);
    let p = post(acc, "k1", "kay", "hello?", monday() + 60 * MIN);
    let (second, _) = put(&mut store, &p, "sync", monday() + 60 * MIN);
    assert_ne!(first, second);
    assert!(
        !case(&store, second).repeat,
        "a different identity is a different contact until merged"
    );

    // Same contact, new email thread: repeat, and the default "Repeat contact" rule raises it.
    let e2 = email(
        acc,
        "<q2@x>",
        "kay@example.com",
        "Another problem",
        monday() + 120 * MIN,
    );
    let (third, _) = put(&mut store, &e2, "sync", monday() + 120 * MIN);
    let c = case(&store, third);
    assert!(c.repeat);
    assert_eq!(c.priority, "high");
    let earlier = sla::earlier_cases(store.conn(), third).unwrap();
    assert_eq!(earlier.len(), 1);
    assert_eq!(earlier[0].case_id, first);
    assert_eq!(earlier[0].channels, vec!["email".to_string()]);
    assert_eq!(earlier[0].status, "new");
}

#[test]
fn a_case_resolved_outside_the_window_is_not_a_repeat() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let old = monday() - 40 * 24 * 60 * MIN;
    let e = email(acc, "<o1@x>", "lou@example.com", "Old problem", old);
    let (first, _) = put(&mut store, &e, "sync", old);
    store
        .write(|tx| {
            cases::set_status(
                tx,
                first,
                switchboard_core::CaseStatus::Resolved,
                None,
                "user",
                old,
            )
        })
        .unwrap();
    let e2 = email(acc, "<o2@x>", "lou@example.com", "New problem", monday());
    let (second, _) = put(&mut store, &e2, "sync", monday());
    assert!(
        !case(&store, second).repeat,
        "resolved 40 days ago, window 30"
    );
    // With a 60-day window it counts.
    store
        .write(|tx| {
            sla::set_response_settings(
                tx,
                &ResponseSettings {
                    repeat_window_days: 60,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let e3 = email(acc, "<o3@x>", "lou@example.com", "Third problem", monday());
    let (third, _) = put(&mut store, &e3, "sync", monday());
    assert!(case(&store, third).repeat);
}

#[test]
fn rules_are_saved_moved_deleted_and_imported_in_order() {
    let (_d, mut store) = open();
    let names = |s: &Store| -> Vec<String> {
        protocol::list(s.conn())
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect()
    };
    let n = names(&store).len();
    let id = store
        .write(|tx| {
            protocol::save(
                tx,
                &Rule {
                    id: None,
                    name: "Night".into(),
                    enabled: true,
                    conditions: Conditions::default(),
                    actions: Actions::default(),
                },
                monday(),
            )
        })
        .unwrap();
    assert_eq!(names(&store).last().unwrap(), "Night");
    store.write(|tx| protocol::move_to(tx, id, 1)).unwrap();
    assert_eq!(names(&store)[0], "Night");
    assert_eq!(names(&store).len(), n + 1);
    store.write(|tx| protocol::delete(tx, id)).unwrap();
    assert_eq!(names(&store).len(), n);
    let positions: Vec<i64> = store
        .conn()
        .prepare("SELECT position FROM protocol_rules ORDER BY position")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(positions, (1..=n as i64).collect::<Vec<_>>(), "no gaps");

    // A bad rule in an import names itself and writes nothing.
    let mut bad = default_rules();
    bad[2].name = " ".into();
    let e = store
        .write(|tx| protocol::import(tx, &bad, true, monday()))
        .unwrap_err();
    assert!(e.to_string().contains("rule 3"), "{e}");
    assert_eq!(names(&store).len(), n);
    store
        .write(|tx| protocol::import(tx, &default_rules()[..2], true, monday()))
        .unwrap();
    assert_eq!(names(&store), ["Do-not-engage contact", "VIP contact"]);
    store
        .write(|tx| protocol::import(tx, &default_rules()[2..3], false, monday()))
        .unwrap();
    assert_eq!(names(&store).len(), 3);
}

/// Rows in every table of the database (FTS shadow tables included).
fn table_rows(store: &Store) -> Vec<(String, i64)> {
    let conn = store.conn();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    names
        .into_iter()
        .map(|n| {
            let c = conn
                .query_row(&format!("SELECT count(*) FROM \"{n}\""), [], |r| r.get(0))
                .unwrap();
            (n, c)
        })
        .collect()
}

#[test]
fn repeat_contact_storage_grows_linearly_with_a_customers_cases() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let mut case_ids = Vec::new();
    let mut counts = Vec::new();
    for n in 0..50 {
        let at = monday() + n * 10 * MIN;
        let e = email(
            acc,
            &format!("<lin{n}@x>"),
            "lin@example.com",
            &format!("Problem number {n}"),
            at,
        );
        case_ids.push(put(&mut store, &e, "sync", at).0);
        if [10, 30, 50].contains(&(n + 1)) {
            counts.push(table_rows(&store));
        }
    }
    case_ids.dedup();
    assert_eq!(case_ids.len(), 50, "one case per message");
    // Rows added by cases 31–50 are no more than those added by cases 11–30 (20 each): a
    // table that links every case to every earlier one would add twice as many.
    for ((name, at10), ((_, at30), (_, at50))) in
        counts[0].iter().zip(counts[1].iter().zip(counts[2].iter()))
    {
        let (first, second) = (at30 - at10, at50 - at30);
        assert!(
            second <= first + 2,
            "table {name} grew by {first} rows for cases 11–30, then by {second} for 31–50"
        );
        assert!(
            *at50 <= 50 * 10 + 20,
            "table {name} holds {at50} rows for 50 cases"
        );
    }
    // All 49 earlier cases are open: the last case is a repeat of the one before it.
    let last = *case_ids.last().unwrap();
    assert!(case(&store, last).repeat);
    assert_eq!(
        sla::repeat_of(store.conn(), last).unwrap(),
        Some((case_ids[48], 49))
    );
    assert!(!case(&store, case_ids[0]).repeat);
    let earlier = sla::earlier_cases(store.conn(), last).unwrap();
    assert_eq!(earlier.len() as i64, sla::EARLIER_CASES_LIMIT);
    assert_eq!(earlier[0].case_id, case_ids[48], "newest first");
    assert!(earlier.iter().all(|e| e.case_id != last));
}

#[test]
fn repeat_flags_are_recomputed_after_a_contact_merge_and_split() {
    use switchboard_store::{contacts, history};
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let e = email(acc, "<km1@x>", "kim@example.com", "Parcel", monday());
    let (first, _) = put(&mut store, &e, "sync", monday());
    let p = post(acc, "km2", "kim", "hello?", monday() + 60 * MIN);
    let (second, _) = put(&mut store, &p, "sync", monday() + 60 * MIN);
    assert!(!case(&store, second).repeat, "two contacts so far");
    let contact = |s: &Store, c: i64| case(s, c).contact.unwrap().id;
    let (kim_mail, kim_sky) = (contact(&store, first), contact(&store, second));
    store
        .write(|tx| contacts::merge(tx, kim_mail, &[kim_sky], "user", monday() + 2 * 60 * MIN))
        .unwrap();
    assert!(
        case(&store, second).repeat,
        "the later case is now a repeat"
    );
    assert!(!case(&store, first).repeat, "the earlier one is not");
    assert_eq!(
        sla::repeat_of(store.conn(), second).unwrap(),
        Some((first, 1))
    );
    assert_eq!(
        sla::earlier_cases(store.conn(), second)
            .unwrap()
            .iter()
            .map(|e| e.case_id)
            .collect::<Vec<_>>(),
        vec![first]
    );
    // Undo puts the flags back with the contacts.
    store
        .write(|tx| history::undo_last(tx, None, "user", monday() + 3 * 60 * MIN))
        .unwrap();
    assert!(!case(&store, second).repeat);
    // Merged again, then the Bluesky identity split off: no longer a repeat.
    store
        .write(|tx| contacts::merge(tx, kim_mail, &[kim_sky], "user", monday() + 4 * 60 * MIN))
        .unwrap();
    assert!(case(&store, second).repeat);
    let sky_identity = contacts::identities_of(store.conn(), kim_mail)
        .unwrap()
        .into_iter()
        .find(|i| i.channel == "bluesky")
        .unwrap()
        .id;
    store
        .write(|tx| {
            contacts::split(
                tx,
                kim_mail,
                &[sky_identity],
                "user",
                monday() + 5 * 60 * MIN,
            )
        })
        .unwrap();
    assert!(!case(&store, second).repeat);
    assert!(sla::repeat_of(store.conn(), second).unwrap().is_none());
}
