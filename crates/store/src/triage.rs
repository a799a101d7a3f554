//! Case fields the user sets while triaging: priority, channel reason, automated mail; and the
//! snooze wake-up sweep. Each change records a case event with the value before and after.

use rusqlite::params;
use serde::Serialize;
use switchboard_core::case::{self as lifecycle, CaseStatus, Priority};

use crate::events::{self, NewEvent};
use crate::undo::{self, UndoOp};
use crate::{Result, StoreError, Tx};

/// Why the customer chose this channel (DESIGN §1: "channel of last resort").
pub const CHANNEL_REASONS: &[&str] = &[
    "phone_tree",
    "earlier_channel_failed",
    "faster",
    "prefers_channel",
    "other",
];

fn read_field(tx: &Tx<'_>, case_id: i64, column: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    tx.conn()
        .prepare_cached(&format!("SELECT {column} FROM cases WHERE id = ?1"))?
        .query_row([case_id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .ok_or_else(|| StoreError::not_found("case", case_id))
}

/// Writes one text column of a case as the user's undoable action: an event of the column's
/// name with the value before and after, unless the case already holds `value`. Returns both.
fn write_text_field(
    tx: &mut Tx<'_>,
    case_id: i64,
    column: &'static str,
    before: Option<String>,
    value: Option<String>,
    now: i64,
) -> Result<(Option<String>, Option<String>)> {
    if before == value {
        return Ok((before, value));
    }
    tx.conn()
        .prepare_cached(&format!(
            "UPDATE cases SET {column} = ?2, updated_at = ?3 WHERE id = ?1"
        ))?
        .execute(params![case_id, value, now])?;
    events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor: "user",
            kind: column,
            data: serde_json::json!({ "from": before, "to": value }),
        },
        &UndoOp::SetCaseFields {
            case_id,
            fields: undo::row([(column, before.clone().into())]),
            expect: Some(undo::row([(column, value.clone().into())])),
        },
    )?;
    Ok((before, value))
}

/// Sets the channel reason: one of [`CHANNEL_REASONS`], optionally followed by free text
/// (stored as `reason` or `reason: text`). Returns the value before.
pub fn set_reason(
    tx: &mut Tx<'_>,
    case_id: i64,
    reason: Option<&str>,
    text: Option<&str>,
    now: i64,
) -> Result<(Option<String>, Option<String>)> {
    let value = match reason.map(|r| r.trim().to_ascii_lowercase()) {
        None => None,
        Some(r) if r.is_empty() || r == "none" => None,
        Some(r) => {
            if !CHANNEL_REASONS.contains(&r.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "cannot set channel reason {r:?}: use one of {} (or none to clear it)",
                    CHANNEL_REASONS.join(", ")
                )));
            }
            Some(match text.map(str::trim).filter(|t| !t.is_empty()) {
                Some(t) => format!("{r}: {t}"),
                None => r,
            })
        }
    };
    let before = read_field(tx, case_id, "channel_reason")?;
    write_text_field(tx, case_id, "channel_reason", before, value, now)
}

/// Sets the priority. Returns the value before.
pub fn set_priority(
    tx: &mut Tx<'_>,
    case_id: i64,
    priority: Priority,
    actor: &str,
    now: i64,
) -> Result<String> {
    let before = read_field(tx, case_id, "priority")?.unwrap_or_default();
    if before == priority.as_str() {
        return Ok(before);
    }
    tx.conn()
        .prepare_cached("UPDATE cases SET priority = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![case_id, priority.as_str(), now])?;
    events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor,
            kind: "priority",
            data: serde_json::json!({ "from": before, "to": priority.as_str() }),
        },
        &UndoOp::SetCaseFields {
            case_id,
            fields: undo::row([("priority", before.clone().into())]),
            expect: Some(undo::row([("priority", priority.as_str().into())])),
        },
    )?;
    Ok(before)
}

/// The reason a case carries when the user marked it automated and none of its messages looked
/// automated.
pub const MARKED_AUTOMATED: &str = "marked by you";

