//! Import of .eml files, Maildir folders and mbox files into the local "archive" account.
//!
//! A pipeline over every core: one thread walks the paths and reads the files (splitting
//! mboxes as it streams), parser threads turn raw bytes into messages (MIME, charsets, HTML
//! sanitising, attachment files: the CPU-heavy part), and this thread stores them in order, as
//! the single writer. Raw bytes in flight (read and not yet stored) are capped at
//! [`IN_FLIGHT_BYTES`], not counted in messages: forty 25 MB messages must not all sit in a
//! queue at once. The writer commits a transaction every [`BATCH`] messages or half the cap,
//! whichever comes first.
//!
//! A crash loses at most the batch in flight, and running the same import again stores only
//! what is missing (messages are unique per account and id). A file that cannot be read or
//! parsed is reported with its reason, kept in the quarantine table, and the import carries
//! on; a file or folder that holds no mail (a server's index file, `tmp/`, a link back to a
//! folder already read) is reported as skipped with its reason. Nothing is passed over silently.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};

use serde::Serialize;
use switchboard_channels::email::{self, SourceItem, Sources};
use switchboard_store::ingest::{self, IngestOutcome, NewMessage};
use switchboard_store::{Store, accounts, self_addresses};

use crate::{ApiError, Code, Ctx, Result};

/// Messages per transaction at most.
pub const BATCH: usize = 500;

/// Raw message bytes read but not yet stored, at most. A single message larger than half of
/// this is counted as half, so it can always get through; memory then holds at most two of
/// them besides the one being read.
pub const IN_FLIGHT_BYTES: u64 = 32 * 1024 * 1024;

/// A reader hands work to the parsers in chunks of this many items or bytes, whichever first.
const CHUNK_ITEMS: usize = 64;
const CHUNK_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct ImportParams {
    pub paths: Vec<PathBuf>,
    /// The business's own addresses: mail from them counts as outbound replies.
    pub self_addresses: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct ImportFailure {
    pub origin: String,
    pub reason: String,
}

/// A file or folder under the import paths that holds nothing to import, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct ImportSkipped {
    pub origin: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct ImportResult {
    pub imported: u64,
    pub duplicates: u64,
    /// Files and folders not imported because they hold no message, in the order found.
    pub skipped: Vec<ImportSkipped>,
    pub failed: Vec<ImportFailure>,
    pub cases_created: u64,
    pub cases_reopened: u64,
}

/// Progress as the import goes: items seen so far, and the source's own (done, total) measure.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct ImportProgress {
    /// Items read and parsed so far (stored or not yet).
    pub read: u64,
    /// Items the writer has dealt with: stored, duplicates and failures.
    pub seen: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub skipped: u64,
    pub failed: u64,
    pub done: u64,
    pub total: u64,
    /// The file (or mbox message) read last.
    pub current: String,
}

/// What the reader found, before parsing.
enum Found {
    Raw { origin: String, raw: Vec<u8> },
    Failed(ImportFailure),
    Skipped(ImportSkipped),
}

enum Parsed {
    Message {
        origin: String,
        msg: Box<NewMessage>,
    },
    Failed(ImportFailure),
    Skipped(ImportSkipped),
}

/// Consecutive items, numbered so the writer can store them in the order they were found;
/// each with the bytes it took from the [`ByteBudget`].
struct Chunk<T> {
    seq: u64,
    items: Vec<(u64, T)>,
    /// The source's (done, total) when the chunk was handed on.
    progress: (u64, u64),
}

