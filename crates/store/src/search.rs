//! Full-text search over messages (subject, sender, recipients, body) and internal notes (FTS5).
//!
//! Why it is shaped like this: ranking every match of a common word by bm25 costs time in
//! proportion to the number of matches. The index's rowids are allocated in message-date order
//! (see `ingest::insert_body`), so the newest matches are a cheap reverse walk. Newest-first
//! order is just that walk, stopped after one page. Relevance takes the newest [`CANDIDATES`]
//! matches and ranks those by bm25: for rare terms that is every match, so the ranking is exact;
//! for common terms it is "the most relevant among the recent ones", which is what an inbox search
//! is for. The page's rows are then read by key and their snippets cut here, instead of asking
//! FTS5 to run the query again per hit (which, for a prefix term, rebuilds the merged doclist
//! each time).
//!
//! Notes live in an index of their own (`note_search`): they are few, have no sender or subject,
//! and their ids are not in date order. Their hits are merged into the page by score or by date
//! and say they are notes ([`HitKind::Note`]). A query that restricts a word to a message column
//! (`subject:`, `from:`, `to:`) cannot match a note, so it does not search notes.
//!
//! Words are matched as typed, without stemming, in any language: the tokenizer is unicode61 with
//! diacritics removed ("cafe" finds "café"), and `refund*` finds every word starting with
//! "refund". Porter stemming is English-only and would mangle the German, French or Spanish mail
//! a shop also gets; docs/search.md says more.
//!
//! A query is capped at [`MAX_QUERY_CHARS`] characters and [`MAX_QUERY_TERMS`] terms: the work
//! per query grows with the number of terms, so an unbounded query (a pasted megabyte) could
//! keep a core busy for minutes.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::{Result, StoreError};

/// How many newest matches are ranked.
pub const CANDIDATES: i64 = 2_000;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;

/// The most words and phrases a query may have.
pub const MAX_QUERY_TERMS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SearchOrder {
    #[default]
    Relevance,
    Newest,
}

/// What a hit is: a message of the case, or one of its internal notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Message,
    Note,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SearchHit {
    pub kind: HitKind,
    pub case_id: i64,
    /// The matching message; `None` for a note.
    pub message_id: Option<i64>,
    pub conversation_id: Option<i64>,
    /// The matching note; `None` for a message.
    pub note_id: Option<i64>,
    /// The message's channel; `"note"` for a note.
    pub channel: String,
    /// The message's subject; for a note, its case's subject.
    pub subject: Option<String>,
    /// A fragment of the matching text, punctuation kept, with matches wrapped in `[` `]`.
    pub snippet: String,
    /// Who wrote the message or the note.
    pub author: Option<String>,
    /// When the message was sent or the note written.
    pub sent_at: i64,
    /// bm25 score: lower is better (SQLite's convention).
    pub score: f64,
}

/// A column a word can be restricted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Subject,
    /// Who wrote the message (name, address, handle).
    Sender,
    /// Whom it went to (To, Cc, mentions).
    Recipients,
    /// Either of the two.
    People,
    Text,
}

impl Column {
    fn fts(self) -> &'static str {
        match self {
            Column::Subject => "subject",
            Column::Sender => "sender",
            Column::Recipients => "recipients",
            Column::People => "{sender recipients}",
            Column::Text => "text",
        }
    }
}

enum Part {
    Term { column: Option<Column>, fts: String },
    Or,
}

/// A query as the two indexes take it.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The FTS5 query for `message_search`.
    pub messages: String,
    /// The FTS5 query for `note_search`; `None` when a word is restricted to a message column.
    pub notes: Option<String>,
    /// The lowercase words to mark in snippets, each with whether it is a prefix.
    words: Vec<(String, bool)>,
}

