//! The outbox's remote phase: send what the user wrote, exactly once.
//!
//! The rule (DESIGN.md §4): **a reply is never sent twice, and never silently lost.** Every
//! network step is guarded by a committed database state, so a crash at any point leaves a row
//! that says what may have happened (docs/outbox.md lists each window):
//!
//! 1. claim: `queued → sending`, attempts + 1, and the exact bytes stored in the payload — one
//!    commit, before any connection is opened;
//! 2. SMTP; when the server accepts, `smtp_accepted_at` is committed at once;
//! 3. APPEND the same bytes to Sent (`\Seen`), then `sent`.
//!
//! On the next flush (holding the flush lock, so no live sender is racing us) a row still in
//! `sending` becomes `unknown`. Unknown rows are reconciled before anything else: if the
//! SMTP-accepted mark is there, the message went out and only the Sent copy may be missing
//! (search, APPEND if absent, `sent`); otherwise the Sent folder is searched for its Message-ID —
//! found means `sent`, not found means it stays `unknown` for the user to decide. Nothing is ever
//! resent on its own.

use std::fs::File;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;
use switchboard_channels::account::{EmailAuth, EmailConfig};
use switchboard_channels::email::compose::{self, ReplyDraft};
use switchboard_channels::email::imap::{self, ErrorClass, ImapAuth, ImapError};
use switchboard_channels::email::{sent, smtp};
use switchboard_channels::oauth::{AccessTokens, OAuthClient, OAuthError, Provider};
use switchboard_channels::secrets::{SecretKind, Secrets};
use switchboard_channels::social::ChannelError;
use switchboard_core::Clock;
use switchboard_store::outbox::{self as store_outbox, OutboxItem, OutboxState};
use switchboard_store::{Store, StoreError, accounts};

/// The lock file in the data folder that makes one process at a time the outbox's sender.
pub const LOCK_FILE: &str = "outbox.lock";
/// Retryable failures give up (→ `failed`) after this many attempts.
pub const MAX_ATTEMPTS: i64 = 10;
/// After an authentication failure, automatic flushes wait this long (a manual flush does not).
pub const AUTH_BACKOFF_MS: i64 = 15 * 60_000;
/// Base and cap of the exponential backoff for retryable failures.
pub const BACKOFF_BASE_MS: i64 = 60_000;
pub const BACKOFF_CAP_MS: i64 = 3_600_000;
/// What the user is told about an item in `unknown`.
pub const UNKNOWN_HINT: &str = "may or may not have been sent — check, then `switchboard outbox retry ID` or `switchboard outbox discard ID`";

/// What a flush needs from its host (the API's `Ctx`, or a test).
pub struct Env<'a> {
    pub store: &'a Mutex<Store>,
    pub secrets: &'a dyn Secrets,
    pub clock: &'a dyn Clock,
    pub tokens: &'a AccessTokens,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct FlushOptions {
    /// Send queued items even while they back off (the user pressed "send now").
    pub ignore_backoff: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ItemOutcome {
    pub id: i64,
    pub class: String,
    pub error: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FlushReport {
    /// Another process was flushing; nothing was done.
    pub busy: bool,
    /// Sent now.
    pub sent: Vec<i64>,
    /// `unknown` items found in the Sent folder (or SMTP-accepted ones now saved there): sent.
    pub reconciled: Vec<i64>,
    /// Still `unknown` after looking: the user decides.
    pub unknown: Vec<ItemOutcome>,
    /// Not sent this time, still queued (offline, auth, retryable).
    pub deferred: Vec<ItemOutcome>,
    /// Refused for good.
    pub failed: Vec<ItemOutcome>,
    /// Sent, but the copy could not be saved to Sent (retried on later flushes).
    pub warnings: Vec<ItemOutcome>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("cannot flush the outbox: {0}")]
    Store(#[from] StoreError),
    #[error("cannot lock the outbox ({path}): {cause}")]
    Lock { path: String, cause: std::io::Error },
}

/// The provider-specific part of an email reply's outbox row (`outbox.payload`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EmailPayload {
    pub channel: String,
    pub draft: ReplyDraft,
    /// The exact bytes (ASCII; built once, at the first claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_accepted_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_response: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub append_pending: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discarded_at: Option<i64>,
}