pub fn import_files(
    ctx: &Ctx,
    params: &ImportParams,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportResult> {
    let sources = email::walk_sources(&params.paths)
        .map_err(|e| ApiError::new(Code::NotFound, format!("cannot import: {e}")))?;
    let now = ctx.now();
    let data_dir = ctx.data_dir().to_path_buf();
    let account_id = ctx.store().write(|tx| {
        let id = accounts::ensure_archive(tx, now)?;
        // New own addresses also re-derive the mail already stored, as `account self add`
        // does (one undoable action); addresses already marked change nothing.
        let own = self_addresses::list(tx.conn())?;
        let new: Vec<String> = params
            .self_addresses
            .iter()
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty() && !own.contains(a))
            .collect();
        if !new.is_empty() {
            self_addresses::change(tx, &new, &[], now)?;
        }
        Ok(id)
    })?;

    let budget = ByteBudget::new(IN_FLIGHT_BYTES);
    let parse = |raw: &[u8]| -> std::result::Result<NewMessage, String> {
        let parsed = email::parse_email(raw).map_err(|e| e.to_string())?;
        switchboard_sync::email::to_new_message(parsed, account_id, &data_dir, now, now)
            .map_err(|e| e.to_string())
    };
    let mut result = ImportResult::default();
    std::thread::scope(|scope| -> Result<()> {
        // Closes the budget however the writer leaves, so a waiting reader stops.
        let _close = CloseOnDrop(&budget);
        let (work_send, work_recv) = channel::<Chunk<Found>>();
        let (parsed_send, parsed_recv) = channel::<Chunk<Parsed>>();
        let budget = &budget;
        scope.spawn(move || read_sources(sources, budget, work_send));
        let work_recv = Arc::new(Mutex::new(work_recv));
        for _ in 0..parser_threads() {
            let (work_recv, parsed_send) = (work_recv.clone(), parsed_send.clone());
            let parse = &parse;
            scope.spawn(move || parse_chunks(&work_recv, &parsed_send, parse));
        }
        drop(parsed_send);
        write_in_order(
            ctx,
            parsed_recv,
            budget,
            account_id,
            now,
            &mut result,
            progress,
        )
    })?;
    Ok(result)
}

/// Parser threads beside the reader and the writer: every core but the writer's, at least one.
fn parser_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .max(1)
}

/// Walks and reads the sources, handing chunks to the parsers; waits while the bytes in flight
/// are at the cap.
fn read_sources(mut sources: Sources, budget: &ByteBudget, work: Sender<Chunk<Found>>) {
    let mut seq = 0u64;
    let mut chunk = Vec::new();
    let mut bytes = 0u64;
    let send = |seq: &mut u64, items: &mut Vec<(u64, Found)>, sources: &Sources| {
        let chunk = Chunk {
            seq: *seq,
            items: std::mem::take(items),
            progress: sources.progress(),
        };
        *seq += 1;
        work.send(chunk).is_ok()
    };
    loop {
        let next = sources.next();
        chunk.extend(sources.take_skipped().into_iter().map(|s| {
            let skipped = ImportSkipped {
                origin: s.path.display().to_string(),
                reason: s.reason.to_string(),
            };
            (0, Found::Skipped(skipped))
        }));
        let Some(SourceItem { origin, raw }) = next else {
            break;
        };
        match raw {
            Err(e) => {
                let failure = ImportFailure {
                    origin,
                    reason: e.to_string(),
                };
                chunk.push((0, Found::Failed(failure)));
            }
            Ok(raw) => {
                let cost = budget.cost(raw.len());
                if !budget.try_take(cost) {
                    // Hand on what is held before waiting: the writer may need it to commit.
                    if !chunk.is_empty() && !send(&mut seq, &mut chunk, &sources) {
                        return;
                    }
                    bytes = 0;
                    if !budget.take(cost) {
                        return;
                    }
                }
                bytes += raw.len() as u64;
                chunk.push((cost, Found::Raw { origin, raw }));
            }
        }
        if chunk.len() >= CHUNK_ITEMS || bytes >= CHUNK_BYTES {
            if !send(&mut seq, &mut chunk, &sources) {
                return;
            }
            bytes = 0;
        }
    }
    // The last chunk, even if empty: it carries the final progress.
    send(&mut seq, &mut chunk, &sources);
}

