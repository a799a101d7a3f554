//! Where data lives. Per platform convention (XDG data home on Linux), overridable with
//! `--data-dir` or `SWITCHBOARD_DATA_DIR`. The folder and the database are private to the user.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{Result, StoreError};

pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";

/// The data folder: the explicit choice, else `$SWITCHBOARD_DATA_DIR`, else the platform's
/// data folder (`$XDG_DATA_HOME/switchboard`, `~/.local/share/switchboard`).
pub fn resolve_data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    dirs::data_dir()
        .map(|d| d.join("switchboard"))
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "cannot find a data folder for this user: set {DATA_DIR_ENV} or pass --data-dir"
            ))
        })
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| StoreError::io("create folder", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| StoreError::io("set permissions on", dir, e))?;
    }
    Ok(())
}

/// Creates `path` with mode 0600 if it does not exist yet, so SQLite never creates it with the
/// process umask (which would make the database world-readable).
pub(crate) fn create_private_file(path: &Path) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::io("create", path, e)),
    }
}