impl EmailPayload {
    pub fn new(draft: ReplyDraft) -> Self {
        EmailPayload {
            channel: "email".into(),
            draft,
            raw: None,
            smtp_accepted_at: None,
            smtp_response: None,
            append_pending: false,
            discarded_at: None,
        }
    }
}

fn payload_of(item: &OutboxItem) -> Result<EmailPayload, String> {
    serde_json::from_value(item.payload.clone())
        .map_err(|e| format!("the outbox item's payload is not an email reply: {e}"))
}

fn to_json(p: &EmailPayload) -> serde_json::Value {
    serde_json::to_value(p).unwrap_or(serde_json::Value::Null)
}

/// Crash-test hook: with `SWITCHBOARD_TEST_CRASH_AFTER=<point>` a debug build aborts at that
/// point (`claim`, `smtp` — accepted but not yet recorded —, `accepted`, `append`; for social
/// items `social_sent` — posted but not yet recorded). Release builds ignore it.
fn crash_point(point: &str) {
    if cfg!(debug_assertions)
        && std::env::var("SWITCHBOARD_TEST_CRASH_AFTER").is_ok_and(|v| v == point)
    {
        eprintln!("switchboard: test hook: aborting after {point}");
        std::process::abort();
    }
}

fn write<T>(
    env: &Env<'_>,
    f: impl FnOnce(&mut switchboard_store::Tx<'_>) -> switchboard_store::Result<T>,
) -> Result<T, StoreError> {
    let mut store = env.store.lock().unwrap_or_else(|p| p.into_inner());
    store.write(f)
}

/// Records that an item is still of unknown fate (with why) and reports it to the user.
fn still_unknown(
    env: &Env<'_>,
    report: &mut FlushReport,
    id: i64,
    class: String,
    note: String,
) -> Result<(), StoreError> {
    write(env, |tx| {
        store_outbox::note_unknown(tx, id, &note, env.clock.now())
    })?;
    report.unknown.push(ItemOutcome {
        id,
        class,
        error: note,
    });
    Ok(())
}

/// An exclusive lock on the outbox for this process, released on drop (and by the OS when the
/// process dies, which is what makes `sending` rows safe to recover).
pub struct FlushLock {
    _file: File,
}

impl FlushLock {
    /// `Ok(None)` when another process holds it.
    pub fn try_acquire(data_dir: &Path) -> Result<Option<FlushLock>, OutboxError> {
        let path = data_dir.join(LOCK_FILE);
        let err = |cause| OutboxError::Lock {
            path: path.display().to_string(),
            cause,
        };
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(err)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(FlushLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(err(e)),
        }
    }
}

/// One account's connection details and credentials for this flush.
struct Account {
    id: i64,
    name: String,
    cfg: EmailConfig,
    oauth: Option<OAuthClient>,
    /// Servers that save what SMTP sends into Sent themselves (Gmail): no APPEND.
    server_saves_sent: bool,
}

enum Creds {
    Password(switchboard_channels::secrets::Secret),
    Token(switchboard_channels::secrets::Secret),
}

impl Account {
    fn load(env: &Env<'_>, id: i64) -> Result<Account, ItemFailure> {
        let a = {
            let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
            accounts::by_id(store.conn(), id)
        }
        .map_err(|e| ItemFailure::permanent(e.to_string()))?;
        if a.kind != "email" {
            return Err(ItemFailure::permanent(format!(
                "account {:?} cannot send email",
                a.name
            )));
        }
        let cfg: EmailConfig = serde_json::from_value(a.config.clone()).map_err(|e| {
            ItemFailure::permanent(format!(
                "account {:?} has no usable mail settings: {e}",
                a.name
            ))
        })?;
        let oauth = match &cfg.auth {
            EmailAuth::Password => None,
            EmailAuth::OAuth2 { provider } => {
                let p = Provider::parse(provider).ok_or_else(|| {
                    ItemFailure::permanent(format!("unknown OAuth provider {provider:?}"))
                })?;
                let data_dir = {
                    let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
                    store.data_dir().to_path_buf()
                };
                Some(OAuthClient::for_provider(p, &data_dir).map_err(ItemFailure::from_oauth)?)
            }
        };
        let server_saves_sent = cfg.imap.host.eq_ignore_ascii_case("imap.gmail.com");
        Ok(Account {
            id: a.id,
            name: a.name,
            cfg,
            oauth,
            server_saves_sent,
        })
    }

    async fn creds(&self, env: &Env<'_>, force_refresh: bool) -> Result<Creds, ItemFailure> {
        match &self.oauth {
            None => env
                .secrets
                .get(&self.name, SecretKind::Password)
                .map(Creds::Password)
                .map_err(|e| ItemFailure {
                    class: match e {
                        switchboard_channels::secrets::SecretError::Missing { .. } => {
                            ErrorClass::Auth
                        }
                        _ => ErrorClass::Retryable,
                    },
                    error: e.to_string(),
                    maybe_sent: false,
                }),
            Some(client) => env
                .tokens
                .get(
                    client,
                    env.secrets,
                    &self.name,
                    env.clock.now(),
                    force_refresh,
                )
                .await
                .map(Creds::Token)
                .map_err(ItemFailure::from_oauth),
        }
    }

    fn smtp_auth(&self, c: &Creds) -> smtp::SmtpAuth {
        match c {
            Creds::Password(p) => smtp::SmtpAuth::Password {
                user: self.cfg.username.clone(),
                password: p.clone(),
            },
            Creds::Token(t) => smtp::SmtpAuth::XOAuth2 {
                user: self.cfg.username.clone(),
                access_token: t.clone(),
            },
        }
    }

    fn imap_auth(&self, c: &Creds) -> ImapAuth {
        match c {
            Creds::Password(p) => ImapAuth::Password(p.clone()),
            Creds::Token(t) => ImapAuth::XOAuth2 {
                user: self.cfg.username.clone(),
                access_token: t.clone(),
            },
        }
    }

    /// An IMAP session, refreshing an OAuth token once if the server refuses it.
    async fn imap(&self, env: &Env<'_>) -> Result<imap::Session, ItemFailure> {
        let creds = self.creds(env, false).await?;
        match imap::connect(&self.cfg, &self.imap_auth(&creds)).await {
            Ok(s) => Ok(s),
            Err(e) if e.class() == ErrorClass::Auth && self.oauth.is_some() => {
                env.tokens.forget(&self.name);
                let creds = self.creds(env, true).await?;
                imap::connect(&self.cfg, &self.imap_auth(&creds))
                    .await
                    .map_err(ItemFailure::from_imap)
            }
            Err(e) => Err(ItemFailure::from_imap(e)),
        }
    }
}

#[derive(Debug)]
struct ItemFailure {
    class: ErrorClass,
    error: String,
    maybe_sent: bool,
}

impl ItemFailure {
    fn permanent(error: String) -> Self {
        ItemFailure {
            class: ErrorClass::Permanent,
            error,
            maybe_sent: false,
        }
    }
    fn from_imap(e: ImapError) -> Self {
        ItemFailure {
            class: e.class(),
            error: e.to_string(),
            maybe_sent: false,
        }
    }
    fn from_oauth(e: OAuthError) -> Self {
        ItemFailure {
            class: e.class(),
            error: e.to_string(),
            maybe_sent: false,
        }
    }
    fn outcome(&self, id: i64) -> ItemOutcome {
        ItemOutcome {
            id,
            class: self.class.as_str().into(),
            error: self.error.clone(),
        }
    }
}

/// A fraction in [0.75, 1.25) from the OS's randomness (jitter keeps retries of many items
/// from arriving together).
fn jitter() -> f64 {
    let mut b = [0u8; 2];
    let r = getrandom::fill(&mut b)
        .map(|()| u16::from_le_bytes(b))
        .unwrap_or(0x8000);
    0.75 + f64::from(r) / f64::from(u16::MAX) * 0.5
}

/// When to try again after the `attempts`-th failure of class `class` (`None`: next flush).
pub fn next_attempt(class: ErrorClass, attempts: i64, now: i64) -> Option<i64> {
    match class {
        ErrorClass::Offline => None,
        ErrorClass::Auth => Some(now + AUTH_BACKOFF_MS),
        ErrorClass::RateLimited | ErrorClass::Retryable | ErrorClass::Permanent => {
            let base = if class == ErrorClass::RateLimited {
                BACKOFF_BASE_MS * 5
            } else {
                BACKOFF_BASE_MS
            };
            let exp = attempts.clamp(1, 20) - 1;
            let delay = base.saturating_mul(1i64 << exp).min(BACKOFF_CAP_MS);
            Some(now + (delay as f64 * jitter()) as i64)
        }
    }
}

/// Sends every due item (see the module docs). Item failures are reported, not returned: only
/// a database or lock failure fails the flush.
pub async fn flush(env: &Env<'_>, opts: FlushOptions) -> Result<FlushReport, OutboxError> {
    let data_dir = {
        let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
        store.data_dir().to_path_buf()
    };
    let Some(_lock) = FlushLock::try_acquire(&data_dir)? else {
        return Ok(FlushReport {
            busy: true,
            ..FlushReport::default()
        });
    };
    let mut report = FlushReport::default();
    let now = env.clock.now();
    let interrupted = write(env, |tx| store_outbox::recover_interrupted(tx, now))?;
    if !interrupted.is_empty() {
        tracing::warn!(?interrupted, "outbox items were interrupted while sending");
    }

    // Social accounts (Bluesky, Mastodon) stay signed in for the whole flush.
    let mut social = crate::social::Connections::default();

    // Accounts that failed in a way every item of theirs would share (offline, auth).
    let mut down: std::collections::HashMap<i64, ItemFailure> = std::collections::HashMap::new();

    // 1. Reconcile every unknown item before sending anything.
    let unknown = {
        let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
        store_outbox::list(store.conn(), &[OutboxState::Unknown])?
    };
    for item in unknown {
        if let Some(f) = down.get(&item.account_id) {
            let note = format!(
                "{UNKNOWN_HINT} (could not check the Sent folder: {})",
                f.error
            );
            still_unknown(env, &mut report, item.id, f.class.as_str().into(), note)?;
            continue;
        }
        match reconcile_any(env, &mut social, &item).await {
            Ok(Reconciled::Requeued) => {
                tracing::info!(
                    outbox_id = item.id,
                    "not on the provider after an interrupted send: queued again"
                );
            }
            Ok(Reconciled::Sent { note }) => {
                if let Some(n) = note {
                    report.warnings.push(ItemOutcome {
                        id: item.id,
                        class: "retryable".into(),
                        error: n,
                    });
                }
                report.reconciled.push(item.id);
            }
            Ok(Reconciled::NotFound) => {
                let note = format!("not found in the Sent folder: it {UNKNOWN_HINT}");
                let class = item
                    .error_class
                    .clone()
                    .unwrap_or_else(|| "retryable".into());
                still_unknown(env, &mut report, item.id, class, note)?;
            }
            Err(f) => {
                let note = format!(
                    "{UNKNOWN_HINT} (could not check the Sent folder: {})",
                    f.error
                );
                still_unknown(env, &mut report, item.id, f.class.as_str().into(), note)?;
                if matches!(f.class, ErrorClass::Offline | ErrorClass::Auth) {
                    down.insert(item.account_id, f);
                }
            }
        }
    }

    // 2. Sent items whose Sent copy is still missing.
    let pending = {
        let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
        store_outbox::append_pending(store.conn())?
    };
    for id in pending {
        let item = {
            let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
            store_outbox::get(store.conn(), id)?
        };
        if down.contains_key(&item.account_id) {
            continue;
        }
        if let Err(f) = save_copy_and_mark_sent(env, &item).await? {
            report.warnings.push(f.outcome(id));
        }
    }

    // 3. Due queued items, oldest first.
    let due = {
        let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
        store_outbox::due(store.conn(), env.clock.now(), opts.ignore_backoff)?
    };
    for id in due {
        let account_id = {
            let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
            store_outbox::get(store.conn(), id)?.account_id
        };
        if let Some(f) = down.get(&account_id) {
            let f = ItemFailure {
                class: f.class,
                error: f.error.clone(),
                maybe_sent: false,
            };
            defer(env, id, &f, &mut report)?;
            continue;
        }
        match send_one(env, &mut social, id).await? {
            SendResult::Skipped => {}
            SendResult::Deferred(f) => report.deferred.push(f.outcome(id)),
            SendResult::Sent { warning } => {
                report.sent.push(id);
                if let Some(w) = warning {
                    report.warnings.push(w.outcome(id));
                }
            }
            SendResult::Failed(f) => {
                let account_wide = matches!(f.class, ErrorClass::Offline | ErrorClass::Auth);
                record_failure(env, id, &f, &mut report)?;
                if account_wide {
                    down.insert(account_id, f);
                }
            }
        }
    }
    Ok(report)
}

enum SendResult {
    /// Not queued any more (another flush took it, or the user discarded it).
    Skipped,
    Sent {
        warning: Option<ItemFailure>,
    },
    Failed(ItemFailure),
    /// Not sent and already requeued (a social provider said when to come back).
    Deferred(ItemFailure),
}

enum Reconciled {
    Sent {
        note: Option<String>,
    },
    NotFound,
    /// Certainly not delivered, and a resend cannot duplicate it: back in the queue.
    Requeued,
}

/// The account's kind when it is a social one (Bluesky, Mastodon): those items go through
/// `crate::social`, email stays here.
fn social_kind(env: &Env<'_>, account_id: i64) -> Result<Option<String>, StoreError> {
    let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
    let a = accounts::by_id(store.conn(), account_id)?;
    Ok(crate::social::is_social(&a.kind).then_some(a.kind))
}

fn social_env<'a>(env: &Env<'a>) -> crate::social::Env<'a> {
    crate::social::Env {
        store: env.store,
        secrets: env.secrets,
        clock: env.clock,
    }
}

