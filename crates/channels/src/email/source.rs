//! Users point an import at whatever they have: a folder of `.eml` files, a Takeout mbox, a
//! Maildir, or a mix. This turns those paths into a stream of raw messages, each tagged with
//! where it came from so a failure can be reported precisely ("inbox.mbox#1423: no usable
//! headers") while the rest of the import continues.
//!
//! Directories are listed up front (names and sizes only, so the progress bar has a total);
//! file contents are read only when the iterator reaches them, and an mbox is streamed one
//! message at a time, so memory stays bounded by the largest message, not the largest file.

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use super::maildir::{self, MaildirEntry};
use super::mbox::{MAX_MESSAGE_BYTES, MboxError, MboxReader, Sniffed};
use super::parse::first_line_is_header;

/// One raw message (or the reason it could not be read) and where it came from.
#[derive(Debug)]
pub struct SourceItem {
    /// `path` for a single-message file (an `.eml`, a Maildir file), `path#N` for the N-th
    /// message of an mbox (counting from 1).
    pub origin: String,
    pub raw: Result<Vec<u8>, SourceError>,
}

/// Why a path or a message could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot open import source {}: no such file or directory", .0.display())]
    NotFound(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read {}: not an mbox: first line does not start with \"From \"", path.display())]
    NotMbox { path: PathBuf },
    #[error("cannot read {}: message is larger than {limit} bytes", path.display())]
    TooLarge { path: PathBuf, limit: usize },
}

/// Finds the messages under `paths`, in order (directory entries sorted by name).
///
/// - A directory with `cur/` and/or `new/` is a Maildir: every non-hidden file in `cur/` and
///   `new/` is one message (`tmp/` is skipped), then its Maildir++ `.Folder`s likewise.
/// - Any other directory is walked recursively, skipping hidden entries.
/// - A file whose first non-empty line starts with "From " is an mbox.
/// - Otherwise a named file, or an `.eml` found in a directory, is one message; other files
///   found in a directory are messages only if their first line is an RFC 5322 header.
/// - An `.mbox` that does not start with "From " yields one error item (an empty one yields
///   nothing: it is an empty mailbox).
///
/// Returns `Err(SourceError::NotFound)` if a path does not exist; unreadable files and
/// directories become error items and the rest continues.
pub fn walk_sources(paths: &[PathBuf]) -> Result<Sources, SourceError> {
    let mut entries = Vec::new();
    for path in paths {
        let metadata = fs::metadata(path).map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                SourceError::NotFound(path.clone())
            } else {
                SourceError::Io {
                    path: path.clone(),
                    source,
                }
            }
        })?;
        if metadata.is_dir() {
            walk_dir(path, &mut entries, &mut Vec::new());
        } else {
            let rule = match extension(path) {
                Extension::Mbox => FileRule::MustBeMbox,
                Extension::Eml | Extension::Other => FileRule::Message,
            };
            entries.push(Entry {
                path: path.clone(),
                size: metadata.len(),
                kind: EntryKind::File(rule),
            });
        }
    }
    let total_bytes = entries.iter().map(|entry| entry.size).sum();
    let estimated_total = entries
        .iter()
        .all(|entry| match &entry.kind {
            EntryKind::MaildirMessage | EntryKind::Failed(_) => true,
            EntryKind::File(_) => extension(&entry.path) == Extension::Eml,
        })
        .then_some(entries.len() as u64);
    Ok(Sources {
        entries: entries.into_iter(),
        current: None,
        total_bytes,
        done_bytes: 0,
        estimated_total,
    })
}

/// The messages found by [`walk_sources`], read lazily.
pub struct Sources {
    entries: std::vec::IntoIter<Entry>,
    current: Option<OpenMbox>,
    total_bytes: u64,
    /// Bytes of finished files.
    done_bytes: u64,
    estimated_total: Option<u64>,
}

