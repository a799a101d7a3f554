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

use super::mbox::{MAX_MESSAGE_BYTES, MboxError, MboxReader, Sniffed};
use super::parse::first_line_is_header;
use super::walk::{Entry, EntryKind, Extension, FileRule, Listing, SkipReason, Skipped, extension};

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
///   `new/` is one message (files in `tmp/` are reported as skipped), then its other contents:
///   Maildir++ `.Folder`s, `fs`-layout sub-folders (`Archive/cur`) and loose files, likewise.
/// - Any other directory is walked recursively; hidden entries are reported as skipped.
/// - A file whose first non-empty line starts with "From " is an mbox.
/// - Otherwise a named file, or an `.eml` found in a directory, is one message; other files
///   found in a directory are messages only if their first line is an RFC 5322 header (else
///   they are reported as skipped).
/// - An `.mbox` that does not start with "From " yields one error item (an empty one is
///   reported as skipped: it is an empty mailbox).
/// - Every folder and file is read once, however many links lead to it.
///
/// Everything found and not read is reported by [`Sources::take_skipped`] with its reason.
/// Returns `Err(SourceError::NotFound)` if a path does not exist; unreadable files and
/// directories become error items and the rest continues.
pub fn walk_sources(paths: &[PathBuf]) -> Result<Sources, SourceError> {
    let mut listing = Listing::default();
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
        listing.add_path(path, &metadata);
    }
    let Listing {
        entries, skipped, ..
    } = listing;
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
        skipped,
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
    /// Files and folders passed over and not yet taken by [`Sources::take_skipped`].
    skipped: Vec<Skipped>,
}

impl Sources {
    /// What was found and not read since the last call, with the reason: everything listed
    /// up front on the first call, then files found to hold no mail as the iterator reads them.
    /// After the iterator has ended, all of them have been returned once.
    pub fn take_skipped(&mut self) -> Vec<Skipped> {
        std::mem::take(&mut self.skipped)
    }

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
            FileRule::MustBeMbox if consumed.trim_ascii().is_empty() => {
                self.skipped.push(Skipped {
                    path,
                    reason: SkipReason::EmptyMbox,
                });
                None
            }
            FileRule::MustBeMbox => Some(item(
                &path,
                Err(SourceError::NotMbox { path: path.clone() }),
            )),
            FileRule::LooksLikeMail if !first_line_is_header(&consumed) => {
                self.skipped.push(Skipped {
                    path,
                    reason: SkipReason::NotMail,
                });
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