impl ItemFailure {
    fn from_social(e: &crate::social::SocialError) -> Self {
        ItemFailure {
            class: ErrorClass::parse(e.class()).unwrap_or(ErrorClass::Retryable),
            error: e.to_string(),
            maybe_sent: matches!(e, crate::social::SocialError::Channel(c) if c.maybe_delivered()),
        }
    }
}

/// Claims and sends one social item (see `crate::social`). Only database failures are `Err`.
async fn send_social(
    env: &Env<'_>,
    conns: &mut crate::social::Connections,
    item: &OutboxItem,
) -> Result<SendResult, StoreError> {
    let now = env.clock.now();
    if !write(env, |tx| store_outbox::claim(tx, item.id, None, now))? {
        return Ok(SendResult::Skipped);
    }
    crash_point("claim");
    match crate::social::send_item(&social_env(env), conns, item).await {
        crate::social::SendOutcome::Sent(sent) => {
            crash_point("social_sent");
            let now = env.clock.now();
            write(env, |tx| {
                crate::social::mark_sent(tx, item, &sent, None, now)
            })?;
            tracing::info!(outbox_id = item.id, external_id = %sent.external_id, "social reply sent");
            Ok(SendResult::Sent { warning: None })
        }
        // The server said when: wait exactly that long (not the generic backoff).
        crate::social::SendOutcome::Failed(
            e @ crate::social::SocialError::Channel(ChannelError::RateLimited {
                retry_at: Some(at),
                ..
            }),
        ) => {
            let f = ItemFailure::from_social(&e);
            let now = env.clock.now();
            write(env, |tx| {
                store_outbox::requeue(tx, item.id, f.class.as_str(), &f.error, Some(at), now)
            })?;
            Ok(SendResult::Deferred(f))
        }
        crate::social::SendOutcome::Failed(e) => {
            Ok(SendResult::Failed(ItemFailure::from_social(&e)))
        }
    }
}

