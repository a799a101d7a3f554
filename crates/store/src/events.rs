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

pub fn record(tx: &mut Tx<'_>, ev: NewEvent<'_>) -> Result<i64> {
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
/// which makes it a candidate for "undo the last action".
pub fn record_undoable(
    tx: &mut Tx<'_>,
    mut ev: NewEvent<'_>,
    undo: &crate::undo::UndoOp,
) -> Result<i64> {
    ev.data = with_key(ev.data, "undo", undo.to_json());
    record(tx, ev)
}

/// Records an event that belongs to the action recorded as `primary` (e.g. the "merged into"
/// event on the source case of a merge): undoing that action marks this event undone too.
pub fn record_part_of(tx: &mut Tx<'_>, mut ev: NewEvent<'_>, primary: i64) -> Result<i64> {
    ev.data = with_key(ev.data, "part_of", Value::from(primary));
    record(tx, ev)
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