fn parse_chunks(
    work: &Mutex<Receiver<Chunk<Found>>>,
    parsed: &Sender<Chunk<Parsed>>,
    parse: &(dyn Fn(&[u8]) -> std::result::Result<NewMessage, String> + Sync),
) {
    loop {
        let next = work.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(chunk) = next else {
            return;
        };
        let items = chunk
            .items
            .into_iter()
            .map(|(cost, found)| {
                let parsed = match found {
                    Found::Raw { origin, raw } => match parse(&raw) {
                        Ok(msg) => Parsed::Message {
                            origin,
                            msg: Box::new(msg),
                        },
                        Err(reason) => Parsed::Failed(ImportFailure { origin, reason }),
                    },
                    Found::Failed(f) => Parsed::Failed(f),
                    Found::Skipped(s) => Parsed::Skipped(s),
                };
                (cost, parsed)
            })
            .collect();
        let out = Chunk {
            seq: chunk.seq,
            items,
            progress: chunk.progress,
        };
        if parsed.send(out).is_err() {
            return;
        }
    }
}

/// Stores parsed chunks in the order they were read, a transaction per [`BATCH`] messages or
/// half of [`IN_FLIGHT_BYTES`], and gives their bytes back to the budget once committed.
#[allow(clippy::too_many_arguments)]
fn write_in_order(
    ctx: &Ctx,
    parsed: Receiver<Chunk<Parsed>>,
    budget: &ByteBudget,
    account_id: i64,
    now: i64,
    result: &mut ImportResult,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<()> {
    let mut waiting: BTreeMap<u64, Chunk<Parsed>> = BTreeMap::new();
    let mut next_seq = 0u64;
    let mut batch: Vec<Parsed> = Vec::with_capacity(BATCH);
    // Items of the batch that write rows (skipped files do not), and their bytes.
    let mut batch_items = 0usize;
    let mut batch_charge = 0u64;
    let mut last = Moving::default();
    for chunk in parsed.iter() {
        waiting.insert(chunk.seq, chunk);
        while let Some(chunk) = waiting.remove(&next_seq) {
            next_seq += 1;
            last.source = chunk.progress;
            for (cost, item) in chunk.items {
                batch_items += usize::from(!matches!(item, Parsed::Skipped(_)));
                batch_charge += cost;
                last.read += u64::from(!matches!(item, Parsed::Skipped(_)));
                if let Parsed::Message { origin, .. }
                | Parsed::Failed(ImportFailure { origin, .. }) = &item
                {
                    last.current.clone_from(origin);
                }
                batch.push(item);
                if batch_items >= BATCH || batch_charge >= budget.cap / 2 {
                    // The store is held per batch, so other calls get in between batches.
                    store_batch(&mut ctx.store(), &mut batch, account_id, now, result)?;
                    budget.give_back(std::mem::take(&mut batch_charge));
                    batch_items = 0;
                }
            }
            progress(snapshot(result, &last));
        }
    }
    store_batch(&mut ctx.store(), &mut batch, account_id, now, result)?;
    budget.give_back(batch_charge);
    progress(snapshot(result, &last));
    Ok(())
}

/// Bytes read and not yet stored, shared by the reader (takes) and the writer (gives back).
struct ByteBudget {
    cap: u64,
    state: Mutex<BudgetState>,
    changed: Condvar,
}

#[derive(Default)]
struct BudgetState {
    used: u64,
    closed: bool,
}

impl ByteBudget {
    fn new(cap: u64) -> Self {
        ByteBudget {
            cap,
            state: Mutex::new(BudgetState::default()),
            changed: Condvar::new(),
        }
    }

    /// What a message of `len` bytes counts for: its size, but at most half the cap, so it can
    /// always be taken once the writer has committed what it holds.
    fn cost(&self, len: usize) -> u64 {
        (len as u64).min(self.cap / 2)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn try_take(&self, n: u64) -> bool {
        let mut state = self.lock();
        if state.used + n <= self.cap {
            state.used += n;
            true
        } else {
            false
        }
    }

    /// Waits until `n` bytes fit; `false` if the budget was closed (the writer stopped).
    fn take(&self, n: u64) -> bool {
        let mut state = self.lock();
        while !state.closed && state.used + n > self.cap {
            state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        if state.closed {
            return false;
        }
        state.used += n;
        true
    }

    fn give_back(&self, n: u64) {
        let mut state = self.lock();
        state.used = state.used.saturating_sub(n);
        self.changed.notify_all();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }
}

struct CloseOnDrop<'a>(&'a ByteBudget);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// What the writer has received so far, for progress.
#[derive(Default)]
struct Moving {
    read: u64,
    /// The source's (done, total).
    source: (u64, u64),
    current: String,
}

fn snapshot(r: &ImportResult, m: &Moving) -> ImportProgress {
    let (done, total) = m.source;
    ImportProgress {
        read: m.read,
        current: m.current.clone(),
        seen: r.imported + r.duplicates + r.failed.len() as u64,
        imported: r.imported,
        duplicates: r.duplicates,
        skipped: r.skipped.len() as u64,
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
                Parsed::Skipped(s) => r.skipped.push(s.clone()),
            }
        }
        Ok(r)
    })?;
    result.imported += outcome.imported;
    result.duplicates += outcome.duplicates;
    result.cases_created += outcome.cases_created;
    result.cases_reopened += outcome.cases_reopened;
    result.failed.extend(outcome.failed);
    result.skipped.extend(outcome.skipped);
    Ok(())
}

