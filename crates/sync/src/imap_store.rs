//! The database side of IMAP sync: the single writer thread, and the one-transaction batch
//! writes that keep a folder's cursor beside the rows it covers.
//!
//! Why a thread: the network loop is async and must never block on SQLite, and the store must be
//! held only while writing, never across a network wait (the UI and the CLI share it). Jobs are
//! closures applied in the order they were sent, so cursors move forward monotonically even when
//! the network side pipelines (fetch batch N+1 while N is parsed and N−1 is written).
//!
//! Why parse outside the transaction: MIME parsing (and HTML sanitising) is the slow part of a
//! sync. It runs on a blocking-pool thread before the job is queued; the write transaction then
//! only inserts rows.

use std::path::{Path, PathBuf};
use std::sync::MutexGuard;

use serde::Serialize;
use switchboard_channels::email::imap::mailbox::FetchedMessage;
use switchboard_channels::email::parse_email;
use switchboard_store::ingest::{self, IngestOutcome, NewMessage};
use switchboard_store::mailbox::{self, FolderCursor};
use switchboard_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::email::to_new_message;
use crate::health::SyncError;

/// Access to the shared store; implemented by the API's context and by tests.
pub trait StoreLock: Sync {
    fn lock_store(&self) -> MutexGuard<'_, Store>;
}

impl StoreLock for std::sync::Mutex<Store> {
    fn lock_store(&self) -> MutexGuard<'_, Store> {
        self.lock().unwrap_or_else(|p| p.into_inner())
    }
}

type Job = Box<dyn FnOnce(&dyn StoreLock) + Send>;

/// The sending side of the writer thread. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

/// The receiving side: run it with [`serve`] on a thread of its own.
pub struct WriterQueue {
    rx: mpsc::Receiver<Job>,
}

/// A writer queue holding at most `depth` jobs; the sender waits beyond that (bounded memory).
pub fn writer(depth: usize) -> (Writer, WriterQueue) {
    let (tx, rx) = mpsc::channel(depth.max(1));
    (Writer { tx }, WriterQueue { rx })
}

/// Applies jobs until every [`Writer`] is dropped. Blocking: call on a dedicated thread.
pub fn serve(store: &dyn StoreLock, mut queue: WriterQueue) {
    while let Some(job) = queue.rx.blocking_recv() {
        job(store);
    }
}

impl Writer {
    /// Queues `f` and returns where its result will arrive.
    pub async fn submit<R: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn StoreLock) -> R + Send + 'static,
    ) -> Result<oneshot::Receiver<R>, SyncError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Box::new(move |s: &dyn StoreLock| {
                let _ = tx.send(f(s));
            }))
            .await
            .map_err(|_| SyncError::WriterGone)?;
        Ok(rx)
    }

    /// Runs `f` on the writer thread and waits for it.
    pub async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn StoreLock) -> R + Send + 'static,
    ) -> Result<R, SyncError> {
        self.submit(f)
            .await?
            .await
            .map_err(|_| SyncError::WriterGone)
    }
}

/// One fetched message after parsing.
pub enum ParsedItem {
    Message {
        uid: u32,
        flags: u8,
        modseq: Option<u64>,
        msg: Box<NewMessage>,
    },
    Failed {
        uid: u32,
        flags: u8,
        modseq: Option<u64>,
        reason: String,
        raw_sha256: String,
    },
}

/// Parses a fetched batch (CPU-bound; run it on a blocking thread). Attachment files are
/// written here, content-addressed, so a retry rewrites the same files.
pub fn parse_batch(
    batch: Vec<FetchedMessage>,
    account_id: i64,
    data_dir: &Path,
    now: i64,
) -> Vec<ParsedItem> {
    batch
        .into_iter()
        .map(|f| {
            let parsed = parse_email(&f.raw);
            let fallback = f.internal_date.unwrap_or(now);
            let result = parsed.map_err(|e| e.to_string()).and_then(|p| {
                to_new_message(p, account_id, data_dir, fallback, fallback)
                    .map_err(|e| e.to_string())
            });
            match result {
                Ok(mut msg) => {
                    msg.unread = f.flags & mailbox::SEEN == 0;
                    ParsedItem::Message {
                        uid: f.uid,
                        flags: f.flags,
                        modseq: f.modseq,
                        msg: Box::new(msg),
                    }
                }
                Err(reason) => ParsedItem::Failed {
                    uid: f.uid,
                    flags: f.flags,
                    modseq: f.modseq,
                    reason,
                    raw_sha256: sha256_hex(&f.raw),
                },
            }
        })
        .collect()
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(b))
}

