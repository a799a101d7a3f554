//! Turning an inbound message into the terms the detector counts.
//!
//! What counts is what a customer newly wrote: quoted reply text (`>` lines, and everything
//! after an "On … wrote:" attribution) is dropped, as are URLs, @handles, e-mail addresses,
//! numbers and stop words in seven languages. Words are split at Unicode word boundaries and
//! lowercased; a term is one word or two kept words next to each other once stop words are
//! left out ("the courier lost my parcel" gives "courier lost" and "lost parcel"), never across
//! a link, a number or the end of a clause. Each term is
//! counted once per message, so one long rant does not look like many customers.

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_segmentation::UnicodeSegmentation;

/// At most this many distinct terms are taken from one message (subject first, then the body in
/// order): a complaint names its problem early, and a cap bounds the cost of a pasted novel.
pub const MAX_TERMS_PER_MESSAGE: usize = 48;

/// Words shorter than this (in characters) are not counted.
const MIN_WORD_CHARS: usize = 3;

fn stop_words() -> &'static HashSet<&'static str> {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        include_str!("stopwords.txt")
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect()
    })
}

/// Whether `word` (lowercase) is a stop word in one of the supported languages.
pub fn is_stop_word(word: &str) -> bool {
    stop_words().contains(word)
}

/// The text a customer newly wrote: `>`-quoted lines and everything from a reply attribution
/// ("On … wrote:", "Am … schrieb …:", "Le … a écrit :", "El … escribió:", "-----Original
/// Message-----") onwards are removed.
pub fn strip_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('>') {
            continue;
        }
        if is_attribution(t) {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn is_attribution(line: &str) -> bool {
    let lower = line.to_lowercase();
    if lower.starts_with("-----original message") || lower.starts_with("-------- original") {
        return true;
    }
    if !lower.ends_with(':') {
        return false;
    }
    const OPENERS: [(&str, &str); 6] = [
        ("on ", " wrote:"),
        ("am ", "schrieb"),
        ("le ", "écrit"),
        ("el ", "escribió"),
        ("il ", "scritto"),
        ("op ", "geschreven"),
    ];
    OPENERS
        .iter()
        .any(|(start, verb)| lower.starts_with(start) && lower.contains(verb.trim_end_matches(':')))
}

/// The words of `text` worth counting, lowercase, in order. URLs, handles, e-mail addresses,
/// numbers and the end of a clause come back as `None` so that a phrase never spans them; stop
/// words are left out.
fn words(text: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for chunk in text.split_whitespace() {
        if is_link_or_handle(chunk) {
            out.push(None);
            continue;
        }
        for w in chunk.unicode_words() {
            match keep_word(w) {
                Word::Keep(w) => out.push(Some(w)),
                Word::Stop => {}
                Word::Break => out.push(None),
            }
        }
        // A phrase does not run across the end of a clause.
        if chunk.ends_with([',', '.', ';', ':', '!', '?', ')', '"']) {
            out.push(None);
        }
    }
    out
}

fn is_link_or_handle(chunk: &str) -> bool {
    let c = chunk.trim_start_matches(['(', '<', '[', '"', '\'']);
    let lower = c.to_ascii_lowercase();
    c.starts_with('@')
        || c.starts_with('#')
        || lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("www.")
        || lower.contains("://")
        || (c.contains('@') && c.contains('.'))
}

/// What one word is to the detector.
enum Word {
    /// Counted.
    Keep(String),
    /// A stop word or too short: skipped, and the words around it still form a phrase
    /// ("lost my parcel" gives "lost parcel").
    Stop,
    /// A number: skipped, and no phrase spans it.
    Break,
}

fn keep_word(w: &str) -> Word {
    if w.chars().any(|c| c.is_numeric()) {
        return Word::Break;
    }
    let lower: String = w
        .chars()
        .filter(|c| *c != '\'' && *c != '’')
        .flat_map(char::to_lowercase)
        .collect();
    if lower.chars().count() < MIN_WORD_CHARS || is_stop_word(&lower) {
        return Word::Stop;
    }
    Word::Keep(lower)
}

/// The distinct terms of one message: every kept word and every pair of adjacent kept words,
/// subject first, at most [`MAX_TERMS_PER_MESSAGE`].
pub fn message_terms(subject: Option<&str>, text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let body = strip_quoted(text);
    for part in [subject.unwrap_or(""), body.as_str()] {
        let ws = words(part);
        for (i, w) in ws.iter().enumerate() {
            let Some(w) = w else { continue };
            let mut push = |t: String| {
                if out.len() < MAX_TERMS_PER_MESSAGE && seen.insert(t.clone()) {
                    out.push(t);
                }
            };
            push(w.clone());
            if let Some(Some(next)) = ws.get(i + 1)
                && next != w
            {
                push(format!("{w} {next}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_and_paired() {
        let t = message_terms(Some("Courier lost my parcel"), "");
        assert_eq!(
            t,
            vec!["courier", "courier lost", "lost", "lost parcel", "parcel"],
            "stop word 'my' is skipped and the words around it still pair up"
        );
    }

    #[test]
    fn stop_words_in_every_language_are_ignored() {
        for text in [
            "the and with from",
            "und der nicht aber",
            "avec dans pour nous",
            "pero para como porque",
            "della questo sono anche",
            "niet maar ook heeft",
            "não você também para",
        ] {
            assert!(
                message_terms(None, text).is_empty(),
                "{text:?} holds only stop words"
            );
        }
    }

    #[test]
    fn links_handles_numbers_and_quotes_are_ignored() {
        let text = "@shop see https://example.com/x order 12345 mail me at a@b.com\n\
                    > quoted courier text\n\
                    On Mon, 1 Dec 2026 at 10:00, Shop wrote:\n\
                    refund refund refund";
        let t = message_terms(None, text);
        assert_eq!(
            t,
            vec!["see", "order", "mail"],
            "handle, URL, number, address, quoted line and text after the attribution are gone"
        );
    }

    #[test]
    fn unicode_words_split_and_lowercase() {
        let t = message_terms(None, "Lieferung VERSPÄTET, Paket beschädigt");
        assert!(t.contains(&"verspätet".to_string()), "{t:?}");
        assert!(t.contains(&"paket beschädigt".to_string()), "{t:?}");
        assert!(
            !t.contains(&"verspätet paket".to_string()),
            "a phrase does not run across a comma: {t:?}"
        );
    }

    #[test]
    fn each_term_counts_once_and_the_list_is_capped() {
        let t = message_terms(None, "parcel parcel parcel");
        assert_eq!(
            t,
            vec!["parcel"],
            "a repeated word is one term, no 'parcel parcel'"
        );
        let letter = |i: usize| char::from(b'a' + (i % 26) as u8);
        let long: String = (0..200)
            .map(|i| format!("w{}{} ", letter(i / 26), letter(i)))
            .collect();
        assert_eq!(
            message_terms(None, &long).len(),
            MAX_TERMS_PER_MESSAGE,
            "200 distinct words give no more than the cap"
        );
    }
}
