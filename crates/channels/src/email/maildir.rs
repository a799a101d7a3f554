//! A Maildir stores one message per file, in `cur/` (seen by a client) and `new/` (delivered,
//! not yet seen); `tmp/` holds deliveries still being written and must never be read. Listing is
//! cheap (names and sizes only); messages are read later, one at a time, by the source iterator.
//! Maildir++ keeps subfolders as dot-directories (`.Sent/`, `.Archive/`) inside the root; they
//! are included, because importing `~/Maildir` should import all of it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One entry found while listing a Maildir.
pub(crate) enum MaildirEntry {
    Message { path: PathBuf, size: u64 },
    Unreadable { path: PathBuf, error: io::Error },
}

/// A directory is a Maildir when it has a `cur` or `new` subdirectory.
pub(crate) fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() || dir.join("new").is_dir()
}

/// Message files of `dir`: `cur/` then `new/`, each sorted by name, dotfiles skipped; then each
/// Maildir++ subfolder the same way, sorted by name.
pub(crate) fn list(dir: &Path) -> Vec<MaildirEntry> {
    let mut entries = Vec::new();
    list_into(dir, &mut entries);
    entries
}

fn list_into(dir: &Path, entries: &mut Vec<MaildirEntry>) {
    for sub in ["cur", "new"] {
        let sub_dir = dir.join(sub);
        if !sub_dir.is_dir() {
            continue;
        }
        match sorted_children(&sub_dir) {
            Ok(children) => {
                for (path, metadata) in children {
                    match metadata {
                        Ok(metadata) if metadata.is_file() => entries.push(MaildirEntry::Message {
                            path,
                            size: metadata.len(),
                        }),
                        Ok(_) => {}
                        Err(error) => entries.push(MaildirEntry::Unreadable { path, error }),
                    }
                }
            }
            Err(error) => entries.push(MaildirEntry::Unreadable {
                path: sub_dir,
                error,
            }),
        }
    }
    let Ok(children) = fs::read_dir(dir) else {
        return;
    };
    let mut folders: Vec<PathBuf> = children
        .filter_map(Result::ok)
        .filter(|child| {
            let name = child.file_name();
            let name = name.as_encoded_bytes();
            name.len() > 1 && name[0] == b'.' && name != b".."
        })
        .map(|child| child.path())
        .filter(|path| path.is_dir() && is_maildir(path))
        .collect();
    folders.sort();
    for folder in folders {
        list_into(&folder, entries);
    }
}

/// Non-hidden children of `dir`, sorted by name, with their metadata (symlinks followed).
pub(crate) fn sorted_children(dir: &Path) -> io::Result<Vec<(PathBuf, io::Result<fs::Metadata>)>> {
    let mut children = Vec::new();
    for child in fs::read_dir(dir)? {
        let child = child?;
        if child.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = child.path();
        let metadata = fs::metadata(&path);
        children.push((path, metadata));
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(children)
}
