//! Listing what a user points an import at, before anything is read: the files that may hold
//! messages, and every other file or folder met on the way with the reason it is passed over, so
//! that an import can say exactly what it did not import ("26 of 52 stored, exit 0" must never
//! happen silently again).
//!
//! Mail folders are full of links: Maildir++ folders linked back to the root, the same mailbox
//! reached from two places, a path given twice. Every folder and file is read at most once: each
//! is recorded by its identity (device and inode on Unix, the canonical path elsewhere) the first
//! time it is reached, and reaching it again is reported as a skip. This also bounds the walk:
//! a folder linked into itself (`.A -> .`) is not entered again, however the links fan out.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::maildir;
use super::source::SourceError;

/// A file or folder found under an import path that is not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: SkipReason,
}

/// Why a file or folder found while walking is not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// In a Maildir's `tmp/`: a delivery that was still being written.
    Delivering,
    /// A hidden file or folder (its name starts with a dot) that is not a Maildir++ folder.
    Hidden,
    /// A mail server's or sync tool's own file at the top of a Maildir (`dovecot-uidlist`).
    ControlFile,
    /// Found in a folder without an `.eml`/`.mbox` name, and its first line is not a header.
    NotMail,
    /// An `.mbox` file with nothing in it.
    EmptyMbox,
    /// Neither a regular file nor a folder (a socket, a pipe, a device), or a folder inside a
    /// Maildir's `cur/` or `new/`.
    NotAMessageFile,
    /// The same folder or file as one already listed: reached again through a link (or a hard
    /// link), or given twice.
    AlreadyListed { first: PathBuf },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Delivering => {
                f.write_str("in a Maildir's tmp/: a delivery still being written")
            }
            SkipReason::Hidden => f.write_str("hidden (name starts with a dot)"),
            SkipReason::ControlFile => {
                f.write_str("a mail server's index or bookkeeping file, not a message")
            }
            SkipReason::NotMail => f.write_str("not an email: its first line is not a header"),
            SkipReason::EmptyMbox => f.write_str("an empty mbox: no messages in it"),
            SkipReason::NotAMessageFile => f.write_str("not a message file"),
            SkipReason::AlreadyListed { first } => write!(
                f,
                "the same as {}, already read (a link, or given twice)",
                first.display()
            ),
        }
    }
}

/// One file to read later.
pub(crate) struct Entry {
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
    pub(crate) kind: EntryKind,
}

pub(crate) enum EntryKind {
    /// A file in a Maildir's `cur/` or `new/`: one message.
    MaildirMessage,
    File(FileRule),
    /// A directory or file that could not even be listed.
    Failed(SourceError),
}

