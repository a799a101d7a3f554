//! Root causes (a two-level taxonomy with a fix lifecycle) and labels (free tags).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::events::{self, NewEvent};
use crate::{Entity, Result, StoreError, Tx};

/// Separator in display paths: "Shipping › Late delivery".
pub const PATH_SEP: &str = " › ";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootCause {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub path: String,
    pub status: String,
    pub fixed_at: Option<i64>,
    pub fix_note: Option<String>,
    pub archived: bool,
    /// Cases tagged with this cause (or, for a parent, with any of its children).
    pub case_count: i64,
    pub open_case_count: i64,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RootCause> {
    let name: String = r.get(1)?;
    let parent_name: Option<String> = r.get(3)?;
    Ok(RootCause {
        id: r.get(0)?,
        path: match &parent_name {
            Some(p) => format!("{p}{PATH_SEP}{name}"),
            None => name.clone(),
        },
        name,
        parent_id: r.get(2)?,
        status: r.get(4)?,
        fixed_at: r.get(5)?,
        fix_note: r.get(6)?,
        archived: r.get::<_, Option<i64>>(7)?.is_some(),
        case_count: r.get(8)?,
        open_case_count: r.get(9)?,
    })
}

const SELECT: &str = "
SELECT rc.id, rc.name, rc.parent_id, p.name, rc.status, rc.fixed_at, rc.fix_note, rc.archived_at,
       (SELECT count(DISTINCT crc.case_id) FROM case_root_causes crc
         WHERE crc.root_cause_id = rc.id
            OR crc.root_cause_id IN (SELECT id FROM root_causes WHERE parent_id = rc.id)),
       (SELECT count(DISTINCT crc.case_id) FROM case_root_causes crc JOIN cases c ON c.id = crc.case_id
         WHERE c.status <> 'resolved' AND (crc.root_cause_id = rc.id
            OR crc.root_cause_id IN (SELECT id FROM root_causes WHERE parent_id = rc.id)))
  FROM root_causes rc LEFT JOIN root_causes p ON p.id = rc.parent_id";

/// All root causes, parents first then their children, each group by name.
pub fn list(conn: &Connection) -> Result<Vec<RootCause>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} ORDER BY coalesce(p.name, rc.name) COLLATE NOCASE, rc.parent_id IS NOT NULL, rc.name COLLATE NOCASE"
    ))?;
    Ok(stmt.query_map([], row)?.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<RootCause> {
    conn.prepare_cached(&format!("{SELECT} WHERE rc.id = ?1"))?
        .query_row([id], row)
        .optional()?
        .ok_or_else(|| StoreError::not_found("root cause", id))
}

/// Finds a root cause by "Name" or "Parent › Name" (also "Parent/Name" and "Parent > Name"),
/// case-insensitively. A bare name that exists under several parents is ambiguous.
pub fn find(conn: &Connection, path: &str) -> Result<RootCause> {
    let parts = split_path(path);
    let id: Option<i64> = match parts.as_slice() {
        [name] => {
            let ids: Vec<i64> = conn
                .prepare_cached("SELECT id FROM root_causes WHERE name = ?1 COLLATE NOCASE ORDER BY parent_id IS NOT NULL, id")?
                .query_map([name], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            match ids.as_slice() {
                [] => None,
                [one] => Some(*one),
                _ => {
                    // A top-level match wins; otherwise the name is ambiguous.
                    let top: Option<i64> = conn
                        .prepare_cached("SELECT id FROM root_causes WHERE name = ?1 COLLATE NOCASE AND parent_id IS NULL")?
                        .query_row([name], |r| r.get(0))
                        .optional()?;
                    match top {
                        Some(t) => Some(t),
                        None => {
                            return Err(StoreError::Invalid(format!(
                                "root cause {name:?} exists under several parents; say \"Parent › {name}\""
                            )));
                        }
                    }
                }
            }
        }
        [parent, name] => conn
            .prepare_cached(
                "SELECT c.id FROM root_causes c JOIN root_causes p ON p.id = c.parent_id
                  WHERE p.name = ?1 COLLATE NOCASE AND c.name = ?2 COLLATE NOCASE",
            )?
            .query_row([parent, name], |r| r.get(0))
            .optional()?,
        _ => {
            return Err(StoreError::Invalid(format!(
                "root cause {path:?} is not a name or \"Parent › Name\" (two levels at most)"
            )));
        }
    };
    match id {
        Some(id) => get(conn, id),
        None => Err(StoreError::not_found("root cause", format!("{path:?}"))),
    }
}

fn split_path(path: &str) -> Vec<&str> {
    let sep = ['›', '/', '>'];
    path.split(|c| sep.contains(&c))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Adds a root cause, top-level or under `parent` (which must be top-level: two levels).
pub fn add(tx: &mut Tx<'_>, name: &str, parent: Option<&str>, now: i64) -> Result<RootCause> {
    let name = name.trim();
    if name.is_empty() || name.contains(['›', '/', '>']) {
        return Err(StoreError::Invalid(format!(
            "cannot add root cause {name:?}: a name must be non-empty and must not contain › / or >"
        )));
    }
    let parent_id = match parent {
        Some(p) => {
            let p = find(tx.conn(), p)?;
            if p.parent_id.is_some() {
                return Err(StoreError::Invalid(format!(
                    "cannot add {name:?} under {:?}: root causes have two levels, and {:?} is already a child",
                    p.path, p.path
                )));
            }
            Some(p.id)
        }
        None => None,
    };
    let exists = tx
        .conn()
        .prepare_cached(
            "SELECT 1 FROM root_causes WHERE ifnull(parent_id, 0) = ifnull(?1, 0) AND name = ?2 COLLATE NOCASE",
        )?
        .exists(params![parent_id, name])?;
    if exists {
        return Err(StoreError::Conflict(format!(
            "root cause {name:?} already exists there"
        )));
    }
    tx.conn()
        .prepare_cached(
            "INSERT INTO root_causes (name, parent_id, created_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![name, parent_id, now])?;
    let id = tx.conn().last_insert_rowid();
    tx.changed(Entity::RootCause, id);
    get(tx.conn(), id)
}

/// Tags a case with a root cause. Tagging twice is not an error; returns whether it was new.
pub fn tag_case(
    tx: &mut Tx<'_>,
    case_id: i64,
    root_cause_id: i64,
    actor: &str,
    now: i64,
) -> Result<bool> {
    crate::cases::ensure_case(tx.conn(), case_id)?;
    let rc = get(tx.conn(), root_cause_id)?;
    let n = tx
        .conn()
        .prepare_cached(
            "INSERT OR IGNORE INTO case_root_causes (case_id, root_cause_id, tagged_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![case_id, root_cause_id, now])?;
    if n == 0 {
        return Ok(false);
    }
    tx.conn()
        .prepare_cached("UPDATE cases SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![case_id, now])?;
    tx.changed(Entity::RootCause, root_cause_id);
    events::record(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor,
            kind: "tag_root_cause",
            data: serde_json::json!({ "root_cause_id": root_cause_id, "path": rc.path }),
        },
    )?;
    Ok(true)
}

pub fn case_root_cause_paths(conn: &Connection, case_id: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT CASE WHEN p.id IS NULL THEN rc.name ELSE p.name || ?2 || rc.name END
           FROM case_root_causes crc JOIN root_causes rc ON rc.id = crc.root_cause_id
           LEFT JOIN root_causes p ON p.id = rc.parent_id
          WHERE crc.case_id = ?1 ORDER BY crc.tagged_at, rc.id",
    )?;
    Ok(stmt
        .query_map(params![case_id, PATH_SEP], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub id: i64,
    pub name: String,
    pub color: Option<String>,
    pub case_count: i64,
}

pub fn labels(conn: &Connection) -> Result<Vec<Label>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.name, l.color, (SELECT count(*) FROM case_labels cl WHERE cl.label_id = l.id)
           FROM labels l ORDER BY l.name COLLATE NOCASE",
    )?;
    Ok(stmt
        .query_map([], |r| {
            Ok(Label {
                id: r.get(0)?,
                name: r.get(1)?,
                color: r.get(2)?,
                case_count: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn label_by_name(conn: &Connection, name: &str) -> Result<Option<Label>> {
    Ok(labels(conn)?
        .into_iter()
        .find(|l| l.name.eq_ignore_ascii_case(name.trim())))
}

/// Adds a label (or returns the existing one of that name).
pub fn add_label(tx: &mut Tx<'_>, name: &str, color: Option<&str>, now: i64) -> Result<Label> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid(
            "cannot add a label with an empty name".into(),
        ));
    }
    if let Some(l) = label_by_name(tx.conn(), name)? {
        return Ok(l);
    }
    tx.conn()
        .prepare_cached("INSERT INTO labels (name, color, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![name, color, now])?;
    let id = tx.conn().last_insert_rowid();
    tx.changed(Entity::Label, id);
    Ok(Label {
        id,
        name: name.to_string(),
        color: color.map(str::to_string),
        case_count: 0,
    })
}

pub fn label_case(
    tx: &mut Tx<'_>,
    case_id: i64,
    label_id: i64,
    actor: &str,
    now: i64,
) -> Result<bool> {
    crate::cases::ensure_case(tx.conn(), case_id)?;
    let n = tx
        .conn()
        .prepare_cached("INSERT OR IGNORE INTO case_labels (case_id, label_id) VALUES (?1, ?2)")?
        .execute(params![case_id, label_id])?;
    if n == 0 {
        return Ok(false);
    }
    tx.changed(Entity::Label, label_id);
    events::record(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor,
            kind: "label",
            data: serde_json::json!({ "label_id": label_id }),
        },
    )?;
    Ok(true)
}
