//! The append-only history of case changes ("what, when, by whom, from which device").

use rusqlite::params;
use serde_json::Value;

use crate::{Entity, Result, Tx};

pub struct NewEvent<'a> {
    pub case_id: Option<i64>,
    pub at: i64,
    pub actor: &'a str,
    pub kind: &'a str,
    pub data: Value,
}

/// Which user action the events of one write transaction belong to.
///
/// A user action is one transaction, and undo reverts an action whole. Some of its events are
/// written by code that does not know it runs inside an action: the lifecycle's "status new →
/// waiting" when take-offline stores its timeline message, for instance. Standing alone, such an
/// event would read as a separate user action that cannot be undone, and block every undo
/// behind it once the action itself was undone. So a plain user event (no inverse of its own,
/// not already part of another) joins the transaction's undoable action: the one recorded
/// before it, or else the next one recorded.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActionScope {
    /// The undoable event recorded last in this transaction.
    primary: Option<i64>,
    /// Plain user events recorded before any undoable one.
    waiting: Vec<i64>,
}

/// Records an event. A plain user event becomes part of the transaction's undoable action (see
/// [`ActionScope`]).
pub fn record(tx: &mut Tx<'_>, mut ev: NewEvent<'_>) -> Result<i64> {
    let plain_user = ev.actor == "user"
        && ev.kind != "undo"
        && ev.data.get("undo").is_none()
        && ev.data.get("part_of").is_none();
    if plain_user && let Some(primary) = tx.action.primary {
        ev.data = with_key(ev.data, "part_of", Value::from(primary));
    }
    let id = insert(tx, ev)?;
    if plain_user && tx.action.primary.is_none() {
        tx.action.waiting.push(id);
    }
    Ok(id)
}

fn insert(tx: &mut Tx<'_>, ev: NewEvent<'_>) -> Result<i64> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO events (case_id, at, actor, device, kind, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            ev.case_id,
            ev.at,
            ev.actor,
            device_name(),
            ev.kind,
            ev.data.to_string()
        ])?;
    let id = tx.conn().last_insert_rowid();
    tx.changed(Entity::Event, id);
    if let Some(c) = ev.case_id {
        tx.changed(Entity::Case, c);
    }
    Ok(id)
}

/// Records an event whose `data.undo` holds the inverse of the change (see [`crate::undo`]),
/// which makes it a candidate for "undo the last action". Plain user events recorded earlier in
/// the same transaction become part of it.
pub fn record_undoable(
    tx: &mut Tx<'_>,
    mut ev: NewEvent<'_>,
    undo: &crate::undo::UndoOp,
) -> Result<i64> {
    ev.data = with_key(ev.data, "undo", undo.to_json());
    let id = insert(tx, ev)?;
    let waiting = std::mem::take(&mut tx.action.waiting);
    if !waiting.is_empty() {
        tx.conn()
            .prepare_cached(
                "UPDATE events SET data = json_set(data, '$.part_of', ?1)
                  WHERE id IN (SELECT value FROM json_each(?2))",
            )?
            .execute(params![id, serde_json::to_string(&waiting)?])?;
        for w in waiting {
            tx.changed(Entity::Event, w);
        }
    }
    tx.action.primary = Some(id);
    Ok(id)
}

/// Records an event that belongs to the action recorded as `primary` (e.g. the "merged into"
/// event on the source case of a merge): undoing that action marks this event undone too.
pub fn record_part_of(tx: &mut Tx<'_>, mut ev: NewEvent<'_>, primary: i64) -> Result<i64> {
    ev.data = with_key(ev.data, "part_of", Value::from(primary));
    insert(tx, ev)
}

fn with_key(data: Value, key: &str, v: Value) -> Value {
    match data {
        Value::Object(mut m) => {
            m.insert(key.to_string(), v);
            Value::Object(m)
        }
        Value::Null => serde_json::json!({ key: v }),
        other => serde_json::json!({ "value": other, key: v }),
    }
}

/// The name of this machine, recorded with every event ("from which device").
pub fn device_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "this-device".into())
    })
}