/// What a file must be when it does not start with a From_ line.
#[derive(Clone, Copy)]
pub(crate) enum FileRule {
    /// Named `.mbox`: anything else is an error.
    MustBeMbox,
    /// Named by the user, or `.eml`: one message, whatever it holds.
    Message,
    /// Found in a directory without a telling extension: a message if it looks like one.
    LooksLikeMail,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extension {
    Eml,
    Mbox,
    Other,
}

pub(crate) fn extension(path: &Path) -> Extension {
    match path.extension().map(|ext| ext.to_ascii_lowercase()) {
        Some(ext) if ext == "eml" => Extension::Eml,
        Some(ext) if ext == "mbox" => Extension::Mbox,
        _ => Extension::Other,
    }
}

/// What a walk found: files to read, in order, and what was passed over.
#[derive(Default)]
pub(crate) struct Listing {
    pub(crate) entries: Vec<Entry>,
    pub(crate) skipped: Vec<Skipped>,
    /// Folders entered so far.
    dirs: HashMap<FileId, PathBuf>,
    /// Files listed so far, to the index of their entry.
    files: HashMap<FileId, usize>,
}

#[cfg(unix)]
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(_path: &Path, metadata: &fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
type FileId = PathBuf;

#[cfg(not(unix))]
fn file_id(path: &Path, _metadata: &fs::Metadata) -> Option<FileId> {
    fs::canonicalize(path).ok()
}

/// A directory's child, with its metadata (symlinks followed).
struct Child {
    path: PathBuf,
    name: String,
    metadata: io::Result<fs::Metadata>,
}

impl Listing {
    /// Lists a path the user named: a folder is walked, a file is taken as it is.
    pub(crate) fn add_path(&mut self, path: &Path, metadata: &fs::Metadata) {
        if metadata.is_dir() {
            self.add_dir(path, metadata);
        } else {
            let rule = match extension(path) {
                Extension::Mbox => FileRule::MustBeMbox,
                Extension::Eml | Extension::Other => FileRule::Message,
            };
            self.add_file(path.to_path_buf(), metadata, EntryKind::File(rule));
        }
    }

    fn skip(&mut self, path: PathBuf, reason: SkipReason) {
        self.skipped.push(Skipped { path, reason });
    }

    fn fail(&mut self, path: PathBuf, source: io::Error) {
        self.entries.push(Entry {
            path: path.clone(),
            size: 0,
            kind: EntryKind::Failed(SourceError::Io { path, source }),
        });
    }

    fn add_file(&mut self, path: PathBuf, metadata: &fs::Metadata, kind: EntryKind) {
        if let Some(id) = file_id(&path, metadata) {
            if let Some(&first) = self.files.get(&id) {
                let first = self.entries[first].path.clone();
                self.skip(path, SkipReason::AlreadyListed { first });
                return;
            }
            self.files.insert(id, self.entries.len());
        }
        self.entries.push(Entry {
            path,
            size: metadata.len(),
            kind,
        });
    }

    /// Records `dir` as entered; `false` (and a skip) if it was entered before.
    fn enter(&mut self, dir: &Path, metadata: &fs::Metadata) -> bool {
        let Some(id) = file_id(dir, metadata) else {
            return true;
        };
        if let Some(first) = self.dirs.get(&id) {
            let first = first.clone();
            self.skip(dir.to_path_buf(), SkipReason::AlreadyListed { first });
            return false;
        }
        self.dirs.insert(id, dir.to_path_buf());
        true
    }

    fn add_dir(&mut self, dir: &Path, metadata: &fs::Metadata) {
        if !self.enter(dir, metadata) {
            return;
        }
        let children = match children(dir) {
            Ok(children) => children,
            Err(error) => return self.fail(dir.to_path_buf(), error),
        };
        if maildir::is_maildir(dir) {
            self.add_maildir(children);
        } else {
            self.add_children(children, false);
        }
    }

    /// `cur/` then `new/`, `tmp/` reported, then everything else: Maildir++ dot-folders,
    /// `fs`-layout sub-folders and loose files, sorted by name.
    fn add_maildir(&mut self, children: Vec<Child>) {
        let (mut message_dirs, rest): (Vec<Child>, Vec<Child>) =
            children.into_iter().partition(|child| {
                maildir::MESSAGE_DIRS.contains(&child.name.as_str())
                    || child.name == maildir::DELIVERY_DIR
            });
        let order = [
            maildir::MESSAGE_DIRS[0],
            maildir::MESSAGE_DIRS[1],
            maildir::DELIVERY_DIR,
        ];
        message_dirs.sort_by_key(|child| order.iter().position(|name| *name == child.name));
        for child in message_dirs {
            match child.metadata {
                Ok(metadata) if metadata.is_dir() => {
                    let delivering = child.name == maildir::DELIVERY_DIR;
                    self.add_message_dir(&child.path, &metadata, delivering);
                }
                Ok(metadata) if metadata.is_file() => self.add_file(
                    child.path,
                    &metadata,
                    EntryKind::File(FileRule::LooksLikeMail),
                ),
                Ok(_) => self.skip(child.path, SkipReason::NotAMessageFile),
                Err(error) => self.fail(child.path, error),
            }
        }
        self.add_children(rest, true);
    }

    /// The files of a Maildir's `cur/` or `new/` (messages), or `tmp/` (reported, not read).
    fn add_message_dir(&mut self, dir: &Path, metadata: &fs::Metadata, delivering: bool) {
        if !self.enter(dir, metadata) {
            return;
        }
        let children = match children(dir) {
            Ok(children) => children,
            Err(error) => return self.fail(dir.to_path_buf(), error),
        };
        for child in children {
            let metadata = match child.metadata {
                Ok(metadata) => metadata,
                Err(error) => {
                    self.fail(child.path, error);
                    continue;
                }
            };
            if delivering {
                self.skip(child.path, SkipReason::Delivering);
            } else if child.name.starts_with('.') {
                self.skip(child.path, SkipReason::Hidden);
            } else if metadata.is_file() {
                self.add_file(child.path, &metadata, EntryKind::MaildirMessage);
            } else {
                self.skip(child.path, SkipReason::NotAMessageFile);
            }
        }
    }

    /// The children of a plain folder, or what a Maildir holds besides `cur/new/tmp`.
    fn add_children(&mut self, children: Vec<Child>, in_maildir: bool) {
        for Child {
            path,
            name,
            metadata,
        } in children
        {
            let metadata = match metadata {
                Ok(metadata) => metadata,
                Err(error) => {
                    self.fail(path, error);
                    continue;
                }
            };
            if in_maildir && metadata.is_file() && maildir::is_control_file(&name) {
                self.skip(path, SkipReason::ControlFile);
            } else if name.starts_with('.') {
                // In a Maildir, a dot-folder that is itself a Maildir is a Maildir++ folder.
                if in_maildir && metadata.is_dir() && maildir::is_maildir(&path) {
                    self.add_dir(&path, &metadata);
                } else {
                    self.skip(path, SkipReason::Hidden);
                }
            } else if metadata.is_dir() {
                self.add_dir(&path, &metadata);
            } else if metadata.is_file() {
                let rule = match extension(&path) {
                    Extension::Eml => FileRule::Message,
                    Extension::Mbox => FileRule::MustBeMbox,
                    Extension::Other => FileRule::LooksLikeMail,
                };
                self.add_file(path, &metadata, EntryKind::File(rule));
            } else {
                self.skip(path, SkipReason::NotAMessageFile);
            }
        }
    }
}

/// Every child of `dir`, sorted by name, with its metadata (symlinks followed).
fn children(dir: &Path) -> io::Result<Vec<Child>> {
    let mut children = Vec::new();
    for child in fs::read_dir(dir)? {
        let child = child?;
        let path = child.path();
        let name = child.file_name().to_string_lossy().into_owned();
        let metadata = fs::metadata(&path);
        children.push(Child {
            path,
            name,
            metadata,
        });
    }
    children.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(children)
}
