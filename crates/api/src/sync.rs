//! Syncing email accounts: one pass, or watch until told to stop.
//!
//! These are blocking functions for the CLI (and tests): each builds a small tokio runtime for
//! the network, and runs the store's writer on a thread of its own so that the store lock is
//! held only while a batch is written — never across a network wait — and the UI (or another
//! command) can read and write between batches.

use std::sync::MutexGuard;

use serde::Serialize;
use switchboard_channels::account::{EmailAuth, EmailConfig};
use switchboard_channels::email::imap::{ErrorClass, ImapAuth};
use switchboard_channels::secrets::SecretKind;
use switchboard_store::{Store, accounts, mailbox};
use switchboard_sync::health::SyncError;
use switchboard_sync::imap::{self as engine, Env, ImapAccount};
use switchboard_sync::imap_store::{self, StoreLock};
use tokio::sync::{mpsc, watch};

use crate::{ApiError, Code, Ctx, Result};

pub use switchboard_sync::imap::{FolderReport, PassReport, Phase, SyncEvent, SyncProgress};
pub use switchboard_sync::imap_store::NewMail;

impl StoreLock for Ctx {
    fn lock_store(&self) -> MutexGuard<'_, Store> {
        self.store()
    }
}

/// The email accounts to sync: the named one, or every enabled one.
fn email_accounts(ctx: &Ctx, only: Option<&str>) -> Result<Vec<ImapAccount>> {
    let store = ctx.store();
    let conn = store.conn();
    let list =
        match only {
            Some(name) => vec![accounts::by_name(conn, name)?.ok_or_else(|| {
                ApiError::new(Code::NotFound, format!("account {name:?} not found"))
            })?],
            None => accounts::list(conn)?
                .into_iter()
                .filter(|a| a.kind == "email" && a.enabled)
                .collect(),
        };
    let mut out = Vec::new();
    for a in list {
        if a.kind != "email" {
            return Err(ApiError::invalid(format!(
                "cannot sync account {:?}: it is a {} account, not email",
                a.name, a.kind
            )));
        }
        if mailbox::is_removed(conn, a.id)? {
            continue;
        }
        let config: EmailConfig = serde_json::from_value(a.config.clone()).map_err(|e| {
            ApiError::new(
                Code::Storage,
                format!("cannot read the settings of account {:?}: {e}", a.name),
            )
        })?;
        out.push(ImapAccount {
            id: a.id,
            name: a.name,
            config,
        });
    }
    Ok(out)
}

/// The credentials to sign in with, from the OS keychain.
pub fn imap_auth(ctx: &Ctx, acct: &ImapAccount) -> Result<ImapAuth, SyncError> {
    let secret_err = |cause| SyncError::Secret {
        account: acct.name.clone(),
        cause,
    };
    match &acct.config.auth {
        EmailAuth::Password => ctx
            .secrets()
            .get(&acct.name, SecretKind::Password)
            .map(ImapAuth::Password)
            .map_err(secret_err),
        // The OAuth flow keeps a current access token in the keychain.
        EmailAuth::OAuth2 { .. } => ctx
            .secrets()
            .get(&acct.name, SecretKind::AccessToken)
            .map(|t| ImapAuth::XOAuth2 {
                user: acct.config.username.clone(),
                access_token: t,
            })
            .map_err(secret_err),
    }
}

/// Runs `work` on a current-thread runtime with the store writer on its own thread, forwarding
/// every event to `on_event` on this thread.
fn with_engine<R, F>(
    ctx: &Ctx,
    on_event: &mut dyn FnMut(&SyncEvent),
    work: impl FnOnce(Env) -> F,
) -> Result<R>
where
    F: Future<Output = R>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(Code::Io, format!("cannot start the network runtime: {e}")))?;
    let (writer, queue) = imap_store::writer(4);
    let (etx, mut erx) = mpsc::unbounded_channel();
    let env = Env {
        writer,
        data_dir: ctx.data_dir().to_path_buf(),
        clock: ctx.clock(),
        events: etx,
    };
    std::thread::scope(|scope| {
        scope.spawn(|| imap_store::serve(ctx, queue));
        let out = rt.block_on(async {
            let fut = work(env);
            tokio::pin!(fut);
            let out = loop {
                tokio::select! {
                    biased;
                    Some(ev) = erx.recv() => on_event(&ev),
                    out = &mut fut => break out,
                }
            };
            while let Ok(ev) = erx.try_recv() {
                on_event(&ev);
            }
            out
        });
        Ok(out)
    })
}

