//! Store-level workflow rules: the seeded templates, merging a root cause into one a case
//! already carries (and undoing it), the snooze wake-up sweep, and notify-once follow-ups.

mod common;

use common::{HOUR, T0, archive, email};
use switchboard_core::case::{CaseStatus, Wake};
use switchboard_store::ingest::{self, IngestOutcome};
use switchboard_store::{cases, followups, history, taxonomy, templates, triage};

fn case_of(o: IngestOutcome) -> i64 {
    match o {
        IngestOutcome::Stored { case_id, .. } => case_id,
        other => panic!("expected a stored message, got {other:?}"),
    }
}

#[test]
fn the_migration_seeds_valid_default_templates_once() {
    let (_d, store) = common::open();
    let list = templates::list(store.conn()).unwrap();
    assert!(list.len() >= 4, "{list:?}");
    for t in &list {
        assert!(!t.variants.is_empty(), "{} has variants", t.name);
        for v in &t.variants {
            switchboard_core::template::validate(&v.body)
                .unwrap_or_else(|e| panic!("{} / {}: {e}", t.name, v.variant));
            switchboard_core::template::validate_variant(&v.variant).unwrap();
        }
    }
    let ack = templates::get(store.conn(), "take offline acknowledgement").unwrap();
    assert_eq!(
        ack.variants
            .iter()
            .map(|v| v.variant.as_str())
            .collect::<Vec<_>>(),
        ["default", "public"],
        "variants in their stable order"
    );
}

#[test]
fn merging_into_a_cause_the_case_already_has_keeps_one_tag_and_undo_restores_exactly() {
    let (_d, mut store) = common::open();
    let acc = archive(&mut store);
    let a = store
        .write(|tx| {
            ingest::ingest(
                tx,
                &email(acc, "m1@x", "ann@example.com", "Broken", T0),
                "import",
                T0,
            )
        })
        .map(case_of)
        .unwrap();
    let b = store
        .write(|tx| {
            ingest::ingest(
                tx,
                &email(acc, "m2@x", "bea@example.com", "Dented", T0),
                "import",
                T0,
            )
        })
        .map(case_of)
        .unwrap();
    store
        .write(|tx| {
            taxonomy::add(tx, "Damage", None, T0)?;
            taxonomy::add(tx, "Packaging", None, T0)?;
            let dmg = taxonomy::find(tx.conn(), "Damage")?.id;
            let pkg = taxonomy::find(tx.conn(), "Packaging")?.id;
            taxonomy::tag_case(tx, a, dmg, "user", T0)?;
            taxonomy::tag_case(tx, a, pkg, "user", T0)?;
            taxonomy::tag_case(tx, b, pkg, "user", T0)?;
            Ok(())
        })
        .unwrap();

    let out = store
        .write(|tx| taxonomy::merge(tx, "Packaging", "Damage", T0 + HOUR))
        .unwrap();
    assert_eq!(out.cases_retagged, vec![a, b]);
    for c in [a, b] {
        assert_eq!(
            taxonomy::case_root_cause_paths(store.conn(), c).unwrap(),
            vec!["Damage"],
            "case {c} carries the target once"
        );
    }

    store
        .write(|tx| history::undo_last(tx, Some(b), "user", T0 + 2 * HOUR))
        .unwrap();
    assert_eq!(
        taxonomy::case_root_cause_paths(store.conn(), a).unwrap(),
        vec!["Damage", "Packaging"],
        "a had both before: undo keeps Damage and gives Packaging back"
    );
    assert_eq!(
        taxonomy::case_root_cause_paths(store.conn(), b).unwrap(),
        vec!["Packaging"],
        "b only had Packaging: undo removes the Damage tag the merge added"
    );
    assert!(!taxonomy::find(store.conn(), "Packaging").unwrap().archived);
}

