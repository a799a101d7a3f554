//! A consistent copy of the database, safe while another process writes: `VACUUM INTO` reads
//! one snapshot of the WAL-mode database and writes a compact, self-contained file.

use std::path::Path;

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
    let dest_str = dest.to_str().ok_or_else(|| {
        StoreError::Invalid(format!(
            "cannot back up to {}: path is not UTF-8",
            dest.display()
        ))
    })?;
    store.conn().execute("VACUUM INTO ?1", [dest_str])?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dest, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| StoreError::io("set permissions on", dest, e))?;
    }
    let len = std::fs::metadata(dest)
        .map_err(|e| StoreError::io("read", dest, e))?
        .len();
    Ok(len)
}