/// One full pass over one account. Errors are also recorded in the account's health.
pub fn sync_account_once(
    ctx: &Ctx,
    account: &str,
    on_event: &mut dyn FnMut(&SyncEvent),
) -> Result<PassReport> {
    let acct = email_accounts(ctx, Some(account))?
        .pop()
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("account {account:?} was removed")))?;
    let auth = imap_auth(ctx, &acct).map_err(|e| sync_api_error(&e))?;
    with_engine(ctx, on_event, |env| async move {
        engine::sync_once(&acct, &auth, &env).await
    })?
    .map_err(|e| sync_api_error(&e))
}

pub(crate) fn sync_api_error(e: &SyncError) -> ApiError {
    let code = match e {
        SyncError::Imap(i) => return crate::account::imap_api_error(i),
        SyncError::Store(_) | SyncError::WriterGone => Code::Storage,
        SyncError::Secret { .. } => Code::Auth,
        SyncError::Config { .. } => Code::InvalidInput,
    };
    ApiError::new(code, e.to_string())
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountSyncResult {
    pub account: String,
    pub report: Option<PassReport>,
    /// Bluesky/Mastodon accounts: what each stream did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social: Option<switchboard_sync::social::SocialPassReport>,
    pub error: Option<String>,
    pub error_class: Option<ErrorClass>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncResult {
    pub accounts: Vec<AccountSyncResult>,
}

impl SyncResult {
    pub fn failed(&self) -> usize {
        self.accounts.iter().filter(|a| a.error.is_some()).count()
    }
}

/// One pass over every enabled email account (or the named one), one after the other. A failing
/// account does not stop the others; each result says what happened.
pub fn sync_all_once(
    ctx: &Ctx,
    only: Option<&str>,
    on_event: &mut dyn FnMut(&SyncEvent),
) -> Result<SyncResult> {
    let only_social = match only {
        Some(name) => accounts::by_name(ctx.store().conn(), name)?
            .is_some_and(|a| switchboard_sync::social::is_social(&a.kind)),
        None => false,
    };
    let accts = if only_social {
        vec![]
    } else {
        email_accounts(ctx, only)?
    };
    let mut result = SyncResult::default();
    for acct in accts {
        let auth = imap_auth(ctx, &acct);
        let outcome = match auth {
            Err(e) => Err(e),
            Ok(auth) => {
                let acct = &acct;
                with_engine(ctx, on_event, |env| async move {
                    engine::sync_once(acct, &auth, &env).await
                })?
            }
        };
        result.accounts.push(match outcome {
            Ok(report) => AccountSyncResult {
                account: acct.name.clone(),
                report: Some(report),
                social: None,
                error: None,
                error_class: None,
            },
            Err(e) => AccountSyncResult {
                account: acct.name.clone(),
                report: None,
                social: None,
                error: Some(e.to_string()),
                error_class: Some(e.class()),
            },
        });
    }
    if only.is_none() || only_social {
        result.accounts.extend(sync_social_once(ctx, only)?);
    }
    // Snoozes whose time has come open now, whatever the network did (a timed snooze must not
    // wait for the window or `case list` to notice it).
    crate::case::case_wake_due(ctx, &crate::rpc::NoParams {})?;
    Ok(result)
}

/// Enabled social accounts (Bluesky, Mastodon): the named one, or all.
fn social_accounts(ctx: &Ctx, only: Option<&str>) -> Result<Vec<accounts::Account>> {
    let store = ctx.store();
    let conn = store.conn();
    let mut out = Vec::new();
    for a in accounts::list(conn)? {
        if !switchboard_sync::social::is_social(&a.kind)
            || only.is_some_and(|n| !a.name.eq_ignore_ascii_case(n))
            || (only.is_none() && !a.enabled)
            || mailbox::is_removed(conn, a.id)?
        {
            continue;
        }
        out.push(a);
    }
    Ok(out)
}

/// One pass over every social account (or the named one). A failing account or stream is
/// recorded in its health and reported; the others still run.
pub fn sync_social_once(ctx: &Ctx, only: Option<&str>) -> Result<Vec<AccountSyncResult>> {
    let accts = social_accounts(ctx, only)?;
    if accts.is_empty() {
        return Ok(vec![]);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(Code::Io, format!("cannot start the network runtime: {e}")))?;
    let env = switchboard_sync::social::Env {
        store: &ctx.store,
        secrets: ctx.secrets(),
        clock: &*ctx.clock,
    };
    let mut out = Vec::new();
    for a in accts {
        let r = rt.block_on(switchboard_sync::social::sync_once(&env, &a));
        out.push(match r {
            Ok(rep) => {
                let failed = rep.first_error().map(|(e, c)| (e.to_owned(), c.to_owned()));
                AccountSyncResult {
                    account: a.name.clone(),
                    report: None,
                    error: failed.as_ref().map(|(e, _)| e.clone()),
                    error_class: failed.and_then(|(_, c)| ErrorClass::parse(&c)),
                    social: Some(rep),
                }
            }
            Err(e) => AccountSyncResult {
                account: a.name.clone(),
                report: None,
                social: None,
                error: Some(e.to_string()),
                error_class: ErrorClass::parse(e.class()),
            },
        });
    }
    Ok(out)
}

/// Stops a running [`sync_watch`] from another thread.
#[derive(Clone)]
pub struct StopHandle(watch::Sender<bool>);

impl StopHandle {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

pub fn stop_handle() -> (StopHandle, watch::Receiver<bool>) {
    let (tx, rx) = watch::channel(false);
    (StopHandle(tx), rx)
}

#[derive(Debug, Clone, Default)]
pub struct WatchParams {
    pub account: Option<String>,
    /// Also stop on Ctrl-C (SIGINT).
    pub stop_on_ctrl_c: bool,
}

/// Keeps every enabled email account (or the named one) in sync with IDLE until stopped:
/// through `stop`, or Ctrl-C when asked. Failures are retried with backoff and reported as
/// events; this returns only when stopped.
pub fn sync_watch(
    ctx: &Ctx,
    params: &WatchParams,
    stop: watch::Receiver<bool>,
    on_event: &mut dyn FnMut(&SyncEvent),
) -> Result<()> {
    let only = params.account.as_deref();
    let only_social = match only {
        Some(name) => accounts::by_name(ctx.store().conn(), name)?
            .is_some_and(|a| switchboard_sync::social::is_social(&a.kind)),
        None => false,
    };
    let accts = if only_social {
        vec![]
    } else {
        email_accounts(ctx, only)?
    };
    let social = if only.is_none() || only_social {
        social_accounts(ctx, only)?
    } else {
        vec![]
    };
    if accts.is_empty() && social.is_empty() {
        return Err(ApiError::new(
            Code::NotFound,
            "cannot sync: there is no enabled email account (add one with `switchboard account add imap`)",
        ));
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let ctrl_c = params.stop_on_ctrl_c;
    with_engine(ctx, on_event, |env| async move {
        let mut outer = stop;
        let forward = async {
            tokio::select! {
                _ = outer.wait_for(|s| *s) => {}
                r = tokio::signal::ctrl_c(), if ctrl_c => { let _ = r; }
            }
            let _ = stop_tx.send(true);
        };
        let workers = futures_util::future::join_all(accts.iter().map(|acct| {
            let env = env.clone();
            let stop = stop_rx.clone();
            async move {
                let auth = || imap_auth(ctx, acct);
                if let Err(e) = engine::watch(acct, &auth, &env, stop).await {
                    tracing::error!(account = %acct.name, error = %e, "sync worker ended");
                }
            }
        }));
        // Social providers have no push channel we can use without a server: poll them.
        // Failures are recorded in each stream's health (account list) and retried next round.
        let social_poll = {
            let mut stop = stop_rx.clone();
            let social = &social;
            async move {
                if social.is_empty() {
                    return;
                }
                let env = switchboard_sync::social::Env {
                    store: &ctx.store,
                    secrets: ctx.secrets(),
                    clock: &*ctx.clock,
                };
                loop {
                    for a in social {
                        if let Err(e) = switchboard_sync::social::sync_once(&env, a).await {
                            tracing::warn!(account = %a.name, error = %e, "social sync failed");
                        }
                    }
                    tokio::select! {
                        _ = stop.wait_for(|s| *s) => break,
                        _ = tokio::time::sleep(SOCIAL_POLL) => {}
                    }
                }
            }
        };
        // Workers end on their own once the stop is forwarded (IDLE ended, logged out).
        tokio::join!(workers, forward, social_poll);
    })
}

/// How often `sync_watch` polls social accounts (Bluesky suggests 30–60 s for notifications).
pub const SOCIAL_POLL: std::time::Duration = std::time::Duration::from_secs(60);