/// The summary line every front end shows once an import is done: "Imported 42 messages (17 new
/// cases, 0 reopened); 3 duplicates skipped; 0 failed." (the files not imported, with their
/// reasons, are listed apart).
pub fn summary(r: &ImportResult) -> String {
    // Files without mail are counted only when there are some.
    let not_mail = match r.skipped.len() {
        0 => String::new(),
        1 => "; 1 file not imported (no mail in it)".to_string(),
        n => format!("; {n} files not imported (no mail in them)"),
    };
    format!(
        "Imported {} ({} new cases, {} reopened); {} duplicates skipped{not_mail}; {} failed.",
        crate::plural(r.imported, "message", "messages"),
        r.cases_created,
        r.cases_reopened,
        r.duplicates,
        r.failed.len()
    )
}

// ---- Imports the window runs in the background. ----
//
// The window cannot wait on an import of years of mail, so `import_start` runs [`import_files`]
// on a thread of its own and returns at once with the job's id. Progress reaches the window
// through the change feed it already listens to (`store-changed` in the desktop app, `/events`
// under `switchboard serve`): a change of entity `import` with the job's id, at most a few times
// a second; the window then reads the job with `import_status`. The store is taken per batch,
// so the window's other calls go on while it runs.

/// One background import: its progress while it runs, then its result and summary or its error.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct ImportJob {
    pub id: i64,
    pub running: bool,
    pub paths: Vec<String>,
    pub progress: ImportProgress,
    pub result: Option<ImportResult>,
    /// [`summary`] of the result.
    pub summary: Option<String>,
    /// Why the import stopped, when it could not run to the end.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Deserialize, Serialize, ts_rs::TS)]
pub struct ImportStartParams {
    /// .eml and mbox files, Maildir folders, or folders holding them.
    pub paths: Vec<String>,
    /// Your own addresses, as `import --self`: mail from them counts as your replies.
    #[serde(default)]
    pub self_addresses: Vec<String>,
}

#[derive(Debug, Clone, Copy, serde::Deserialize, Serialize, ts_rs::TS)]
pub struct ImportJobParams {
    pub id: i64,
}