/// Settles one `unknown` item: email by its Sent folder, social items by reading back.
async fn reconcile_any(
    env: &Env<'_>,
    conns: &mut crate::social::Connections,
    item: &OutboxItem,
) -> Result<Reconciled, ItemFailure> {
    let kind =
        social_kind(env, item.account_id).map_err(|e| ItemFailure::permanent(e.to_string()))?;
    let Some(kind) = kind else {
        return reconcile(env, item).await;
    };
    let (found, idempotent) = crate::social::reconcile_item(&social_env(env), conns, item)
        .await
        .map_err(|e| ItemFailure::from_social(&e))?;
    let now = env.clock.now();
    let stored = match found {
        Some(sent) => {
            let note = format!("found on {kind} after an interrupted send");
            write(env, |tx| {
                crate::social::mark_sent(tx, item, &sent, Some(&note), now)
            })
            .map(|()| Reconciled::Sent { note: None })
        }
        None if idempotent => write(env, |tx| {
            store_outbox::requeue(
                tx,
                item.id,
                "retryable",
                &format!("not on {kind} after an interrupted send: queued again (a resend reuses the same record key, so it cannot post twice)"),
                None,
                now,
            )
        })
        .map(|()| Reconciled::Requeued),
        None => Ok(Reconciled::NotFound),
    };
    stored.map_err(|e| ItemFailure::permanent(e.to_string()))
}

