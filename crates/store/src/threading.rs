//! Which conversation a new message belongs to, so that the same messages make the same
//! conversations in every arrival order.
//!
//! Why it is built this way: an IMAP initial sync goes newest first, an import goes in file
//! order, some clients cut References short, and some ancestors are never seen (a ticket
//! system's first mail, a message deleted before the import). "Find the parent if it is already
//! stored" then splits one thread into several depending on the order. So, as in JWZ's
//! algorithm and notmuch:
//! - every id a message carries or points at (its own id, In-Reply-To, each References entry)
//!   is recorded for its conversation in `thread_ids`, also ids of messages never stored
//!   (placeholders, JWZ's empty containers);
//! - a new message belongs with every conversation one of its ids is recorded for. When that
//!   is more than one, the message proves they are one thread: they are joined, the later into
//!   the earlier (lowest id), and so are their cases, as one undoable `thread_join` event;
//! - the subject fallback links a message with neither In-Reply-To nor References to the
//!   header-less messages of the same customer with the same normalised subject within
//!   [`SUBJECT_THREAD_WINDOW_MS`] of it. Both ends are header-less, so it does not matter which
//!   came first, and a message with headers is never placed by its subject.
//!
//! The conversations are then the connected components of "message — id it names" plus the
//! subject links, whatever the order. Channels with their own thread key (a Bluesky root post,
//! a chat id, our own replies, which name their conversation's root) are placed by that key
//! and never join conversations.
//!
//! Every lookup is one indexed probe per id, so the cost of a message does not grow with the
//! size of the database; a join costs the size of the conversations joined.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use crate::case_ops;
use crate::events::{self, NewEvent};
use crate::ingest::NewMessage;
use crate::undo::{self, UndoOp};
use crate::{Entity, Result, Tx};

/// How far apart two header-less messages may be for the subject to link them.
pub const SUBJECT_THREAD_WINDOW_MS: i64 = 30 * 24 * 3_600_000;

/// The customer a message is about: the identity the subject fallback compares, and its contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Customer {
    pub identity_id: i64,
    pub contact_id: i64,
}

/// The ids a message threads on besides its own: In-Reply-To, then References nearest first,
/// without repeats and without the message's own id (some clients reference themselves).
pub fn parent_ids(m: &NewMessage) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for id in m
        .in_reply_to
        .iter()
        .map(String::as_str)
        .chain(m.references.iter().rev().map(String::as_str))
    {
        if !id.is_empty() && id != m.external_id && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The live conversation of `account` whose root (channel thread key) is `root`.
pub fn rooted_at(conn: &Connection, account_id: i64, root: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(joined_into, id) FROM conversations WHERE account_id = ?1 AND external_id = ?2",
        )?
        .query_row(params![account_id, root], |r| r.get(0))
        .optional()?)
}

/// The live conversation an id was recorded for, or that is rooted at it.
pub fn conversation_of_id(conn: &Connection, account_id: i64, id: &str) -> Result<Option<i64>> {
    let recorded = conn
        .prepare_cached(
            "SELECT coalesce(c.joined_into, c.id) FROM thread_ids t
               JOIN conversations c ON c.id = t.conversation_id
              WHERE t.account_id = ?1 AND t.message_id = ?2",
        )?
        .query_row(params![account_id, id], |r| r.get(0))
        .optional()?;
    match recorded {
        Some(c) => Ok(Some(c)),
        None => rooted_at(conn, account_id, id),
    }
}

/// Conversations of the header-less messages that the subject fallback links to `m`.
fn subject_matches(
    conn: &Connection,
    m: &NewMessage,
    subject_key: &str,
    customer: Customer,
) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT msg.conversation_id FROM thread_subjects s
           JOIN identities i ON i.id = s.identity_id
           JOIN messages msg ON msg.id = s.message_id
          WHERE s.account_id = ?1 AND s.subject_key = ?2 AND s.sent_at BETWEEN ?3 AND ?4
            AND i.contact_id = ?5",
    )?;
    let rows = stmt.query_map(
        params![
            m.account_id,
            subject_key,
            m.sent_at.saturating_sub(SUBJECT_THREAD_WINDOW_MS),
            m.sent_at.saturating_add(SUBJECT_THREAD_WINDOW_MS),
            customer.contact_id
        ],
        |r| r.get(0),
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn push_new(list: &mut Vec<i64>, id: i64) {
    if !list.contains(&id) {
        list.push(id);
    }
}

/// The conversation `m` belongs to (joining the conversations it links), or `None` when it
/// starts a new one. `actor` names who caused a join in case history.
pub fn place(
    tx: &mut Tx<'_>,
    m: &NewMessage,
    customer: Option<Customer>,
    actor: &str,
    now: i64,
) -> Result<Option<i64>> {
    let conn = tx.conn();
    if let Some(key) = &m.conversation_key
        && let Some(c) = rooted_at(conn, m.account_id, key)?
    {
        return Ok(Some(c));
    }
    let parents = parent_ids(m);
    let mut found = Vec::new();
    for id in parents.iter().copied().chain([m.external_id.as_str()]) {
        if let Some(c) = conversation_of_id(conn, m.account_id, id)? {
            push_new(&mut found, c);
        }
    }
    if m.conversation_key.is_some() {
        // The channel names its own threads: nearest match only, never a join.
        return Ok(found.first().copied());
    }
    if parents.is_empty()
        && let (Some(key), Some(customer)) =
            (m.subject_key.as_deref().filter(|k| !k.is_empty()), customer)
    {
        for c in subject_matches(conn, m, key, customer)? {
            push_new(&mut found, c);
        }
    }
    let Some(&into) = found.iter().min() else {
        return Ok(None);
    };
    let later: Vec<i64> = found.into_iter().filter(|&c| c != into).collect();
    if !later.is_empty() {
        join(tx, into, &later, &m.external_id, actor, now)?;
    }
    Ok(Some(into))
}

/// Records what a stored message threads on: its ids for `conversation_id` (an id already
/// recorded keeps its conversation, which the placement has joined with this one), and, when it
/// has no threading headers, its subject for the fallback.
pub fn record(
    tx: &mut Tx<'_>,
    m: &NewMessage,
    message_row: i64,
    conversation_id: i64,
    customer: Option<Customer>,
) -> Result<()> {
    let parents = parent_ids(m);
    for id in parents.iter().copied().chain([m.external_id.as_str()]) {
        tx.conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO thread_ids (account_id, message_id, conversation_id)
                 VALUES (?1, ?2, ?3)",
            )?
            .execute(params![m.account_id, id, conversation_id])?;
    }
    if parents.is_empty()
        && let (Some(key), Some(customer)) =
            (m.subject_key.as_deref().filter(|k| !k.is_empty()), customer)
    {
        tx.conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO thread_subjects (message_id, account_id, subject_key, identity_id, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                message_row,
                m.account_id,
                key,
                customer.identity_id,
                m.sent_at
            ])?;
    }
    Ok(())
}