/// How often a running job tells the window about its progress, at most.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Starts importing in the background on the active workspace and returns the job at once.
/// Paths that do not exist are refused here, before anything runs.
pub fn import_start(app: &Arc<crate::app::App>, p: &ImportStartParams) -> Result<ImportJob> {
    let paths: Vec<PathBuf> = p
        .paths
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect();
    if paths.is_empty() {
        return Err(ApiError::invalid(
            "choose files or a folder to import (.eml, .mbox or a Maildir folder)",
        ));
    }
    if let Some(missing) = paths.iter().find(|p| !p.exists()) {
        return Err(ApiError::new(
            Code::NotFound,
            format!(
                "cannot import {}: no such file or folder",
                missing.display()
            ),
        ));
    }
    let job = app.imports().start(p.paths.clone());
    let params = ImportParams {
        paths,
        self_addresses: p.self_addresses.clone(),
    };
    let (app2, id) = (app.clone(), job.id);
    let ctx = app.ctx();
    let spawned = std::thread::Builder::new()
        .name("import".into())
        .spawn(move || {
            let mut last = std::time::Instant::now();
            let outcome = import_files(&ctx, &params, &mut |progress| {
                app2.imports().update(id, |j| j.progress = progress);
                if last.elapsed() >= PROGRESS_EVERY {
                    last = std::time::Instant::now();
                    app2.announce_import(id);
                }
            });
            app2.imports().update(id, |j| {
                j.running = false;
                match outcome {
                    Ok(r) => {
                        j.summary = Some(summary(&r));
                        j.result = Some(r);
                    }
                    Err(e) => j.error = Some(e.message),
                }
            });
            app2.announce_import(id);
        });
    if let Err(e) = spawned {
        app.imports().update(job.id, |j| {
            j.running = false;
            j.error = Some(format!("cannot start the import: {e}"));
        });
    }
    import_status(app, &ImportJobParams { id: job.id })
}

/// A background import by id, as it is now.
pub fn import_status(app: &Arc<crate::app::App>, p: &ImportJobParams) -> Result<ImportJob> {
    app.imports().get(p.id).ok_or_else(|| {
        ApiError::new(
            Code::NotFound,
            format!("no import {} (imports are kept while the app runs)", p.id),
        )
    })
}

/// The background imports of this run of the app.
#[derive(Debug, Default)]
pub struct ImportJobs(Mutex<Vec<ImportJob>>);

impl ImportJobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ImportJob>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn start(&self, paths: Vec<String>) -> ImportJob {
        let mut jobs = self.lock();
        let job = ImportJob {
            id: jobs.len() as i64 + 1,
            running: true,
            paths,
            ..ImportJob::default()
        };
        jobs.push(job.clone());
        job
    }

    fn update(&self, id: i64, f: impl FnOnce(&mut ImportJob)) {
        if let Some(j) = self.lock().iter_mut().find(|j| j.id == id) {
            f(j);
        }
    }

    fn get(&self, id: i64) -> Option<ImportJob> {
        self.lock().iter().find(|j| j.id == id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[test]
    fn a_reader_waits_while_the_bytes_in_flight_are_at_the_cap() {
        let budget = ByteBudget::new(100);
        assert_eq!(budget.cost(30), 30);
        assert_eq!(
            budget.cost(1_000),
            50,
            "a huge message counts as half the cap"
        );
        assert!(budget.try_take(60));
        assert!(!budget.try_take(50), "60 + 50 is over the cap");
        let taken = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                assert!(budget.take(50));
                taken.store(true, Ordering::SeqCst);
            });
            std::thread::sleep(Duration::from_millis(50));
            assert!(
                !taken.load(Ordering::SeqCst),
                "the reader waits until the writer gives bytes back"
            );
            budget.give_back(60);
        });
        assert!(taken.load(Ordering::SeqCst));
        assert_eq!(budget.lock().used, 50);
    }

    #[test]
    fn a_waiting_reader_stops_when_the_writer_is_gone() {
        let budget = ByteBudget::new(100);
        assert!(budget.try_take(100));
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| budget.take(10));
            std::thread::sleep(Duration::from_millis(20));
            drop(CloseOnDrop(&budget));
            assert!(!waiter.join().unwrap(), "take gives up once closed");
        });
    }
}
