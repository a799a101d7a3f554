//! Cases across channels: link, unlink, merge, split, and their undo, on a real database.

mod common;

use common::*;
use proptest::prelude::*;
use switchboard_store::ingest::{IngestOutcome, ingest};
use switchboard_store::{Store, StoreError, case_ops, history, undo};

/// One new case per message: distinct subjects and senders keep them apart.
fn new_case(store: &mut Store, account: i64, n: usize) -> (i64, i64) {
    let m = email(
        account,
        &format!("<m{n}@x>"),
        &format!("c{n}@example.com"),
        &format!("Problem {n}"),
        T0 + n as i64 * HOUR,
    );
    match store.write(|tx| ingest(tx, &m, "import", T0)).unwrap() {
        IngestOutcome::Stored {
            case_id,
            conversation_id,
            ..
        } => (case_id, conversation_id),
        other => panic!("not stored: {other:?}"),
    }
}

/// Everything a merge or split may touch, by case, in a comparable form.
fn snapshot(store: &Store) -> Vec<String> {
    let conn = store.conn();
    let mut out = Vec::new();
    for (table, order) in [
        (
            "cases",
            "id, status, subject, contact_id, priority, merged_into, last_message_at, last_inbound_at, snoozed_until, resolved_at, response_due_at, repeat_of, repeat_count",
        ),
        (
            "response_clocks",
            "id, case_id, due_at, responded_at, closed_at",
        ),
        ("sla_breaches", "id, case_id, clock_id"),
        ("case_conversations", "case_id, conversation_id, linked_at"),
        ("notes", "id, case_id, body"),
        ("follow_ups", "id, case_id, due_at"),
        ("case_root_causes", "case_id, root_cause_id, tagged_at"),
        ("case_labels", "case_id, label_id"),
    ] {
        let sql = format!("SELECT json_array({order}) FROM {table} ORDER BY 1");
        let mut stmt = conn.prepare(&sql).unwrap();
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        out.push(format!("{table}: {}", rows.join(" ")));
    }
    out
}

/// The conversation groups of live cases, ignoring case ids.
fn partition(store: &Store) -> Vec<Vec<i64>> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare(
            "SELECT group_concat(conversation_id) FROM
               (SELECT cc.case_id, cc.conversation_id FROM case_conversations cc
                  JOIN cases c ON c.id = cc.case_id WHERE c.merged_into IS NULL
                 ORDER BY cc.case_id, cc.conversation_id)
              GROUP BY case_id",
        )
        .unwrap();
    let mut groups: Vec<Vec<i64>> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|s| {
            let mut v: Vec<i64> = s.unwrap().split(',').map(|x| x.parse().unwrap()).collect();
            v.sort();
            v
        })
        .collect();
    groups.sort();
    groups
}

fn decorate(store: &mut Store, case_id: i64, seed: u8) {
    store
        .write(|tx| {
            if seed & 1 != 0 {
                switchboard_store::cases::add_note(
                    tx,
                    case_id,
                    &format!("note {seed}"),
                    "user",
                    T0,
                )?;
            }
            if seed & 2 != 0 {
                let rc = match switchboard_store::taxonomy::find(tx.conn(), "Shipping") {
                    Ok(rc) => rc,
                    Err(_) => switchboard_store::taxonomy::add(tx, "Shipping", None, T0)?,
                };
                switchboard_store::taxonomy::tag_case(tx, case_id, rc.id, "user", T0 + 1)?;
            }
            if seed & 4 != 0 {
                let l = switchboard_store::taxonomy::add_label(tx, "refund", None, T0)?;
                switchboard_store::taxonomy::label_case(tx, case_id, l.id, "user", T0)?;
            }
            if seed & 8 != 0 {
                tx.conn().execute(
                    "INSERT INTO follow_ups (case_id, due_at, created_at) VALUES (?1, ?2, ?2)",
                    [case_id, T0 + 7 * HOUR],
                )?;
            }
            Ok(())
        })
        .unwrap();
}