/// What a join did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinOutcome {
    pub conversation_id: i64,
    pub joined: Vec<i64>,
    pub case_id: Option<i64>,
    pub cases_merged: Vec<i64>,
    pub messages_moved: usize,
    pub event_id: Option<i64>,
}

/// Joins conversations `later` into `into` because the message `because` links them: their
/// messages move, they are marked `joined_into`, their cases are merged into `into`'s case
/// (the case-merge machinery: notes, follow-ups, tags… move too), all as one `thread_join`
/// event on that case that `undo` reverts.
pub fn join(
    tx: &mut Tx<'_>,
    into: i64,
    later: &[i64],
    because: &str,
    actor: &str,
    now: i64,
) -> Result<JoinOutcome> {
    let mut ops = Vec::new();
    let mut messages_moved = 0;
    for &from in later {
        let ids: Vec<i64> = {
            let mut stmt = tx
                .conn()
                .prepare_cached("SELECT id FROM messages WHERE conversation_id = ?1 ORDER BY id")?;
            stmt.query_map([from], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        tx.conn()
            .prepare_cached("UPDATE messages SET conversation_id = ?2 WHERE conversation_id = ?1")?
            .execute(params![from, into])?;
        for id in &ids {
            tx.changed(Entity::Message, *id);
            ops.push(UndoOp::UpdateRows {
                table: "messages".into(),
                id: *id,
                fields: undo::row([("conversation_id", json!(from))]),
                expect: Some(undo::row([("conversation_id", json!(into))])),
            });
        }
        messages_moved += ids.len();
        // Conversations joined into `from` earlier now lead straight to `into`.
        let earlier: Vec<i64> = {
            let mut stmt = tx.conn().prepare_cached(
                "SELECT id FROM conversations WHERE joined_into = ?1 ORDER BY id",
            )?;
            stmt.query_map([from], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for c in earlier.iter().copied().chain([from]) {
            let before = if c == from { None } else { Some(from) };
            tx.conn()
                .prepare_cached("UPDATE conversations SET joined_into = ?2 WHERE id = ?1")?
                .execute(params![c, into])?;
            tx.changed(Entity::Conversation, c);
            ops.push(UndoOp::UpdateRows {
                table: "conversations".into(),
                id: c,
                fields: undo::row([("joined_into", json!(before))]),
                expect: Some(undo::row([("joined_into", json!(into))])),
            });
        }
    }
    tx.conn()
        .prepare_cached(
            "UPDATE conversations SET last_message_at =
                 max(ifnull(last_message_at, 0),
                     ifnull((SELECT max(sent_at) FROM messages WHERE conversation_id = ?1), 0))
             WHERE id = ?1",
        )?
        .execute([into])?;
    tx.changed(Entity::Conversation, into);

    let case_id = case_ops::case_of_conversation(tx.conn(), into)?;
    let mut cases_merged = Vec::new();
    if let Some(target) = case_id {
        for &c in later {
            if let Some(from_case) = case_ops::case_of_conversation(tx.conn(), c)?
                && from_case != target
                && !cases_merged.contains(&from_case)
            {
                cases_merged.push(from_case);
            }
        }
        cases_merged.sort_unstable();
        if !cases_merged.is_empty() {
            case_ops::ensure_live(tx.conn(), target)?;
            ops.push(case_ops::expect_live(target));
            case_ops::merge_cases_into(tx, target, &cases_merged, now, &mut ops)?;
        }
    }
    let Some(target) = case_id else {
        return Ok(JoinOutcome {
            conversation_id: into,
            joined: later.to_vec(),
            case_id,
            cases_merged,
            messages_moved,
            event_id: None,
        });
    };
    let event_id = events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(target),
            at: now,
            actor,
            kind: "thread_join",
            data: json!({ "conversation_id": into, "joined": later, "message": because,
                          "from_cases": cases_merged, "messages": messages_moved }),
        },
        &UndoOp::many(ops),
    )?;
    for f in &cases_merged {
        events::record_part_of(
            tx,
            NewEvent {
                case_id: Some(*f),
                at: now,
                actor,
                kind: "merged_into",
                data: json!({ "to_case": target, "because": "thread_join" }),
            },
            event_id,
        )?;
    }
    Ok(JoinOutcome {
        conversation_id: into,
        joined: later.to_vec(),
        case_id,
        cases_merged,
        messages_moved,
        event_id: Some(event_id),
    })
}
