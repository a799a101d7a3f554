//! Cases across channels: link and unlink conversations, merge and split cases.
//!
//! A complaint that starts on Bluesky and is finished over email is one case, so conversations
//! move between cases. Every operation here records its events and the exact inverse
//! ([`UndoOp`]) of what it changed, so "undo" restores the previous layout row for row.
//!
//! Decisions:
//! - A case is never left without conversations by `link`: a case emptied that way is marked
//!   `merged_into` the target (it was, in effect, merged). `unlink`/`split` refuse to empty a case.
//! - Merging moves conversations, notes, follow-ups, outbox items, root causes, labels, response
//!   clocks and breaches to the target (the pending clock due soonest stays pending, see
//!   `sla::settle_merged_clocks`), and repeat-contact flags are recomputed; the source keeps its row and its events, marked `merged_into`, so its history stays
//!   readable and undo can bring it back with the same id.
//! - A split (and an unlink, a split of one conversation) creates a new case carrying the
//!   original's status, priority and owner; notes, tags and follow-ups stay with the original.
//!   Undoing a split moves the conversations back and marks the new case `merged_into` the
//!   original; it is not deleted, because events (append-only) point at it.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};

use crate::events::{self, NewEvent};
use crate::undo::{self, Row, UndoOp};
use crate::{Entity, Result, StoreError, Tx};

/// The case a conversation is on, if any.
pub fn case_of_conversation(conn: &Connection, conversation_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT case_id FROM case_conversations WHERE conversation_id = ?1")?
        .query_row([conversation_id], |r| r.get(0))
        .optional()?)
}

