//! One plain Rust function per user action.
//!
//! The CLI, the desktop shell and the local HTTP server all call these same functions, so there
//! is one behaviour to test. Each takes a [`Ctx`] and a params value and returns a result value or
//! an [`ApiError`] whose [`Code`] a front end can branch on.

mod error;

pub mod account;
pub mod alerts;
pub mod app;
pub mod backup;
pub mod case;
pub mod case_ops;
pub mod contact;
pub mod demo;
pub mod export;
pub mod followup;
pub mod history;
pub mod hours;
pub mod import;
pub mod mastodon_account;
pub mod notice;
pub mod oauth_account;
pub mod offline;
pub mod outbox;
pub mod protocol;
pub mod reply;
pub mod reports;
pub mod root_cause;
pub mod rpc;
pub mod self_address;
pub mod settings;
pub mod social_account;
mod social_reply;
pub mod sync;
pub mod template;
pub mod workspace;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

pub use error::{ApiError, Code, Result};
pub use switchboard_channels::secrets::{Keychain, MemorySecrets, Secrets};
pub use switchboard_core::{Clock, FixedClock, SystemClock};
pub use switchboard_store::{ChangeSet, Entity};

/// A count with its noun in the right number: `plural(1, "case", "cases")` is "1 case",
/// `plural(3, "case", "cases")` is "3 cases" (and so is 0). Every front end's sentences use it.
pub fn plural<N>(n: N, one: &str, many: &str) -> String
where
    N: std::fmt::Display + TryInto<i64> + Copy,
{
    if n.try_into().ok() == Some(1) {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Everything an API call needs: the store (one writer), the clock and the keychain.
pub struct Ctx {
    store: Mutex<switchboard_store::Store>,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn Secrets>,
    data_dir: PathBuf,
}

impl Ctx {
    /// Opens an existing workspace in `data_dir`.
    pub fn open(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<Ctx> {
        let store = switchboard_store::Store::open_existing(data_dir)?;
        Ok(Ctx::with_store(store, clock))
    }

    /// With the OS keychain for secrets.
    pub fn with_store(store: switchboard_store::Store, clock: Arc<dyn Clock>) -> Ctx {
        Ctx::with_parts(store, clock, Arc::new(Keychain))
    }

    pub fn with_parts(
        store: switchboard_store::Store,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn Secrets>,
    ) -> Ctx {
        Ctx {
            data_dir: store.data_dir().to_path_buf(),
            store: Mutex::new(store),
            clock,
            secrets,
        }
    }

    pub fn secrets(&self) -> &dyn Secrets {
        &*self.secrets
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The store. A poisoned lock (a panic while holding it) is recovered: SQLite rolled back
    /// whatever that holder had not committed.
    pub fn store(&self) -> MutexGuard<'_, switchboard_store::Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Change sets published after each commit, for live UI updates.
    pub fn subscribe(&self) -> std::sync::mpsc::Receiver<ChangeSet> {
        self.store().subscribe()
    }
}
