//! A consistent copy of the database, safe while another process writes: `VACUUM INTO` reads
//! one snapshot of the WAL-mode database and writes a compact, self-contained file.
//!
//! The copy holds every customer's history, so it is private to the user (0600) from the moment
//! it exists: `VACUUM INTO` writes into an empty file this module has already created with that
//! mode (SQLite accepts an empty target), next to the destination, and only a complete copy is
//! renamed to the requested name.

use std::path::{Path, PathBuf};

use crate::{Result, Store, StoreError};

pub fn backup_to(store: &Store, dest: &Path) -> Result<u64> {
    if dest.exists() {
        return Err(StoreError::Conflict(format!(
            "cannot back up to {}: the file already exists",
            dest.display()
        )));
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io("create folder", dir, e))?;
    }
    let partial = partial_path(dest);
    let partial_str = partial.to_str().ok_or_else(|| {
        StoreError::Invalid(format!(
            "cannot back up to {}: path is not UTF-8",
            dest.display()
        ))
    })?;
    crate::paths::create_new_private_file(&partial)
        .map_err(|e| StoreError::io("create", &partial, e))?;
    let written = store
        .conn()
        .execute("VACUUM INTO ?1", [partial_str])
        .map_err(StoreError::from)
        .and_then(|_| {
            if dest.exists() {
                return Err(StoreError::Conflict(format!(
                    "cannot back up to {}: the file appeared while the backup was written",
                    dest.display()
                )));
            }
            std::fs::rename(&partial, dest).map_err(|e| StoreError::io("rename", &partial, e))
        });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    let len = std::fs::metadata(dest)
        .map_err(|e| StoreError::io("read", dest, e))?
        .len();
    Ok(len)
}

/// `<dest>.partial`: where the copy is written before it gets its name.
fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.as_os_str().to_os_string();
    name.push(".partial");
    PathBuf::from(name)
}