/// Builds `groups.len()` cases; group g gets `groups[g]` conversations (linked into it).
fn layout(store: &mut Store, groups: &[usize], seeds: &[u8]) -> Vec<i64> {
    let account = archive(store);
    let mut n = 0;
    let mut cases = Vec::new();
    for (g, size) in groups.iter().enumerate() {
        let (case_id, _) = new_case(store, account, n);
        n += 1;
        for _ in 1..*size {
            let (_, conv) = new_case(store, account, n);
            n += 1;
            store
                .write(|tx| case_ops::link(tx, case_id, conv, "user", T0))
                .unwrap();
        }
        decorate(store, case_id, seeds[g % seeds.len()]);
        cases.push(case_id);
    }
    cases
}

#[test]
fn link_moves_a_conversation_and_merges_the_emptied_case() {
    let (_d, mut store) = open();
    let account = archive(&mut store);
    let (a, _) = new_case(&mut store, account, 0);
    let (b, conv_b) = new_case(&mut store, account, 1);
    let before = snapshot(&store);
    let out = store
        .write(|tx| case_ops::link(tx, a, conv_b, "user", T0 + 10 * HOUR))
        .unwrap();
    assert_eq!(out.from_case, Some(b));
    assert!(out.from_case_merged, "b had no other conversation");
    assert_eq!(
        case_ops::conversations_of(store.conn(), a).unwrap().len(),
        2
    );
    let merged: Option<i64> = store
        .conn()
        .query_row("SELECT merged_into FROM cases WHERE id = ?1", [b], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(merged, Some(a));
    // The target now shows the newest message of both conversations.
    let last: i64 = store
        .conn()
        .query_row(
            "SELECT last_message_at FROM cases WHERE id = ?1",
            [a],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(last, T0 + HOUR);
    // Linking it again is a conflict, not a silent no-op.
    let again = store.write(|tx| case_ops::link(tx, a, conv_b, "user", T0));
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    // Undo (from the emptied case's side) restores the layout exactly.
    let u = store
        .write(|tx| history::undo_last(tx, Some(b), "user", T0 + 11 * HOUR))
        .unwrap();
    assert_eq!(u.kind, "link");
    assert_eq!(snapshot(&store), before);
}

#[test]
fn split_refuses_to_empty_a_case_and_rejects_foreign_conversations() {
    let (_d, mut store) = open();
    let cases = layout(&mut store, &[2, 1], &[0]);
    let convs = case_ops::conversations_of(store.conn(), cases[0]).unwrap();
    let all = store.write(|tx| case_ops::split(tx, cases[0], &convs, "user", T0));
    assert!(matches!(all, Err(StoreError::Invalid(m)) if m.contains("without conversations")));
    let other = case_ops::conversations_of(store.conn(), cases[1]).unwrap();
    let foreign = store.write(|tx| case_ops::split(tx, cases[0], &other, "user", T0));
    assert!(matches!(foreign, Err(StoreError::Invalid(m)) if m.contains("is not on it")));
    let missing = store.write(|tx| case_ops::split(tx, cases[0], &[9999], "user", T0));
    assert!(matches!(missing, Err(StoreError::NotFound { .. })));
}

#[test]
fn merge_moves_everything_and_a_merged_case_cannot_be_worked_on() {
    let (_d, mut store) = open();
    let cases = layout(&mut store, &[1, 2], &[0, 15]);
    let out = store
        .write(|tx| case_ops::merge(tx, cases[0], &[cases[1]], "user", T0 + 5 * HOUR))
        .unwrap();
    assert_eq!(out.conversations_moved, 2);
    assert_eq!(out.notes_moved, 1);
    assert_eq!(out.follow_ups_moved, 1);
    let s = switchboard_store::cases::summary(store.conn(), cases[0]).unwrap();
    assert_eq!(s.root_causes, vec!["Shipping".to_string()]);
    assert_eq!(s.labels, vec!["refund".to_string()]);
    assert_eq!(s.message_count, 3);
    let again = store.write(|tx| case_ops::merge(tx, cases[1], &[cases[0]], "user", T0));
    assert!(matches!(again, Err(StoreError::Conflict(m)) if m.contains("was merged into")));
    let itself = store.write(|tx| case_ops::merge(tx, cases[0], &[cases[0]], "user", T0));
    assert!(matches!(itself, Err(StoreError::Invalid(_))));
    // The merged case's history lives on in the target's history.
    let h = history::case_history(store.conn(), cases[0]).unwrap();
    assert!(
        h.iter()
            .any(|e| e.kind == "merged_into" && e.case_id == Some(cases[1]))
    );
    assert!(
        h.iter()
            .any(|e| e.summary == format!("cases {} merged into this one", cases[1]))
    );
}

#[test]
fn undo_refuses_when_a_later_action_depends_on_it() {
    let (_d, mut store) = open();
    let cases = layout(&mut store, &[1, 1], &[0]);
    store
        .write(|tx| case_ops::merge(tx, cases[0], &[cases[1]], "user", T0 + HOUR))
        .unwrap();
    store
        .write(|tx| {
            switchboard_store::cases::add_note(tx, cases[0], "after", "user", T0 + 2 * HOUR)
        })
        .unwrap();
    // The last action on the merged case is the merge; the note on the target came later.
    let err = store
        .write(|tx| history::undo_last(tx, Some(cases[1]), "user", T0 + 3 * HOUR))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("undo that first")),
        "{err}"
    );
    // Undo the note, then the merge: both go, in order.
    let n = store
        .write(|tx| history::undo_last(tx, None, "user", T0 + 3 * HOUR))
        .unwrap();
    assert_eq!(n.kind, "note");
    let m = store
        .write(|tx| history::undo_last(tx, None, "user", T0 + 3 * HOUR))
        .unwrap();
    assert_eq!(m.kind, "merge");
    assert_eq!(partition(&store).len(), 2);
    let h = history::case_history(store.conn(), cases[0]).unwrap();
    assert!(h.iter().filter(|e| e.kind == "undo").count() == 2);
    let left: Vec<_> = h
        .iter()
        .filter(|e| e.kind != "undo" && e.actor == "user" && e.undone_by.is_none())
        .map(|e| (&e.kind, e.case_id))
        .collect();
    assert!(left.is_empty(), "every user action was undone: {left:?}");
}

