//! Threading, dedupe and case lifecycle on ingest, case by case.

mod common;

use common::*;
use switchboard_core::CaseStatus;
use switchboard_store::ingest::{IngestOutcome, ingest};
use switchboard_store::{Store, cases};

fn put(store: &mut Store, m: &switchboard_store::ingest::NewMessage) -> IngestOutcome {
    store.write(|tx| ingest(tx, m, "test", T0)).unwrap()
}

fn stored(o: IngestOutcome) -> (i64, i64, bool) {
    match o {
        IngestOutcome::Stored {
            conversation_id,
            case_id,
            new_case,
            ..
        } => (conversation_id, case_id, new_case),
        other => panic!("expected Stored, got {other:?}"),
    }
}

#[test]
fn the_same_message_twice_is_stored_once() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let m = email(acc, "a@x", "ann@example.com", "Broken mug", T0);
    stored(put(&mut s, &m));
    assert!(matches!(put(&mut s, &m), IngestOutcome::Duplicate { .. }));
    let n: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn replies_join_their_parent_by_in_reply_to_and_references() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let (conv, case, new) = stored(put(
        &mut s,
        &email(acc, "root@x", "ann@example.com", "Broken mug", T0),
    ));
    assert!(new);
    let mut r1 = email(
        acc,
        "r1@x",
        "ann@example.com",
        "totally different",
        T0 + HOUR,
    );
    r1.in_reply_to = Some("root@x".into());
    assert_eq!(
        stored(put(&mut s, &r1)),
        (conv, case, false),
        "In-Reply-To joins"
    );
    let mut r2 = email(acc, "r2@x", "bob@example.com", "other", T0 + 2 * HOUR);
    r2.references = vec!["root@x".into(), "missing@x".into()];
    assert_eq!(
        stored(put(&mut s, &r2)),
        (conv, case, false),
        "References join even past a missing id"
    );
}

#[test]
fn a_child_that_arrives_before_its_parent_is_still_one_thread() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let mut child = email(
        acc,
        "child@x",
        "ann@example.com",
        "Re: where is my order",
        T0 + HOUR,
    );
    child.in_reply_to = Some("parent@x".into());
    child.references = vec!["parent@x".into()];
    let (conv, case, _) = stored(put(&mut s, &child));
    let parent = email(acc, "parent@x", "ann@example.com", "where is my order", T0);
    assert_eq!(stored(put(&mut s, &parent)), (conv, case, false));
}

#[test]
fn two_replies_to_a_missing_root_share_a_conversation() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let mut a = email(acc, "a@x", "ann@example.com", "x", T0);
    a.references = vec!["gone@x".into()];
    let mut b = email(acc, "b@x", "bob@example.com", "y", T0 + 1);
    b.references = vec!["gone@x".into(), "other@x".into()];
    assert_eq!(stored(put(&mut s, &a)).0, stored(put(&mut s, &b)).0);
}

#[test]
fn subject_fallback_needs_the_same_customer_and_a_recent_thread() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let (conv, _, _) = stored(put(
        &mut s,
        &email(acc, "1@x", "ann@example.com", "Late parcel", T0),
    ));
    let again = email(
        acc,
        "2@x",
        "ann@example.com",
        "Re: Late parcel",
        T0 + 24 * HOUR,
    );
    assert_eq!(
        stored(put(&mut s, &again)).0,
        conv,
        "same customer, same subject, a day later"
    );
    let other = email(acc, "3@x", "bob@example.com", "Late parcel", T0 + 24 * HOUR);
    assert_ne!(
        stored(put(&mut s, &other)).0,
        conv,
        "another customer is another thread"
    );
    let much_later = email(
        acc,
        "4@x",
        "ann@example.com",
        "Late parcel",
        T0 + 90 * 24 * HOUR,
    );
    assert_ne!(
        stored(put(&mut s, &much_later)).0,
        conv,
        "three months later is a new problem"
    );
}

