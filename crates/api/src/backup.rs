//! A consistent copy of the database.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::{Ctx, Result};

#[derive(Debug, Clone, Serialize)]
pub struct BackupResult {
    pub path: PathBuf,
    pub bytes: u64,
}

pub fn backup_create(ctx: &Ctx, dest: &Path) -> Result<BackupResult> {
    let bytes = switchboard_store::backup::backup_to(&ctx.store(), dest)?;
    Ok(BackupResult {
        path: dest.to_path_buf(),
        bytes,
    })
}
