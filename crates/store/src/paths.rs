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

/// Creates `dir` (and its parents) private to the user, or tightens an existing one to 0700:
/// a folder made by an older build, by hand, or restored from a copy may be readable by others,
/// and everything below it (database, attachments) is a customer's history.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        fs::create_dir_all(dir).map_err(|e| StoreError::io("create folder", dir, e))?;
    }
    make_private(dir, 0o700)
}

/// Sets `mode` on `path` unless it already has it (unix; elsewhere a no-op). Never loosens
/// what is stricter: a mode with fewer bits than asked for is left alone.
pub(crate) fn make_private(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let current = fs::metadata(path)
            .map_err(|e| StoreError::io("read", path, e))?
            .permissions()
            .mode()
            & 0o777;
        if current & !mode != 0 {
            fs::set_permissions(path, fs::Permissions::from_mode(current & mode))
                .map_err(|e| StoreError::io("set permissions on", path, e))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// [`make_private`] for a file that may not exist.
pub(crate) fn tighten_if_present(path: &Path, mode: u32) -> Result<()> {
    if path.exists() {
        make_private(path, mode)?;
    }
    Ok(())
}

/// Opens a new file for writing, private to the user (0600) from the moment it exists: the
/// mode is given to `open`, so no other user can open it in the window before a chmod.
/// Fails if `path` already exists.
pub fn create_new_private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// Creates `path` with mode 0600 if it does not exist yet, so SQLite never creates it with the
/// process umask (which would make the database world-readable).
pub(crate) fn create_private_file(path: &Path) -> Result<()> {
    if path.exists() {
        // A database copied in or made by an older build: tighten it (SQLite gives the -wal
        // and -shm files the database file's mode).
        return make_private(path, 0o600);
    }
    match create_new_private_file(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::io("create", path, e)),
    }
}
