//! Properties that must hold for every input, not just the ones we thought of: the parser never
//! panics (arbitrary bytes, and valid messages cut and spliced), subject normalisation is
//! idempotent, snippets respect their length, sanitised HTML never carries active content, and
//! mboxrd writing then reading gives back every message unchanged.

use std::path::Path;

use proptest::prelude::*;
use switchboard_channels::email::mbox::{MboxReader, Sniffed};
use switchboard_channels::email::{
    html_to_text, normalize_subject, parse_email, sanitize_html, snippet,
};

/// Valid messages to mutate: the golden inputs plus a multipart with nested parts.
fn seeds() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .map(|path| std::fs::read(path).unwrap())
        .collect();
    seeds.push(
        b"From: a@b.c\r\nSubject: nested\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n\
--o\r\nContent-Type: multipart/alternative; boundary=\"i\"\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\n\
plain\r\n--i\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--i--\r\n--o\r\n\
Content-Type: message/rfc822\r\n\r\nFrom: x@y.z\r\nSubject: inner\r\n\r\ninner body\r\n--o\r\n\
Content-Type: image/png; name=\"a.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--o--\r\n"
            .to_vec(),
    );
    seeds
}

/// Tags and their attributes in serialised, sanitised HTML (html5ever's serialiser escapes `<`
/// in text and always double-quotes attribute values, escaping `"` inside them).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if rest.starts_with('/') || rest.starts_with('!') {
            rest = rest.split_once('>').map_or("", |(_, after)| after);
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = &rest[name_end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() || rest.starts_with('>') {
                rest = rest.get(1..).unwrap_or("");
                break;
            }
            let attr_end = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>')
                .unwrap_or(rest.len());
            let attr = rest[..attr_end].to_ascii_lowercase();
            rest = &rest[attr_end..];
            let mut value = String::new();
            if let Some(after) = rest.strip_prefix("=\"") {
                let close = after.find('"').unwrap_or(after.len());
                value = after[..close].to_owned();
                rest = after.get(close + 1..).unwrap_or("");
            }
            attributes.push((attr, value));
        }
        found.push((name, attributes));
    }
    found
}

#[test]
fn the_tag_reader_sees_attributes_but_not_text() {
    let html = "<p>a &lt;img onerror=x&gt;</p><img src=\"x\" onerror=\"y\"><br/>";
    let expected = vec![
        ("p".to_owned(), vec![]),
        (
            "img".to_owned(),
            vec![
                ("src".to_owned(), "x".to_owned()),
                ("onerror".to_owned(), "y".to_owned()),
            ],
        ),
        ("br".to_owned(), vec![]),
    ];
    assert_eq!(tags(html), expected);
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    /// Copy a slice of the message somewhere else in it (duplicated boundaries, headers…).
    Splice(usize, usize, usize),
    Flip(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 0usize..64).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (
            any::<usize>(),
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..16),
                Just(b"\r\n--".to_vec()),
                Just(b"\n\n".to_vec()),
                Just(b"=?utf-8?B?".to_vec()),
                Just(b"Content-Type: multipart/mixed; boundary=x\n\n--x\n".to_vec()),
                Just(b"<div><script>".to_vec()),
            ]
        )
            .prop_map(|(a, bytes)| Mutation::Insert(a, bytes)),
        (any::<usize>(), 0usize..200, any::<usize>())
            .prop_map(|(a, n, b)| Mutation::Splice(a, n, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Flip(a, b)),
    ]
}

