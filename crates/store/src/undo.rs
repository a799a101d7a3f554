//! Inverse operations for undo.
//!
//! An undoable user action stores how to reverse itself as an [`UndoOp`] in its event's
//! `data.undo` (see [`crate::events::record_undoable`]). Storing the inverse at the moment of the
//! change, instead of deriving it later from before/after snapshots, keeps undo correct for
//! actions whose effects span several tables (a merge moves conversations, notes, follow-ups,
//! tags). The operations are deliberately few and table-generic so every helper can describe its
//! own action's inverse; tables and columns are checked against a whitelist and the live schema,
//! so a stored operation can never name arbitrary SQL.
//!
//! Every operation checks that the world still looks the way the action left it (a row to delete
//! must exist, a row to re-insert must not, `expect` values must match) and fails with
//! [`StoreError::Conflict`] otherwise: a later change that the undo would silently overwrite
//! makes the undo refuse instead.

use std::collections::BTreeMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Entity, Result, StoreError, Tx};

/// Columns (name → JSON value) of one row.
pub type Row = BTreeMap<String, Value>;

/// The inverse of a change, stored as JSON in `events.data.undo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
pub enum UndoOp {
    /// Restores columns of one case. `expect` (optional) holds the values the action set; if
    /// the case no longer has them, something changed it since and the undo refuses.
    SetCaseFields {
        case_id: i64,
        fields: Row,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect: Option<Row>,
    },
    /// Deletes rows by their `id` from a table that has one.
    DeleteRows { table: String, ids: Vec<i64> },
    /// Deletes rows matching all given columns (for join tables without an `id`).
    DeleteKeys { table: String, keys: Vec<Row> },
    /// Re-inserts rows exactly (including their `id`).
    InsertRows { table: String, rows: Vec<Row> },
    /// Restores columns of one row by `id`, optionally checking `expect` first.
    UpdateRows {
        table: String,
        id: i64,
        fields: Row,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect: Option<Row>,
    },
    /// Applied in order.
    Many(Vec<UndoOp>),
}

/// Tables an [`UndoOp`] may touch, and the entity to report as changed.
const TABLES: &[(&str, Option<Entity>)] = &[
    ("cases", Some(Entity::Case)),
    ("case_conversations", Some(Entity::Conversation)),
    ("case_root_causes", Some(Entity::RootCause)),
    ("case_labels", Some(Entity::Label)),
    ("notes", Some(Entity::Note)),
    ("follow_ups", Some(Entity::FollowUp)),
    ("contacts", Some(Entity::Contact)),
    ("identities", Some(Entity::Contact)),
    ("conversations", Some(Entity::Conversation)),
    ("messages", Some(Entity::Message)),
    ("root_causes", Some(Entity::RootCause)),
    ("labels", Some(Entity::Label)),
    ("templates", Some(Entity::Template)),
    ("template_variants", Some(Entity::Template)),
    ("protocol_rules", Some(Entity::ProtocolRule)),
    ("outbox", Some(Entity::Outbox)),
    ("response_clocks", None),
    ("sla_breaches", None),
    ("settings", None),
];

/// Case columns [`UndoOp::SetCaseFields`] may never set: a case's identity and birth. Every
/// other column of the live schema may be restored, so columns that later migrations add
/// (`no_reply_needed`, …) need no change here.
const CASE_FIXED: &[&str] = &["id", "created_at"];

fn check_case_columns<'a>(
    conn: &Connection,
    cols: impl Iterator<Item = &'a String> + Clone,
) -> Result<()> {
    if let Some(c) = cols.clone().find(|c| CASE_FIXED.contains(&c.as_str())) {
        return Err(StoreError::Invalid(format!(
            "cannot undo: case column {c:?} may not be restored"
        )));
    }
    check_columns(conn, "cases", cols)
}