/// Claims and sends one queued item. Only database failures are `Err`.
async fn send_one(
    env: &Env<'_>,
    social: &mut crate::social::Connections,
    id: i64,
) -> Result<SendResult, StoreError> {
    let item = {
        let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
        store_outbox::get(store.conn(), id)?
    };
    if item.state != OutboxState::Queued {
        return Ok(SendResult::Skipped);
    }
    if social_kind(env, item.account_id)?.is_some() {
        return send_social(env, social, &item).await;
    }
    let mut payload = match payload_of(&item) {
        Ok(p) => p,
        Err(e) => return Ok(SendResult::Failed(ItemFailure::permanent(e))),
    };
    // The exact bytes, built once: a later retry sends the very same message.
    if payload.raw.is_none() {
        match compose::build_reply(&payload.draft, env.clock.now()) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(s) => payload.raw = Some(s),
                Err(_) => {
                    return Ok(SendResult::Failed(ItemFailure::permanent(
                        "cannot build the reply: it is not ASCII".into(),
                    )));
                }
            },
            Err(e) => return Ok(SendResult::Failed(ItemFailure::permanent(e.to_string()))),
        }
    }
    let json = to_json(&payload);
    let now = env.clock.now();
    if !write(env, |tx| store_outbox::claim(tx, id, Some(&json), now))? {
        return Ok(SendResult::Skipped);
    }
    crash_point("claim");

    let account = match Account::load(env, item.account_id) {
        Ok(a) => a,
        Err(f) => return Ok(SendResult::Failed(f)),
    };
    let raw = payload.raw.clone().unwrap_or_default();
    let to: Vec<String> = payload.draft.to.iter().map(|m| m.email.clone()).collect();
    let from = account.cfg.email.clone();

    let mut refreshed = false;
    let accepted = loop {
        let creds = match account.creds(env, refreshed).await {
            Ok(c) => c,
            Err(f) => return Ok(SendResult::Failed(f)),
        };
        match smtp::send(
            &account.cfg,
            &account.smtp_auth(&creds),
            &from,
            &to,
            raw.as_bytes(),
        )
        .await
        {
            Ok(a) => break a,
            Err(e) if e.class == ErrorClass::Auth && account.oauth.is_some() && !refreshed => {
                // The access token may have been revoked or expired early: refresh once.
                env.tokens.forget(&account.name);
                refreshed = true;
            }
            Err(e) => {
                return Ok(SendResult::Failed(ItemFailure {
                    class: e.class,
                    error: e.to_string(),
                    maybe_sent: e.maybe_sent,
                }));
            }
        }
    };
    crash_point("smtp");
    // Accepted: record it before anything else, so a crash from here on only ever needs the
    // Sent copy, never a resend.
    payload.smtp_accepted_at = Some(env.clock.now());
    payload.smtp_response = Some(accepted.response.clone());
    let json = to_json(&payload);
    let now = env.clock.now();
    write(env, |tx| store_outbox::set_payload(tx, id, &json, now))?;
    crash_point("accepted");
    tracing::info!(
        outbox_id = id,
        account_id = account.id,
        "reply accepted by SMTP"
    );

    let item = {
        let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
        store_outbox::get(store.conn(), id)?
    };
    let warning = save_copy_and_mark_sent(env, &item).await?.err();
    Ok(SendResult::Sent { warning })
}

