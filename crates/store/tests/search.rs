//! Search: ranked hits carry their case, newest-first order, and hostile input stays safe.

mod common;

use common::*;
use switchboard_store::ingest::ingest;
use switchboard_store::search::{HitKind, SearchOrder, search};

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

fn stored_case(outcome: switchboard_store::ingest::IngestOutcome) -> i64 {
    match outcome {
        switchboard_store::ingest::IngestOutcome::Stored { case_id, .. } => case_id,
        other => panic!("not stored: {other:?}"),
    }
}

#[test]
fn from_means_the_sender_and_to_the_recipients() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let (from_ann, to_ann) = s
        .write(|tx| {
            // Ann writes to the shop; a separate message from Bob was copied to Ann.
            let a = email(acc, "a@x", "ann@example.com", "Mug", T0);
            let mut b = email(acc, "b@x", "bob@example.com", "Plate", T0 + HOUR);
            b.recipients.push(switchboard_store::ingest::Recipient {
                kind: "cc".into(),
                name: Some("Ann Example".into()),
                address: "ann@example.com".into(),
            });
            Ok((
                stored_case(ingest(tx, &a, "t", T0)?),
                stored_case(ingest(tx, &b, "t", T0)?),
            ))
        })
        .unwrap();
    let cases = |q: &str| -> Vec<i64> {
        search(s.conn(), q, SearchOrder::Newest, 10)
            .unwrap()
            .iter()
            .map(|h| h.case_id)
            .collect()
    };
    assert_eq!(cases("from:ann"), [from_ann], "from: is only the sender");
    assert_eq!(cases("to:ann"), [to_ann], "to: is only the recipients");
    assert_eq!(cases("with:ann"), [to_ann, from_ann], "with: is either");
    assert_eq!(cases("to:shop"), [to_ann, from_ann]);
    assert_eq!(cases("from:shop"), Vec::<i64>::new());
    assert_eq!(
        cases("ann"),
        [to_ann, from_ann],
        "a bare word searches every column"
    );
}

#[test]
fn internal_notes_are_found_and_say_they_are_notes() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let (case_id, note_id) = s
        .write(|tx| {
            let mut m = email(acc, "a@x", "ann@example.com", "Broken mug", T0);
            m.text = "The handle came off.".into();
            let case_id = stored_case(ingest(tx, &m, "t", T0)?);
            let note = switchboard_store::cases::add_note(
                tx,
                case_id,
                "Called the courier: parcel was dropped, claim #77 filed.",
                "Alex",
                T0 + HOUR,
            )?;
            Ok((case_id, note))
        })
        .unwrap();
    for order in [SearchOrder::Relevance, SearchOrder::Newest] {
        let hits = search(s.conn(), "courier", order, 10).unwrap();
        assert_eq!(hits.len(), 1, "{order:?}: {hits:?}");
        let h = &hits[0];
        assert_eq!(h.kind, HitKind::Note);
        assert_eq!((h.case_id, h.note_id), (case_id, Some(note_id)));
        assert_eq!((h.message_id, h.conversation_id), (None, None));
        assert_eq!(h.author.as_deref(), Some("Alex"));
        assert_eq!(
            h.subject.as_deref(),
            Some("Broken mug"),
            "the case's subject"
        );
        assert_eq!(h.sent_at, T0 + HOUR);
        assert_eq!(
            h.snippet,
            "Called the [courier]: parcel was dropped, claim #77 filed."
        );
    }
    // A note and a message both match: newest first puts the later note first.
    let both = search(s.conn(), "mug OR claim", SearchOrder::Newest, 10).unwrap();
    assert_eq!(
        both.iter().map(|h| h.kind).collect::<Vec<_>>(),
        [HitKind::Note, HitKind::Message]
    );
    assert!(
        search(s.conn(), "from:ann courier", SearchOrder::Relevance, 10)
            .unwrap()
            .is_empty(),
        "a word restricted to a message column never matches a note"
    );
    // Edited and removed notes leave the index with them.
    s.write(|tx| {
        tx.conn().execute(
            "UPDATE notes SET body = 'Refund sent' WHERE id = ?1",
            [note_id],
        )?;
        Ok(())
    })
    .unwrap();
    assert!(
        search(s.conn(), "courier", SearchOrder::Relevance, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        search(s.conn(), "refund", SearchOrder::Relevance, 10)
            .unwrap()
            .len(),
        1
    );
    s.write(|tx| {
        tx.conn()
            .execute("DELETE FROM notes WHERE id = ?1", [note_id])?;
        Ok(())
    })
    .unwrap();
    assert!(
        search(s.conn(), "refund", SearchOrder::Relevance, 10)
            .unwrap()
            .is_empty()
    );
    s.conn()
        .execute_batch(
            "INSERT INTO note_search(note_search, rank) VALUES ('integrity-check', 1);
             INSERT INTO message_search(message_search) VALUES ('integrity-check');",
        )
        .expect("both indexes are consistent");
}

#[test]
fn snippets_keep_the_punctuation_of_the_message() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    s.write(|tx| {
        let mut m = email(acc, "a@x", "ann@example.com", "Order", T0);
        m.text = "Hello,\nmy order #1234 didn't arrive (yet?). Refund, please!".into();
        ingest(tx, &m, "t", T0)
    })
    .unwrap();
    let hits = search(s.conn(), "refund", SearchOrder::Relevance, 10).unwrap();
    assert_eq!(
        hits[0].snippet, "…didn't arrive (yet?). [Refund], please!",
        "four words of context before the match, with their punctuation"
    );
    let hits = search(s.conn(), "order", SearchOrder::Relevance, 10).unwrap();
    assert_eq!(
        hits[0].snippet,
        "Hello, my [order] #1234 didn't arrive (yet?). Refund, please!"
    );
}

#[test]
fn a_huge_query_is_refused_before_any_work_with_the_limit_named() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    s.write(|tx| {
        ingest(
            tx,
            &email(acc, "a@x", "ann@example.com", "Order", T0),
            "t",
            T0,
        )
    })
    .unwrap();
    // 1.9 MB of words, like the query that once kept a core busy for minutes.
    let huge = "refund parcel ".repeat(140_000);
    let err = search(s.conn(), &huge, SearchOrder::Relevance, 10)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the limit is 1000 characters"),
        "the error names the limit: {err}"
    );
    assert!(
        !err.contains("refund parcel refund"),
        "the error does not echo the query back"
    );
    let many = vec!["order"; 40].join(" ");
    let err = search(s.conn(), &many, SearchOrder::Relevance, 10)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("40 words and phrases; the limit is 32"),
        "{err}"
    );
}