/// Turns what a person types into a safe FTS5 query.
///
/// Words are matched as whole tokens (all must match); `"quoted phrases"` as phrases; a
/// trailing `*` makes a prefix; `subject:`, `from:` (the sender), `to:` (the recipients),
/// `with:` (either) and `body:` restrict a word to a column; `OR` between two words is kept.
/// Everything else is quoted, so punctuation in an order number or an apostrophe never becomes
/// FTS syntax. Longer than [`MAX_QUERY_CHARS`] or more than [`MAX_QUERY_TERMS`] terms is an error.
pub fn parse_query(input: &str) -> Result<Query> {
    let chars = input.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(StoreError::Invalid(format!(
            "the search is {chars} characters long; the limit is {MAX_QUERY_CHARS} characters"
        )));
    }
    let mut parts: Vec<Part> = Vec::new();
    let mut words: Vec<(String, bool)> = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut column = None;
        let mut token = String::new();
        if c == '"' {
            chars.next();
            for ch in chars.by_ref() {
                if ch == '"' {
                    break;
                }
                token.push(ch);
            }
            if !token.trim().is_empty() {
                words.extend(tokens(&token).map(|w| (w, false)));
                parts.push(Part::Term {
                    column: None,
                    fts: quote(&token),
                });
            }
            continue;
        }
        while let Some(&ch) = chars.peek() {
            if ch.is_whitespace() {
                break;
            }
            token.push(ch);
            chars.next();
        }
        if token == "OR" && !parts.is_empty() {
            parts.push(Part::Or);
            continue;
        }
        if let Some((prefix, rest)) = token.split_once(':') {
            let col = match prefix.to_ascii_lowercase().as_str() {
                "subject" => Some(Column::Subject),
                "from" => Some(Column::Sender),
                "to" => Some(Column::Recipients),
                "with" | "participant" => Some(Column::People),
                "body" | "text" => Some(Column::Text),
                _ => None,
            };
            if col.is_some() && !rest.is_empty() {
                column = col;
                token = rest.to_string();
            }
        }
        let prefix = token.ends_with('*');
        let word = token.trim_end_matches('*');
        if !word.chars().any(char::is_alphanumeric) {
            continue;
        }
        let mut ws: Vec<(String, bool)> = tokens(word).map(|w| (w, false)).collect();
        if let Some(last) = ws.last_mut() {
            last.1 = prefix;
        }
        words.extend(ws);
        let mut fts = quote(word);
        if prefix {
            fts.push('*');
        }
        parts.push(Part::Term { column, fts });
    }
    while matches!(parts.last(), Some(Part::Or)) {
        parts.pop();
    }
    let terms = parts
        .iter()
        .filter(|p| matches!(p, Part::Term { .. }))
        .count();
    if terms == 0 {
        return Err(StoreError::Invalid(format!(
            "cannot search for {input:?}: it has no words"
        )));
    }
    if terms > MAX_QUERY_TERMS {
        return Err(StoreError::Invalid(format!(
            "the search has {terms} words and phrases; the limit is {MAX_QUERY_TERMS}"
        )));
    }
    let render = |with_columns: bool| {
        parts
            .iter()
            .map(|p| match p {
                Part::Or => "OR".to_string(),
                Part::Term {
                    column: Some(col),
                    fts,
                } if with_columns => format!("{} : {fts}", col.fts()),
                Part::Term { fts, .. } => fts.clone(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let notes_can_match = parts.iter().all(|p| match p {
        Part::Term { column, .. } => matches!(column, None | Some(Column::Text)),
        Part::Or => true,
    });
    Ok(Query {
        messages: render(true),
        notes: notes_can_match.then(|| render(false)),
        words,
    })
}

/// The FTS5 query for the message index (see [`parse_query`]).
pub fn build_query(input: &str) -> Result<String> {
    Ok(parse_query(input)?.messages)
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The lowercase alphanumeric runs of `s`, as the tokenizer splits it ("don't" → "don", "t").
fn tokens(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

pub fn search(
    conn: &Connection,
    input: &str,
    order: SearchOrder,
    limit: i64,
) -> Result<Vec<SearchHit>> {
    let query = parse_query(input)?;
    let limit = limit.clamp(1, 500);
    let mut hits = message_hits(conn, input, &query, order, limit)?;
    if let Some(notes) = &query.notes {
        let note_hits = note_hits(conn, input, notes, &query.words, order, limit)?;
        if !note_hits.is_empty() {
            hits.extend(note_hits);
            match order {
                SearchOrder::Newest => hits.sort_by_key(|h| std::cmp::Reverse(h.sent_at)),
                SearchOrder::Relevance => {
                    hits.sort_by(|a, b| a.score.total_cmp(&b.score).then(b.sent_at.cmp(&a.sent_at)))
                }
            }
            hits.truncate(limit as usize);
        }
    }
    Ok(hits)
}

fn message_hits(
    conn: &Connection,
    input: &str,
    query: &Query,
    order: SearchOrder,
    limit: i64,
) -> Result<Vec<SearchHit>> {
    let fts = &query.messages;
    let ranked: Vec<(i64, f64)> = if order == SearchOrder::Newest {
        // Newest first needs no score: a reverse walk of the index, stopping after `limit`.
        let mut st = conn.prepare_cached(
            "SELECT rowid FROM message_search WHERE message_search MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
        )?;
        st.query_map(rusqlite::params![fts, limit], |r| Ok((r.get(0)?, 0.0)))
            .map_err(|e| invalid_query(input, e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| invalid_query(input, e))?
    } else {
        let mut cand = conn.prepare_cached(
            "SELECT rowid, bm25(message_search, 4.0, 2.0, 2.0, 1.0) FROM message_search
              WHERE message_search MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
        )?;
        let mut ranked: Vec<(i64, f64)> = cand
            .query_map(rusqlite::params![fts, CANDIDATES.max(limit)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| invalid_query(input, e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| invalid_query(input, e))?;
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        ranked.truncate(limit as usize);
        ranked
    };
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let keys = serde_json::to_string(&ranked.iter().map(|r| r.0).collect::<Vec<_>>())?;
    let mut stmt = conn.prepare_cached(
        "SELECT b.search_rowid, b.subject, b.text,
                m.id, m.conversation_id, cc.case_id, m.channel, m.subject, m.sent_at,
                coalesce(i.display_name, i.handle, i.external_id)
           FROM message_bodies b
           JOIN messages m ON m.id = b.message_id
           JOIN case_conversations cc ON cc.conversation_id = m.conversation_id
           LEFT JOIN identities i ON i.id = m.author_identity_id
          WHERE b.search_rowid IN (SELECT value FROM json_each(?1))",
    )?;
    let terms = &query.words;
    let rows: Vec<(i64, SearchHit)> = stmt
        .query_map([keys], |r| {
            let subject_text: String = r.get(1)?;
            let text: String = r.get(2)?;
            let snippet = make_snippet(&text, terms)
                .or_else(|| make_snippet(&subject_text, terms))
                .unwrap_or_else(|| text.chars().take(100).collect());
            Ok((
                r.get::<_, i64>(0)?,
                SearchHit {
                    kind: HitKind::Message,
                    snippet,
                    message_id: Some(r.get(3)?),
                    conversation_id: Some(r.get(4)?),
                    note_id: None,
                    case_id: r.get(5)?,
                    channel: r.get(6)?,
                    subject: r.get(7)?,
                    sent_at: r.get(8)?,
                    author: r.get(9)?,
                    score: 0.0,
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut by_rowid: std::collections::HashMap<i64, SearchHit> = rows.into_iter().collect();
    Ok(ranked
        .into_iter()
        .filter_map(|(rowid, score)| {
            by_rowid.remove(&rowid).map(|mut h| {
                h.score = score;
                h
            })
        })
        .collect())
}

/// The page's best (or newest) matching notes. Notes are few, so this ranks every match.
fn note_hits(
    conn: &Connection,
    input: &str,
    fts: &str,
    terms: &[(String, bool)],
    order: SearchOrder,
    limit: i64,
) -> Result<Vec<SearchHit>> {
    let sql = match order {
        SearchOrder::Newest => {
            "SELECT n.id, n.case_id, n.body, n.author, n.created_at, c.subject, 0.0
               FROM note_search s JOIN notes n ON n.id = s.rowid JOIN cases c ON c.id = n.case_id
              WHERE note_search MATCH ?1 ORDER BY n.created_at DESC, n.id DESC LIMIT ?2"
        }
        SearchOrder::Relevance => {
            "SELECT n.id, n.case_id, n.body, n.author, n.created_at, c.subject, bm25(note_search)
               FROM note_search s JOIN notes n ON n.id = s.rowid JOIN cases c ON c.id = n.case_id
              WHERE note_search MATCH ?1 ORDER BY bm25(note_search), n.created_at DESC LIMIT ?2"
        }
    };
    let mut st = conn.prepare_cached(sql)?;
    st.query_map(rusqlite::params![fts, limit], |r| {
        let body: String = r.get(2)?;
        Ok(SearchHit {
            kind: HitKind::Note,
            case_id: r.get(1)?,
            message_id: None,
            conversation_id: None,
            note_id: Some(r.get(0)?),
            channel: "note".into(),
            subject: r.get(5)?,
            snippet: make_snippet(&body, terms).unwrap_or_else(|| body.chars().take(100).collect()),
            author: r.get(3)?,
            sent_at: r.get(4)?,
            score: r.get(6)?,
        })
    })
    .map_err(|e| invalid_query(input, e))?
    .collect::<rusqlite::Result<_>>()
    .map_err(|e| invalid_query(input, e))
}

/// How far a snippet reaches past its first and last word to the whitespace around them, so
/// punctuation and the rest of a split word stay attached ("(order", "#1234.", "didn't"), and a
/// long run without spaces cannot make it long.
const ATTACHED_CHARS: usize = 12;

/// Up to 16 words around the first match, as written: punctuation kept, whitespace runs (line
/// breaks included) shown as one space, each matching word wrapped in `[` `]`, and `…` where
/// the text goes on.
fn make_snippet(text: &str, terms: &[(String, bool)]) -> Option<String> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            words.push((s, i));
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    let hit = |w: &str| {
        let lw = w.to_lowercase();
        terms.iter().any(|(t, p)| {
            if *p {
                lw.starts_with(t.as_str())
            } else {
                lw == *t
            }
        })
    };
    let first = words.iter().position(|&(a, b)| hit(&text[a..b]))?;
    let lo = first.saturating_sub(4);
    let hi = (lo + 16).min(words.len());
    let (begin, end) = (words[lo].0, words[hi - 1].1);
    let from = text[..begin]
        .char_indices()
        .rev()
        .take(ATTACHED_CHARS)
        .take_while(|(_, c)| !c.is_whitespace())
        .last()
        .map_or(begin, |(i, _)| i);
    let to = text[end..]
        .char_indices()
        .take(ATTACHED_CHARS)
        .take_while(|(_, c)| !c.is_whitespace())
        .last()
        .map_or(end, |(i, c)| end + i + c.len_utf8());
    let mut out = String::new();
    if !text[..from].trim().is_empty() {
        out.push('…');
    }
    let mut at = from;
    for &(a, b) in words.iter().skip(lo.saturating_sub(ATTACHED_CHARS)) {
        if b > to {
            break;
        }
        if a < from {
            continue;
        }
        push_collapsed(&mut out, &text[at..a]);
        let w = &text[a..b];
        if hit(w) {
            out.push('[');
            out.push_str(w);
            out.push(']');
        } else {
            out.push_str(w);
        }
        at = b;
    }
    push_collapsed(&mut out, &text[at..to]);
    if !text[to..].trim().is_empty() {
        out.push('…');
    }
    Some(out)
}

/// Appends `s` with each whitespace run as one space.
fn push_collapsed(out: &mut String, s: &str) {
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    if space {
        out.push(' ');
    }
}

fn invalid_query(input: &str, e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.contains("fts5") => {
            StoreError::Invalid(format!("cannot search for {input:?}: {msg}"))
        }
        other => StoreError::Sqlite(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_input_becomes_quoted_terms() {
        assert_eq!(
            build_query("late delivery").unwrap(),
            r#""late" "delivery""#
        );
        assert_eq!(build_query("order #123").unwrap(), r##""order" "#123""##);
        assert_eq!(build_query("don't AND").unwrap(), r#""don't" "AND""#);
        assert_eq!(
            build_query(r#""late parcel" refund*"#).unwrap(),
            r#""late parcel" "refund"*"#
        );
        assert_eq!(
            build_query("from:alice subject:refund").unwrap(),
            r#"sender : "alice" subject : "refund""#
        );
        assert_eq!(
            build_query("to:bob with:cy body:mug").unwrap(),
            r#"recipients : "bob" {sender recipients} : "cy" text : "mug""#
        );
        assert_eq!(
            build_query("refund OR return").unwrap(),
            r#""refund" OR "return""#
        );
        assert_eq!(build_query("OR refund OR").unwrap(), r#""OR" "refund""#);
        assert!(
            build_query("  !!! ").is_err(),
            "punctuation alone is no query"
        );
    }

    #[test]
    fn notes_are_searched_unless_a_word_is_restricted_to_a_message_column() {
        let q = parse_query("refund body:mug OR late*").unwrap();
        assert_eq!(q.notes.as_deref(), Some(r#""refund" "mug" OR "late"*"#));
        assert_eq!(parse_query("from:ann refund").unwrap().notes, None);
        assert_eq!(parse_query("to:ann").unwrap().notes, None);
        assert_eq!(parse_query("subject:refund").unwrap().notes, None);
    }

    #[test]
    fn long_queries_are_refused_naming_the_limit() {
        let long = "a".repeat(MAX_QUERY_CHARS + 1);
        let err = parse_query(&long).unwrap_err().to_string();
        assert!(
            err.contains("1001 characters") && err.contains("limit is 1000"),
            "{err}"
        );
        assert!(
            parse_query(&"a".repeat(MAX_QUERY_CHARS)).is_ok(),
            "the limit itself is fine"
        );
        let many = vec!["w"; MAX_QUERY_TERMS + 1].join(" ");
        let err = parse_query(&many).unwrap_err().to_string();
        assert!(
            err.contains("33 words") && err.contains("limit is 32"),
            "{err}"
        );
        assert!(parse_query(&vec!["w"; MAX_QUERY_TERMS].join(" ")).is_ok());
    }

    fn words(q: &str) -> Vec<(String, bool)> {
        parse_query(q).unwrap().words
    }

    #[test]
    fn snippets_keep_punctuation_and_mark_the_words() {
        let text =
            "Hi!\n\nMy order #1234 (the blue mug) didn't arrive. Can you refund it? Thanks, Ann.";
        assert_eq!(
            make_snippet(text, &words("refund")).unwrap(),
            "…didn't arrive. Can you [refund] it? Thanks, Ann.",
        );
        assert_eq!(
            make_snippet(text, &words("#1234")).unwrap(),
            "Hi! My order #[1234] (the blue mug) didn't arrive. Can you refund it? Thanks, Ann.",
            "line breaks become one space, nothing before the first word is cut"
        );
        assert_eq!(
            make_snippet(text, &words("\"blue mug\" arriv*")).unwrap(),
            "…My order #1234 (the [blue] [mug]) didn't [arrive]. Can you refund it? Thanks, Ann.",
        );
        assert_eq!(make_snippet(text, &words("parcel")), None);
    }

    #[test]
    fn snippets_stop_at_the_sixteenth_word_and_bound_attached_symbols() {
        let text = format!(
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen{} seventeen",
            "!".repeat(100)
        );
        let s = make_snippet(&text, &words("one")).unwrap();
        assert!(s.starts_with("[one] two"), "{s}");
        assert!(
            s.ends_with(&format!("sixteen{}…", "!".repeat(ATTACHED_CHARS))),
            "{s}"
        );
    }
}
