//! Import of .eml files, Maildir folders and mbox files into the local "archive" account.
//!
//! Reading and parsing run on a second thread while this one stores, so both cores work. Stored
//! in transactions of [`BATCH`] messages: a crash loses at most the batch in flight, and running
//! the same import again stores only what is missing (messages are unique per account and id).
//! A file that cannot be read or parsed is reported with its reason, kept in the quarantine
//! table, and the import carries on.

use std::path::PathBuf;
use std::sync::mpsc::sync_channel;

use serde::Serialize;
use switchboard_channels::email::{self, SourceItem};
use switchboard_store::contacts::{self, IdentityRef};
use switchboard_store::ingest::{self, IngestOutcome, NewMessage};
use switchboard_store::{Store, accounts};

use crate::{ApiError, Code, Ctx, Result};

pub const BATCH: usize = 500;

#[derive(Debug, Clone, Default)]
pub struct ImportParams {
    pub paths: Vec<PathBuf>,
    /// The business's own addresses: mail from them counts as outbound replies.
    pub self_addresses: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportFailure {
    pub origin: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportResult {
    pub imported: u64,
    pub duplicates: u64,
    pub failed: Vec<ImportFailure>,
    pub cases_created: u64,
    pub cases_reopened: u64,
}

/// Progress as the import goes: items seen so far, and the source's own (done, total) measure.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ImportProgress {
    pub seen: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub failed: u64,
    pub done: u64,
    pub total: u64,
}

enum Parsed {
    Message {
        origin: String,
        msg: Box<NewMessage>,
    },
    Failed(ImportFailure),
    Progress(u64, u64),
}

pub fn import_files(
    ctx: &Ctx,
    params: &ImportParams,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportResult> {
    let mut sources = email::walk_sources(&params.paths)
        .map_err(|e| ApiError::new(Code::NotFound, format!("cannot import: {e}")))?;
    let now = ctx.now();
    let data_dir = ctx.data_dir().to_path_buf();
    let mut store = ctx.store();
    let account_id = store.write(|tx| {
        let id = accounts::ensure_archive(tx, now)?;
        for addr in &params.self_addresses {
            contacts::mark_self(
                tx,
                &IdentityRef {
                    channel: "email".into(),
                    external_id: addr.trim().to_lowercase(),
                    handle: None,
                    display_name: None,
                },
                now,
            )?;
        }
        Ok(id)
    })?;

    let (send, recv) = sync_channel::<Parsed>(2 * BATCH);
    let mut result = ImportResult::default();
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            let mut n = 0u64;
            while let Some(SourceItem { origin, raw }) = sources.next() {
                let item = match raw {
                    Err(e) => Parsed::Failed(ImportFailure {
                        origin,
                        reason: e.to_string(),
                    }),
                    Ok(bytes) => match email::parse_email(&bytes) {
                        Err(e) => Parsed::Failed(ImportFailure {
                            origin,
                            reason: e.to_string(),
                        }),
                        Ok(parsed) => {
                            match switchboard_sync::email::to_new_message(
                                parsed, account_id, &data_dir, now, now,
                            ) {
                                Ok(msg) => Parsed::Message {
                                    origin,
                                    msg: Box::new(msg),
                                },
                                Err(e) => Parsed::Failed(ImportFailure {
                                    origin,
                                    reason: e.to_string(),
                                }),
                            }
                        }
                    },
                };
                if send.send(item).is_err() {
                    return;
                }
                n += 1;
                if n.is_multiple_of(256) {
                    let (done, total) = sources.progress();
                    if send.send(Parsed::Progress(done, total)).is_err() {
                        return;
                    }
                }
            }
            let (done, total) = sources.progress();
            let _ = send.send(Parsed::Progress(done, total));
        });

        let mut batch: Vec<Parsed> = Vec::with_capacity(BATCH);
        let mut last = (0u64, 0u64);
        for item in recv.iter() {
            if let Parsed::Progress(d, t) = item {
                last = (d, t);
                continue;
            }
            batch.push(item);
            if batch.len() >= BATCH {
                store_batch(&mut store, &mut batch, account_id, now, &mut result)?;
                progress(snapshot(&result, last));
            }
        }
        store_batch(&mut store, &mut batch, account_id, now, &mut result)?;
        progress(snapshot(&result, last));
        Ok(())
    })?;
    Ok(result)
}

fn snapshot(r: &ImportResult, (done, total): (u64, u64)) -> ImportProgress {
    ImportProgress {
        seen: r.imported + r.duplicates + r.failed.len() as u64,
        imported: r.imported,
        duplicates: r.duplicates,
        failed: r.failed.len() as u64,
        done,
        total,
    }
}

fn store_batch(
    store: &mut Store,
    batch: &mut Vec<Parsed>,
    account_id: i64,
    now: i64,
    result: &mut ImportResult,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let items = std::mem::take(batch);
    let outcome = store.write(|tx| {
        let mut r = ImportResult::default();
        for item in &items {
            match item {
                Parsed::Message { origin, msg } => {
                    match tx.savepoint(|tx| ingest::ingest(tx, msg, "import", now)) {
                        Ok(IngestOutcome::Stored {
                            new_case, reopened, ..
                        }) => {
                            r.imported += 1;
                            r.cases_created += u64::from(new_case);
                            r.cases_reopened += u64::from(reopened);
                        }
                        Ok(IngestOutcome::Duplicate { .. }) => r.duplicates += 1,
                        Err(e) => {
                            let failure = ImportFailure {
                                origin: origin.clone(),
                                reason: e.to_string(),
                            };
                            ingest::quarantine(
                                tx,
                                Some(account_id),
                                &failure.origin,
                                &failure.reason,
                                msg.raw_sha256.as_deref(),
                                now,
                            )?;
                            r.failed.push(failure);
                        }
                    }
                }
                Parsed::Failed(f) => {
                    ingest::quarantine(tx, Some(account_id), &f.origin, &f.reason, None, now)?;
                    r.failed.push(f.clone());
                }
                Parsed::Progress(..) => {}
            }
        }
        Ok(r)
    })?;
    result.imported += outcome.imported;
    result.duplicates += outcome.duplicates;
    result.cases_created += outcome.cases_created;
    result.cases_reopened += outcome.cases_reopened;
    result.failed.extend(outcome.failed);
    Ok(())
}