/// For an item SMTP accepted: make sure the Sent folder has its copy (search first, so a copy
/// that made it before a crash is not doubled), then mark it sent. A Sent folder that cannot be
/// reached does not make the reply unsent: it is marked sent with `append_pending`, and later
/// flushes try again.
async fn save_copy_and_mark_sent(
    env: &Env<'_>,
    item: &OutboxItem,
) -> Result<Result<(), ItemFailure>, StoreError> {
    let mut payload = match payload_of(item) {
        Ok(p) => p,
        Err(e) => return Ok(Err(ItemFailure::permanent(e))),
    };
    let msgid = item.idempotency_key.clone();
    let result: Result<(), ItemFailure> = async {
        let account = Account::load(env, item.account_id)?;
        if account.server_saves_sent {
            return Ok(());
        }
        let raw = payload
            .raw
            .clone()
            .ok_or_else(|| ItemFailure::permanent("the sent bytes were not kept".into()))?;
        let server = imap::server_label(&account.cfg);
        let mut session = account.imap(env).await?;
        let folder = sent::find_sent_folder(&mut session, &server)
            .await
            .map_err(ItemFailure::from_imap)?;
        let there = sent::contains_message_id(&mut session, &server, &folder, &msgid)
            .await
            .map_err(ItemFailure::from_imap)?;
        if !there {
            sent::append_sent(&mut session, &server, &folder, raw.as_bytes())
                .await
                .map_err(ItemFailure::from_imap)?;
            crash_point("append");
        }
        let _ = imap::timed(&server, "log out", session.logout()).await;
        Ok(())
    }
    .await;
    let now = env.clock.now();
    match result {
        Ok(()) => {
            payload.append_pending = false;
            let json = to_json(&payload);
            write(env, |tx| {
                store_outbox::set_payload(tx, item.id, &json, now)?;
                store_outbox::mark_sent(tx, item.id, &msgid, None, now)
            })?;
            Ok(Ok(()))
        }
        Err(f) => {
            payload.append_pending = true;
            let json = to_json(&payload);
            let note = format!("sent, but not saved to the Sent folder yet: {}", f.error);
            write(env, |tx| {
                store_outbox::set_payload(tx, item.id, &json, now)?;
                store_outbox::mark_sent(tx, item.id, &msgid, Some(&note), now)
            })?;
            Ok(Err(ItemFailure {
                class: f.class,
                error: note,
                maybe_sent: false,
            }))
        }
    }
}

