//! IMAP sync: one pass over an account's folders, and a watch loop that keeps it current with
//! IDLE. See docs/sync.md for the cursor model and what a crash at each point does.
//!
//! A pass, per folder (INBOX, Sent, the account's extra folders):
//! 1. SELECT (CONDSTORE). A changed UIDVALIDITY drops the folder's locations and cursor and
//!    re-baselines: everything is fetched again and deduplicated by Message-ID, so nothing
//!    doubles.
//! 2. Flags of what we hold: `UID FETCH 1:top (FLAGS) (CHANGEDSINCE highestmodseq)`.
//! 3. New mail (`UID > top`), oldest first, so `top` only ever moves up.
//! 4. The initial sync ("backfill"): newest first in batches of [`BATCH`], moving `bottom` down,
//!    so the newest mail is usable within seconds of adding an account.
//! 5. Expunges: if the server's EXISTS equals what we hold, nothing went; otherwise
//!    `UID SEARCH ALL` against our locations, and what is gone is marked deleted (kept locally).
//!
//! Each batch is fetched, parsed on a blocking thread, and written by the writer thread in one
//! transaction together with its locations and the advanced cursor; the three stages overlap.
//! Any network error ends the pass (the session may hold half a response); whatever was
//! committed stays, and the next pass resumes from the cursor.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use switchboard_channels::account::EmailConfig;
use switchboard_channels::email::imap::mailbox::{self as remote, Caps, Folder, FolderRole};
use switchboard_channels::email::imap::{self, ImapAuth, ImapError, Session, server_label};
use switchboard_core::Clock;
use switchboard_store::StoreError;
use switchboard_store::mailbox::{self as local, ACCOUNT_STREAM, FolderCursor, folder_stream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::health::{self, ErrorClass, SyncError};
use crate::imap_store::{self, BatchOutcome, NewMail, ParsedItem, Writer};

/// Messages per fetch/parse/write batch: big enough to amortise round trips and commits, small
/// enough that memory stays bounded and the first batch lands within a second or two.
pub const BATCH: usize = 500;

/// IDLE is ended and re-issued (with a full pass) at least this often: servers may drop an IDLE
/// after 30 minutes, and it bounds how long a dead connection can go unnoticed.
pub const IDLE_RENEW: Duration = Duration::from_secs(5 * 60);

/// The account a worker syncs.
#[derive(Debug, Clone)]
pub struct ImapAccount {
    pub id: i64,
    pub name: String,
    pub config: EmailConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Connecting,
    Flags,
    NewMail,
    Initial,
    Expunges,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncProgress {
    pub account: String,
    pub folder: String,
    pub phase: Phase,
    /// Messages handled so far in this phase, and how many there are in it.
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FolderReport {
    pub folder: String,
    pub role: Option<FolderRole>,
    /// Messages in the folder on the server (EXISTS at SELECT).
    pub server_messages: u32,
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub cases_created: u64,
    pub cases_reopened: u64,
    pub flags_changed: u64,
    pub expunged: u64,
    /// UIDVALIDITY had changed: the folder was re-baselined.
    pub rebaselined: bool,
    /// The initial sync of this folder is complete.
    pub complete: bool,
    /// Set when this folder failed (the pass went on with the others where it could).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PassReport {
    pub account: String,
    pub folders: Vec<FolderReport>,
    pub elapsed_ms: u64,
}

impl PassReport {
    pub fn stored(&self) -> u64 {
        self.folders.iter().map(|f| f.stored).sum()
    }
}

/// What a running sync tells its caller.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum SyncEvent {
    Progress(SyncProgress),
    NewMail {
        account: String,
        mail: NewMail,
    },
    PassDone(PassReport),
    Error {
        account: String,
        message: String,
        class: ErrorClass,
        retry_in_ms: Option<u64>,
    },
}

/// What a sync worker needs besides the account: the writer, the data folder (attachments),
/// the clock, and where to send events.
#[derive(Clone)]
pub struct Env {
    pub writer: Writer,
    pub data_dir: PathBuf,
    pub clock: Arc<dyn Clock>,
    pub events: mpsc::UnboundedSender<SyncEvent>,
}

impl Env {
    fn emit(&self, e: SyncEvent) {
        let _ = self.events.send(e);
    }
    fn now(&self) -> i64 {
        self.clock.now()
    }
}

/// Runs one full pass: connect, sync every folder, log out. Health (success, or the error with
/// its class and backoff) is recorded for the account and each folder.
pub async fn sync_once(
    acct: &ImapAccount,
    auth: &ImapAuth,
    env: &Env,
) -> Result<PassReport, SyncError> {
    set_activity(env, acct.id, ACCOUNT_STREAM, Some("connecting")).await?;
    let result = async {
        let mut session = imap::connect(&acct.config, auth).await?;
        let report = pass(&mut session, acct, env).await;
        if report.is_ok() {
            let server = server_label(&acct.config);
            let _ = imap::timed(&server, "log out", session.logout()).await;
        }
        report
    }
    .await;
    finish_pass(acct, env, &result, 0).await?;
    result
}

async fn finish_pass(
    acct: &ImapAccount,
    env: &Env,
    result: &Result<PassReport, SyncError>,
    attempt: u32,
) -> Result<Option<Duration>, SyncError> {
    let id = acct.id;
    let now = env.now();
    match result {
        Ok(report) => {
            env.writer
                .call(move |s| {
                    s.lock_store().write(|tx| {
                        local::record_success(tx, id, ACCOUNT_STREAM, now)?;
                        local::set_activity(tx, id, ACCOUNT_STREAM, None, now)
                    })
                })
                .await??;
            env.emit(SyncEvent::PassDone(report.clone()));
            Ok(None)
        }
        Err(e) => {
            let class = e.class();
            let wait = health::backoff(class, attempt, health::jitter());
            let message = e.to_string();
            let msg = message.clone();
            let until = now + wait.as_millis() as i64;
            env.writer
                .call(move |s| {
                    s.lock_store().write(|tx| {
                        local::record_error(
                            tx,
                            id,
                            ACCOUNT_STREAM,
                            &msg,
                            class.as_str(),
                            Some(until),
                            now,
                        )
                    })
                })
                .await??;
            tracing::warn!(account = %acct.name, class = %class, error = %message, "sync failed");
            env.emit(SyncEvent::Error {
                account: acct.name.clone(),
                message,
                class,
                retry_in_ms: Some(wait.as_millis() as u64),
            });
            Ok(Some(wait))
        }
    }
}

async fn set_activity(
    env: &Env,
    account_id: i64,
    stream: &str,
    what: Option<&str>,
) -> Result<(), SyncError> {
    let now = env.now();
    let stream = stream.to_string();
    let what = what.map(str::to_string);
    env.writer
        .call(move |s| {
            s.lock_store()
                .write(|tx| local::set_activity(tx, account_id, &stream, what.as_deref(), now))
        })
        .await??;
    Ok(())
}

/// One pass over every folder of the account on an open session.
pub async fn pass(
    session: &mut Session,
    acct: &ImapAccount,
    env: &Env,
) -> Result<PassReport, SyncError> {
    let started = Instant::now();
    let server = server_label(&acct.config);
    let caps = remote::capabilities(session, &server).await?;
    let folders = remote::folders(session, &server, &acct.config.extra_folders).await?;
    let mut report = PassReport {
        account: acct.name.clone(),
        ..Default::default()
    };
    for folder in &folders {
        let stream = folder_stream(&folder.name);
        match sync_folder(session, caps, acct, folder, env).await {
            Ok(r) => {
                let (id, now) = (acct.id, env.now());
                env.writer
                    .call(move |s| {
                        s.lock_store().write(|tx| {
                            local::record_success(tx, id, &stream, now)?;
                            local::set_activity(tx, id, &stream, None, now)
                        })
                    })
                    .await??;
                report.folders.push(r);
            }
            Err(e) => {
                let class = e.class();
                let (id, now, msg) = (acct.id, env.now(), e.to_string());
                env.writer
                    .call(move |s| {
                        s.lock_store().write(|tx| {
                            local::record_error(tx, id, &stream, &msg, class.as_str(), None, now)
                        })
                    })
                    .await??;
                // A folder the server refuses (gone, no permission) must not stop the others;
                // anything else leaves the session unusable.
                if class == ErrorClass::Permanent && matches!(e, SyncError::Imap(_)) {
                    report.folders.push(FolderReport {
                        folder: folder.name.clone(),
                        role: Some(folder.role),
                        error: Some(e.to_string()),
                        ..Default::default()
                    });
                    continue;
                }
                return Err(e);
            }
        }
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

fn progress(env: &Env, acct: &ImapAccount, folder: &str, phase: Phase, done: u64, total: u64) {
    env.emit(SyncEvent::Progress(SyncProgress {
        account: acct.name.clone(),
        folder: folder.to_string(),
        phase,
        done,
        total,
    }));
}

async fn sync_folder(
    session: &mut Session,
    caps: Caps,
    acct: &ImapAccount,
    folder: &Folder,
    env: &Env,
) -> Result<FolderReport, SyncError> {
    let server = server_label(&acct.config);
    let name = folder.name.clone();
    let id = acct.id;
    let sel = remote::select(session, &server, &name, caps.condstore).await?;
    let mut report = FolderReport {
        folder: name.clone(),
        role: Some(folder.role),
        server_messages: sel.exists,
        ..Default::default()
    };

    let n = name.clone();
    let stored = env
        .writer
        .call(move |s| local::cursor(s.lock_store().conn(), id, &n))
        .await??;
    let fresh = FolderCursor {
        uidvalidity: sel.uidvalidity,
        top: 0,
        bottom: None,
        backfill_done: false,
        highestmodseq: sel.highestmodseq,
    };
    let mut cur = match stored {
        Some(c) if c.uidvalidity == sel.uidvalidity => c,
        Some(c) => {
            tracing::warn!(account = %acct.name, folder = %name, old = c.uidvalidity,
                new = sel.uidvalidity, "UIDVALIDITY changed: re-baselining the folder");
            let n = name.clone();
            env.writer
                .call(move |s| s.lock_store().write(|tx| local::drop_folder(tx, id, &n)))
                .await??;
            report.rebaselined = true;
            fresh
        }
        None => fresh,
    };

    // 1. Flags of what we already hold.
    if cur.top > 0 {
        let changed_since = if caps.condstore {
            cur.highestmodseq
        } else {
            None
        };
        let unchanged =
            caps.condstore && changed_since.is_some() && sel.highestmodseq == changed_since;
        if !unchanged {
            progress(env, acct, &name, Phase::Flags, 0, 0);
            let updates = remote::fetch_flags(
                session,
                &server,
                &name,
                &format!("1:{}", cur.top),
                changed_since,
            )
            .await?;
            cur.highestmodseq = sel.highestmodseq;
            let (n, c, now) = (name.clone(), cur, env.now());
            report.flags_changed = env
                .writer
                .call(move |s| imap_store::write_flags(s, id, &n, &updates, Some(c), now))
                .await??;
        }
    }

    // 2. New mail, oldest first; 3. the initial sync, newest first.
    let mut server_uids: Option<Vec<u32>> = None;
    let initial = cur.top == 0 && cur.bottom.is_none() && !cur.backfill_done;
    if initial {
        let all = remote::all_uids(session, &server, &name).await?;
        match all.last() {
            None => {
                cur.top = sel.uidnext.map(|u| u.saturating_sub(1)).unwrap_or(0);
                cur.backfill_done = true;
                let (n, c, now) = (name.clone(), cur, env.now());
                env.writer
                    .call(move |s| {
                        s.lock_store()
                            .write(|tx| local::set_cursor(tx, id, &n, &c, now))
                    })
                    .await??;
            }
            Some(&max) => {
                cur.top = max;
                let plan = backfill_plan(&all, &mut cur);
                fetch_and_store(
                    session,
                    acct,
                    &name,
                    plan,
                    Phase::Initial,
                    false,
                    env,
                    &mut report,
                )
                .await?;
            }
        }
        server_uids = Some(all);
    } else {
        let maybe_new = sel.uidnext.is_none_or(|next| next > cur.top + 1);
        if maybe_new {
            let what = format!("look for new mail in {name:?}");
            let mut new: Vec<u32> = imap::timed(
                &server,
                &what,
                session.uid_search(format!("UID {}:*", cur.top + 1)),
            )
            .await?
            .into_iter()
            .filter(|&u| u > cur.top)
            .collect();
            remote::drain_unsolicited(session);
            new.sort_unstable();
            if !new.is_empty() {
                let mut plan = Vec::new();
                for chunk in new.chunks(BATCH) {
                    cur.top = *chunk.last().unwrap_or(&cur.top);
                    plan.push((chunk.to_vec(), cur));
                }
                fetch_and_store(
                    session,
                    acct,
                    &name,
                    plan,
                    Phase::NewMail,
                    true,
                    env,
                    &mut report,
                )
                .await?;
            }
        }
        if !cur.backfill_done {
            let below: Vec<u32> = match cur.bottom {
                Some(b) if b > 1 => {
                    let what = format!("list older messages of {name:?}");
                    let mut v: Vec<u32> = imap::timed(
                        &server,
                        &what,
                        session.uid_search(format!("UID 1:{}", b - 1)),
                    )
                    .await?
                    .into_iter()
                    .filter(|&u| u < b)
                    .collect();
                    remote::drain_unsolicited(session);
                    v.sort_unstable();
                    v
                }
                _ => Vec::new(),
            };
            if below.is_empty() {
                cur.backfill_done = true;
                let (n, c, now) = (name.clone(), cur, env.now());
                env.writer
                    .call(move |s| {
                        s.lock_store()
                            .write(|tx| local::set_cursor(tx, id, &n, &c, now))
                    })
                    .await??;
            } else {
                let plan = backfill_plan(&below, &mut cur);
                fetch_and_store(
                    session,
                    acct,
                    &name,
                    plan,
                    Phase::Initial,
                    false,
                    env,
                    &mut report,
                )
                .await?;
            }
        }
    }
    report.complete = cur.backfill_done;

    // 4. Expunges.
    let (n, limit) = (name.clone(), sel.uidnext);
    let held = match limit {
        Some(next) => Some(
            env.writer
                .call(move |s| local::location_count_below(s.lock_store().conn(), id, &n, next))
                .await??,
        ),
        None => None,
    };
    if !(cur.backfill_done && held == Some(sel.exists as u64)) {
        progress(env, acct, &name, Phase::Expunges, 0, 0);
        let on_server = match server_uids {
            Some(v) => v,
            None => remote::all_uids(session, &server, &name).await?,
        };
        let (n, now) = (name.clone(), env.now());
        report.expunged = env
            .writer
            .call(move |s| -> Result<u64, StoreError> {
                let mut store = s.lock_store();
                let have = local::uids(store.conn(), id, &n)?;
                let gone = remote::gone(&have, &on_server);
                if gone.is_empty() {
                    return Ok(0);
                }
                store.write(|tx| local::expunge(tx, id, &n, &gone, now))
            })
            .await??;
    }
    Ok(report)
}

/// Batches of `uids` (ascending) newest first, each with the cursor to store once it is in:
/// the batch's lowest UID as the new bottom, and done after the oldest batch. `cur` ends as the
/// last batch's cursor.
fn backfill_plan(uids: &[u32], cur: &mut FolderCursor) -> Vec<(Vec<u32>, FolderCursor)> {
    let mut plan = Vec::new();
    for (i, chunk) in uids.rchunks(BATCH).enumerate() {
        cur.bottom = chunk.first().copied();
        cur.backfill_done = (i + 1) * BATCH >= uids.len();
        plan.push((chunk.to_vec(), *cur));
    }
    plan
}

type Pending = oneshot::Receiver<Result<BatchOutcome, StoreError>>;

/// Fetches each planned batch, parses it on a blocking thread and queues its write (messages,
/// locations and the batch's cursor in one transaction). Fetch N+1, parse N and write N−1
/// overlap. On a network error, what was fetched is still parsed and written before returning.
#[allow(clippy::too_many_arguments)]
async fn fetch_and_store(
    session: &mut Session,
    acct: &ImapAccount,
    folder: &str,
    plan: Vec<(Vec<u32>, FolderCursor)>,
    phase: Phase,
    notify: bool,
    env: &Env,
    report: &mut FolderReport,
) -> Result<(), SyncError> {
    let server = server_label(&acct.config);
    let condstore = plan.first().is_some_and(|(_, c)| c.highestmodseq.is_some());
    let total: u64 = plan.iter().map(|(u, _)| u.len() as u64).sum();
    let mut done = 0u64;
    let mut parsing: Option<(JoinHandle<Vec<ParsedItem>>, FolderCursor, u64)> = None;
    let mut writes: VecDeque<(Pending, u64)> = VecDeque::new();
    progress(env, acct, folder, phase, 0, total);

    let mut failure: Option<SyncError> = None;
    for (uids, cursor) in plan {
        let fetched =
            remote::fetch_messages(session, &server, folder, &remote::uid_set(&uids), condstore)
                .await;
        // Hand the previous batch to the writer whether or not this fetch worked.
        if let Some((handle, c, n)) = parsing.take() {
            writes.push_back((
                queue_write(env, acct, folder, handle, c, n, notify, total).await?,
                n,
            ));
        }
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => {
                failure = Some(e.into());
                break;
            }
        };
        let (data_dir, id, now) = (env.data_dir.clone(), acct.id, env.now());
        let n = uids.len() as u64;
        parsing = Some((
            tokio::task::spawn_blocking(move || {
                imap_store::parse_batch(fetched, id, &data_dir, now)
            }),
            cursor,
            n,
        ));
        while writes.len() > 1 {
            if let Some((w, n)) = writes.pop_front() {
                let new = absorb(w, report).await?;
                done += n;
                announce(env, acct, folder, phase, done, total, new);
            }
        }
    }
    if let Some((handle, c, n)) = parsing.take() {
        writes.push_back((
            queue_write(env, acct, folder, handle, c, n, notify, total).await?,
            n,
        ));
    }
    while let Some((w, n)) = writes.pop_front() {
        let new = absorb(w, report).await?;
        done += n;
        announce(env, acct, folder, phase, done, total, new);
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
fn announce(
    env: &Env,
    acct: &ImapAccount,
    folder: &str,
    phase: Phase,
    done: u64,
    total: u64,
    new: Vec<NewMail>,
) {
    progress(env, acct, folder, phase, done, total);
    for mail in new {
        env.emit(SyncEvent::NewMail {
            account: acct.name.clone(),
            mail,
        });
    }
}

#[allow(clippy::too_many_arguments)]
async fn queue_write(
    env: &Env,
    acct: &ImapAccount,
    folder: &str,
    handle: JoinHandle<Vec<ParsedItem>>,
    cursor: FolderCursor,
    n: u64,
    notify: bool,
    total: u64,
) -> Result<Pending, SyncError> {
    let items = handle.await.map_err(|e| SyncError::Config {
        account: acct.name.clone(),
        reason: format!("the parser stopped: {e}"),
    })?;
    let (id, folder, now) = (acct.id, folder.to_string(), env.now());
    let activity = format!("syncing {folder}: {n} of {total} in this batch");
    env.writer
        .submit(move |s| {
            imap_store::write_batch(s, id, &folder, items, cursor, Some(activity), notify, now)
        })
        .await
}

async fn absorb(w: Pending, report: &mut FolderReport) -> Result<Vec<NewMail>, SyncError> {
    let out = w.await.map_err(|_| SyncError::WriterGone)??;
    report.stored += out.stored;
    report.duplicates += out.duplicates;
    report.quarantined += out.quarantined;
    report.cases_created += out.cases_created;
    report.cases_reopened += out.cases_reopened;
    Ok(out.new_mail)
}

/// Keeps an account current until `stop` turns true: a full pass, then IDLE on INBOX; any change
/// (or every [`IDLE_RENEW`]) runs another pass. On failure it records the error, waits with
/// exponential backoff and jitter, and reconnects. `auth` is asked for credentials on every
/// (re)connect, so a refreshed token is picked up.
pub async fn watch(
    acct: &ImapAccount,
    auth: &(dyn Fn() -> Result<ImapAuth, SyncError> + Sync),
    env: &Env,
    mut stop: watch::Receiver<bool>,
) -> Result<(), SyncError> {
    let mut attempt = 0u32;
    while !*stop.borrow() {
        let run = watch_session(acct, auth, env, &mut stop, &mut attempt);
        let result = run.await;
        match result {
            Ok(()) => return Ok(()), // stopped
            Err(e) => {
                let wait = finish_pass(acct, env, &Err(e), attempt)
                    .await?
                    .unwrap_or(health::BACKOFF_BASE);
                attempt = attempt.saturating_add(1);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.wait_for(|s| *s) => return Ok(()),
                }
            }
        }
    }
    Ok(())
}

async fn watch_session(
    acct: &ImapAccount,
    auth: &(dyn Fn() -> Result<ImapAuth, SyncError> + Sync),
    env: &Env,
    stop: &mut watch::Receiver<bool>,
    attempt: &mut u32,
) -> Result<(), SyncError> {
    let server = server_label(&acct.config);
    set_activity(env, acct.id, ACCOUNT_STREAM, Some("connecting")).await?;
    let creds = auth()?;
    let mut session = tokio::select! {
        s = imap::connect(&acct.config, &creds) => s?,
        _ = stop.wait_for(|s| *s) => return Ok(()),
    };
    loop {
        let report = tokio::select! {
            r = pass(&mut session, acct, env) => r,
            _ = stop.wait_for(|s| *s) => return Ok(()),
        };
        // A failed pass is recorded (once) by `watch`, which then backs off.
        let report = report?;
        finish_pass(acct, env, &Ok(report), *attempt).await?;
        *attempt = 0;
        set_activity(
            env,
            acct.id,
            ACCOUNT_STREAM,
            Some("waiting for new mail (IDLE)"),
        )
        .await?;
        remote::select(&mut session, &server, "INBOX", false).await?;
        let mut idle = session.idle();
        imap::timed(&server, "start IDLE", idle.init()).await?;
        let woke = {
            let (wait, _interrupt) = idle.wait_with_timeout(IDLE_RENEW);
            tokio::select! {
                r = tokio::time::timeout(IDLE_RENEW, wait) => match r {
                    Ok(Ok(_)) | Err(_) => true,
                    Ok(Err(e)) => return Err(ImapError::from_imap(&server, "wait in IDLE", e).into()),
                },
                _ = stop.wait_for(|s| *s) => false,
            }
        };
        session = imap::timed(&server, "end IDLE", idle.done()).await?;
        if !woke {
            let _ = imap::timed(&server, "log out", session.logout()).await;
            set_activity(env, acct.id, ACCOUNT_STREAM, None).await?;
            return Ok(());
        }
    }
}