/// Marks a case as automated mail (`on`: out of the inbox, reports and alerts) or as a real
/// customer's ("This is a real customer"). Marked automated, the case takes the reason of its
/// first automated message, else [`MARKED_AUTOMATED`]. Undoable. Returns the reasons before and
/// after. Marking a case as a customer's does not re-run the protocol on its past messages: the
/// next message from the customer gets the full treatment (repeat contact, rules, clock).
pub fn set_automated(
    tx: &mut Tx<'_>,
    case_id: i64,
    on: bool,
    now: i64,
) -> Result<(Option<String>, Option<String>)> {
    use rusqlite::OptionalExtension;
    let before = read_field(tx, case_id, "automated")?;
    let value = if !on {
        None
    } else if before.is_some() {
        before.clone()
    } else {
        let first: Option<String> = tx
            .conn()
            .prepare_cached(
                "SELECT m.automated FROM case_conversations cc
                   JOIN messages m ON m.conversation_id = cc.conversation_id
                  WHERE cc.case_id = ?1 AND m.automated IS NOT NULL
                  ORDER BY m.sent_at, m.id LIMIT 1",
            )?
            .query_row([case_id], |r| r.get(0))
            .optional()?;
        Some(first.unwrap_or_else(|| MARKED_AUTOMATED.to_string()))
    };
    write_text_field(tx, case_id, "automated", before, value, now)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct WokenCase {
    pub case_id: i64,
    pub snoozed_until: i64,
}

/// Every snoozed case whose wake-up time has come goes back to open (core `wake_if_due`).
/// Cheap when nothing is due (partial index `cases_snoozed`), so front ends run it freely.
pub fn wake_due(tx: &mut Tx<'_>, now: i64) -> Result<Vec<WokenCase>> {
    let due: Vec<i64> = tx
        .conn()
        .prepare_cached(
            "SELECT id FROM cases WHERE status = 'snoozed' AND snoozed_until <= ?1 ORDER BY snoozed_until, id",
        )?
        .query_map([now], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut woken = Vec::new();
    for case_id in due {
        let before = crate::cases::load_state(tx.conn(), case_id)?;
        let after = lifecycle::wake_if_due(&before, now);
        if after.status == before.status {
            continue;
        }
        debug_assert_eq!(after.status, CaseStatus::Open);
        tx.conn()
            .prepare_cached(
                "UPDATE cases SET status = ?2, snoozed_until = ?3, snooze_until_reply = ?4, updated_at = ?5
                  WHERE id = ?1",
            )?
            .execute(params![
                case_id,
                after.status.as_str(),
                after.snoozed_until,
                after.snooze_until_reply,
                now
            ])?;
        crate::sla::on_status_change(tx, case_id, before.status, after.status, now)?;
        let until = before.snoozed_until.unwrap_or(now);
        events::record(
            tx,
            NewEvent {
                case_id: Some(case_id),
                at: now,
                actor: "rule",
                kind: "status",
                data: serde_json::json!({ "from": before.status, "to": after.status,
                                          "because": "snooze ended", "snoozed_until": until }),
            },
        )?;
        woken.push(WokenCase {
            case_id,
            snoozed_until: until,
        });
    }
    Ok(woken)
}

/// What the user set on a case while triaging, for the case view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TriageFields {
    /// One of [`CHANNEL_REASONS`], possibly followed by ": free text".
    pub channel_reason: Option<String>,
    /// Snoozed until the customer writes again.
    pub snooze_until_reply: bool,
}

pub fn fields(conn: &rusqlite::Connection, case_id: i64) -> Result<TriageFields> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached("SELECT channel_reason, snooze_until_reply FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| {
            Ok(TriageFields {
                channel_reason: r.get(0)?,
                snooze_until_reply: r.get(1)?,
            })
        })
        .optional()?
        .ok_or_else(|| StoreError::not_found("case", case_id))
}
