//! Follow-ups: dated reminders on a case ("call back Tuesday").
//!
//! Each change records a case event, so the reminder shows in the case history and can be
//! undone. Whether a reminder is due or overdue is decided by `core::followup::classify`
//! against the caller's clock; the store only filters by time.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use switchboard_core::followup::{self, FollowUpState};

use crate::events::{self, NewEvent};
use crate::undo::{self, UndoOp};
use crate::{Entity, Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FollowUp {
    pub id: i64,
    pub case_id: i64,
    pub case_subject: Option<String>,
    pub case_status: String,
    pub due_at: i64,
    pub note: String,
    pub done_at: Option<i64>,
    pub notified_at: Option<i64>,
    pub created_at: i64,
    /// Relative to the `now` it was listed at.
    pub state: FollowUpState,
}

const SELECT: &str = "
SELECT f.id, f.case_id, c.subject, c.status, f.due_at, f.note, f.done_at, f.notified_at, f.created_at
  FROM follow_ups f JOIN cases c ON c.id = f.case_id";

fn row(now: i64) -> impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<FollowUp> {
    move |r| {
        let due_at: i64 = r.get(4)?;
        let done_at: Option<i64> = r.get(6)?;
        Ok(FollowUp {
            id: r.get(0)?,
            case_id: r.get(1)?,
            case_subject: r.get(2)?,
            case_status: r.get(3)?,
            due_at,
            note: r.get(5)?,
            done_at,
            notified_at: r.get(7)?,
            created_at: r.get(8)?,
            state: followup::classify(due_at, done_at, now),
        })
    }
}

pub fn get(conn: &Connection, id: i64, now: i64) -> Result<FollowUp> {
    conn.prepare_cached(&format!("{SELECT} WHERE f.id = ?1"))?
        .query_row([id], row(now))
        .optional()?
        .ok_or_else(|| StoreError::not_found("follow-up", id))
}

#[derive(Debug, Clone, Default)]
pub struct FollowUpFilter {
    pub case_id: Option<i64>,
    /// Only overdue and due-soon ones.
    pub due_only: bool,
    pub include_done: bool,
}

/// Soonest first; done ones (when included) after the open ones.
pub fn list(conn: &Connection, f: &FollowUpFilter, now: i64) -> Result<Vec<FollowUp>> {
    let mut sql = format!("{SELECT} WHERE (?1 IS NULL OR f.case_id = ?1)");
    if !f.include_done || f.due_only {
        sql.push_str(" AND f.done_at IS NULL");
    }
    if f.due_only {
        sql.push_str(" AND f.due_at <= ?2");
    }
    sql.push_str(" ORDER BY f.done_at IS NOT NULL, f.due_at, f.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let limit = now + followup::DUE_SOON_MS;
    let rows = if f.due_only {
        stmt.query_map(params![f.case_id, limit], row(now))?
            .collect::<rusqlite::Result<_>>()?
    } else {
        stmt.query_map(params![f.case_id], row(now))?
            .collect::<rusqlite::Result<_>>()?
    };
    Ok(rows)
}

pub fn add(tx: &mut Tx<'_>, case_id: i64, due_at: i64, note: &str, now: i64) -> Result<i64> {
    crate::cases::ensure_case(tx.conn(), case_id)?;
    tx.conn()
        .prepare_cached(
            "INSERT INTO follow_ups (case_id, due_at, note, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![case_id, due_at, note.trim(), now])?;
    let id = tx.conn().last_insert_rowid();
    tx.changed(Entity::FollowUp, id);
    events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor: "user",
            kind: "followup_add",
            data: serde_json::json!({ "follow_up_id": id, "due_at": due_at, "note": note.trim() }),
        },
        &UndoOp::DeleteRows {
            table: "follow_ups".into(),
            ids: vec![id],
        },
    )?;
    Ok(id)
}

/// Marks it done. Done twice is not an error; returns whether it changed.
pub fn done(tx: &mut Tx<'_>, id: i64, now: i64) -> Result<bool> {
    let f = get(tx.conn(), id, now)?;
    if f.done_at.is_some() {
        return Ok(false);
    }
    tx.conn()
        .prepare_cached("UPDATE follow_ups SET done_at = ?2 WHERE id = ?1")?
        .execute(params![id, now])?;
    tx.changed(Entity::FollowUp, id);
    events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(f.case_id),
            at: now,
            actor: "user",
            kind: "followup_done",
            data: serde_json::json!({ "follow_up_id": id, "note": f.note }),
        },
        &UndoOp::UpdateRows {
            table: "follow_ups".into(),
            id,
            fields: undo::row([("done_at", serde_json::Value::Null)]),
            expect: Some(undo::row([("done_at", now.into())])),
        },
    )?;
    Ok(true)
}

/// Deletes it; the event keeps what it was.
pub fn delete(tx: &mut Tx<'_>, id: i64, now: i64) -> Result<FollowUp> {
    let f = get(tx.conn(), id, now)?;
    let saved = undo::row_by_id(tx.conn(), "follow_ups", id)?
        .ok_or_else(|| StoreError::not_found("follow-up", id))?;
    tx.conn()
        .prepare_cached("DELETE FROM follow_ups WHERE id = ?1")?
        .execute([id])?;
    tx.changed(Entity::FollowUp, id);
    events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(f.case_id),
            at: now,
            actor: "user",
            kind: "followup_delete",
            data: serde_json::json!({ "follow_up_id": id, "due_at": f.due_at, "note": f.note }),
        },
        &UndoOp::InsertRows {
            table: "follow_ups".into(),
            rows: vec![saved],
        },
    )?;
    Ok(f)
}

/// Reminders whose time has come and that nobody was told about yet (for desktop
/// notifications), oldest first.
pub fn due_unnotified(conn: &Connection, now: i64) -> Result<Vec<FollowUp>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE f.done_at IS NULL AND f.notified_at IS NULL AND f.due_at <= ?1
          ORDER BY f.due_at, f.id"
    ))?;
    Ok(stmt
        .query_map([now], row(now))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Records that the user was notified, so each reminder notifies once. Unknown ids are ignored
/// (a reminder deleted between listing and notifying). Returns how many were marked.
pub fn mark_notified(tx: &mut Tx<'_>, ids: &[i64], now: i64) -> Result<usize> {
    tx.mark_notified_once("follow_ups", Entity::FollowUp, ids, now)
}