#[test]
fn inbound_reopens_a_resolved_case_and_our_reply_sets_waiting() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    s.write(|tx| switchboard_store::contacts::mark_self(tx, &who("help@shop.example", "Shop"), T0))
        .unwrap();
    let (_, case, _) = stored(put(
        &mut s,
        &email(acc, "q@x", "ann@example.com", "Refund?", T0),
    ));
    let mut reply = email(acc, "a@x", "help@shop.example", "Re: Refund?", T0 + HOUR);
    reply.in_reply_to = Some("q@x".into());
    reply.recipients[0].address = "ann@example.com".into();
    put(&mut s, &reply);
    let st = cases::summary(s.conn(), case).unwrap();
    assert_eq!(
        st.status,
        CaseStatus::Waiting,
        "our reply puts the ball in the customer's court"
    );
    assert_eq!(
        st.contact.unwrap().address.as_deref(),
        Some("ann@example.com")
    );

    s.write(|tx| cases::set_status(tx, case, CaseStatus::Resolved, None, "user", T0 + 2 * HOUR))
        .unwrap();
    let mut late_old = email(acc, "old@x", "ann@example.com", "Re: Refund?", T0 - HOUR);
    late_old.in_reply_to = Some("q@x".into());
    let o = put(&mut s, &late_old);
    assert!(matches!(
        o,
        IngestOutcome::Stored {
            reopened: false,
            ..
        }
    ));
    assert_eq!(
        cases::summary(s.conn(), case).unwrap().status,
        CaseStatus::Resolved,
        "old mail does not reopen"
    );

    let mut again = email(
        acc,
        "again@x",
        "ann@example.com",
        "Re: Refund?",
        T0 + 3 * HOUR,
    );
    again.in_reply_to = Some("a@x".into());
    assert!(matches!(
        put(&mut s, &again),
        IngestOutcome::Stored { reopened: true, .. }
    ));
    assert_eq!(
        cases::summary(s.conn(), case).unwrap().status,
        CaseStatus::Open
    );
    let kinds: Vec<String> = s
        .conn()
        .prepare("SELECT kind || ':' || json_extract(data, '$.to') FROM events WHERE case_id = ?1 AND kind = 'status' ORDER BY id")
        .unwrap()
        .query_map([case], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        kinds,
        ["status:waiting", "status:resolved", "status:open"],
        "every move is in the history"
    );
}

#[test]
fn a_failing_item_in_a_savepoint_leaves_the_batch_intact() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    s.write(|tx| {
        ingest(
            tx,
            &email(acc, "ok1@x", "ann@example.com", "one", T0),
            "test",
            T0,
        )?;
        let bad = tx.savepoint(|tx| {
            ingest(
                tx,
                &email(acc, "bad@x", "zed@example.com", "two", T0),
                "test",
                T0,
            )?;
            Err::<(), _>(switchboard_store::StoreError::Invalid("injected".into()))
        });
        assert!(bad.is_err());
        ingest(
            tx,
            &email(acc, "ok2@x", "bob@example.com", "three", T0),
            "test",
            T0,
        )?;
        Ok(())
    })
    .unwrap();
    let ids: Vec<String> = s
        .conn()
        .prepare("SELECT external_id FROM messages ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids, ["ok1@x", "ok2@x"]);
    let zed: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM identities WHERE external_id = 'zed@example.com'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(zed, 0, "the rolled-back item left no contact behind");
}

#[test]
fn commits_publish_change_sets_and_rollbacks_publish_nothing() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let rx = s.subscribe();
    let (_, case, _) = stored(put(&mut s, &email(acc, "c@x", "ann@example.com", "hi", T0)));
    let set = rx.try_recv().expect("a change set after commit");
    assert_eq!(set.ids(switchboard_store::Entity::Case), vec![case]);
    assert!(!set.ids(switchboard_store::Entity::Message).is_empty());
    let failed: switchboard_store::Result<()> = s.write(|tx| {
        tx.changed(switchboard_store::Entity::Case, case);
        Err(switchboard_store::StoreError::Invalid("no".into()))
    });
    assert!(failed.is_err());
    assert!(
        rx.try_recv().is_err(),
        "nothing published for a rolled-back write"
    );
}
