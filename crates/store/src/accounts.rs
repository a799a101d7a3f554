//! Connected channel accounts. Secrets never live here (they are in the OS keychain).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{Entity, Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    pub config: serde_json::Value,
    pub enabled: bool,
    pub created_at: i64,
}

/// The built-in account that imported files belong to.
pub const ARCHIVE_ACCOUNT: &str = "archive";

fn row_to_account(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Account, String)> {
    let config: String = r.get(4)?;
    Ok((
        Account {
            id: r.get(0)?,
            kind: r.get(1)?,
            name: r.get(2)?,
            address: r.get(3)?,
            config: serde_json::Value::Null,
            enabled: r.get(5)?,
            created_at: r.get(6)?,
        },
        config,
    ))
}

const COLUMNS: &str = "id, kind, name, address, config, enabled, created_at";

pub fn by_name(conn: &rusqlite::Connection, name: &str) -> Result<Option<Account>> {
    let row = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM accounts WHERE name = ?1"))?
        .query_row([name], row_to_account)
        .optional()?;
    row.map(|(mut a, c)| {
        a.config = serde_json::from_str(&c)?;
        Ok(a)
    })
    .transpose()
}

pub fn by_id(conn: &rusqlite::Connection, id: i64) -> Result<Account> {
    let (mut a, c) = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"))?
        .query_row([id], row_to_account)
        .optional()?
        .ok_or_else(|| StoreError::not_found("account", id))?;
    a.config = serde_json::from_str(&c)?;
    Ok(a)
}

pub fn list(conn: &rusqlite::Connection) -> Result<Vec<Account>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM accounts ORDER BY id"))?;
    let rows = stmt.query_map([], row_to_account)?;
    let mut out = Vec::new();
    for row in rows {
        let (mut a, c) = row?;
        a.config = serde_json::from_str(&c)?;
        out.push(a);
    }
    Ok(out)
}

pub struct NewAccount<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub address: Option<&'a str>,
    pub config: serde_json::Value,
}

pub fn insert(tx: &mut Tx<'_>, a: NewAccount<'_>, now: i64) -> Result<i64> {
    if by_name(tx.conn(), a.name)?.is_some() {
        return Err(StoreError::Conflict(format!(
            "an account named {:?} already exists",
            a.name
        )));
    }
    tx.conn()
        .prepare_cached(
            "INSERT INTO accounts (kind, name, address, config, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![a.kind, a.name, a.address, a.config.to_string(), now])?;
    let id = tx.conn().last_insert_rowid();
    tx.changed(Entity::Account, id);
    Ok(id)
}

/// The archive account, created on first use.
pub fn ensure_archive(tx: &mut Tx<'_>, now: i64) -> Result<i64> {
    if let Some(a) = by_name(tx.conn(), ARCHIVE_ACCOUNT)? {
        return Ok(a.id);
    }
    insert(
        tx,
        NewAccount {
            kind: "archive",
            name: ARCHIVE_ACCOUNT,
            address: None,
            config: serde_json::json!({}),
        },
        now,
    )
}
