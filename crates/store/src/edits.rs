//! Edits and deletions a provider reports for a message already stored (Mastodon `edited_at`,
//! a status gone on refresh).
//!
//! Nothing is lost: an edit replaces the body text (so search finds what the message says now)
//! and records the previous text in a `message_edited` case event; a deletion only sets
//! `messages.deleted_at` (the row and its text stay) and records a `message_deleted` event.

use rusqlite::{OptionalExtension, params};

use crate::events::{self, NewEvent};
use crate::{Entity, Result, Tx};

/// The text a provider now shows for a stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit<'a> {
    pub text: &'a str,
    /// What `messages.snippet` becomes (the caller cuts it the way ingest did).
    pub snippet: &'a str,
    /// When the provider says it was edited (ms since epoch).
    pub edited_at: i64,
}

struct Stored {
    search_rowid: Option<i64>,
    text: String,
    snippet: String,
    external_id: String,
    deleted_at: Option<i64>,
    case_id: Option<i64>,
}

fn stored(tx: &Tx<'_>, message_id: i64) -> Result<Option<Stored>> {
    Ok(tx
        .conn()
        .prepare_cached(
            "SELECT b.search_rowid, COALESCE(b.text, ''), m.snippet, m.external_id, m.deleted_at,
                    cc.case_id
               FROM messages m
               LEFT JOIN message_bodies b ON b.message_id = m.id
               LEFT JOIN case_conversations cc ON cc.conversation_id = m.conversation_id
              WHERE m.id = ?1",
        )?
        .query_row([message_id], |r| {
            Ok(Stored {
                search_rowid: r.get(0)?,
                text: r.get(1)?,
                snippet: r.get(2)?,
                external_id: r.get(3)?,
                deleted_at: r.get(4)?,
                case_id: r.get(5)?,
            })
        })
        .optional()?)
}

/// The newest `edited_at` already applied to this message, from its edit events.
fn last_edit(tx: &Tx<'_>, case_id: Option<i64>, message_id: i64) -> Result<Option<i64>> {
    Ok(tx
        .conn()
        .prepare_cached(
            "SELECT max(json_extract(data, '$.edited_at')) FROM events
              WHERE case_id IS ?1 AND kind = 'message_edited'
                AND json_extract(data, '$.message_id') = ?2",
        )?
        .query_row(params![case_id, message_id], |r| r.get(0))?)
}

/// Applies an edit when it is newer than the last one applied and the text really changed.
/// Returns whether anything changed.
pub fn apply_edit(
    tx: &mut Tx<'_>,
    message_id: i64,
    edit: &Edit<'_>,
    actor: &str,
    now: i64,
) -> Result<bool> {
    let Some(old) = stored(tx, message_id)? else {
        return Ok(false);
    };
    if last_edit(tx, old.case_id, message_id)?.is_some_and(|t| t >= edit.edited_at)
        || old.text == edit.text
    {
        return Ok(false);
    }
    if let Some(key) = old.search_rowid {
        // A body inserted earlier in this transaction is indexed only at commit; the update
        // trigger would index it, and the commit would index it a second time. Index it now
        // (and not at commit), then update.
        if let Some(i) = tx.fts_pending.iter().position(|k| *k == key) {
            tx.fts_pending.swap_remove(i);
            tx.conn()
                .prepare_cached(
                    "INSERT INTO message_search(rowid, subject, sender, recipients, text)
                     SELECT search_rowid, subject, sender, recipients, text FROM message_search_source
                      WHERE search_rowid = ?1",
                )?
                .execute([key])?;
        }
        // `message_bodies_au` keeps the FTS index in step.
        tx.conn()
            .prepare_cached("UPDATE message_bodies SET text = ?2 WHERE search_rowid = ?1")?
            .execute(params![key, edit.text])?;
    }
    tx.conn()
        .prepare_cached("UPDATE messages SET snippet = ?2 WHERE id = ?1")?
        .execute(params![message_id, edit.snippet])?;
    tx.changed(Entity::Message, message_id);
    events::record(
        tx,
        NewEvent {
            case_id: old.case_id,
            at: now,
            actor,
            kind: "message_edited",
            data: serde_json::json!({
                "message_id": message_id,
                "external_id": old.external_id,
                "edited_at": edit.edited_at,
                "previous_text": old.text,
                "previous_snippet": old.snippet,
            }),
        },
    )?;
    Ok(true)
}

/// Marks a message deleted on the provider (`deleted_at`), keeping the row and its text.
/// Returns whether it was not marked before.
pub fn apply_delete(tx: &mut Tx<'_>, message_id: i64, actor: &str, now: i64) -> Result<bool> {
    let Some(old) = stored(tx, message_id)? else {
        return Ok(false);
    };
    if old.deleted_at.is_some() {
        return Ok(false);
    }
    tx.conn()
        .prepare_cached("UPDATE messages SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL")?
        .execute(params![message_id, now])?;
    tx.changed(Entity::Message, message_id);
    events::record(
        tx,
        NewEvent {
            case_id: old.case_id,
            at: now,
            actor,
            kind: "message_deleted",
            data: serde_json::json!({
                "message_id": message_id,
                "external_id": old.external_id,
                "text": old.text,
            }),
        },
    )?;
    Ok(true)
}