#[test]
fn status_undo_refuses_if_the_case_changed_since() {
    let (_d, mut store) = open();
    let cases = layout(&mut store, &[1], &[0]);
    store
        .write(|tx| {
            switchboard_store::cases::set_status(
                tx,
                cases[0],
                switchboard_core::CaseStatus::Resolved,
                None,
                "user",
                T0 + HOUR,
            )
        })
        .unwrap();
    // Another device (or sync) reopens it behind our back.
    store
        .conn()
        .execute(
            "UPDATE cases SET status = 'open', resolved_at = NULL WHERE id = ?1",
            [cases[0]],
        )
        .unwrap();
    let err = store
        .write(|tx| history::undo_last(tx, None, "user", T0 + 2 * HOUR))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("changed since")),
        "{err}"
    );
}

#[test]
fn undo_ops_may_not_touch_other_tables() {
    let (_d, mut store) = open();
    let op = undo::UndoOp::DeleteRows {
        table: "accounts".into(),
        ids: vec![1],
    };
    let err = store.write(|tx| undo::apply(tx, &op)).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(m) if m.contains("not undoable")));
    let op = undo::UndoOp::SetCaseFields {
        case_id: 1,
        fields: undo::row([("id", 5.into())]),
        expect: None,
    };
    let err = store.write(|tx| undo::apply(tx, &op)).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    // Ops survive a JSON round trip unchanged (they are stored in events.data.undo).
    let op = undo::UndoOp::many(vec![
        undo::UndoOp::InsertRows {
            table: "notes".into(),
            rows: vec![undo::row([("id", 1.into()), ("body", "x".into())])],
        },
        undo::UndoOp::DeleteKeys {
            table: "case_labels".into(),
            keys: vec![undo::row([("case_id", 1.into()), ("label_id", 2.into())])],
        },
    ]);
    assert_eq!(undo::UndoOp::from_json(&op.to_json()).unwrap(), op);
}

#[test]
fn nothing_to_undo_is_a_clear_conflict() {
    let (_d, mut store) = open();
    let err = store
        .write(|tx| history::undo_last(tx, None, "user", T0))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(m) if m == "nothing to undo yet"));
}

