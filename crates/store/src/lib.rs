//! The local SQLite store: schema, migrations, the single writer, change events, search.
//!
//! One [`Store`] owns one read-write connection. Every change goes through [`Store::write`],
//! which runs a closure in one transaction, commits, and only then tells subscribers which
//! entities changed ([`ChangeSet`]). That is how the UI refreshes without polling, and why a
//! sync cursor written inside the same closure as the rows it covers can never run ahead of them.

mod error;
pub mod migrate;
pub mod paths;

pub mod accounts;
pub mod alerts;
pub mod attachments;
pub mod backup;
pub mod case_ops;
pub mod cases;
pub mod changes;
pub mod contacts;
pub mod edits;
pub mod events;
pub mod followups;
pub mod history;
pub mod ingest;
pub mod limits;
pub mod mailbox;
pub mod offline;
pub mod outbox;
pub mod protocol;
pub mod reports;
pub mod search;
pub mod self_addresses;
pub mod settings;
pub mod sla;
pub mod taxonomy;
pub mod templates;
pub mod threading;
pub mod triage;
pub mod undo;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};

use rusqlite::OpenFlags;

pub use changes::{ChangeSet, Entity};
pub use error::{Result, StoreError};
/// The connection type read functions take, for crates that do not depend on rusqlite.
pub use rusqlite::Connection;

/// The database file name inside the data folder.
pub const DB_FILE: &str = "switchboard.db";

pub struct Store {
    conn: Connection,
    data_dir: PathBuf,
    subscribers: Vec<Sender<ChangeSet>>,
}

/// An open write transaction. Record what you change with [`Tx::changed`]; the change set is
/// published after commit.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    changes: ChangeSet,
    data_dir: &'a Path,
    /// `message_bodies` rows to add to the FTS index just before commit (see `Store::write`).
    fts_pending: Vec<i64>,
    /// Which user action the events of this transaction belong to (see [`events`]).
    action: events::ActionScope,
    /// Inbound messages for the early-warning detector, counted just before commit
    /// (see [`alerts::flush`]).
    alert_arrivals: Vec<alerts::Arrival>,
}

impl<'a> Tx<'a> {
    pub fn changed(&mut self, entity: Entity, id: i64) {
        self.changes.add(entity, id);
    }
    pub fn conn(&self) -> &Connection {
        &self.tx
    }
    pub fn data_dir(&self) -> &Path {
        self.data_dir
    }
    pub(crate) fn index_later(&mut self, search_rowid: i64) {
        self.fts_pending.push(search_rowid);
    }

    /// Sets `notified_at` on the rows `ids` of `table` that were not notified yet, so that each
    /// (a reminder, an alert) raises one desktop notification. Unknown ids are ignored (a row
    /// deleted between listing and notifying). Returns how many were marked.
    pub(crate) fn mark_notified_once(
        &mut self,
        table: &'static str,
        entity: Entity,
        ids: &[i64],
        now: i64,
    ) -> Result<usize> {
        let mut n = 0;
        for &id in ids {
            let changed = self
                .tx
                .prepare_cached(&format!(
                    "UPDATE {table} SET notified_at = ?2 WHERE id = ?1 AND notified_at IS NULL"
                ))?
                .execute(rusqlite::params![id, now])?;
            if changed > 0 {
                self.changed(entity, id);
                n += changed;
            }
        }
        Ok(n)
    }

    /// Runs `f` inside a savepoint: on `Err` only what `f` wrote is undone and the surrounding
    /// transaction carries on (one bad item in a batch must not take the batch down with it).
    pub fn savepoint<T>(&mut self, f: impl FnOnce(&mut Tx<'a>) -> Result<T>) -> Result<T> {
        self.tx.execute_batch("SAVEPOINT item")?;
        let before = self.changes.clone();
        let action = self.action.clone();
        let arrivals_before = self.alert_arrivals.len();
        match f(self) {
            Ok(v) => {
                self.tx.execute_batch("RELEASE item")?;
                Ok(v)
            }
            Err(e) => {
                self.tx.execute_batch("ROLLBACK TO item; RELEASE item")?;
                self.changes = before;
                self.action = action;
                self.alert_arrivals.truncate(arrivals_before);
                Err(e)
            }
        }
    }
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir` and migrates it to the newest schema.
    pub fn open(data_dir: &Path) -> Result<Store> {
        paths::create_private_dir(data_dir)?;
        let db_path = data_dir.join(DB_FILE);
        paths::create_private_file(&db_path)?;
        for companion in ["-wal", "-shm"] {
            let mut name = db_path.clone().into_os_string();
            name.push(companion);
            paths::tighten_if_present(Path::new(&name), 0o600)?;
        }
        let conn = Connection::open_with_flags(
            &db_path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::open(&db_path, e))?;
        let mut store = Store {
            conn,
            data_dir: data_dir.to_path_buf(),
            subscribers: Vec::new(),
        };
        store.configure()?;
        migrate::migrate(&mut store.conn).map_err(|e| e.at(&db_path))?;
        Ok(store)
    }

    /// Opens a store that must already exist (every command but `init`).
    pub fn open_existing(data_dir: &Path) -> Result<Store> {
        let db_path = data_dir.join(DB_FILE);
        if !db_path.exists() {
            return Err(StoreError::NotInitialized(data_dir.to_path_buf()));
        }
        Store::open(data_dir)
    }

    fn configure(&mut self) -> Result<()> {
        self.conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -32000;
             PRAGMA journal_size_limit = 67108864;",
        )?;
        self.conn.busy_timeout(std::time::Duration::from_secs(10))?;
        self.conn.set_prepared_statement_cache_capacity(64);
        Ok(())
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }

    /// Read access. Reads never need the writer's transaction.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Subscribe to change sets published after each commit.
    pub fn subscribe(&mut self) -> Receiver<ChangeSet> {
        let (tx, rx) = channel();
        self.subscribers.push(tx);
        rx
    }

    /// Runs `f` in one write transaction. On `Ok` the transaction commits and the changes are
    /// published; on `Err` it rolls back and nothing is published.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut t = Tx {
            tx,
            changes: ChangeSet::default(),
            data_dir: &self.data_dir,
            fts_pending: Vec::new(),
            action: events::ActionScope::default(),
            alert_arrivals: Vec::new(),
        };
        let out = f(&mut t)?;
        if !t.fts_pending.is_empty() {
            // One statement for the whole transaction. FTS5 flushes its in-memory terms to a new
            // index segment at every savepoint (the per-item SAVEPOINT of an import, and the
            // implicit statement savepoint of any INSERT/UPDATE with triggers or foreign keys),
            // so indexing row by row inside the transaction writes one segment per message.
            // A row whose savepoint was rolled back selects nothing here.
            let keys = serde_json::to_string(&t.fts_pending)?;
            t.tx.prepare_cached(
                "INSERT INTO message_search(rowid, subject, sender, recipients, text)
                 SELECT search_rowid, subject, sender, recipients, text FROM message_search_source
                  WHERE search_rowid IN (SELECT value FROM json_each(?1))",
            )?
            .execute([keys])?;
        }
        alerts::flush(&mut t)?;
        let Tx { tx, changes, .. } = t;
        tx.commit()?;
        if !changes.is_empty() {
            self.subscribers.retain(|s| s.send(changes.clone()).is_ok());
        }
        Ok(out)
    }

    /// The schema version of this database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Runs at shutdown: lets SQLite refresh its query planner statistics.
    pub fn optimize(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA optimize;")?;
        Ok(())
    }
}
