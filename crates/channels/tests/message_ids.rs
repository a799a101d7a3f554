//! Message-IDs, generated: however whitespace is sprinkled into an id (spaces written by a shop
//! system, folding in a reply's References), distinct ids stay distinct and every spelling of
//! one id is the same id — the two properties dedupe and threading rely on.

use proptest::prelude::*;
use switchboard_channels::email::{message_id, parse_email, referenced_ids};

/// Visible ASCII that may appear in an id (no brackets, no parentheses: those are syntax).
fn id_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]{1,24}"
}

/// `id` with whitespace (spaces, tabs, folded line breaks) inserted at the given positions.
fn spaced(id: &str, cuts: &[(usize, u8)]) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        for (at, kind) in cuts {
            if *at % (id.len() + 1) == i {
                out.push_str(match kind % 3 {
                    0 => " ",
                    1 => "\t",
                    _ => "\r\n ",
                });
            }
        }
        out.push(c);
    }
    out
}

fn raw_message(id_header: &str, body: &str) -> Vec<u8> {
    format!("Message-ID: {id_header}\r\nFrom: ann@example.org\r\nSubject: s\r\n\r\n{body}\r\n")
        .into_bytes()
}

proptest! {
    #[test]
    fn every_spelling_of_an_id_is_that_id(
        id in id_text(),
        cuts in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
    ) {
        prop_assume!(id != "x@y");
        let written = spaced(&id, &cuts);
        prop_assert_eq!(message_id(&format!("<{written}>")), Some(id.clone()));
        prop_assert_eq!(referenced_ids(&format!("<x@y> <{written}>")), vec!["x@y".to_string(), id.clone()]);
        let parsed = parse_email(&raw_message(&format!("<{written}>"), "b")).unwrap();
        prop_assert_eq!(parsed.message_id, Some(id));
    }

    #[test]
    fn distinct_ids_stay_distinct(
        a in id_text(),
        b in id_text(),
        cuts_a in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
        cuts_b in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
    ) {
        prop_assume!(a != b);
        let pa = parse_email(&raw_message(&format!("<{}>", spaced(&a, &cuts_a)), "one")).unwrap();
        let pb = parse_email(&raw_message(&format!("<{}>", spaced(&b, &cuts_b)), "two")).unwrap();
        prop_assert_ne!(pa.message_id, pb.message_id);
    }
}

#[test]
fn the_order_numbers_of_one_shop_are_two_ids() {
    let a = parse_email(&raw_message("<Order 1001@shop.example>", "first")).unwrap();
    let b = parse_email(&raw_message("<Order 2002@shop.example>", "second")).unwrap();
    assert_eq!(a.message_id.as_deref(), Some("Order1001@shop.example"));
    assert_eq!(b.message_id.as_deref(), Some("Order2002@shop.example"));
}

#[test]
fn unusable_ids_are_none_so_the_message_is_keyed_on_its_bytes() {
    for header in ["<>", "< >", "", "(comment only)", "<a\u{7}b@x>"] {
        let p = parse_email(&raw_message(header, "x")).unwrap();
        assert_eq!(p.message_id, None, "Message-ID: {header:?}");
    }
}
