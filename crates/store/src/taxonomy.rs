//! Root causes (a two-level taxonomy with a fix lifecycle) and labels (free tags).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::events::{self, NewEvent};
use crate::{Entity, Result, StoreError, Tx};

/// Separator in display paths: "Shipping › Late delivery".
pub const PATH_SEP: &str = " › ";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
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
    /// For a fixed cause: tagged cases that began before `fixed_at` (did the fix work?).
    pub cases_before_fix: Option<i64>,
    /// For a fixed cause: tagged cases that began at or after `fixed_at`.
    pub cases_after_fix: Option<i64>,
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
        cases_before_fix: r.get(10)?,
        cases_after_fix: r.get(11)?,
    })
}

const SELECT: &str = "
SELECT rc.id, rc.name, rc.parent_id, p.name, rc.status, rc.fixed_at, rc.fix_note, rc.archived_at,
       (SELECT count(DISTINCT crc.case_id) FROM case_root_causes crc
         WHERE crc.root_cause_id = rc.id
            OR crc.root_cause_id IN (SELECT id FROM root_causes WHERE parent_id = rc.id)),
       (SELECT count(DISTINCT crc.case_id) FROM case_root_causes crc JOIN cases c ON c.id = crc.case_id
         WHERE c.status <> 'resolved' AND (crc.root_cause_id = rc.id
            OR crc.root_cause_id IN (SELECT id FROM root_causes WHERE parent_id = rc.id))),
       CASE WHEN rc.fixed_at IS NOT NULL THEN
       (SELECT count(DISTINCT crc.case_id) FROM case_root_causes crc JOIN cases c ON c.id = crc.case_id
         WHERE c.created_at < rc.fixed_at AND (crc.root_cause_id = rc.id
            OR crc.root_cause_id IN (SELECT id FROM root_causes WHERE parent_id = rc.id))) END,
       CASE WHEN rc.fixed_at IS NOT NULL THEN
       (SELECT count(DISTINCT crc.case_id) FROM case_root_causes crc JOIN cases c ON c.id = crc.case_id
         WHERE c.created_at >= rc.fixed_at AND (crc.root_cause_id = rc.id
            OR crc.root_cause_id IN (SELECT id FROM root_causes WHERE parent_id = rc.id))) END
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
    get(conn, find_id(conn, path)?)
}

/// The "Parent › Name" path of a root cause, without counting its cases (what [`get`] does).
pub fn path_of(conn: &Connection, id: i64) -> Result<String> {
    conn.prepare_cached(
        "SELECT rc.name, p.name FROM root_causes rc LEFT JOIN root_causes p ON p.id = rc.parent_id
          WHERE rc.id = ?1",
    )?
    .query_row([id], |r| {
        let (name, parent): (String, Option<String>) = (r.get(0)?, r.get(1)?);
        Ok(match parent {
            Some(p) => format!("{p}{PATH_SEP}{name}"),
            None => name,
        })
    })
    .optional()?
    .ok_or_else(|| StoreError::not_found("root cause", id))
}

/// The id of the root cause [`find`] finds, without counting its cases: for filters and tags,
/// which run often on large workspaces.
pub fn find_id(conn: &Connection, path: &str) -> Result<i64> {
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
    id.ok_or_else(|| StoreError::not_found("root cause", format!("{path:?}")))
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
    crate::alerts::after_tag(tx, case_id, root_cause_id, now)?;
    events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor,
            kind: "tag_root_cause",
            data: serde_json::json!({ "root_cause_id": root_cause_id, "path": rc.path }),
        },
        &crate::undo::UndoOp::DeleteKeys {
            table: "case_root_causes".into(),
            keys: vec![crate::undo::row([
                ("case_id", case_id.into()),
                ("root_cause_id", root_cause_id.into()),
            ])],
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
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
    events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor,
            kind: "label",
            data: serde_json::json!({ "label_id": label_id }),
        },
        &crate::undo::UndoOp::DeleteKeys {
            table: "case_labels".into(),
            keys: vec![crate::undo::row([
                ("case_id", case_id.into()),
                ("label_id", label_id.into()),
            ])],
        },
    )?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Taxonomy upkeep and the fix lifecycle.
//
// Every change is recorded as an event without a case (the taxonomy's own history); a merge
// also records one event per re-tagged case, so each case's history says why its tag changed.
// ---------------------------------------------------------------------------------------------