fn apply(message: &mut Vec<u8>, mutation: &Mutation) {
    let len = message.len();
    let at = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
    match mutation {
        Mutation::Truncate(i) => message.truncate(at(*i)),
        Mutation::Delete(i, n) => {
            let start = at(*i);
            let end = (start + n).min(len);
            message.drain(start..end);
        }
        Mutation::Insert(i, bytes) => {
            let at = at(*i);
            message.splice(at..at, bytes.iter().copied());
        }
        Mutation::Splice(i, n, j) => {
            let start = at(*i);
            let end = (start + n).min(len);
            let piece = message[start..end].to_vec();
            let to = at(*j);
            message.splice(to..to, piece);
        }
        Mutation::Flip(i, byte) => {
            if len > 0 {
                message[i % len] = *byte;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_email_never_panics_on_arbitrary_bytes(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(parsed) = parse_email(&raw) {
            prop_assert_eq!(parsed.raw_size, raw.len());
        }
    }

    #[test]
    fn parse_email_never_panics_on_mutated_messages(
        seed in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let mut raw = seeds[seed.index(seeds.len())].clone();
        for mutation in &mutations {
            apply(&mut raw, mutation);
        }
        if let Ok(parsed) = parse_email(&raw) {
            prop_assert_eq!(parsed.raw_size, raw.len());
            if let Some(html) = &parsed.html {
                prop_assert!(!html.contains("<script"));
            }
            for attachment in &parsed.attachments {
                if let Some(name) = &attachment.filename {
                    prop_assert!(!name.contains(['/', '\\']) && !name.starts_with('.'));
                    prop_assert!(!name.chars().any(char::is_control) && name.chars().count() <= 200);
                }
            }
        }
    }

    #[test]
    fn normalize_subject_is_idempotent(subject in prop_oneof![
        ".*",
        "((re|RE|Fwd|FW|aw|Sv|Antw|Re\\[[0-9]\\]|Re \\(2\\)|\\[[a-z #0-9]{0,6}\\]|\\[)[:：]? ?){0,5}[a-zA-Zé \\[\\]:]{0,12}",
    ]) {
        let once = normalize_subject(&subject);
        prop_assert_eq!(normalize_subject(&once), once.clone());
        prop_assert_eq!(once.trim(), once.as_str());
    }

    #[test]
    fn snippet_respects_its_length(text in ".{0,300}", max_chars in 0usize..100) {
        let short = snippet(&text, max_chars);
        let count = short.chars().count();
        prop_assert!(count <= max_chars + 1, "{} chars for max {}", count, max_chars);
        if count == max_chars + 1 {
            prop_assert!(short.ends_with('…'));
        }
        prop_assert!(!short.contains(['\n', '\t']));
    }

    #[test]
    fn html_never_survives_with_active_content(html in prop_oneof![
        ".{0,200}",
        proptest::collection::vec(prop_oneof![
            Just("<script>alert(1)</script>"), Just("<img src=x onerror=alert(1)>"),
            Just("<a href=\"javascript:x\">"), Just("<svg><style>"), Just("<iframe>"), Just("</"),
            Just("<!--"), Just("-->"), Just("<p style=\"background:url(http://x)\">"), Just("&amp;"),
            Just("<table><td background=\"https://t/x\">"), Just("text"), Just("\""), Just("<"),
            Just("<div>"), Just("</div>"), Just("<math><mi><style>"), Just("<noscript>"),
        ], 0..30).prop_map(|parts| parts.concat()),
    ]) {
        let out = sanitize_html(&html).html;
        for (tag, attributes) in tags(&out) {
            prop_assert!(
                !["script", "iframe", "style", "svg", "math", "noscript"].contains(&tag.as_str()),
                "<{}> in {}", tag, out
            );
            for (name, value) in attributes {
                prop_assert!(!name.starts_with("on"), "{} handler in {}", name, out);
                prop_assert!(
                    !value.trim_start().to_ascii_lowercase().starts_with("javascript:"),
                    "javascript: URL in {}", out
                );
            }
        }
        let _ = html_to_text(&html);
    }

    #[test]
    fn mboxrd_round_trips(messages in proptest::collection::vec(
        proptest::collection::vec(prop_oneof![
            "[a-zA-Z: ]{0,20}\n",
            "(>{0,3})From [a-z ]{0,10}\n",
            Just("\n".to_string()),
            Just("\r\n".to_string()),
        ], 0..12).prop_map(|lines| lines.concat().into_bytes()),
        1..8,
    )) {
        let mut mbox = Vec::new();
        for message in &messages {
            mbox.extend_from_slice(b"From sender@example.com Mon Jun  3 09:00:00 2024\n");
            for line in message.split_inclusive(|&b| b == b'\n') {
                let quotes = line.iter().take_while(|&&b| b == b'>').count();
                if line[quotes..].starts_with(b"From ") {
                    mbox.push(b'>');
                }
                mbox.extend_from_slice(line);
            }
            mbox.push(b'\n');
        }
        let Ok(Sniffed::Mbox(reader)) = MboxReader::sniff(&mbox[..]) else {
            return Err(TestCaseError::fail("not sniffed as an mbox"));
        };
        let read: Vec<Vec<u8>> = reader.map(|m| m.unwrap()).collect();
        prop_assert_eq!(read, messages);
    }
}