#[test]
fn the_wake_sweep_opens_only_cases_whose_time_has_come() {
    let (_d, mut store) = common::open();
    let acc = archive(&mut store);
    let mut ids = Vec::new();
    for (i, who) in ["a@x.example", "b@x.example", "c@x.example"]
        .iter()
        .enumerate()
    {
        let id = store
            .write(|tx| {
                ingest::ingest(
                    tx,
                    &email(acc, &format!("w{i}@x"), who, &format!("S{i}"), T0),
                    "import",
                    T0,
                )
            })
            .map(case_of)
            .unwrap();
        ids.push(id);
    }
    store
        .write(|tx| {
            cases::set_status(
                tx,
                ids[0],
                CaseStatus::Snoozed,
                Some(Wake::At(T0 + HOUR)),
                "user",
                T0,
            )?;
            cases::set_status(
                tx,
                ids[1],
                CaseStatus::Snoozed,
                Some(Wake::At(T0 + 3 * HOUR)),
                "user",
                T0,
            )?;
            cases::set_status(
                tx,
                ids[2],
                CaseStatus::Snoozed,
                Some(Wake::OnReply),
                "user",
                T0,
            )?;
            Ok(())
        })
        .unwrap();
    let woken = store
        .write(|tx| triage::wake_due(tx, T0 + 2 * HOUR))
        .unwrap();
    assert_eq!(
        woken.iter().map(|w| w.case_id).collect::<Vec<_>>(),
        vec![ids[0]]
    );
    assert_eq!(woken[0].snoozed_until, T0 + HOUR);
    let again = store
        .write(|tx| triage::wake_due(tx, T0 + 2 * HOUR))
        .unwrap();
    assert!(again.is_empty(), "a second sweep finds nothing");
    let status = |id: i64| -> String {
        store
            .conn()
            .query_row("SELECT status FROM cases WHERE id = ?1", [id], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        (status(ids[0]), status(ids[1]), status(ids[2])),
        ("open".into(), "snoozed".into(), "snoozed".into())
    );
}

#[test]
fn follow_ups_notify_once_and_ignore_unknown_ids() {
    let (_d, mut store) = common::open();
    let acc = archive(&mut store);
    let c = store
        .write(|tx| {
            ingest::ingest(
                tx,
                &email(acc, "f1@x", "ann@example.com", "Call me", T0),
                "import",
                T0,
            )
        })
        .map(case_of)
        .unwrap();
    let id = store
        .write(|tx| followups::add(tx, c, T0 + HOUR, "ring back", T0))
        .unwrap();
    assert!(
        followups::due_unnotified(store.conn(), T0)
            .unwrap()
            .is_empty()
    );
    let due = followups::due_unnotified(store.conn(), T0 + HOUR).unwrap();
    assert_eq!(due.len(), 1);
    let n = store
        .write(|tx| followups::mark_notified(tx, &[id, 9999], T0 + HOUR))
        .unwrap();
    assert_eq!(n, 1, "the unknown id is ignored");
    let n = store
        .write(|tx| followups::mark_notified(tx, &[id], T0 + 2 * HOUR))
        .unwrap();
    assert_eq!(n, 0, "already notified");
    assert_eq!(
        followups::get(store.conn(), id, T0).unwrap().notified_at,
        Some(T0 + HOUR),
        "the first notification time is kept"
    );
}

#[test]
fn the_events_of_one_action_are_undone_together_whichever_was_written_first() {
    use serde_json::json;
    use switchboard_store::events::{self, NewEvent};
    use switchboard_store::undo::{self, UndoOp};

    let (_d, mut store) = common::open();
    let acc = archive(&mut store);
    let c = case_of(
        store
            .write(|tx| {
                ingest::ingest(
                    tx,
                    &email(acc, "a@x", "ann@example.com", "Hi", T0),
                    "sync",
                    T0,
                )
            })
            .unwrap(),
    );
    let ev = |kind: &'static str, data: serde_json::Value| NewEvent {
        case_id: Some(c),
        at: T0 + HOUR,
        actor: "user",
        kind,
        data,
    };
    // One transaction: a side effect written before the action's own event, one after.
    let (before, primary, after) = store
        .write(|tx| {
            let before = events::record(tx, ev("status", json!({"from": "new", "to": "waiting"})))?;
            tx.conn()
                .execute("UPDATE cases SET priority = 'high' WHERE id = ?1", [c])?;
            let primary = events::record_undoable(
                tx,
                ev("priority", json!({"from": "normal", "to": "high"})),
                &UndoOp::SetCaseFields {
                    case_id: c,
                    fields: undo::row([("priority", "normal".into())]),
                    expect: Some(undo::row([("priority", "high".into())])),
                },
            )?;
            let after = events::record(tx, ev("note", json!({})))?;
            // Not the user's: never part of the action.
            events::record(
                tx,
                NewEvent {
                    actor: "rule",
                    ..ev("protocol", json!({}))
                },
            )?;
            Ok((before, primary, after))
        })
        .unwrap();
    let out = store
        .write(|tx| history::undo_last(tx, None, "user", T0 + 2 * HOUR))
        .unwrap();
    assert_eq!(out.undone_event, primary);
    assert_eq!(out.restored, format!("case #{c} has priority normal again"));
    let h = history::case_history(store.conn(), c).unwrap();
    for id in [before, primary, after] {
        let e = h.iter().find(|e| e.id == id).unwrap();
        assert_eq!(e.undone_by, Some(out.undo_event), "{} is undone", e.summary);
    }
    assert!(
        h.iter()
            .filter(|e| e.actor == "rule")
            .all(|e| e.undone_by.is_none()),
        "rule events are not the user's action"
    );
    let e = store
        .write(|tx| history::undo_last(tx, None, "user", T0 + 3 * HOUR))
        .unwrap_err();
    assert!(e.to_string().contains("nothing to undo"), "{e}");
}
