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
    let accts = email_accounts(ctx, only)?;
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
                error: None,
                error_class: None,
            },
            Err(e) => AccountSyncResult {
                account: acct.name.clone(),
                report: None,
                error: Some(e.to_string()),
                error_class: Some(e.class()),
            },
        });
    }
    Ok(result)
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
    let accts = email_accounts(ctx, params.account.as_deref())?;
    if accts.is_empty() {
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
        // Workers end on their own once the stop is forwarded (IDLE ended, logged out).
        tokio::join!(workers, forward);
    })
}
