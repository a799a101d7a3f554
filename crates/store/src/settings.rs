//! Workspace settings: one JSON value per key in the `settings` table.
//!
//! The store keeps raw JSON; which keys exist and what values they take is decided by the API
//! (`api::settings`), so that every front end refuses the same bad input with the same message.

use rusqlite::{Connection, OptionalExtension, params};

use crate::events::{self, NewEvent};
use crate::undo::{self, UndoOp};
use crate::{Result, Tx};

/// "A root cause is required to resolve" (bool).
pub const REQUIRE_ROOT_CAUSE: &str = "require_root_cause";
/// The business's name, for `{business_name}` in templates (string).
pub const BUSINESS_NAME: &str = "business_name";
/// The person answering, for `{agent_name}` in templates (string).
pub const AGENT_NAME: &str = "agent_name";

pub fn get(conn: &Connection, key: &str) -> Result<Option<serde_json::Value>> {
    let raw: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    Ok(raw.map(|s| serde_json::from_str(&s)).transpose()?)
}

pub fn get_bool(conn: &Connection, key: &str) -> Result<bool> {
    Ok(get(conn, key)?.and_then(|v| v.as_bool()).unwrap_or(false))
}

/// A non-empty string setting.
pub fn get_string(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(get(conn, key)?
        .and_then(|v| v.as_str().map(str::to_string))
        .filter(|s| !s.trim().is_empty()))
}

/// Sets `key`, returning the previous value (for the event history).
pub fn set(
    tx: &mut Tx<'_>,
    key: &str,
    value: &serde_json::Value,
) -> Result<Option<serde_json::Value>> {
    let before = get(tx.conn(), key)?;
    tx.conn()
        .prepare_cached(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![key, value.to_string()])?;
    Ok(before)
}

/// Every stored setting, by key.
pub fn all(conn: &Connection) -> Result<Vec<(String, serde_json::Value)>> {
    let mut stmt = conn.prepare_cached("SELECT key, value FROM settings ORDER BY key")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for r in rows {
        let (k, v) = r?;
        out.push((k, serde_json::from_str(&v)?));
    }
    Ok(out)
}

/// The stored values of `keys` as raw JSON text, `None` while unset: what a change of settings
/// saves first, so [`record_change`] can put them back.
pub fn snapshot(conn: &Connection, keys: &[&str]) -> Result<Vec<(String, Option<String>)>> {
    let mut stmt = conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?;
    keys.iter()
        .map(|k| {
            let v: Option<String> = stmt.query_row([k], |r| r.get(0)).optional()?;
            Ok((k.to_string(), v))
        })
        .collect()
}

/// Records a change of settings as one user action that undo can revert: a `settings` event
/// without a case, whose inverse puts every changed key back to its value in `before` (a
/// [`snapshot`] taken before the change) or removes it if it was unset, and refuses if a key
/// changed again since. `what` names the settings ("business hours"), `restored` says in words
/// what they are back to once undone. Nothing is recorded when no value changed.
pub fn record_change(
    tx: &mut Tx<'_>,
    before: &[(String, Option<String>)],
    what: &str,
    restored: &str,
    now: i64,
) -> Result<Option<i64>> {
    let keys: Vec<&str> = before.iter().map(|(k, _)| k.as_str()).collect();
    let after = snapshot(tx.conn(), &keys)?;
    let mut ops = Vec::new();
    let mut changed = Vec::new();
    for ((key, old), (_, new)) in before.iter().zip(&after) {
        if old == new {
            continue;
        }
        changed.push(key.clone());
        if let Some(new) = new {
            ops.push(UndoOp::DeleteKeys {
                table: "settings".into(),
                keys: vec![undo::row([
                    ("key", key.clone().into()),
                    ("value", new.clone().into()),
                ])],
            });
        }
        if let Some(old) = old {
            ops.push(UndoOp::InsertRows {
                table: "settings".into(),
                rows: vec![undo::row([
                    ("key", key.clone().into()),
                    ("value", old.clone().into()),
                ])],
            });
        }
    }
    if ops.is_empty() {
        return Ok(None);
    }
    let id = events::record_undoable(
        tx,
        NewEvent {
            case_id: None,
            at: now,
            actor: "user",
            kind: "settings",
            data: serde_json::json!({ "what": what, "keys": changed, "restored": restored }),
        },
        &UndoOp::many(ops),
    )?;
    Ok(Some(id))
}