/// Settles one `unknown` item by reading back the Sent folder.
async fn reconcile(env: &Env<'_>, item: &OutboxItem) -> Result<Reconciled, ItemFailure> {
    let payload = payload_of(item).map_err(ItemFailure::permanent)?;
    if payload.smtp_accepted_at.is_some() {
        // SMTP took it; only the Sent copy and the final mark may be missing.
        return match save_copy_and_mark_sent(env, item)
            .await
            .map_err(|e| ItemFailure::permanent(e.to_string()))?
        {
            Ok(()) => Ok(Reconciled::Sent { note: None }),
            Err(f) => Ok(Reconciled::Sent {
                note: Some(f.error),
            }),
        };
    }
    let account = Account::load(env, item.account_id)?;
    let server = imap::server_label(&account.cfg);
    let mut session = account.imap(env).await?;
    let folder = sent::find_sent_folder(&mut session, &server)
        .await
        .map_err(ItemFailure::from_imap)?;
    let found = sent::contains_message_id(&mut session, &server, &folder, &item.idempotency_key)
        .await
        .map_err(ItemFailure::from_imap)?;
    let _ = imap::timed(&server, "log out", session.logout()).await;
    if found {
        let now = env.clock.now();
        write(env, |tx| {
            store_outbox::mark_sent(
                tx,
                item.id,
                &item.idempotency_key,
                Some("found in the Sent folder after an interrupted send"),
                now,
            )
        })
        .map_err(|e| ItemFailure::permanent(e.to_string()))?;
        Ok(Reconciled::Sent { note: None })
    } else {
        Ok(Reconciled::NotFound)
    }
}