#[test]
fn after_undoing_everything_undo_says_nothing_is_left() {
    let (_d, mut store) = open();
    let cases = layout(&mut store, &[1], &[0]);
    store
        .write(|tx| switchboard_store::cases::add_note(tx, cases[0], "n", "user", T0 + HOUR))
        .unwrap();
    store
        .write(|tx| history::undo_last(tx, None, "user", T0 + 2 * HOUR))
        .unwrap();
    let err = store
        .write(|tx| history::undo_last(tx, None, "user", T0 + 3 * HOUR))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.starts_with("nothing to undo any more")),
        "{err}"
    );
}

#[test]
fn timeline_interleaves_messages_notes_and_events() {
    let (_d, mut store) = open();
    let cases = layout(&mut store, &[2], &[1]);
    let t = history::timeline(store.conn(), cases[0]).unwrap();
    let kinds: Vec<&str> = t
        .iter()
        .map(|i| match i {
            history::TimelineItem::Message { .. } => "message",
            history::TimelineItem::Note { .. } => "note",
            history::TimelineItem::Event { .. } => "event",
        })
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "message").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "note").count(), 1);
    assert!(
        kinds.contains(&"event"),
        "the link and creation events are listed"
    );
    assert!(
        t.windows(2).all(|w| w[0].at() <= w[1].at()),
        "chronological"
    );
}