fn check_name(name: &str, what: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.contains(['›', '/', '>']) {
        return Err(StoreError::Invalid(format!(
            "cannot {what}: a root-cause name must be non-empty and must not contain › / or >"
        )));
    }
    Ok(name.to_string())
}

fn sibling_exists(
    conn: &Connection,
    parent_id: Option<i64>,
    name: &str,
    except: i64,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM root_causes WHERE ifnull(parent_id, 0) = ifnull(?1, 0)
                AND name = ?2 COLLATE NOCASE AND id <> ?3",
        )?
        .exists(params![parent_id, name, except])?)
}

fn has_children(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM root_causes WHERE parent_id = ?1")?
        .exists([id])?)
}

/// Records a taxonomy change with its inverse, restoring `root_causes` row `id` to `before`
/// (and checking it still holds `after`), plus any `extra` inverse steps.
fn taxonomy_event(
    tx: &mut Tx<'_>,
    kind: &str,
    data: serde_json::Value,
    restore: (i64, crate::undo::Row, crate::undo::Row),
    extra: Vec<crate::undo::UndoOp>,
    now: i64,
) -> Result<i64> {
    let (id, before, after) = restore;
    let mut ops = extra;
    ops.push(crate::undo::UndoOp::UpdateRows {
        table: "root_causes".into(),
        id,
        fields: before,
        expect: Some(after),
    });
    events::record_undoable(
        tx,
        NewEvent {
            case_id: None,
            at: now,
            actor: "user",
            kind,
            data,
        },
        &crate::undo::UndoOp::many(ops),
    )
}

fn cols(pairs: &[(&str, serde_json::Value)]) -> crate::undo::Row {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Renames a root cause in place; its cases keep it.
pub fn rename(tx: &mut Tx<'_>, path: &str, new_name: &str, now: i64) -> Result<RootCause> {
    let rc = find(tx.conn(), path)?;
    let name = check_name(new_name, &format!("rename {:?}", rc.path))?;
    if sibling_exists(tx.conn(), rc.parent_id, &name, rc.id)? {
        return Err(StoreError::Conflict(format!(
            "cannot rename {:?} to {name:?}: a root cause of that name already exists there",
            rc.path
        )));
    }
    tx.conn()
        .prepare_cached("UPDATE root_causes SET name = ?2 WHERE id = ?1")?
        .execute(params![rc.id, name])?;
    tx.changed(Entity::RootCause, rc.id);
    taxonomy_event(
        tx,
        "root_cause_rename",
        serde_json::json!({ "root_cause_id": rc.id, "from": rc.name, "to": name }),
        (
            rc.id,
            cols(&[("name", rc.name.clone().into())]),
            cols(&[("name", name.clone().into())]),
        ),
        vec![],
        now,
    )?;
    get(tx.conn(), rc.id)
}

/// Moves a root cause under `new_parent` (top-level with `None`). Two levels at most: the new
/// parent must be top-level, and a cause that has children cannot become a child itself (which
/// also rules out cycles).
pub fn move_to(
    tx: &mut Tx<'_>,
    path: &str,
    new_parent: Option<&str>,
    now: i64,
) -> Result<RootCause> {
    let rc = find(tx.conn(), path)?;
    let parent_id = match new_parent {
        None => None,
        Some(p) => {
            let p = find(tx.conn(), p)?;
            if p.id == rc.id {
                return Err(StoreError::Invalid(format!(
                    "cannot move {:?} under itself",
                    rc.path
                )));
            }
            if p.parent_id.is_some() {
                return Err(StoreError::Invalid(format!(
                    "cannot move {:?} under {:?}: root causes have two levels, and {:?} is already a child",
                    rc.path, p.path, p.path
                )));
            }
            if has_children(tx.conn(), rc.id)? {
                return Err(StoreError::Invalid(format!(
                    "cannot move {:?} under {:?}: it has children of its own, and root causes have two levels; move or merge its children first",
                    rc.path, p.path
                )));
            }
            Some(p.id)
        }
    };
    if parent_id == rc.parent_id {
        return Ok(rc);
    }
    if sibling_exists(tx.conn(), parent_id, &rc.name, rc.id)? {
        return Err(StoreError::Conflict(format!(
            "cannot move {:?}: a root cause named {:?} already exists there; merge them instead",
            rc.path, rc.name
        )));
    }
    tx.conn()
        .prepare_cached("UPDATE root_causes SET parent_id = ?2 WHERE id = ?1")?
        .execute(params![rc.id, parent_id])?;
    tx.changed(Entity::RootCause, rc.id);
    taxonomy_event(
        tx,
        "root_cause_move",
        serde_json::json!({ "root_cause_id": rc.id, "from_parent_id": rc.parent_id,
                            "to_parent_id": parent_id }),
        (
            rc.id,
            cols(&[("parent_id", rc.parent_id.into())]),
            cols(&[("parent_id", parent_id.into())]),
        ),
        vec![],
        now,
    )?;
    get(tx.conn(), rc.id)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "RootCauseMergeOutcome")]
