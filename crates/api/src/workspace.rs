//! Creating and describing a workspace (the data folder).

use std::path::{Path, PathBuf};

use serde::Serialize;
use switchboard_store::{Store, migrate};

use crate::Result;

#[derive(Debug, Clone, Serialize)]
pub struct InitResult {
    pub data_dir: PathBuf,
    pub database: PathBuf,
    pub schema_version: i64,
    /// False when the workspace already existed (init is idempotent).
    pub created: bool,
}

pub fn workspace_init(data_dir: &Path) -> Result<InitResult> {
    let existed = data_dir.join(switchboard_store::DB_FILE).exists();
    let store = Store::open(data_dir)?;
    Ok(InitResult {
        data_dir: data_dir.to_path_buf(),
        database: store.db_path(),
        schema_version: store.schema_version()?,
        created: !existed,
    })
}

pub fn latest_schema_version() -> i64 {
    migrate::latest_version()
}

/// The data folder: explicit, else `$SWITCHBOARD_DATA_DIR`, else the platform's data folder.
pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    Ok(switchboard_store::paths::resolve_data_dir(explicit)?)
}
