//! Attachment files, stored once per content under the data folder:
//! `<data>/attachments/<first two hex digits>/<sha256>`. The name on disk is the hash, never the
//! sender's filename, so nothing a message says can write outside this folder.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

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
    fs::create_dir_all(dir).map_err(|e| StoreError::io("create folder", dir, e))?;
    let tmp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
    let mut f = fs::File::create(&tmp).map_err(|e| StoreError::io("create", &tmp, e))?;
    f.write_all(data)
        .and_then(|_| f.sync_data())
        .map_err(|e| StoreError::io("write", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| StoreError::io("rename", &tmp, e))?;
    Ok(sha)
}
