//! Attachment files, stored once per content under the data folder:
//! `<data>/attachments/<first two hex digits>/<sha256>`. The name on disk is the hash, never the
//! sender's filename, so nothing a message says can write outside this folder. Folders are
//! 0700 and files 0600 (unix): an attachment is as private as the database that points at it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::{Result, StoreError};

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn path_for(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir
        .join("attachments")
        .join(&sha256[..2.min(sha256.len())])
        .join(sha256)
}

/// Writes `data` under its hash unless it is already there. Written to a temporary name and
/// renamed, so a crash never leaves a truncated file under a valid hash.
pub fn put(data_dir: &Path, data: &[u8]) -> Result<String> {
    let sha = sha256_hex(data);
    let path = path_for(data_dir, &sha);
    if path.exists() {
        return Ok(sha);
    }
    let dir = path.parent().expect("attachment path has a parent");
    let root = dir.parent().expect("attachment folder has a parent");
    crate::paths::create_private_dir(root)?;
    crate::paths::create_private_dir(dir)?;
    // Unique per process and call, so two writers of the same content never share a file.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{sha}.{}.{n}.tmp", std::process::id()));
    // A leftover from a crash of an earlier process with the same id would block `create_new`.
    let _ = fs::remove_file(&tmp);
    let mut f = crate::paths::create_new_private_file(&tmp)
        .map_err(|e| StoreError::io("create", &tmp, e))?;
    f.write_all(data)
        .and_then(|_| f.sync_data())
        .map_err(|e| StoreError::io("write", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| StoreError::io("rename", &tmp, e))?;
    Ok(sha)
}