/// The conversations of a case, oldest link first.
pub fn conversations_of(conn: &Connection, case_id: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT conversation_id FROM case_conversations WHERE case_id = ?1
          ORDER BY linked_at, conversation_id",
    )?;
    Ok(stmt
        .query_map([case_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

fn contact_of(conn: &Connection, case_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT contact_id FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| r.get(0))
        .optional()?
        .flatten())
}

/// A live case: exists and was not merged away.
pub(crate) fn ensure_live(conn: &Connection, case_id: i64) -> Result<()> {
    let merged: Option<Option<i64>> = conn
        .prepare_cached("SELECT merged_into FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| r.get(0))
        .optional()?;
    match merged {
        None => Err(StoreError::not_found("case", case_id)),
        Some(Some(into)) => Err(StoreError::Conflict(format!(
            "case {case_id} was merged into case {into}; work on case {into} instead"
        ))),
        Some(None) => Ok(()),
    }
}

fn ensure_conversation(conn: &Connection, id: i64) -> Result<()> {
    if conn
        .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
        .exists([id])?
    {
        Ok(())
    } else {
        Err(StoreError::not_found("conversation", id))
    }
}

/// Recomputes a case's message times from the messages it now holds (after conversations moved).
pub fn refresh_activity(tx: &mut Tx<'_>, case_id: i64) -> Result<()> {
    tx.conn()
        .prepare_cached(
            "UPDATE cases SET
               last_message_at = (SELECT max(m.sent_at) FROM case_conversations cc
                   JOIN messages m ON m.conversation_id = cc.conversation_id WHERE cc.case_id = ?1),
               last_inbound_at = (SELECT max(m.sent_at) FROM case_conversations cc
                   JOIN messages m ON m.conversation_id = cc.conversation_id
                  WHERE cc.case_id = ?1 AND m.direction = 'inbound')
             WHERE id = ?1",
        )?
        .execute([case_id])?;
    tx.changed(Entity::Case, case_id);
    Ok(())
}

fn cc_row(conn: &Connection, conversation_id: i64) -> Result<Row> {
    undo::rows_where(
        conn,
        "case_conversations",
        "conversation_id = ?1",
        vec![conversation_id.into()],
    )?
    .pop()
    .ok_or_else(|| StoreError::not_found("linked conversation", conversation_id))
}

/// Moves one conversation row to `to`, returning the inverse.
fn move_conversation(tx: &mut Tx<'_>, conversation_id: i64, to: i64, now: i64) -> Result<UndoOp> {
    let old = cc_row(tx.conn(), conversation_id)?;
    tx.conn()
        .prepare_cached(
            "UPDATE case_conversations SET case_id = ?2, linked_at = ?3 WHERE conversation_id = ?1",
        )?
        .execute(params![conversation_id, to, now])?;
    tx.changed(Entity::Conversation, conversation_id);
    Ok(UndoOp::many(vec![
        UndoOp::DeleteKeys {
            table: "case_conversations".into(),
            keys: vec![undo::row([
                ("case_id", json!(to)),
                ("conversation_id", json!(conversation_id)),
            ])],
        },
        UndoOp::InsertRows {
            table: "case_conversations".into(),
            rows: vec![old],
        },
    ]))
}

/// Inverse of setting `merged_into` on a case.
fn unmerge_op(conn: &Connection, case_id: i64, into: i64) -> Result<UndoOp> {
    Ok(UndoOp::SetCaseFields {
        case_id,
        fields: undo::case_fields(conn, case_id, &["merged_into", "updated_at"])?,
        expect: Some(undo::row([("merged_into", json!(into))])),
    })
}

fn set_merged(tx: &mut Tx<'_>, case_id: i64, into: Option<i64>, now: i64) -> Result<()> {
    tx.conn()
        .prepare_cached("UPDATE cases SET merged_into = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![case_id, into, now])?;
    tx.changed(Entity::Case, case_id);
    Ok(())
}

fn touch(tx: &mut Tx<'_>, case_id: i64, now: i64) -> Result<()> {
    tx.conn()
        .prepare_cached("UPDATE cases SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![case_id, now])?;
    tx.changed(Entity::Case, case_id);
    Ok(())
}

/// An op that checks a case is still live when undone (it was not merged since).
pub(crate) fn expect_live(case_id: i64) -> UndoOp {
    UndoOp::SetCaseFields {
        case_id,
        fields: Row::new(),
        expect: Some(undo::row([("merged_into", Value::Null)])),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LinkOutcome {
    pub case_id: i64,
    pub conversation_id: i64,
    /// The case the conversation was on before, if any.
    pub from_case: Option<i64>,
    /// True when that case had no other conversation and is now merged into `case_id`.
    pub from_case_merged: bool,
    pub event_id: i64,
}

/// Links a conversation to a case, moving it from the case it was on.
pub fn link(
    tx: &mut Tx<'_>,
    case_id: i64,
    conversation_id: i64,
    actor: &str,
    now: i64,
) -> Result<LinkOutcome> {
    ensure_live(tx.conn(), case_id)?;
    ensure_conversation(tx.conn(), conversation_id)?;
    let from = case_of_conversation(tx.conn(), conversation_id)?;
    if from == Some(case_id) {
        return Err(StoreError::Conflict(format!(
            "conversation {conversation_id} is already on case {case_id}"
        )));
    }
    let mut ops = vec![expect_live(case_id)];
    let mut from_merged = false;
    match from {
        Some(f) => {
            ops.push(move_conversation(tx, conversation_id, case_id, now)?);
            if conversations_of(tx.conn(), f)?.is_empty() {
                ops.push(unmerge_op(tx.conn(), f, case_id)?);
                set_merged(tx, f, Some(case_id), now)?;
                from_merged = true;
            } else {
                touch(tx, f, now)?;
            }
            refresh_activity(tx, f)?;
        }
        None => {
            tx.conn()
                .prepare_cached(
                    "INSERT INTO case_conversations (case_id, conversation_id, linked_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![case_id, conversation_id, now])?;
            tx.changed(Entity::Conversation, conversation_id);
            ops.push(UndoOp::DeleteKeys {
                table: "case_conversations".into(),
                keys: vec![undo::row([
                    ("case_id", json!(case_id)),
                    ("conversation_id", json!(conversation_id)),
                ])],
            });
        }
    }
    touch(tx, case_id, now)?;
    refresh_activity(tx, case_id)?;
    let event_id = events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor,
            kind: "link",
            data: json!({ "conversation_id": conversation_id, "from_case": from,
                          "from_case_merged": from_merged }),
        },
        &UndoOp::many(ops),
    )?;
    if let Some(f) = from {
        events::record_part_of(
            tx,
            NewEvent {
                case_id: Some(f),
                at: now,
                actor,
                kind: if from_merged { "merged_into" } else { "unlink" },
                data: json!({ "conversation_id": conversation_id, "to_case": case_id }),
            },
            event_id,
        )?;
    }
    Ok(LinkOutcome {
        case_id,
        conversation_id,
        from_case: from,
        from_case_merged: from_merged,
        event_id,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SplitOutcome {
    /// The case the conversations left.
    pub case_id: i64,
    /// The new case holding them.
    pub new_case_id: i64,
    pub conversation_ids: Vec<i64>,
    pub event_id: i64,
}

/// Moves `conversation_ids` of a case to a new case. The case must keep at least one.
pub fn split(
    tx: &mut Tx<'_>,
    case_id: i64,
    conversation_ids: &[i64],
    actor: &str,
    now: i64,
) -> Result<SplitOutcome> {
    ensure_live(tx.conn(), case_id)?;
    let mut ids: Vec<i64> = conversation_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(StoreError::Invalid(format!(
            "cannot split case {case_id}: name at least one conversation to move"
        )));
    }
    let current = conversations_of(tx.conn(), case_id)?;
    for id in &ids {
        if !current.contains(id) {
            ensure_conversation(tx.conn(), *id)?;
            return Err(StoreError::Invalid(format!(
                "cannot split case {case_id}: conversation {id} is not on it"
            )));
        }
    }
    if ids.len() == current.len() {
        return Err(StoreError::Invalid(format!(
            "cannot split case {case_id}: it would be left without conversations (keep at least one)"
        )));
    }
    let (subject, contact): (Option<String>, Option<i64>) = tx
        .conn()
        .prepare_cached("SELECT subject, contact_id FROM conversations WHERE id = ?1")?
        .query_row([ids[0]], |r| Ok((r.get(0)?, r.get(1)?)))?;
    tx.conn()
        .prepare_cached(
            "INSERT INTO cases (status, subject, contact_id, priority, owner, channel_reason,
                                snoozed_until, snooze_until_reply, resolved_at, created_at, updated_at)
             SELECT status, coalesce(?2, subject), coalesce(?3, contact_id), priority, owner,
                    channel_reason, snoozed_until, snooze_until_reply, resolved_at, ?4, ?4
               FROM cases WHERE id = ?1",
        )?
        .execute(params![case_id, subject, contact, now])?;
    let new_case = tx.conn().last_insert_rowid();
    tx.changed(Entity::Case, new_case);
    let mut ops = vec![expect_live(case_id)];
    for id in &ids {
        ops.push(move_conversation(tx, *id, new_case, now)?);
    }
    // Undo folds the new case back: it keeps its row (events point at it), marked merged.
    ops.push(UndoOp::SetCaseFields {
        case_id: new_case,
        fields: undo::row([("merged_into", json!(case_id)), ("updated_at", json!(now))]),
        expect: Some(undo::row([("merged_into", Value::Null)])),
    });
    touch(tx, case_id, now)?;
    refresh_activity(tx, case_id)?;
    refresh_activity(tx, new_case)?;
    let event_id = events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor,
            kind: "split",
            data: json!({ "conversation_ids": ids, "new_case": new_case }),
        },
        &UndoOp::many(ops),
    )?;
    events::record_part_of(
        tx,
        NewEvent {
            case_id: Some(new_case),
            at: now,
            actor,
            kind: "split_from",
            data: json!({ "conversation_ids": ids, "from_case": case_id }),
        },
        event_id,
    )?;
    Ok(SplitOutcome {
        case_id,
        new_case_id: new_case,
        conversation_ids: ids,
        event_id,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MergeOutcome {
    pub into: i64,
    pub merged: Vec<i64>,
    pub conversations_moved: usize,
    pub notes_moved: usize,
    pub follow_ups_moved: usize,
    pub event_id: i64,
}

/// Rows of `table` with `case_id = from` moved to `into` by id, with their inverse.
fn move_by_id(
    tx: &mut Tx<'_>,
    table: &str,
    entity: Option<Entity>,
    from: i64,
    into: i64,
    ops: &mut Vec<UndoOp>,
) -> Result<usize> {
    let ids: Vec<i64> = {
        let mut stmt = tx.conn().prepare(&format!(
            "SELECT id FROM \"{table}\" WHERE case_id = ?1 ORDER BY id"
        ))?;
        stmt.query_map([from], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for id in &ids {
        tx.conn().execute(
            &format!("UPDATE \"{table}\" SET case_id = ?2 WHERE id = ?1"),
            params![id, into],
        )?;
        if let Some(entity) = entity {
            tx.changed(entity, *id);
        }
        ops.push(UndoOp::UpdateRows {
            table: table.into(),
            id: *id,
            fields: undo::row([("case_id", json!(from))]),
            expect: Some(undo::row([("case_id", json!(into))])),
        });
    }
    Ok(ids.len())
}

/// Moves a join table's rows (`case_id`, `other`) from one case to another: rows the target
/// already has are dropped from the source; the inverse restores both sides exactly.
fn move_tags(
    tx: &mut Tx<'_>,
    table: &str,
    other: &str,
    from: i64,
    into: i64,
    ops: &mut Vec<UndoOp>,
) -> Result<()> {
    let rows = undo::rows_where(tx.conn(), table, "case_id = ?1", vec![from.into()])?;
    for row in rows {
        let other_id = row.get(other).cloned().unwrap_or(Value::Null);
        let mut target = row.clone();
        target.insert("case_id".into(), json!(into));
        let cols: Vec<String> = target.keys().map(|c| format!("\"{c}\"")).collect();
        let marks: Vec<String> = (1..=target.len()).map(|i| format!("?{i}")).collect();
        let args: Vec<rusqlite::types::Value> = target.values().map(undo::to_sql).collect();
        let added = tx.conn().execute(
            &format!(
                "INSERT OR IGNORE INTO \"{table}\" ({}) VALUES ({})",
                cols.join(", "),
                marks.join(", ")
            ),
            rusqlite::params_from_iter(args),
        )?;
        tx.conn().execute(
            &format!("DELETE FROM \"{table}\" WHERE case_id = ?1 AND \"{other}\" = ?2"),
            params![from, other_id.as_i64()],
        )?;
        if added > 0 {
            ops.push(UndoOp::DeleteKeys {
                table: table.into(),
                keys: vec![undo::row([
                    ("case_id", json!(into)),
                    (other, other_id.clone()),
                ])],
            });
        }
        ops.push(UndoOp::InsertRows {
            table: table.into(),
            rows: vec![row],
        });
    }
    Ok(())
}

/// What [`merge_cases_into`] moved.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Moved {
    pub conversations: usize,
    pub notes: usize,
    pub follow_ups: usize,
}

/// The body of a merge, for every action that merges cases (a user's merge, two threads joined
/// by a message): moves everything `sources` hold to `into`, marks them `merged_into`, and
/// pushes the inverse onto `ops`. The caller checks the cases are live and records the event.
pub(crate) fn merge_cases_into(
    tx: &mut Tx<'_>,
    into: i64,
    sources: &[i64],
    now: i64,
    ops: &mut Vec<UndoOp>,
) -> Result<Moved> {
    // Restored last: the target's own columns that a merge may fill in.
    ops.push(UndoOp::SetCaseFields {
        case_id: into,
        fields: undo::case_fields(
            tx.conn(),
            into,
            &[
                "contact_id",
                "status",
                "response_due_at",
                "automated",
                "updated_at",
            ],
        )?,
        expect: None,
    });
    // Automated mail stays automated only while all of it is: a customer's case merged in makes
    // the target a customer's case too.
    let mut automated = crate::ingest::automated_reason(tx.conn(), into)?.is_some();
    for f in sources {
        automated = automated && crate::ingest::automated_reason(tx.conn(), *f)?.is_some();
    }
    if !automated {
        tx.conn()
            .prepare_cached("UPDATE cases SET automated = NULL WHERE id = ?1")?
            .execute([into])?;
    }
    let due_before: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT response_due_at FROM cases WHERE id = ?1")?
        .query_row([into], |r| r.get(0))?;
    let mut contacts: Vec<i64> = Vec::new();
    let mut moved = Moved::default();
    for f in sources {
        for conv in conversations_of(tx.conn(), *f)? {
            ops.push(move_conversation(tx, conv, into, now)?);
            moved.conversations += 1;
        }
        moved.notes += move_by_id(tx, "notes", Some(Entity::Note), *f, into, ops)?;
        moved.follow_ups += move_by_id(tx, "follow_ups", Some(Entity::FollowUp), *f, into, ops)?;
        move_by_id(tx, "outbox", Some(Entity::Outbox), *f, into, ops)?;
        move_tags(tx, "case_root_causes", "root_cause_id", *f, into, ops)?;
        move_tags(tx, "case_labels", "label_id", *f, into, ops)?;
        // Response clocks and breaches follow the conversations they were about.
        move_by_id(tx, "response_clocks", None, *f, into, ops)?;
        move_by_id(tx, "sla_breaches", None, *f, into, ops)?;
        contacts.extend(contact_of(tx.conn(), *f)?);
        ops.push(unmerge_op(tx.conn(), *f, into)?);
        set_merged(tx, *f, Some(into), now)?;
        refresh_activity(tx, *f)?;
    }
    tx.conn()
        .prepare_cached(
            "UPDATE cases SET contact_id = coalesce(contact_id,
                 (SELECT contact_id FROM cases s WHERE s.merged_into = ?1 AND s.contact_id IS NOT NULL
                   ORDER BY s.id LIMIT 1)), updated_at = ?2 WHERE id = ?1",
        )?
        .execute(params![into, now])?;
    refresh_activity(tx, into)?;
    ops.extend(crate::sla::settle_merged_clocks(tx, into, due_before, now)?);
    // A target waiting on its customer that now holds another customer's unanswered message
    // is not waiting any more: the next move is ours.
    if crate::sla::pending_clock(tx.conn(), into)?.is_some() {
        tx.conn()
            .prepare_cached(
                "UPDATE cases SET status = 'open' WHERE id = ?1 AND status = 'waiting'",
            )?
            .execute([into])?;
    }
    // Cases flagged as repeats of a merged case, and the target itself, are flagged afresh.
    contacts.extend(contact_of(tx.conn(), into)?);
    contacts.sort_unstable();
    contacts.dedup();
    let window = crate::sla::response_settings(tx.conn())?.repeat_window_days;
    for c in contacts {
        ops.extend(crate::sla::recompute_repeats(tx, c, window)?);
    }
    Ok(moved)
}

/// Merges cases `from` into `into`: everything they hold moves, they are marked `merged_into`.
pub fn merge(
    tx: &mut Tx<'_>,
    into: i64,
    from: &[i64],
    actor: &str,
    now: i64,
) -> Result<MergeOutcome> {
    ensure_live(tx.conn(), into)?;
    let mut sources: Vec<i64> = from.to_vec();
    sources.sort_unstable();
    sources.dedup();
    if sources.is_empty() {
        return Err(StoreError::Invalid(format!(
            "cannot merge into case {into}: name at least one case to merge"
        )));
    }
    if sources.contains(&into) {
        return Err(StoreError::Invalid(format!(
            "cannot merge case {into} into itself"
        )));
    }
    for f in &sources {
        ensure_live(tx.conn(), *f)?;
    }
    let mut ops = vec![expect_live(into)];
    let moved = merge_cases_into(tx, into, &sources, now, &mut ops)?;
    let mut out = MergeOutcome {
        into,
        merged: sources.clone(),
        conversations_moved: moved.conversations,
        notes_moved: moved.notes,
        follow_ups_moved: moved.follow_ups,
        event_id: 0,
    };
    out.event_id = events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(into),
            at: now,
            actor,
            kind: "merge",
            data: json!({ "from_cases": sources, "conversations": out.conversations_moved,
                          "notes": out.notes_moved, "follow_ups": out.follow_ups_moved }),
        },
        &UndoOp::many(ops),
    )?;
    for f in &sources {
        events::record_part_of(
            tx,
            NewEvent {
                case_id: Some(*f),
                at: now,
                actor,
                kind: "merged_into",
                data: json!({ "to_case": into }),
            },
            out.event_id,
        )?;
    }
    Ok(out)
}