impl Sources {
    /// How many items to expect: `Some` when every input is a single-message file (Maildir
    /// files, `.eml` files; it is an estimate because an `.eml` may turn out to be an mbox),
    /// `None` when some input may hold many messages (an mbox, or a file whose kind is only
    /// known once it is read). Use [`Sources::progress`] for a bar that is always right.
    pub fn estimated_total(&self) -> Option<u64> {
        self.estimated_total
    }

    /// `(done, total)` in **bytes** of input files: files already finished, plus the part of
    /// the current mbox read so far, out of the summed sizes of all files found.
    pub fn progress(&self) -> (u64, u64) {
        let current = self
            .current
            .as_ref()
            .map_or(0, |mbox| mbox.reader.bytes_read());
        (
            (self.done_bytes + current).min(self.total_bytes),
            self.total_bytes,
        )
    }

    fn next_from_mbox(&mut self) -> Option<SourceItem> {
        let mbox = self.current.as_mut()?;
        match mbox.reader.next() {
            Some(result) => {
                mbox.index += 1;
                let origin = format!("{}#{}", mbox.path.display(), mbox.index);
                let raw = result.map_err(|error| match error {
                    MboxError::Io(source) => SourceError::Io {
                        path: mbox.path.clone(),
                        source,
                    },
                    MboxError::TooLarge { limit } => SourceError::TooLarge {
                        path: mbox.path.clone(),
                        limit,
                    },
                });
                Some(SourceItem { origin, raw })
            }
            None => {
                self.done_bytes += mbox.size;
                self.current = None;
                None
            }
        }
    }

    /// Opens a file and either returns its single message (or error), starts streaming it as
    /// an mbox (returns `None`), or skips it.
    fn open_file(&mut self, path: PathBuf, size: u64, rule: FileRule) -> Option<SourceItem> {
        let io_error = |path: &Path, source| SourceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let sniffed = File::open(&path)
            .map(|file| BufReader::with_capacity(64 * 1024, file))
            .and_then(MboxReader::sniff);
        let (mut consumed, reader) = match sniffed {
            Err(source) => {
                self.done_bytes += size;
                return Some(item(&path, Err(io_error(&path, source))));
            }
            Ok(Sniffed::Mbox(reader)) => {
                self.current = Some(OpenMbox {
                    path,
                    size,
                    reader,
                    index: 0,
                });
                return None;
            }
            Ok(Sniffed::NotMbox { consumed, reader }) => (consumed, reader),
        };
        self.done_bytes += size;
        match rule {
            FileRule::MustBeMbox if consumed.trim_ascii().is_empty() => None,
            FileRule::MustBeMbox => Some(item(
                &path,
                Err(SourceError::NotMbox { path: path.clone() }),
            )),
            FileRule::LooksLikeMail if !first_line_is_header(&consumed) => {
                tracing::debug!(path = %path.display(), "skipping file that does not look like mail");
                None
            }
            FileRule::Message | FileRule::LooksLikeMail => {
                if size > MAX_MESSAGE_BYTES as u64 {
                    return Some(item(&path, Err(too_large(&path))));
                }
                let limit = (MAX_MESSAGE_BYTES + 1).saturating_sub(consumed.len()) as u64;
                let raw = match reader.take(limit).read_to_end(&mut consumed) {
                    Ok(_) if consumed.len() > MAX_MESSAGE_BYTES => Err(too_large(&path)),
                    Ok(_) => Ok(consumed),
                    Err(source) => Err(io_error(&path, source)),
                };
                Some(item(&path, raw))
            }
        }
    }
}

impl Iterator for Sources {
    type Item = SourceItem;

