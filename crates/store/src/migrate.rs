//! Numbered, forward-only migrations, tracked in `PRAGMA user_version`.
//!
//! Each entry is applied in its own transaction together with the version bump, so a crash
//! mid-migration leaves the previous version intact. A database newer than this build is refused
//! rather than silently misread.

use rusqlite::Connection;

use crate::{Result, StoreError};

/// `MIGRATIONS[i]` takes a database from version `i` to `i + 1`.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_domain", include_str!("migrations/0001_domain.sql")),
    (
        "0002_mail_sync",
        include_str!("migrations/0002_mail_sync.sql"),
    ),
    (
        "0003_fts_at_commit",
        include_str!("migrations/0003_fts_at_commit.sql"),
    ),
    (
        "0004_case_workflow",
        include_str!("migrations/0004_case_workflow.sql"),
    ),
    (
        "0005_protocol",
        include_str!("migrations/0005_protocol.sql"),
    ),
    ("0006_social", include_str!("migrations/0006_social.sql")),
    (
        "0007_workflow",
        include_str!("migrations/0007_workflow.sql"),
    ),
    (
        "0008_repeat_linear",
        include_str!("migrations/0008_repeat_linear.sql"),
    ),
    (
        "0009_threading",
        include_str!("migrations/0009_threading.sql"),
    ),
    ("0010_reports", include_str!("migrations/0010_reports.sql")),
    (
        "0011_search_notes",
        include_str!("migrations/0011_search_notes.sql"),
    ),
    ("0012_undo", include_str!("migrations/0012_undo.sql")),
    ("0013_alerts", include_str!("migrations/0013_alerts.sql")),
    (
        "0014_root_cause_index",
        include_str!("migrations/0014_root_cause_index.sql"),
    ),
    (
        "0015_automated",
        include_str!("migrations/0015_automated.sql"),
    ),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Migrates to the newest version.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, latest_version())
}

/// Migrates up to `target` (tests build databases at every earlier version with this).
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest_version() {
        return Err(StoreError::Migrate {
            at: String::new(),
            reason: format!(
                "the database is at schema version {current}, newer than this build knows ({}); \
                 update Switchboard",
                latest_version()
            ),
        });
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= current || version > target {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql).map_err(|e| StoreError::Migrate {
            at: String::new(),
            reason: format!("step {name} failed: {e}"),
        })?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, name, "migrated database");
    }
    Ok(())
}
