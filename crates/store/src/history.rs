//! Reading the event history in words, and undoing the last user action.
//!
//! Undo is deliberately "the last action only" (globally, or the last one on one case): an
//! action is one primary event carrying `data.undo` plus any events recorded `part_of` it.
//! Undoing something older than the newest action would need to reason about how later actions
//! depend on it; refusing is simpler and always correct. The inverse itself also checks that the
//! data still looks as the action left it (see [`crate::undo`]), so a change made since by sync
//! or another device makes the undo refuse rather than overwrite it.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};

use crate::events::{self, NewEvent};
use crate::undo::{self, UndoOp};
use crate::{Entity, Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HistoryEntry {
    pub id: i64,
    pub case_id: Option<i64>,
    pub at: i64,
    /// user | sync | import | rule
    pub actor: String,
    /// The machine it was done on.
    pub device: Option<String>,
    pub kind: String,
    /// What happened, in words.
    pub summary: String,
    #[ts(type = "unknown")]
    pub data: Value,
    /// The `undo` event that reverted this one.
    pub undone_by: Option<i64>,
    /// Whether this event's action can be undone (it carries its inverse).
    pub undoable: bool,
}

const SELECT: &str = "SELECT id, case_id, at, actor, device, kind, data, undone_by FROM events";

fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<HistoryEntry> {
    let data: String = r.get(6)?;
    let data: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
    let kind: String = r.get(5)?;
    Ok(HistoryEntry {
        id: r.get(0)?,
        case_id: r.get(1)?,
        at: r.get(2)?,
        actor: r.get(3)?,
        device: r.get(4)?,
        summary: describe(&kind, &data),
        undoable: data.get("undo").is_some(),
        kind,
        data,
        undone_by: r.get(7)?,
    })
}

/// Every event of a case (and of the cases merged into it), oldest first.
pub fn case_history(conn: &Connection, case_id: i64) -> Result<Vec<HistoryEntry>> {
    crate::cases::ensure_case(conn, case_id)?;
    let mut stmt = conn.prepare_cached(&format!(
        "WITH RECURSIVE fam(id) AS (SELECT ?1 UNION SELECT c.id FROM cases c JOIN fam ON c.merged_into = fam.id)
         {SELECT} WHERE case_id IN (SELECT id FROM fam) ORDER BY at, id"
    ))?;
    let mut out: Vec<HistoryEntry> = stmt
        .query_map([case_id], entry)?
        .collect::<rusqlite::Result<_>>()?;
    // Label events store the label's id only; name it for the reader.
    let mut label = conn.prepare_cached("SELECT name FROM labels WHERE id = ?1")?;
    for e in out.iter_mut().filter(|e| e.kind == "label") {
        if let Some(id) = e.data.get("label_id").and_then(Value::as_i64)
            && let Some(name) = label
                .query_row([id], |r| r.get::<_, String>(0))
                .optional()?
        {
            e.summary = format!("label {name} added");
        }
    }
    Ok(out)
}

pub fn event(conn: &Connection, id: i64) -> Result<HistoryEntry> {
    conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], entry)
        .optional()?
        .ok_or_else(|| StoreError::not_found("event", id))
}

fn s(data: &Value, key: &str) -> String {
    match data.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "?".into(),
        Some(v) => v.to_string(),
    }
}

fn list(data: &Value, key: &str) -> String {
    match data.get(key).and_then(Value::as_array) {
        Some(a) => a
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        None => "?".into(),
    }
}