/// A message that arrived, for "new mail" lines in watch mode.
#[derive(Debug, Clone, Serialize)]
pub struct NewMail {
    pub folder: String,
    pub uid: u32,
    pub message_id: i64,
    pub case_id: i64,
    pub reopened: bool,
    pub subject: Option<String>,
    pub from: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchOutcome {
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub cases_created: u64,
    pub cases_reopened: u64,
    /// Filled only when the batch asked for it (new mail, not history).
    pub new_mail: Vec<NewMail>,
}

/// Writes one parsed batch, its locations and the folder cursor in ONE transaction.
#[allow(clippy::too_many_arguments)]
pub fn write_batch(
    store: &dyn StoreLock,
    account_id: i64,
    folder: &str,
    items: Vec<ParsedItem>,
    cursor: FolderCursor,
    activity: Option<String>,
    notify: bool,
    now: i64,
) -> Result<BatchOutcome, StoreError> {
    let origin = |uid: u32| {
        format!(
            "imap:{folder}/uid {uid} (uidvalidity {})",
            cursor.uidvalidity
        )
    };
    let mut store = store.lock_store();
    store.write(|tx| {
        let mut out = BatchOutcome::default();
        for item in &items {
            match item {
                ParsedItem::Message {
                    uid,
                    flags,
                    modseq,
                    msg,
                } => {
                    let res = tx.savepoint(|tx| {
                        let outcome = ingest::ingest(tx, msg, "sync", now)?;
                        let id = match outcome {
                            IngestOutcome::Stored { message_id, .. } => message_id,
                            IngestOutcome::Duplicate { message_id } => message_id,
                        };
                        mailbox::put_location(tx, account_id, folder, *uid, Some(id), *flags, *modseq)?;
                        mailbox::apply_flags(tx, id, *flags)?;
                        Ok(outcome)
                    });
                    match res {
                        Ok(IngestOutcome::Stored {
                            message_id,
                            case_id,
                            new_case,
                            reopened,
                            ..
                        }) => {
                            out.stored += 1;
                            out.cases_created += new_case as u64;
                            out.cases_reopened += reopened as u64;
                            if notify {
                                out.new_mail.push(NewMail {
                                    folder: folder.to_string(),
                                    uid: *uid,
                                    message_id,
                                    case_id,
                                    reopened,
                                    subject: msg.subject.clone(),
                                    from: msg.author.as_ref().map(|a| a.external_id.clone()),
                                });
                            }
                        }
                        Ok(IngestOutcome::Duplicate { .. }) => out.duplicates += 1,
                        Err(e) => {
                            tracing::warn!(account_id, folder, uid, error = %e, "message quarantined");
                            ingest::quarantine(
                                tx,
                                Some(account_id),
                                &origin(*uid),
                                &format!("cannot store: {e}"),
                                msg.raw_sha256.as_deref(),
                                now,
                            )?;
                            mailbox::put_location(tx, account_id, folder, *uid, None, *flags, *modseq)?;
                            out.quarantined += 1;
                        }
                    }
                }
                ParsedItem::Failed {
                    uid,
                    flags,
                    modseq,
                    reason,
                    raw_sha256,
                } => {
                    tracing::warn!(account_id, folder, uid, %reason, "message quarantined");
                    ingest::quarantine(
                        tx,
                        Some(account_id),
                        &origin(*uid),
                        &format!("cannot parse: {reason}"),
                        Some(raw_sha256),
                        now,
                    )?;
                    mailbox::put_location(tx, account_id, folder, *uid, None, *flags, *modseq)?;
                    out.quarantined += 1;
                }
            }
        }
        mailbox::set_cursor(tx, account_id, folder, &cursor, now)?;
        let stream = mailbox::folder_stream(folder);
        mailbox::set_activity(tx, account_id, &stream, activity.as_deref(), now)?;
        Ok(out)
    })
}

/// Applies flag states reported by the server, then (optionally) moves the cursor, in one
/// transaction. Returns how many messages changed.
pub fn write_flags(
    store: &dyn StoreLock,
    account_id: i64,
    folder: &str,
    updates: &[switchboard_channels::email::imap::mailbox::FlagState],
    cursor: Option<FolderCursor>,
    now: i64,
) -> Result<u64, StoreError> {
    let mut store = store.lock_store();
    store.write(|tx| {
        let mut changed = 0;
        for u in updates {
            changed +=
                mailbox::update_flags(tx, account_id, folder, u.uid, u.flags, u.modseq)? as u64;
        }
        if let Some(c) = cursor {
            mailbox::set_cursor(tx, account_id, folder, &c, now)?;
        }
        Ok(changed)
    })
}

/// Where the data folder is, for attachment files.
pub fn data_dir(store: &dyn StoreLock) -> PathBuf {
    store.lock_store().data_dir().to_path_buf()
}
