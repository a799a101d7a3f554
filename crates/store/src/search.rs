//! Full-text search over subject, participants and body (FTS5).
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

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::{Result, StoreError};

/// How many newest matches are ranked.
pub const CANDIDATES: i64 = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SearchOrder {
    #[default]
    Relevance,
    Newest,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SearchHit {
    pub case_id: i64,
    pub message_id: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub subject: Option<String>,
    /// A fragment of the matching text with matches wrapped in `[` `]`.
    pub snippet: String,
    pub author: Option<String>,
    pub sent_at: i64,
    /// bm25 score: lower is better (SQLite's convention).
    pub score: f64,
}

/// Turns what a person types into a safe FTS5 query.
///
/// Words are matched as whole tokens (all must match); `"quoted phrases"` as phrases; a
/// trailing `*` makes a prefix; `subject:`, `from:` (participants) and `body:` restrict a word to
/// a column; `OR` between two words is kept. Everything else is quoted, so punctuation in
/// an order number or an apostrophe never becomes FTS syntax.
pub fn build_query(input: &str) -> Result<String> {
    let mut out: Vec<String> = Vec::new();
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
                out.push(quote(&token));
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
        if token == "OR" && !out.is_empty() {
            out.push("OR".into());
            continue;
        }
        if let Some((prefix, rest)) = token.split_once(':') {
            let col = match prefix.to_ascii_lowercase().as_str() {
                "subject" => Some("subject"),
                "from" | "to" | "participant" => Some("participants"),
                "body" | "text" => Some("text"),
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
        let mut term = quote(word);
        if prefix {
            term.push('*');
        }
        out.push(match column {
            Some(col) => format!("{col} : {term}"),
            None => term,
        });
    }
    while out.last().is_some_and(|t| t == "OR") {
        out.pop();
    }
    if out.is_empty() {
        return Err(StoreError::Invalid(format!(
            "cannot search for {input:?}: it has no words"
        )));
    }
    Ok(out.join(" "))
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn search(
    conn: &Connection,
    input: &str,
    order: SearchOrder,
    limit: i64,
) -> Result<Vec<SearchHit>> {
    let query = build_query(input)?;
    let limit = limit.clamp(1, 500);
    let ranked: Vec<(i64, f64)> = if order == SearchOrder::Newest {
        // Newest first needs no score: a reverse walk of the index, stopping after `limit`.
        let mut st = conn.prepare_cached(
            "SELECT rowid FROM message_search WHERE message_search MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
        )?;
        st.query_map(rusqlite::params![query, limit], |r| Ok((r.get(0)?, 0.0)))
            .map_err(|e| invalid_query(input, e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| invalid_query(input, e))?
    } else {
        let mut cand = conn.prepare_cached(
            "SELECT rowid, bm25(message_search, 4.0, 2.0, 1.0) FROM message_search
              WHERE message_search MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
        )?;
        let mut ranked: Vec<(i64, f64)> = cand
            .query_map(rusqlite::params![query, CANDIDATES.max(limit)], |r| {
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
    let terms = terms_of(input);
    let rows: Vec<(i64, SearchHit)> = stmt
        .query_map([keys], |r| {
            let subject_text: String = r.get(1)?;
            let text: String = r.get(2)?;
            let snippet = make_snippet(&text, &terms)
                .or_else(|| make_snippet(&subject_text, &terms))
                .unwrap_or_else(|| text.chars().take(100).collect());
            Ok((
                r.get::<_, i64>(0)?,
                SearchHit {
                    snippet,
                    message_id: r.get(3)?,
                    conversation_id: r.get(4)?,
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

fn terms_of(input: &str) -> Vec<(String, bool)> {
    input
        .split_whitespace()
        .filter(|t| *t != "OR")
        .map(|t| t.rsplit(':').next().unwrap_or(t))
        .map(|t| t.trim_matches('"'))
        .filter(|t| !t.is_empty())
        .map(|t| (t.trim_end_matches('*').to_lowercase(), t.ends_with('*')))
        .collect()
}

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
    let mut out = String::new();
    if lo > 0 {
        out.push('…');
    }
    for (k, &(a, b)) in words[lo..hi].iter().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        let w = &text[a..b];
        if hit(w) {
            out.push('[');
            out.push_str(w);
            out.push(']');
        } else {
            out.push_str(w);
        }
    }
    if hi < words.len() {
        out.push('…');
    }
    Some(out)
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
    use super::build_query;

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
            r#"participants : "alice" subject : "refund""#
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
}