fn defer(
    env: &Env<'_>,
    id: i64,
    f: &ItemFailure,
    report: &mut FlushReport,
) -> Result<(), StoreError> {
    let now = env.clock.now();
    let next = next_attempt(f.class, 1, now);
    write(env, |tx| {
        store_outbox::requeue(tx, id, f.class.as_str(), &f.error, next, now)
    })?;
    report.deferred.push(f.outcome(id));
    Ok(())
}

/// Records a failed attempt on a claimed item: unknown, requeued with backoff, or failed.
fn record_failure(
    env: &Env<'_>,
    id: i64,
    f: &ItemFailure,
    report: &mut FlushReport,
) -> Result<(), StoreError> {
    let now = env.clock.now();
    let attempts = {
        let store = env.store.lock().unwrap_or_else(|p| p.into_inner());
        store_outbox::get(store.conn(), id)?.attempts
    };
    if f.maybe_sent {
        let msg = format!("{} — it {UNKNOWN_HINT}", f.error);
        write(env, |tx| {
            store_outbox::mark_unknown(tx, id, f.class.as_str(), &msg, now)
        })?;
        report.unknown.push(ItemOutcome {
            id,
            class: f.class.as_str().into(),
            error: msg,
        });
        return Ok(());
    }
    match f.class {
        ErrorClass::Permanent => {
            write(env, |tx| {
                store_outbox::fail(tx, id, "permanent", &f.error, now)
            })?;
            report.failed.push(f.outcome(id));
        }
        ErrorClass::Retryable | ErrorClass::RateLimited if attempts >= MAX_ATTEMPTS => {
            let msg = format!("gave up after {attempts} attempts: {}", f.error);
            write(env, |tx| {
                store_outbox::fail(tx, id, f.class.as_str(), &msg, now)
            })?;
            report.failed.push(ItemOutcome {
                id,
                class: f.class.as_str().into(),
                error: msg,
            });
        }
        class => {
            let next = next_attempt(class, attempts, now);
            write(env, |tx| {
                store_outbox::requeue(tx, id, class.as_str(), &f.error, next, now)
            })?;
            report.deferred.push(f.outcome(id));
        }
    }
    Ok(())
}