pub struct MergeOutcome {
    pub source: RootCause,
    pub target: RootCause,
    /// Cases that carried the source and now carry the target.
    pub cases_retagged: Vec<i64>,
    /// The taxonomy event that records the merge (its `data.undo` reverts it).
    pub event_id: i64,
}

/// Merges `source` into `target`: every case tagged with the source is tagged with the target
/// instead, and the source is archived (kept, so history and reports still name it).
pub fn merge(tx: &mut Tx<'_>, source: &str, target: &str, now: i64) -> Result<MergeOutcome> {
    let src = find(tx.conn(), source)?;
    let dst = find(tx.conn(), target)?;
    if src.id == dst.id {
        return Err(StoreError::Invalid(format!(
            "cannot merge {:?} into itself",
            src.path
        )));
    }
    if has_children(tx.conn(), src.id)? {
        return Err(StoreError::Invalid(format!(
            "cannot merge {:?}: it has children; move or merge them first",
            src.path
        )));
    }
    if dst.parent_id == Some(src.id) {
        return Err(StoreError::Invalid(format!(
            "cannot merge {:?} into its own child {:?}",
            src.path, dst.path
        )));
    }
    let tagged: Vec<(i64, i64)> = tx
        .conn()
        .prepare_cached(
            "SELECT case_id, tagged_at FROM case_root_causes WHERE root_cause_id = ?1 ORDER BY case_id",
        )?
        .query_map([src.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let already_on_target: Vec<i64> = tx
        .conn()
        .prepare_cached("SELECT case_id FROM case_root_causes WHERE root_cause_id = ?1")?
        .query_map([dst.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let src_archived_at: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT archived_at FROM root_causes WHERE id = ?1")?
        .query_row([src.id], |r| r.get(0))?;
    let retagged: Vec<i64> = tagged.iter().map(|(c, _)| *c).collect();
    let added_target: Vec<i64> = retagged
        .iter()
        .copied()
        .filter(|c| !already_on_target.contains(c))
        .collect();
    // The inverse: drop the target tags the merge added, put the source tags back, un-archive.
    let mut undo_ops = Vec::new();
    if !added_target.is_empty() {
        undo_ops.push(crate::undo::UndoOp::DeleteKeys {
            table: "case_root_causes".into(),
            keys: added_target
                .iter()
                .map(|c| cols(&[("case_id", (*c).into()), ("root_cause_id", dst.id.into())]))
                .collect(),
        });
    }
    if !tagged.is_empty() {
        undo_ops.push(crate::undo::UndoOp::InsertRows {
            table: "case_root_causes".into(),
            rows: tagged
                .iter()
                .map(|(c, at)| {
                    cols(&[
                        ("case_id", (*c).into()),
                        ("root_cause_id", src.id.into()),
                        ("tagged_at", (*at).into()),
                    ])
                })
                .collect(),
        });
    }
    let archived_at = src_archived_at.unwrap_or(now);
    tx.conn()
        .prepare_cached("UPDATE root_causes SET archived_at = ?2 WHERE id = ?1")?
        .execute(params![src.id, archived_at])?;
    let event_id = taxonomy_event(
        tx,
        "root_cause_merge",
        serde_json::json!({
            "from_id": src.id, "to_id": dst.id, "from": src.path, "to": dst.path,
            "cases": retagged,
        }),
        (
            src.id,
            cols(&[("archived_at", src_archived_at.into())]),
            cols(&[("archived_at", archived_at.into())]),
        ),
        undo_ops,
        now,
    )?;
    for &(case_id, tagged_at) in &tagged {
        tx.conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO case_root_causes (case_id, root_cause_id, tagged_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![case_id, dst.id, tagged_at])?;
        tx.conn()
            .prepare_cached(
                "DELETE FROM case_root_causes WHERE case_id = ?1 AND root_cause_id = ?2",
            )?
            .execute(params![case_id, src.id])?;
        events::record_part_of(
            tx,
            NewEvent {
                case_id: Some(case_id),
                at: now,
                actor: "user",
                kind: "root_cause_merge",
                data: serde_json::json!({ "from": src.path, "to": dst.path,
                                          "from_id": src.id, "to_id": dst.id }),
            },
            event_id,
        )?;
    }
    tx.changed(Entity::RootCause, src.id);
    tx.changed(Entity::RootCause, dst.id);
    Ok(MergeOutcome {
        source: get(tx.conn(), src.id)?,
        target: get(tx.conn(), dst.id)?,
        cases_retagged: retagged,
        event_id,
    })
}

/// Archives (hides from pickers; kept on cases and in reports) or restores a root cause.
pub fn set_archived(tx: &mut Tx<'_>, path: &str, archived: bool, now: i64) -> Result<RootCause> {
    let rc = find(tx.conn(), path)?;
    if rc.archived == archived {
        return Ok(rc);
    }
    let before_archived: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT archived_at FROM root_causes WHERE id = ?1")?
        .query_row([rc.id], |r| r.get(0))?;
    tx.conn()
        .prepare_cached("UPDATE root_causes SET archived_at = ?2 WHERE id = ?1")?
        .execute(params![rc.id, archived.then_some(now)])?;
    tx.changed(Entity::RootCause, rc.id);
    taxonomy_event(
        tx,
        if archived {
            "root_cause_archive"
        } else {
            "root_cause_unarchive"
        },
        serde_json::json!({ "root_cause_id": rc.id, "path": rc.path }),
        (
            rc.id,
            cols(&[("archived_at", before_archived.into())]),
            cols(&[("archived_at", archived.then_some(now).into())]),
        ),
        vec![],
        now,
    )?;
    get(tx.conn(), rc.id)
}

/// The fix lifecycle: `open → fixing → fixed`, and back (a fix that did not hold). Marking it
/// fixed records the time (`fixed_on` when given: the day the fix really happened, else now)
/// and the note; leaving `fixed` clears the time. The event keeps the earlier values, so the
/// history of fixes survives a reopen.
pub fn set_status(
    tx: &mut Tx<'_>,
    path: &str,
    status: &str,
    note: Option<&str>,
    fixed_on: Option<i64>,
    now: i64,
) -> Result<(RootCause, RootCause)> {
    let status = status.trim().to_ascii_lowercase();
    if !["open", "fixing", "fixed"].contains(&status.as_str()) {
        return Err(StoreError::Invalid(format!(
            "cannot set root-cause status {status:?}: use open, fixing or fixed"
        )));
    }
    let before = find(tx.conn(), path)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if fixed_on.is_some() && status != "fixed" {
        return Err(StoreError::Invalid(format!(
            "cannot set a fix date on {}: only with status fixed",
            before.path
        )));
    }
    let (fixed_at, fix_note) = match status.as_str() {
        "fixed" if before.status == "fixed" => (
            fixed_on.or(before.fixed_at),
            note.map(str::to_string).or(before.fix_note.clone()),
        ),
        "fixed" => (Some(fixed_on.unwrap_or(now)), note.map(str::to_string)),
        _ => (None, note.map(str::to_string).or(before.fix_note.clone())),
    };
    if before.status == status && before.fixed_at == fixed_at && before.fix_note == fix_note {
        return Ok((before.clone(), before));
    }
    tx.conn()
        .prepare_cached(
            "UPDATE root_causes SET status = ?2, fixed_at = ?3, fix_note = ?4 WHERE id = ?1",
        )?
        .execute(params![before.id, status, fixed_at, fix_note])?;
    tx.changed(Entity::RootCause, before.id);
    taxonomy_event(
        tx,
        "root_cause_status",
        serde_json::json!({
            "root_cause_id": before.id, "path": before.path,
            "from": before.status, "to": status,
            "fixed_at_before": before.fixed_at, "fix_note_before": before.fix_note,
            "fixed_at": fixed_at, "fix_note": fix_note,
        }),
        (
            before.id,
            cols(&[
                ("status", before.status.clone().into()),
                ("fixed_at", before.fixed_at.into()),
                ("fix_note", before.fix_note.clone().into()),
            ]),
            cols(&[
                ("status", status.clone().into()),
                ("fixed_at", fixed_at.into()),
                ("fix_note", fix_note.clone().into()),
            ]),
        ),
        vec![],
        now,
    )?;
    let after = get(tx.conn(), before.id)?;
    Ok((before, after))
}

/// Whether a case carries at least one root cause.
pub fn case_has_root_cause(conn: &Connection, case_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM case_root_causes WHERE case_id = ?1")?
        .exists([case_id])?)
}
