//! Edits and deletions reported for stored messages: the text and the search index follow the
//! edit, the previous text stays in the case history, and a deletion keeps the row.

mod common;

use common::*;
use switchboard_store::edits::{Edit, apply_delete, apply_edit};
use switchboard_store::ingest::{IngestOutcome, ingest};
use switchboard_store::{Store, Tx};

fn stored(tx: &mut Tx<'_>, text: &str) -> (i64, i64) {
    let mut m = email(1, "m1@x", "ann@example.com", "Order", T0);
    m.account_id = tx
        .conn()
        .query_row("SELECT id FROM accounts LIMIT 1", [], |r| r.get(0))
        .unwrap();
    m.text = text.into();
    match ingest(tx, &m, "sync", T0).unwrap() {
        IngestOutcome::Stored {
            message_id,
            case_id,
            ..
        } => (message_id, case_id),
        other => panic!("{other:?}"),
    }
}

fn hits(s: &Store, word: &str) -> i64 {
    s.conn()
        .query_row(
            "SELECT count(*) FROM message_search WHERE message_search MATCH ?1",
            [word],
            |r| r.get(0),
        )
        .unwrap()
}

fn index_is_consistent(s: &Store) {
    s.conn()
        .execute(
            "INSERT INTO message_search(message_search, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .unwrap();
}

fn edit<'a>(text: &'a str, at: i64) -> Edit<'a> {
    Edit {
        text,
        snippet: text,
        edited_at: at,
    }
}

#[test]
fn an_edit_in_the_same_transaction_as_the_insert_keeps_the_index_consistent() {
    let (_d, mut s) = open();
    archive(&mut s);
    s.write(|tx| {
        let (id, _) = stored(tx, "parcel is late");
        assert!(apply_edit(tx, id, &edit("parcel arrived", T0 + 1), "sync", T0).unwrap());
        Ok(())
    })
    .unwrap();
    index_is_consistent(&s);
    assert_eq!(hits(&s, "arrived"), 1);
    assert_eq!(hits(&s, "late"), 0);
}

#[test]
fn only_newer_edits_apply_and_a_deletion_keeps_the_row() {
    let (_d, mut s) = open();
    archive(&mut s);
    let (id, case_id) = s.write(|tx| Ok(stored(tx, "parcel is late"))).unwrap();
    let changed = s
        .write(|tx| apply_edit(tx, id, &edit("parcel arrived", T0 + 10), "sync", T0 + 20))
        .unwrap();
    assert!(changed);
    let stale = s
        .write(|tx| apply_edit(tx, id, &edit("parcel lost", T0 + 5), "sync", T0 + 30))
        .unwrap();
    assert!(!stale, "an older edit never overwrites a newer one");
    index_is_consistent(&s);
    assert_eq!(hits(&s, "arrived"), 1);
    assert_eq!(hits(&s, "lost"), 0);
    let (prev, snippet): (String, String) = s
        .conn()
        .query_row(
            "SELECT json_extract(e.data, '$.previous_text'), m.snippet
               FROM events e, messages m
              WHERE e.case_id = ?1 AND e.kind = 'message_edited' AND m.id = ?2",
            [case_id, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(prev, "parcel is late");
    assert_eq!(snippet, "parcel arrived");

    assert!(s.write(|tx| apply_delete(tx, id, "sync", T0 + 40)).unwrap());
    assert!(!s.write(|tx| apply_delete(tx, id, "sync", T0 + 50)).unwrap());
    let (deleted_at, text): (i64, String) = s
        .conn()
        .query_row(
            "SELECT m.deleted_at, b.text FROM messages m JOIN message_bodies b ON b.message_id = m.id
              WHERE m.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((deleted_at, text.as_str()), (T0 + 40, "parcel arrived"));
    let deletions: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM events WHERE case_id = ?1 AND kind = 'message_deleted' AND actor = 'sync'",
            [case_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(deletions, 1);
}