fn arb_layout() -> impl Strategy<Value = (Vec<usize>, Vec<u8>, usize, Vec<bool>)> {
    (
        prop::collection::vec(1usize..=3, 2..=5),
        prop::collection::vec(0u8..16, 1..=5),
        0usize..5,
        prop::collection::vec(any::<bool>(), 5),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Merging any set of cases and undoing it restores every row it touched.
    #[test]
    fn merge_then_undo_restores_exactly((groups, seeds, into, pick) in arb_layout()) {
        let (_d, mut store) = open();
        let cases = layout(&mut store, &groups, &seeds);
        let into = cases[into % cases.len()];
        let mut from: Vec<i64> = cases.iter().zip(&pick).filter(|(c, p)| **p && **c != into).map(|(c, _)| *c).collect();
        if from.is_empty() {
            from.push(*cases.iter().find(|c| **c != into).unwrap());
        }
        let before = snapshot(&store);
        store.write(|tx| case_ops::merge(tx, into, &from, "user", T0 + 100 * HOUR)).unwrap();
        prop_assert_eq!(partition(&store).len(), cases.len() - from.len());
        let u = store.write(|tx| history::undo_last(tx, None, "user", T0 + 101 * HOUR)).unwrap();
        prop_assert_eq!(u.kind, "merge");
        prop_assert_eq!(snapshot(&store), before);
    }

    /// Merging one case into another and splitting its conversations off again gives back the
    /// same grouping of conversations.
    #[test]
    fn merge_then_split_gives_back_the_same_grouping((groups, seeds, into, _pick) in arb_layout()) {
        let (_d, mut store) = open();
        let cases = layout(&mut store, &groups, &seeds);
        let into = cases[into % cases.len()];
        let from = *cases.iter().find(|c| **c != into).unwrap();
        let before = partition(&store);
        let moved = case_ops::conversations_of(store.conn(), from).unwrap();
        store.write(|tx| case_ops::merge(tx, into, &[from], "user", T0 + 100 * HOUR)).unwrap();
        let out = store.write(|tx| case_ops::split(tx, into, &moved, "user", T0 + 101 * HOUR)).unwrap();
        prop_assert_eq!(partition(&store), before);
        let mut got = case_ops::conversations_of(store.conn(), out.new_case_id).unwrap();
        got.sort();
        let mut want = moved.clone();
        want.sort();
        prop_assert_eq!(got, want);
    }

    /// Splitting any subset off a case and undoing it restores every row it touched.
    #[test]
    fn split_then_undo_restores_exactly((groups, seeds, which, pick) in arb_layout()) {
        let (_d, mut store) = open();
        let mut groups = groups;
        groups[0] = groups[0].max(2);
        let cases = layout(&mut store, &groups, &seeds);
        let _ = which;
        let convs = case_ops::conversations_of(store.conn(), cases[0]).unwrap();
        let mut part: Vec<i64> = convs.iter().zip(&pick).filter(|(_, p)| **p).map(|(c, _)| *c).collect();
        if part.is_empty() || part.len() == convs.len() {
            part = vec![convs[convs.len() - 1]];
        }
        let before = snapshot(&store);
        let live_before = partition(&store);
        let out = store.write(|tx| case_ops::split(tx, cases[0], &part, "user", T0 + 100 * HOUR)).unwrap();
        prop_assert_eq!(partition(&store).len(), live_before.len() + 1);
        store.write(|tx| history::undo_last(tx, Some(out.new_case_id), "user", T0 + 101 * HOUR)).unwrap();
        prop_assert_eq!(partition(&store), live_before);
        // The split-off case stays as a merged row (events point at it); all else is as before.
        let mut after = snapshot(&store);
        let mut before = before;
        after.retain(|l| !l.starts_with("cases:"));
        before.retain(|l| !l.starts_with("cases:"));
        prop_assert_eq!(after, before);
    }
}

#[test]
fn contact_suggestions_by_email_handle_and_name() {
    use switchboard_store::contacts::{self, IdentityRef, MatchReason};
    let (_d, mut store) = open();
    let id = |channel: &str, ext: &str, handle: Option<&str>, name: Option<&str>| IdentityRef {
        channel: channel.into(),
        external_id: ext.into(),
        handle: handle.map(str::to_string),
        display_name: name.map(str::to_string),
    };
    let people = [
        id("email", "alice@example.com", None, Some("Alice Martin")),
        // Stored by a source that kept the case: still the same address.
        id("email", "Alice@Example.com", None, None),
        id(
            "bluesky",
            "did:plc:bob",
            Some("bobby.bsky.social"),
            Some("Bob"),
        ),
        id(
            "mastodon",
            "https://m.example/users/bobby",
            Some("bobby@m.example"),
            None,
        ),
        id("email", "carol@example.com", None, Some("Carol Jones")),
        id("email", "carole@example.org", None, Some("Carole Jones")),
        id("email", "dave@example.com", None, Some("Dave Smith")),
    ];
    let ids: Vec<i64> = store
        .write(|tx| {
            people
                .iter()
                .map(|p| contacts::resolve_identity(tx, p, T0).map(|r| r.contact_id))
                .collect()
        })
        .unwrap();
    let all = contacts::suggestions(store.conn(), None).unwrap();
    let found: Vec<(i64, i64, MatchReason)> = all
        .iter()
        .map(|s| (s.contact_id, s.other_id, s.reason))
        .collect();
    assert_eq!(
        found,
        vec![
            (ids[0], ids[1], MatchReason::SameEmail),
            (ids[2], ids[3], MatchReason::SameHandle),
            (ids[4], ids[5], MatchReason::SimilarName),
        ],
        "Dave matches nobody; Bob has no second name to compare: {all:?}"
    );
    // Asked about one contact, that contact comes first in each pair.
    let one = contacts::suggestions(store.conn(), Some(ids[5])).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!((one[0].contact_id, one[0].other_id), (ids[5], ids[4]));
    // A merged contact is no longer suggested.
    store
        .write(|tx| contacts::merge(tx, ids[0], &[ids[1]], "user", T0))
        .unwrap();
    let after = contacts::suggestions(store.conn(), None).unwrap();
    assert!(after.iter().all(|s| s.reason != MatchReason::SameEmail));
}

#[test]
fn response_clocks_and_breaches_follow_a_case_merge_and_its_undo() {
    use switchboard_store::sla;
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let at = |h: i64| T0 + h * HOUR;
    // Case a: asked at T0, answered at once; case b: asked an hour later, never answered, and
    // one earlier clock of b already breached.
    let ask = |id: &str, from: &str, subject: &str, t: i64| {
        let mut m = email(acc, id, from, subject, t);
        m.received_at = t;
        m
    };
    let m_a = ask("<ca@x>", "ann@example.com", "Mug", at(0));
    let a = match store.write(|tx| ingest(tx, &m_a, "sync", at(0))).unwrap() {
        IngestOutcome::Stored { case_id, .. } => case_id,
        other => panic!("{other:?}"),
    };
    let mut answer = m_a.clone();
    answer.external_id = "<ca-r@x>".into();
    answer.direction = Some(switchboard_core::Direction::Outbound);
    answer.in_reply_to = Some("<ca@x>".into());
    answer.sent_at = at(0) + 60_000;
    store
        .write(|tx| ingest(tx, &answer, "sync", at(0) + 60_000))
        .unwrap();
    let m_b = ask("<cb@x>", "ben@example.com", "Plate", at(1));
    let b = match store.write(|tx| ingest(tx, &m_b, "sync", at(1))).unwrap() {
        IngestOutcome::Stored { case_id, .. } => case_id,
        other => panic!("{other:?}"),
    };
    let b_due = sla::pending_clock(store.conn(), b).unwrap().unwrap().due_at;
    let breach: i64 = store
        .write(|tx| {
            tx.conn().execute(
                "INSERT INTO response_clocks (case_id, started_at, due_at, minutes, basis, source,
                     visibility, channel, responded_at, created_at)
                 VALUES (?1, 0, 1, 1, 'calendar', 'old', 'private', 'email', 5, 0)",
                [b],
            )?;
            let k = tx.conn().last_insert_rowid();
            tx.conn().execute(
                "INSERT INTO sla_breaches (clock_id, case_id, due_at, breached_at, responded_at,
                     visibility, channel, recorded_by)
                 VALUES (?1, ?2, 1, 5, 5, 'private', 'email', 'response')",
                [k, b],
            )?;
            Ok(tx.conn().last_insert_rowid())
        })
        .unwrap();
    assert!(sla::pending_clock(store.conn(), a).unwrap().is_none());
    let before = snapshot(&store);

    store
        .write(|tx| case_ops::merge(tx, a, &[b], "user", at(2)))
        .unwrap();
    let due: Option<i64> = store
        .conn()
        .query_row(
            "SELECT response_due_at FROM cases WHERE id = ?1",
            [a],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(due, Some(b_due), "b's customer is still owed a reply");
    assert_eq!(
        sla::pending_clock(store.conn(), a).unwrap().unwrap().due_at,
        b_due
    );
    let breaches = sla::breaches(store.conn(), Some(a)).unwrap();
    assert_eq!(
        breaches.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![breach]
    );
    // The merged clock breaches on the target when its time passes.
    let swept = store.write(|tx| sla::sweep(tx, b_due + 1)).unwrap();
    assert_eq!(swept.iter().map(|x| x.case_id).collect::<Vec<_>>(), vec![a]);
    // Drop the sweep's breach (not part of the merge) and undo the merge: all as before.
    store
        .write(|tx| {
            tx.conn()
                .execute("DELETE FROM sla_breaches WHERE id = ?1", [swept[0].id])?;
            Ok(())
        })
        .unwrap();
    store
        .write(|tx| history::undo_last(tx, Some(a), "user", at(3)))
        .unwrap();
    assert_eq!(snapshot(&store), before);
}

#[test]
fn two_pending_clocks_merged_keep_the_one_due_first() {
    use switchboard_store::sla;
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let mut ids = Vec::new();
    for (n, h) in [(1, 3), (2, 1)] {
        let m = email(
            acc,
            &format!("<p{n}@x>"),
            &format!("p{n}@example.com"),
            &format!("Problem {n}"),
            T0 + h * HOUR,
        );
        match store
            .write(|tx| ingest(tx, &m, "sync", T0 + 4 * HOUR))
            .unwrap()
        {
            IngestOutcome::Stored { case_id, .. } => ids.push(case_id),
            other => panic!("{other:?}"),
        }
    }
    let first_due = sla::pending_clock(store.conn(), ids[1])
        .unwrap()
        .unwrap()
        .due_at;
    store
        .write(|tx| case_ops::merge(tx, ids[0], &[ids[1]], "user", T0 + 5 * HOUR))
        .unwrap();
    let pending: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM response_clocks
              WHERE case_id = ?1 AND responded_at IS NULL AND closed_at IS NULL",
            [ids[0]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pending, 1);
    assert_eq!(
        sla::pending_clock(store.conn(), ids[0])
            .unwrap()
            .unwrap()
            .due_at,
        first_due
    );
}