impl UndoOp {
    /// `Many` of the given ops, flattened; a single op stays itself.
    pub fn many(ops: Vec<UndoOp>) -> UndoOp {
        let mut flat = Vec::new();
        for op in ops {
            match op {
                UndoOp::Many(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        if flat.len() == 1 {
            flat.pop().expect("one element")
        } else {
            UndoOp::Many(flat)
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("UndoOp serializes")
    }

    pub fn from_json(v: &Value) -> Result<UndoOp> {
        Ok(serde_json::from_value(v.clone())?)
    }
}

/// Applies `op` inside the caller's transaction. Fails with `Conflict` if the data changed
/// since the action, `Invalid` if the op names a table or column it may not touch.
pub fn apply(tx: &mut Tx<'_>, op: &UndoOp) -> Result<()> {
    match op {
        UndoOp::Many(ops) => {
            for o in ops {
                apply(tx, o)?;
            }
            Ok(())
        }
        UndoOp::SetCaseFields {
            case_id,
            fields,
            expect,
        } => {
            check_case_columns(
                tx.conn(),
                fields.keys().chain(expect.iter().flat_map(|e| e.keys())),
            )?;
            update_row(tx, "cases", *case_id, fields, expect.as_ref())?;
            tx.changed(Entity::Case, *case_id);
            Ok(())
        }
        UndoOp::UpdateRows {
            table,
            id,
            fields,
            expect,
        } => {
            let entity = check_table(table)?;
            check_columns(tx.conn(), table, fields.keys())?;
            if let Some(e) = expect {
                check_columns(tx.conn(), table, e.keys())?;
            }
            if fields.contains_key("id") {
                return Err(StoreError::Invalid(format!(
                    "cannot undo: the id of {table} rows may not change"
                )));
            }
            update_row(tx, table, *id, fields, expect.as_ref())?;
            mark(
                tx,
                table,
                entity,
                &row_by_id(tx.conn(), table, *id)?.unwrap_or_default(),
            );
            Ok(())
        }
        UndoOp::DeleteRows { table, ids } => {
            let entity = check_table(table)?;
            check_columns(tx.conn(), table, ["id"].iter())?;
            for id in ids {
                let row = row_by_id(tx.conn(), table, *id)?.ok_or_else(|| {
                    StoreError::Conflict(format!(
                        "cannot undo: {table} row {id} no longer exists (changed since)"
                    ))
                })?;
                release_thread_rows(tx, table, *id)?;
                tx.conn()
                    .execute(&format!("DELETE FROM \"{table}\" WHERE id = ?1"), [id])?;
                mark(tx, table, entity, &row);
            }
            Ok(())
        }
        UndoOp::DeleteKeys { table, keys } => {
            let entity = check_table(table)?;
            for key in keys {
                if key.is_empty() {
                    return Err(StoreError::Invalid(format!(
                        "cannot undo: an empty key would delete every {table} row"
                    )));
                }
                check_columns(tx.conn(), table, key.keys())?;
                let (cond, args) = where_clause(key);
                let n = tx.conn().execute(
                    &format!("DELETE FROM \"{table}\" WHERE {cond}"),
                    params_from_iter(args),
                )?;
                if n == 0 {
                    return Err(StoreError::Conflict(format!(
                        "cannot undo: no {table} row matches {} (changed since)",
                        Value::Object(key.clone().into_iter().collect::<Map<_, _>>())
                    )));
                }
                mark(tx, table, entity, key);
            }
            Ok(())
        }
        UndoOp::InsertRows { table, rows } => {
            let entity = check_table(table)?;
            for row in rows {
                if row.is_empty() {
                    return Err(StoreError::Invalid(format!(
                        "cannot undo: an empty {table} row"
                    )));
                }
                check_columns(tx.conn(), table, row.keys())?;
                let cols: Vec<String> = row.keys().map(|c| format!("\"{c}\"")).collect();
                let marks: Vec<String> = (1..=row.len()).map(|i| format!("?{i}")).collect();
                let args: Vec<SqlValue> = row.values().map(to_sql).collect();
                tx.conn()
                    .execute(
                        &format!(
                            "INSERT INTO \"{table}\" ({}) VALUES ({})",
                            cols.join(", "),
                            marks.join(", ")
                        ),
                        params_from_iter(args),
                    )
                    .map_err(|e| match e {
                        rusqlite::Error::SqliteFailure(f, _)
                            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                        {
                            StoreError::Conflict(format!(
                                "cannot undo: cannot restore a {table} row: {e} (changed since)"
                            ))
                        }
                        other => other.into(),
                    })?;
                mark(tx, table, entity, row);
            }
            Ok(())
        }
    }
}

/// One row of `table` by `id`, as JSON columns: what an action saves before it deletes a row,
/// so that [`UndoOp::InsertRows`] can put it back exactly.
pub fn row_by_id(conn: &Connection, table: &str, id: i64) -> Result<Option<Row>> {
    check_table(table)?;
    let mut rows = rows_where(conn, table, "id = ?1", vec![SqlValue::Integer(id)])?;
    Ok(rows.pop())
}

/// Every row of `table` matching `cond` (SQL over the table's own columns, `?1..` for `args`).
/// The caller writes `cond`; it never comes from stored data.
pub fn rows_where(
    conn: &Connection,
    table: &str,
    cond: &str,
    args: Vec<SqlValue>,
) -> Result<Vec<Row>> {
    check_table(table)?;
    let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\" WHERE {cond}"))?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            let mut row = Row::new();
            for (i, n) in names.iter().enumerate() {
                row.insert(n.clone(), from_sql(r.get::<_, SqlValue>(i)?));
            }
            Ok(row)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The current values of the named case columns: what an action saves before it changes them.
pub fn case_fields(conn: &Connection, case_id: i64, cols: &[&str]) -> Result<Row> {
    let names: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
    check_case_columns(conn, names.iter())?;
    let row =
        row_by_id(conn, "cases", case_id)?.ok_or_else(|| StoreError::not_found("case", case_id))?;
    Ok(cols
        .iter()
        .map(|c| (c.to_string(), row.get(*c).cloned().unwrap_or(Value::Null)))
        .collect())
}

/// The inverse of what happened to rows of `table` between two snapshots of the same rows
/// (each with its `id`): a changed row gets its old values back, checked against the new ones; a
/// row that appeared is deleted; a row that went is put back. For actions whose effects come
/// from shared code (a response clock met, a breach recorded) that cannot say its own inverse.
pub fn diff_ops(table: &str, before: &[Row], after: &[Row]) -> Vec<UndoOp> {
    let id_of = |r: &Row| r.get("id").and_then(Value::as_i64);
    let old: BTreeMap<i64, &Row> = before.iter().filter_map(|r| Some((id_of(r)?, r))).collect();
    let new: BTreeMap<i64, &Row> = after.iter().filter_map(|r| Some((id_of(r)?, r))).collect();
    let mut ops = Vec::new();
    for (id, now) in &new {
        let Some(was) = old.get(id) else {
            continue;
        };
        let (mut fields, mut expect) = (Row::new(), Row::new());
        for (col, v) in now.iter() {
            let prior = was.get(col).cloned().unwrap_or(Value::Null);
            if !same_value(v, &prior) {
                fields.insert(col.clone(), prior);
                expect.insert(col.clone(), v.clone());
            }
        }
        if fields.is_empty() {
            continue;
        }
        ops.push(if table == "cases" {
            UndoOp::SetCaseFields {
                case_id: *id,
                fields,
                expect: Some(expect),
            }
        } else {
            UndoOp::UpdateRows {
                table: table.into(),
                id: *id,
                fields,
                expect: Some(expect),
            }
        });
    }
    let added: Vec<i64> = new
        .keys()
        .filter(|id| !old.contains_key(id))
        .copied()
        .collect();
    if !added.is_empty() {
        ops.push(UndoOp::DeleteRows {
            table: table.into(),
            ids: added,
        });
    }
    let gone: Vec<Row> = old
        .iter()
        .filter(|(id, _)| !new.contains_key(id))
        .map(|(_, r)| (*r).clone())
        .collect();
    if !gone.is_empty() {
        ops.push(UndoOp::InsertRows {
            table: table.into(),
            rows: gone,
        });
    }
    ops
}

/// Builds a [`Row`] from `(column, value)` pairs.
pub fn row<const N: usize>(pairs: [(&str, Value); N]) -> Row {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn check_table(table: &str) -> Result<Option<Entity>> {
    TABLES
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, e)| *e)
        .ok_or_else(|| StoreError::Invalid(format!("cannot undo: table {table:?} is not undoable")))
}

fn check_columns<'a>(
    conn: &Connection,
    table: &str,
    cols: impl Iterator<Item = impl AsRef<str> + 'a>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached("SELECT name FROM pragma_table_info(?1)")?;
    let known: Vec<String> = stmt
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for c in cols {
        let c = c.as_ref();
        if !known.iter().any(|k| k == c) {
            return Err(StoreError::Invalid(format!(
                "cannot undo: {table} has no column {c:?}"
            )));
        }
    }
    Ok(())
}

fn update_row(
    tx: &mut Tx<'_>,
    table: &str,
    id: i64,
    fields: &Row,
    expect: Option<&Row>,
) -> Result<()> {
    let current = row_by_id(tx.conn(), table, id)?.ok_or_else(|| {
        StoreError::Conflict(format!(
            "cannot undo: {table} row {id} no longer exists (changed since)"
        ))
    })?;
    if let Some(expect) = expect {
        for (col, want) in expect {
            let have = current.get(col).unwrap_or(&Value::Null);
            if !same_value(have, want) {
                return Err(StoreError::Conflict(format!(
                    "cannot undo: {table} {id} changed since ({col} is now {have}, was {want})"
                )));
            }
        }
    }
    if fields.is_empty() {
        return Ok(());
    }
    let sets: Vec<String> = fields
        .keys()
        .enumerate()
        .map(|(i, c)| format!("\"{c}\" = ?{}", i + 2))
        .collect();
    let mut args = vec![SqlValue::Integer(id)];
    args.extend(fields.values().map(to_sql));
    tx.conn().execute(
        &format!("UPDATE \"{table}\" SET {} WHERE id = ?1", sets.join(", ")),
        params_from_iter(args),
    )?;
    Ok(())
}

fn where_clause(key: &Row) -> (String, Vec<SqlValue>) {
    let cond: Vec<String> = key
        .keys()
        .enumerate()
        .map(|(i, c)| format!("\"{c}\" IS ?{}", i + 1))
        .collect();
    (cond.join(" AND "), key.values().map(to_sql).collect())
}

/// Reports the change: the table's own entity by id, and the case it belongs to.
fn mark(tx: &mut Tx<'_>, table: &str, entity: Option<Entity>, row: &Row) {
    let id = row.get("id").and_then(Value::as_i64);
    match (table, entity) {
        ("case_conversations", _) => {
            if let Some(c) = row.get("conversation_id").and_then(Value::as_i64) {
                tx.changed(Entity::Conversation, c);
            }
        }
        ("case_root_causes", _) => {
            if let Some(c) = row.get("root_cause_id").and_then(Value::as_i64) {
                tx.changed(Entity::RootCause, c);
            }
        }
        ("case_labels", _) => {
            if let Some(c) = row.get("label_id").and_then(Value::as_i64) {
                tx.changed(Entity::Label, c);
            }
        }
        ("template_variants", _) => {
            if let Some(c) = row.get("template_id").and_then(Value::as_i64) {
                tx.changed(Entity::Template, c);
            }
        }
        (_, Some(e)) => {
            if let Some(id) = id {
                tx.changed(e, id);
            }
        }
        (_, None) => {}
    }
    if let Some(c) = row.get("case_id").and_then(Value::as_i64) {
        tx.changed(Entity::Case, c);
    }
}

/// A JSON value as the SQLite value it stands for.
pub fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

fn from_sql(v: SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::from(i),
        SqlValue::Real(f) => Value::from(f),
        SqlValue::Text(s) => Value::String(s),
        SqlValue::Blob(b) => Value::String(hex::encode(b)),
    }
}

/// Equal as stored: `true` and `1` are the same SQLite value.
fn same_value(a: &Value, b: &Value) -> bool {
    to_sql(a) == to_sql(b)
}

/// Threading records every stored message's ids and header-less subject (`thread_ids`,
/// `thread_subjects`, docs/data-model.md "Threading"). When undo takes back a message or a
/// conversation an action created, those records go with it; the ids are registered again by
/// the next message that carries them.
fn release_thread_rows(tx: &mut Tx<'_>, table: &str, id: i64) -> Result<()> {
    match table {
        "messages" => {
            tx.conn()
                .prepare_cached("DELETE FROM thread_subjects WHERE message_id = ?1")?
                .execute([id])?;
        }
        "conversations" => {
            tx.conn()
                .prepare_cached("DELETE FROM thread_ids WHERE conversation_id = ?1")?
                .execute([id])?;
        }
        _ => {}
    }
    Ok(())
}
