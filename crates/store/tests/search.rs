//! Search: ranked hits carry their case, newest-first order, and hostile input stays safe.

mod common;

use common::*;
use switchboard_store::ingest::ingest;
use switchboard_store::search::{SearchOrder, search};

#[test]
fn hits_carry_case_ids_and_rank_subject_matches_first() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let mut cases = Vec::new();
    s.write(|tx| {
        let mut a = email(acc, "a@x", "ann@example.com", "Refund for broken mug", T0);
        a.text = "It arrived broken.".into();
        let mut b = email(acc, "b@x", "bob@example.com", "Question", T0 + HOUR);
        b.text = "Do you ship to Norway? Also a refund question.".into();
        let c = email(acc, "c@x", "cy@example.com", "Hello", T0 + 2 * HOUR);
        for m in [a, b, c] {
            if let switchboard_store::ingest::IngestOutcome::Stored { case_id, .. } =
                ingest(tx, &m, "t", T0)?
            {
                cases.push(case_id);
            }
        }
        Ok(())
    })
    .unwrap();
    let hits = search(s.conn(), "refund", SearchOrder::Relevance, 10).unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(
        hits[0].case_id, cases[0],
        "a subject match outranks a body match"
    );
    assert_eq!(hits[1].case_id, cases[1]);
    assert!(hits[0].snippet.contains("[Refund]"), "{}", hits[0].snippet);
    let newest = search(s.conn(), "refund", SearchOrder::Newest, 10).unwrap();
    assert_eq!(newest[0].case_id, cases[1], "newest first");
    let by_person = search(s.conn(), "from:bob", SearchOrder::Relevance, 10).unwrap();
    assert_eq!(by_person.len(), 1);
    assert_eq!(by_person[0].case_id, cases[1]);
}

#[test]
fn newest_order_follows_message_dates_not_import_order() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    s.write(|tx| {
        // Imported newest first, as an IMAP initial sync does.
        for (i, at) in [T0 + 3 * HOUR, T0 + 2 * HOUR, T0 + HOUR, T0]
            .into_iter()
            .enumerate()
        {
            let mut m = email(
                acc,
                &format!("{i}@x"),
                &format!("p{i}@example.com"),
                "parcel",
                at,
            );
            m.subject_key = None;
            ingest(tx, &m, "t", T0)?;
        }
        Ok(())
    })
    .unwrap();
    let hits = search(s.conn(), "parcel", SearchOrder::Newest, 10).unwrap();
    let times: Vec<i64> = hits.iter().map(|h| h.sent_at).collect();
    assert_eq!(times, [T0 + 3 * HOUR, T0 + 2 * HOUR, T0 + HOUR, T0]);
}

#[test]
fn punctuation_and_fts_syntax_in_queries_are_just_text() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    s.write(|tx| {
        let mut m = email(
            acc,
            "q@x",
            "ann@example.com",
            "Order #1234 didn't arrive",
            T0,
        );
        m.text = "NEAR AND OR NOT \"quotes\" (parens) col:on".into();
        ingest(tx, &m, "t", T0)
    })
    .unwrap();
    for q in [
        "didn't",
        "#1234",
        "NEAR(",
        "\"unbalanced",
        "col:on",
        "AND",
        "(parens)",
    ] {
        let r = search(s.conn(), q, SearchOrder::Relevance, 10);
        assert!(
            r.is_ok(),
            "query {q:?} must not be an FTS syntax error: {r:?}"
        );
    }
    assert_eq!(
        search(s.conn(), "1234", SearchOrder::Relevance, 10)
            .unwrap()
            .len(),
        1
    );
    assert!(
        search(s.conn(), "???", SearchOrder::Relevance, 10).is_err(),
        "no words: a clear error"
    );
}
