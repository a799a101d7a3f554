//! Reply templates and their per-channel variants.
//!
//! Bodies are checked with `core::template::validate` before they are stored, so every stored
//! variant renders as long as the case has the values it needs.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use switchboard_core::template as tpl;

use crate::{Entity, Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct TemplateVariant {
    /// `default`, `public`, `private`, or a channel name such as `email` or `bluesky`.
    pub variant: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Template {
    pub id: i64,
    pub name: String,
    /// In a stable order: default, public, private, then channel variants by name.
    pub variants: Vec<TemplateVariant>,
    pub created_at: i64,
    pub updated_at: i64,
}

fn variants(conn: &Connection, id: i64) -> Result<Vec<TemplateVariant>> {
    let mut stmt = conn.prepare_cached(
        "SELECT variant, body FROM template_variants WHERE template_id = ?1
          ORDER BY CASE variant WHEN 'default' THEN 0 WHEN 'public' THEN 1 WHEN 'private' THEN 2 ELSE 3 END, variant",
    )?;
    Ok(stmt
        .query_map([id], |r| {
            Ok(TemplateVariant {
                variant: r.get(0)?,
                body: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

fn head(r: &rusqlite::Row<'_>) -> rusqlite::Result<Template> {
    Ok(Template {
        id: r.get(0)?,
        name: r.get(1)?,
        variants: Vec::new(),
        created_at: r.get(2)?,
        updated_at: r.get(3)?,
    })
}

/// All templates by name.
pub fn list(conn: &Connection) -> Result<Vec<Template>> {
    let mut out: Vec<Template> = conn
        .prepare_cached(
            "SELECT id, name, created_at, updated_at FROM templates ORDER BY name COLLATE NOCASE",
        )?
        .query_map([], head)?
        .collect::<rusqlite::Result<_>>()?;
    for t in &mut out {
        t.variants = variants(conn, t.id)?;
    }
    Ok(out)
}

/// By name, case-insensitively.
pub fn by_name(conn: &Connection, name: &str) -> Result<Option<Template>> {
    let t = conn
        .prepare_cached(
            "SELECT id, name, created_at, updated_at FROM templates WHERE name = ?1 COLLATE NOCASE",
        )?
        .query_row([name.trim()], head)
        .optional()?;
    match t {
        Some(mut t) => {
            t.variants = variants(conn, t.id)?;
            Ok(Some(t))
        }
        None => Ok(None),
    }
}

pub fn get(conn: &Connection, name: &str) -> Result<Template> {
    by_name(conn, name)?.ok_or_else(|| StoreError::not_found("template", format!("{name:?}")))
}

/// Creates the template if needed and sets the given variants (others are kept). Every body is
/// checked first; nothing is stored when one is bad.
pub fn save(
    tx: &mut Tx<'_>,
    name: &str,
    new_variants: &[TemplateVariant],
    now: i64,
) -> Result<Template> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid(
            "cannot save a template without a name".into(),
        ));
    }
    if new_variants.is_empty() {
        return Err(StoreError::Invalid(format!(
            "cannot save template {name:?}: give at least one variant with a body"
        )));
    }
    for v in new_variants {
        tpl::validate_variant(&v.variant)
            .map_err(|e| StoreError::Invalid(format!("cannot save template {name:?}: {e}")))?;
        tpl::validate(&v.body).map_err(|e| {
            StoreError::Invalid(format!(
                "cannot save template {name:?} (variant {}): {e}",
                v.variant
            ))
        })?;
    }
    let id = match by_name(tx.conn(), name)? {
        Some(t) => {
            tx.conn()
                .prepare_cached("UPDATE templates SET updated_at = ?2 WHERE id = ?1")?
                .execute(params![t.id, now])?;
            t.id
        }
        None => {
            tx.conn()
                .prepare_cached(
                    "INSERT INTO templates (name, created_at, updated_at) VALUES (?1, ?2, ?2)",
                )?
                .execute(params![name, now])?;
            tx.conn().last_insert_rowid()
        }
    };
    for v in new_variants {
        tx.conn()
            .prepare_cached(
                "INSERT INTO template_variants (template_id, variant, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (template_id, variant) DO UPDATE SET body = excluded.body",
            )?
            .execute(params![id, v.variant, v.body])?;
    }
    tx.changed(Entity::Template, id);
    let conn = tx.conn();
    let t = conn
        .prepare_cached("SELECT id, name, created_at, updated_at FROM templates WHERE id = ?1")?
        .query_row([id], head)?;
    Ok(Template {
        variants: variants(conn, id)?,
        ..t
    })
}

/// Deletes one variant, or the whole template when `variant` is `None`. Deleting the last
/// variant deletes the template.
pub fn delete(tx: &mut Tx<'_>, name: &str, variant: Option<&str>) -> Result<Template> {
    let t = get(tx.conn(), name)?;
    match variant {
        Some(v) => {
            if !t.variants.iter().any(|x| x.variant == v) {
                return Err(StoreError::not_found(
                    "template variant",
                    format!("{v:?} of template {:?}", t.name),
                ));
            }
            tx.conn()
                .prepare_cached(
                    "DELETE FROM template_variants WHERE template_id = ?1 AND variant = ?2",
                )?
                .execute(params![t.id, v])?;
            if t.variants.len() == 1 {
                tx.conn()
                    .prepare_cached("DELETE FROM templates WHERE id = ?1")?
                    .execute([t.id])?;
            }
        }
        None => {
            tx.conn()
                .prepare_cached("DELETE FROM template_variants WHERE template_id = ?1")?
                .execute([t.id])?;
            tx.conn()
                .prepare_cached("DELETE FROM templates WHERE id = ?1")?
                .execute([t.id])?;
        }
    }
    tx.changed(Entity::Template, t.id);
    Ok(t)
}