    fn next(&mut self) -> Option<SourceItem> {
        loop {
            if let Some(item) = self.next_from_mbox() {
                return Some(item);
            }
            let entry = self.entries.next()?;
            match entry.kind {
                EntryKind::Failed(error) => return Some(item(&entry.path, Err(error))),
                EntryKind::MaildirMessage => {
                    self.done_bytes += entry.size;
                    let raw = if entry.size > MAX_MESSAGE_BYTES as u64 {
                        Err(too_large(&entry.path))
                    } else {
                        fs::read(&entry.path).map_err(|source| SourceError::Io {
                            path: entry.path.clone(),
                            source,
                        })
                    };
                    return Some(item(&entry.path, raw));
                }
                EntryKind::File(rule) => {
                    if let Some(item) = self.open_file(entry.path, entry.size, rule) {
                        return Some(item);
                    }
                }
            }
        }
    }
}

struct OpenMbox {
    path: PathBuf,
    size: u64,
    reader: MboxReader<BufReader<File>>,
    /// Messages taken so far.
    index: usize,
}

struct Entry {
    path: PathBuf,
    size: u64,
    kind: EntryKind,
}

enum EntryKind {
    MaildirMessage,
    File(FileRule),
    /// A directory or file that could not even be listed.
    Failed(SourceError),
}

/// What a file must be when it does not start with a From_ line.
#[derive(Clone, Copy)]
enum FileRule {
    /// Named `.mbox`: anything else is an error.
    MustBeMbox,
    /// Named by the user, or `.eml`: one message, whatever it holds.
    Message,
    /// Found in a directory without a telling extension: a message if it looks like one.
    LooksLikeMail,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Extension {
    Eml,
    Mbox,
    Other,
}

fn extension(path: &Path) -> Extension {
    match path.extension().map(|ext| ext.to_ascii_lowercase()) {
        Some(ext) if ext == "eml" => Extension::Eml,
        Some(ext) if ext == "mbox" => Extension::Mbox,
        _ => Extension::Other,
    }
}

/// Walks a non-Maildir directory (or lists a Maildir). `ancestors` holds the canonical paths
/// being walked, so a symlink back up the tree cannot loop.
fn walk_dir(dir: &Path, entries: &mut Vec<Entry>, ancestors: &mut Vec<PathBuf>) {
    let canonical = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if ancestors.contains(&canonical) {
        tracing::debug!(path = %dir.display(), "skipping directory symlink loop");
        return;
    }
    if maildir::is_maildir(dir) {
        for found in maildir::list(dir) {
            entries.push(match found {
                MaildirEntry::Message { path, size } => Entry {
                    path,
                    size,
                    kind: EntryKind::MaildirMessage,
                },
                MaildirEntry::Unreadable { path, error } => failed(path, error),
            });
        }
        return;
    }
    let children = match maildir::sorted_children(dir) {
        Ok(children) => children,
        Err(error) => {
            entries.push(failed(dir.to_path_buf(), error));
            return;
        }
    };
    ancestors.push(canonical);
    for (path, metadata) in children {
        match metadata {
            Ok(metadata) if metadata.is_dir() => walk_dir(&path, entries, ancestors),
            Ok(metadata) if metadata.is_file() => {
                let rule = match extension(&path) {
                    Extension::Eml => FileRule::Message,
                    Extension::Mbox => FileRule::MustBeMbox,
                    Extension::Other => FileRule::LooksLikeMail,
                };
                entries.push(Entry {
                    path,
                    size: metadata.len(),
                    kind: EntryKind::File(rule),
                });
            }
            Ok(_) => {}
            Err(error) => entries.push(failed(path, error)),
        }
    }
    ancestors.pop();
}

fn failed(path: PathBuf, source: io::Error) -> Entry {
    Entry {
        path: path.clone(),
        size: 0,
        kind: EntryKind::Failed(SourceError::Io { path, source }),
    }
}

fn item(path: &Path, raw: Result<Vec<u8>, SourceError>) -> SourceItem {
    SourceItem {
        origin: path.display().to_string(),
        raw,
    }
}

fn too_large(path: &Path) -> SourceError {
    SourceError::TooLarge {
        path: path.to_path_buf(),
        limit: MAX_MESSAGE_BYTES,
    }
}