/// One line in words for an event. Kinds this module does not know read as their name.
pub fn describe(kind: &str, data: &Value) -> String {
    match kind {
        "created" => "case created".into(),
        "status" => format!("status {} → {}", s(data, "from"), s(data, "to")),
        "note" => "internal note added".into(),
        "tag_root_cause" => format!("root cause {} added", s(data, "path")),
        "label" => match data.get("name") {
            Some(_) => format!("label {} added", s(data, "name")),
            None => format!("label {} added", s(data, "label_id")),
        },
        "link" => match data.get("from_case").and_then(Value::as_i64) {
            Some(f) => format!(
                "conversation {} linked here from case {f}",
                s(data, "conversation_id")
            ),
            None => format!("conversation {} linked", s(data, "conversation_id")),
        },
        "unlink" => format!(
            "conversation {} moved to case {}",
            s(data, "conversation_id"),
            s(data, "to_case")
        ),
        "merged_into" => format!("merged into case {}", s(data, "to_case")),
        "thread_join" => {
            let mut words = format!(
                "conversation(s) {} joined into conversation {}: message {} links them",
                list(data, "joined"),
                s(data, "conversation_id"),
                s(data, "message")
            );
            if data
                .get("from_cases")
                .and_then(Value::as_array)
                .is_some_and(|c| !c.is_empty())
            {
                words.push_str(&format!(
                    "; case(s) {} merged into this one",
                    list(data, "from_cases")
                ));
            }
            words
        }
        "merge" => format!("cases {} merged into this one", list(data, "from_cases")),
        "split" => format!(
            "conversations {} split off into case {}",
            list(data, "conversation_ids"),
            s(data, "new_case")
        ),
        "split_from" => format!(
            "split off from case {} with conversations {}",
            s(data, "from_case"),
            list(data, "conversation_ids")
        ),
        "undo" => format!("undid: {}", s(data, "summary")),
        "contact_merge" => format!(
            "contacts {} merged into contact {}",
            list(data, "from"),
            s(data, "into")
        ),
        "contact_split" => format!(
            "identities {} split from contact {} into contact {}",
            list(data, "identity_ids"),
            s(data, "contact_id"),
            s(data, "new_contact")
        ),
        "contact_flags" => format!(
            "contact {} flags: vip {}, do not engage {}",
            s(data, "contact_id"),
            s(data, "vip"),
            s(data, "do_not_engage")
        ),
        "protocol" => match data.get("rules").and_then(Value::as_array) {
            Some(r) if !r.is_empty() => format!(
                "protocol rule(s) fired: {}",
                r.iter()
                    .map(|v| v.as_str().map(str::to_string).unwrap_or(v.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "protocol evaluated: no rule fired".into(),
        },
        "priority" => format!("priority {} → {}", s(data, "from"), s(data, "to")),
        "channel_reason" => format!("channel reason {} → {}", s(data, "from"), s(data, "to")),
        "automated" => match data.get("to").and_then(Value::as_str) {
            Some(reason) => format!("marked automated mail ({reason})"),
            None => match data.get("because").and_then(Value::as_str) {
                Some(why) => format!("no longer automated mail: {why}"),
                None => "marked as a real customer's case".into(),
            },
        },
        "call_logged" => {
            let secs = data.get("duration_s").and_then(Value::as_i64).unwrap_or(0);
            format!(
                "{} {} logged ({}m{:02}s, {})",
                s(data, "direction"),
                if s(data, "channel") == "in_person" {
                    "visit"
                } else {
                    "call"
                },
                secs / 60,
                secs % 60,
                s(data, "outcome")
            )
        }
        "taken_offline" => format!("taken offline via {}", s(data, "via")),
        "followup_add" => format!("follow-up added: {}", s(data, "note")),
        "followup_done" => format!("follow-up done: {}", s(data, "note")),
        "followup_delete" => format!("follow-up removed: {}", s(data, "note")),
        "root_cause_merge" => format!(
            "root cause {} merged into {}",
            s(data, "from"),
            s(data, "to")
        ),
        "root_cause_status" => format!(
            "root cause {} status {} → {}",
            s(data, "path"),
            s(data, "from"),
            s(data, "to")
        ),
        "root_cause_rename" => {
            format!("root cause renamed {} → {}", s(data, "from"), s(data, "to"))
        }
        "root_cause_move" => format!("root cause {} moved", s(data, "root_cause_id")),
        "root_cause_archive" => format!("root cause {} archived", s(data, "path")),
        "root_cause_unarchive" => format!("root cause {} restored", s(data, "path")),
        "settings" => format!("{} changed", s(data, "what")),
        "self_addresses" => {
            let names = |key: &str| {
                data.get(key)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .filter(|n| !n.is_empty())
            };
            let mut parts = Vec::new();
            if let Some(a) = names("added") {
                parts.push(format!("{a} added"));
            }
            if let Some(r) = names("removed") {
                parts.push(format!("{r} removed"));
            }
            format!("your own addresses changed: {}", parts.join(", "))
        }
        "sla_breach" => "response target missed".into(),
        "sla_response" => match data.get("late").and_then(Value::as_bool) {
            Some(false) => "answered within the response target".into(),
            _ => "answered after the response target".into(),
        },
        // Other features' events may carry their own words.
        other => match data.get("summary").and_then(Value::as_str) {
            Some(words) => words.to_string(),
            None => other.replace('_', " "),
        },
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct UndoOutcome {
    /// The event that was undone (the action's primary event).
    pub undone_event: i64,
    /// The new `undo` event.
    pub undo_event: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    /// What was undone, in words.
    pub summary: String,
    /// What things are back to, in words ("case #3 is open again").
    pub restored: String,
}

/// The primary event of the newest user action, optionally on one case. Two conversations
/// joined because a new message linked them (`thread_join`, done by import or sync) count as an
/// action too: the user sees it in the history and can take it back the same way.
fn last_action(conn: &Connection, case_id: Option<i64>) -> Result<Option<HistoryEntry>> {
    let newest = match case_id {
        Some(c) => conn
            .prepare_cached(&format!(
                "{SELECT} WHERE (actor = 'user' OR kind = 'thread_join') AND undone_by IS NULL AND kind != 'undo' AND case_id = ?1
                  ORDER BY id DESC LIMIT 1"
            ))?
            .query_row([c], entry)
            .optional()?,
        None => conn
            .prepare_cached(&format!(
                "{SELECT} WHERE (actor = 'user' OR kind = 'thread_join') AND undone_by IS NULL AND kind != 'undo'
                  ORDER BY id DESC LIMIT 1"
            ))?
            .query_row([], entry)
            .optional()?,
    };
    match newest {
        Some(e) => match e.data.get("part_of").and_then(Value::as_i64) {
            Some(p) => Ok(Some(event(conn, p)?)),
            None => Ok(Some(e)),
        },
        None => Ok(None),
    }
}

/// Reverts the newest user action (on `case_id`, if given) and records an `undo` event.
///
/// Undo goes strictly from the newest action down: an action that cannot be undone (a reply
/// that is on its way, say) stops it, with a message naming that action, rather than letting
/// it reach past to an older one.
pub fn undo_last(
    tx: &mut Tx<'_>,
    case_id: Option<i64>,
    actor: &str,
    now: i64,
) -> Result<UndoOutcome> {
    if let Some(c) = case_id {
        crate::cases::ensure_case(tx.conn(), c)?;
    }
    let primary = match last_action(tx.conn(), case_id)? {
        Some(p) => p,
        None => {
            // After a run of undos the stack is empty, not "not yet" used.
            let undone_before: bool = tx.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM events WHERE kind = 'undo')",
                [],
                |r| r.get(0),
            )?;
            return Err(StoreError::Conflict(match (case_id, undone_before) {
                (Some(c), _) => format!("nothing to undo on case {c}"),
                (None, true) => {
                    "nothing to undo any more: the earlier changes have been undone".into()
                }
                (None, false) => "nothing to undo yet".into(),
            }));
        }
    };
    if primary.undone_by.is_some() {
        return Err(StoreError::Conflict(format!(
            "the last action ({}) was already undone",
            primary.summary
        )));
    }
    let Some(op) = primary.data.get("undo") else {
        let on = primary
            .case_id
            .map(|c| format!(" on case #{c}"))
            .unwrap_or_default();
        let because = primary
            .data
            .get("because")
            .and_then(Value::as_str)
            .map(|b| format!(", after an {b}"))
            .unwrap_or_default();
        return Err(StoreError::Conflict(format!(
            "cannot undo: the newest action, \"{}\"{on}{because} (event {}), cannot be undone, \
             and undo never reaches past it to older actions",
            primary.summary, primary.id
        )));
    };
    let op = UndoOp::from_json(op)?;
    let parts: Vec<(i64, Option<i64>)> = {
        let mut stmt = tx.conn().prepare_cached(
            // Companion events are written in the same transaction, so at the same time
            // (events_at); they may come before the primary event or after it.
            "SELECT id, case_id FROM events
              WHERE at = ?2 AND id <> ?1 AND json_extract(data, '$.part_of') = ?1",
        )?;
        stmt.query_map([primary.id, primary.at], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut cases: BTreeSet<i64> = primary.case_id.into_iter().collect();
    cases.extend(parts.iter().filter_map(|(_, c)| *c));
    collect_cases(&op, &mut cases);
    // A later user action on any case this one touched depends on it: undo that first.
    let part_ids: Vec<i64> = parts.iter().map(|(id, _)| *id).collect();
    let mut later = tx.conn().prepare_cached(&format!(
        "{SELECT} WHERE id > ?1 AND actor = 'user' AND undone_by IS NULL AND kind != 'undo'
           AND case_id IN (SELECT value FROM json_each(?2)) AND id NOT IN (SELECT value FROM json_each(?3))
         ORDER BY id LIMIT 1"
    ))?;
    let blocking = later
        .query_row(
            params![
                primary.id,
                serde_json::to_string(&cases)?,
                serde_json::to_string(&part_ids)?
            ],
            entry,
        )
        .optional()?;
    drop(later);
    if let Some(b) = blocking {
        return Err(StoreError::Conflict(format!(
            "cannot undo \"{}\": case {} changed after it (\"{}\", event {}); undo that first",
            primary.summary,
            b.case_id.unwrap_or_default(),
            b.summary,
            b.id
        )));
    }
    undo::apply(tx, &op)?;
    for c in &cases {
        let exists = tx
            .conn()
            .prepare_cached("SELECT 1 FROM cases WHERE id = ?1")?
            .exists([c])?;
        if exists {
            crate::case_ops::refresh_activity(tx, *c)?;
        }
    }
    let restored = restored_words(tx.conn(), &primary)?;
    let undo_event = events::record(
        tx,
        NewEvent {
            case_id: primary.case_id,
            at: now,
            actor,
            kind: "undo",
            data: json!({
                "event_id": primary.id, "kind": primary.kind, "summary": primary.summary,
                "restored": restored,
            }),
        },
    )?;
    let mut undone = part_ids.clone();
    undone.push(primary.id);
    tx.conn()
        .prepare_cached(
            "UPDATE events SET undone_by = ?2 WHERE id IN (SELECT value FROM json_each(?1))",
        )?
        .execute(params![serde_json::to_string(&undone)?, undo_event])?;
    for id in &undone {
        tx.changed(Entity::Event, *id);
    }
    for c in &cases {
        tx.changed(Entity::Case, *c);
    }
    Ok(UndoOutcome {
        undone_event: primary.id,
        undo_event,
        kind: primary.kind,
        case_id: primary.case_id,
        summary: primary.summary,
        restored,
    })
}

/// What the data is back to once `e` is undone, in words. Read after the inverse ran, so
/// the words describe the store as it now is where they can.
fn restored_words(conn: &Connection, e: &HistoryEntry) -> Result<String> {
    let d = &e.data;
    let case = e
        .case_id
        .map(|c| format!("case #{c}"))
        .unwrap_or_else(|| "the case".into());
    let status_now = |c: Option<i64>| -> Result<Option<String>> {
        let Some(c) = c else { return Ok(None) };
        Ok(conn
            .prepare_cached("SELECT status FROM cases WHERE id = ?1")?
            .query_row([c], |r| r.get(0))
            .optional()?)
    };
    let quoted = |key: &str| match d.get(key).and_then(Value::as_str) {
        Some(t) if !t.trim().is_empty() => format!(" \"{}\"", t.trim()),
        _ => String::new(),
    };
    let none_or = |key: &str, what: &str| match d.get(key) {
        Some(Value::Null) | None => format!("{case} has no {what} again"),
        Some(_) => format!("{case} has {what} {} again", s(d, key)),
    };
    Ok(match e.kind.as_str() {
        "status" => format!("{case} is {} again", s(d, "from")),
        "priority" => none_or("from", "priority"),
        "channel_reason" => none_or("from", "channel reason"),
        "automated" => match d.get("from").and_then(Value::as_str) {
            Some(reason) => format!("{case} is automated mail again ({reason})"),
            None => format!("{case} is a real customer's case again"),
        },
        "note" => format!("the note is removed from {case}"),
        "tag_root_cause" => format!("{case} no longer carries root cause {}", s(d, "path")),
        "label" => format!("{case} no longer carries the label"),
        "link" => match d.get("from_case").and_then(Value::as_i64) {
            Some(f) => format!(
                "conversation {} is back on case #{f}",
                s(d, "conversation_id")
            ),
            None => format!(
                "conversation {} is no longer linked to {case}",
                s(d, "conversation_id")
            ),
        },
        "merge" => format!(
            "cases {} are separate from {case} again",
            list(d, "from_cases")
        ),
        "split" => format!(
            "conversations {} are back on {case}",
            list(d, "conversation_ids")
        ),
        "contact_merge" => format!(
            "contacts {} are separate from contact {} again",
            list(d, "from"),
            s(d, "into")
        ),
        "contact_split" => format!(
            "identities {} are back on contact {}",
            list(d, "identity_ids"),
            s(d, "contact_id")
        ),
        "contact_flags" => {
            let id = d.get("contact_id").and_then(Value::as_i64).unwrap_or(0);
            let flags: Option<(bool, bool)> = conn
                .prepare_cached("SELECT vip, do_not_engage FROM contacts WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match flags {
                Some((vip, dne)) => {
                    format!("contact {id} flags are back to vip {vip}, do not engage {dne}")
                }
                None => format!("contact {id} flags are restored"),
            }
        }
        "taken_offline" => {
            let mut gone = Vec::new();
            if d.get("ack_outbox_id").is_some_and(|v| !v.is_null()) {
                gone.push("the queued public acknowledgement");
            }
            gone.push(match d.get("via").and_then(Value::as_str) {
                Some("email") => "the queued private email",
                Some("dm") => "the queued direct message",
                _ => "the logged call",
            });
            let status = status_now(e.case_id)?
                .map(|st| format!("; {case} is {st} again"))
                .unwrap_or_default();
            let verb = if gone.len() == 1 { "is" } else { "are" };
            format!("{} {verb} withdrawn{status}", gone.join(" and "))
        }
        "call_logged" => {
            let status = status_now(e.case_id)?
                .map(|st| format!("; {case} is {st} again"))
                .unwrap_or_default();
            format!("the logged call is removed{status}")
        }
        "followup_add" => format!("the follow-up{} is removed", quoted("note")),
        "followup_done" => format!("the follow-up{} is open again", quoted("note")),
        "followup_delete" => format!("the follow-up{} is back", quoted("note")),
        "root_cause_status" => format!("root cause {} is {} again", s(d, "path"), s(d, "from")),
        "root_cause_rename" => format!("the root cause is named {} again", s(d, "from")),
        "root_cause_archive" => format!("root cause {} is active again", s(d, "path")),
        "root_cause_unarchive" => format!("root cause {} is archived again", s(d, "path")),
        "root_cause_move" | "root_cause_merge" => {
            let id = d
                .get("root_cause_id")
                .or_else(|| d.get("from_id"))
                .and_then(Value::as_i64)
                .unwrap_or(0);
            match crate::taxonomy::path_of(conn, id) {
                Ok(path) => format!("root cause {path} is back as it was"),
                Err(_) => "the root cause is back as it was".into(),
            }
        }
        "settings" | "self_addresses" => match d.get("restored").and_then(Value::as_str) {
            Some(words) => words.to_string(),
            None => format!("{} are back as they were", s(d, "what")),
        },
        _ => match status_now(e.case_id)? {
            Some(st) => format!("{case} is {st}"),
            None => "the change is reverted".into(),
        },
    })
}

/// Cases an inverse touches, so their activity is recomputed and later actions on them checked.
fn collect_cases(op: &UndoOp, out: &mut BTreeSet<i64>) {
    match op {
        UndoOp::Many(ops) => ops.iter().for_each(|o| collect_cases(o, out)),
        UndoOp::SetCaseFields { case_id, .. } => {
            out.insert(*case_id);
        }
        UndoOp::InsertRows { rows, .. } => {
            out.extend(
                rows.iter()
                    .filter_map(|r| r.get("case_id").and_then(Value::as_i64)),
            );
        }
        UndoOp::DeleteKeys { keys, .. } => {
            out.extend(
                keys.iter()
                    .filter_map(|r| r.get("case_id").and_then(Value::as_i64)),
            );
        }
        UndoOp::UpdateRows { fields, expect, .. } => {
            out.extend(fields.get("case_id").and_then(Value::as_i64));
            out.extend(
                expect
                    .as_ref()
                    .and_then(|e| e.get("case_id"))
                    .and_then(Value::as_i64),
            );
        }
        UndoOp::DeleteRows { .. } => {}
    }
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineItem {
    /// A message of any linked conversation, on any channel. Logged calls and visits carry
    /// their duration and outcome.
    Message {
        at: i64,
        message: crate::cases::MessageView,
        call_duration_s: Option<i64>,
        call_outcome: Option<String>,
    },
    /// An internal note (never sent).
    Note {
        at: i64,
        note: crate::cases::NoteView,
    },
    /// A change to the case: status, tags, links, merges, undo…
    Event { at: i64, event: HistoryEntry },
}

impl TimelineItem {
    pub fn at(&self) -> i64 {
        match self {
            TimelineItem::Message { at, .. }
            | TimelineItem::Note { at, .. }
            | TimelineItem::Event { at, .. } => *at,
        }
    }
}

/// One chronological list for a case: messages of every linked conversation, notes and
/// events (including those of cases merged into it). Note events are left out: the note
/// itself is in the list.
pub fn timeline(conn: &Connection, case_id: i64) -> Result<Vec<TimelineItem>> {
    crate::cases::ensure_case(conn, case_id)?;
    let mut calls =
        conn.prepare_cached("SELECT call_duration_s, call_outcome FROM messages WHERE id = ?1")?;
    let mut items: Vec<(i64, u8, i64, TimelineItem)> = Vec::new();
    for m in crate::cases::messages(conn, case_id)? {
        let (d, o): (Option<i64>, Option<String>) =
            calls.query_row([m.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        items.push((
            m.sent_at,
            0,
            m.id,
            TimelineItem::Message {
                at: m.sent_at,
                message: m,
                call_duration_s: d,
                call_outcome: o,
            },
        ));
    }
    for n in crate::cases::notes(conn, case_id)? {
        items.push((
            n.created_at,
            1,
            n.id,
            TimelineItem::Note {
                at: n.created_at,
                note: n,
            },
        ));
    }
    for e in case_history(conn, case_id)? {
        if e.kind == "note" {
            continue;
        }
        items.push((e.at, 2, e.id, TimelineItem::Event { at: e.at, event: e }));
    }
    items.sort_by_key(|(at, rank, id, _)| (*at, *rank, *id));
    Ok(items.into_iter().map(|(_, _, _, i)| i).collect())
}

#[cfg(test)]
mod tests {
    use super::describe;
    use serde_json::json;

    #[test]
    fn events_read_as_words() {
        assert_eq!(
            describe("status", &json!({"from": "open", "to": "resolved"})),
            "status open → resolved"
        );
        assert_eq!(
            describe("protocol", &json!({"rules": ["Public complaint"]})),
            "protocol rule(s) fired: Public complaint"
        );
        assert_eq!(
            describe(
                "call_logged",
                &json!({"direction": "outbound", "channel": "phone", "duration_s": 725, "outcome": "resolved"})
            ),
            "outbound call logged (12m05s, resolved)"
        );
        assert_eq!(
            describe("undo", &json!({"summary": "internal note added"})),
            "undid: internal note added"
        );
        assert_eq!(
            describe("something_new", &json!({"summary": "did a thing"})),
            "did a thing",
            "an event may bring its own words"
        );
        assert_eq!(describe("something_new", &json!({})), "something new");
    }
}
