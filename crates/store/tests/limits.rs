//! Size caps on what strangers write: a huge Subject, display name or body is stored bounded,
//! and a cut body is kept whole as an attachment.

mod common;

use common::*;
use switchboard_store::attachments;
use switchboard_store::cases::{self, CaseFilter};
use switchboard_store::ingest::ingest;
use switchboard_store::limits::{
    BODY_CUT_NOTICE, FULL_TEXT_FILENAME, MAX_BODY_BYTES, MAX_FIELD_CHARS,
};

#[test]
fn a_20_mb_subject_and_display_name_are_stored_cut_to_1000_characters() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    // Multi-byte characters, so a byte-based cut would land inside one.
    let huge = "é".repeat(10 * 1024 * 1024);
    let mut m = email(acc, "big@x", "ann@example.com", &huge, T0);
    m.author.as_mut().unwrap().display_name = Some(huge.clone());
    m.recipients[0].name = Some(huge.clone());
    m.snippet = huge.clone();
    s.write(|tx| ingest(tx, &m, "test", T0)).unwrap();

    let list = cases::list(s.conn(), &CaseFilter::default()).unwrap();
    let subject = list[0].subject.clone().unwrap();
    assert_eq!(subject.chars().count(), MAX_FIELD_CHARS);
    assert!(
        subject.ends_with("é…"),
        "cut on a character, then an ellipsis"
    );
    let contact = list[0].contact.clone().unwrap();
    assert_eq!(contact.name.unwrap().chars().count(), MAX_FIELD_CHARS);
    assert_eq!(list[0].snippet.chars().count(), MAX_FIELD_CHARS);
    let json = serde_json::to_string(&list).unwrap();
    assert!(
        json.len() < 20_000,
        "the case list stays small: {} bytes",
        json.len()
    );

    let msgs = cases::messages(s.conn(), list[0].id).unwrap();
    assert_eq!(
        msgs[0].recipients[0].name.as_ref().unwrap().chars().count(),
        MAX_FIELD_CHARS
    );
}

#[test]
fn a_body_over_the_cap_is_shown_and_indexed_cut_and_kept_whole_as_an_attachment() {
    let (d, mut s) = open();
    let acc = archive(&mut s);
    let mut m = email(acc, "long@x", "ann@example.com", "Long story", T0);
    let line = "the parcel arrived broken again ü\n";
    m.text = line.repeat(3 * MAX_BODY_BYTES / line.len());
    m.text.push_str("needle-at-the-end");
    m.html = Some(format!(
        "<p>{}</p><a href=\"https://shop.example/x\">end</a>",
        "<b>x</b>".repeat(MAX_BODY_BYTES / 4)
    ));
    s.write(|tx| ingest(tx, &m, "test", T0)).unwrap();

    let case = cases::list(s.conn(), &CaseFilter::default()).unwrap()[0].id;
    let stored = &cases::messages(s.conn(), case).unwrap()[0];
    assert!(stored.text.len() <= MAX_BODY_BYTES + BODY_CUT_NOTICE.len());
    assert!(stored.text.ends_with(BODY_CUT_NOTICE));
    let html = stored.html.as_ref().unwrap();
    assert!(html.len() <= MAX_BODY_BYTES + BODY_CUT_NOTICE.len() + 7);
    let before_notice = html.rsplit_once("<p>").unwrap().0;
    let last_open = before_notice.rfind('<').unwrap();
    assert!(
        before_notice[last_open..].contains('>'),
        "HTML is never cut inside a tag: …{}",
        &before_notice[before_notice.len() - 20..]
    );

    let full = stored
        .attachments
        .iter()
        .find(|a| a.filename.as_deref() == Some(FULL_TEXT_FILENAME))
        .expect("the whole text is attached");
    let bytes = std::fs::read(attachments::path_for(d.path(), &full.sha256)).unwrap();
    assert_eq!(bytes, m.text.as_bytes(), "nothing of the body is lost");
    assert_eq!(full.size as usize, m.text.len());

    let indexed: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM message_search WHERE message_search MATCH 'parcel'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexed, 1, "the kept part is searchable");
}

#[test]
fn messages_within_the_caps_are_stored_exactly_as_given() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let subject = "x".repeat(MAX_FIELD_CHARS);
    let mut m = email(acc, "ok@x", "ann@example.com", &subject, T0);
    m.text = "y".repeat(MAX_BODY_BYTES);
    s.write(|tx| ingest(tx, &m, "test", T0)).unwrap();
    let case = &cases::list(s.conn(), &CaseFilter::default()).unwrap()[0];
    assert_eq!(case.subject.as_deref(), Some(subject.as_str()));
    let stored = &cases::messages(s.conn(), case.id).unwrap()[0];
    assert_eq!(stored.text, m.text);
    assert!(stored.attachments.is_empty());
}
