//! Connecting, listing and removing channel accounts.
//!
//! Adding an IMAP account signs in first and saves nothing unless that works, so a typo in a
//! password is a clear "the server refused" on the spot, not a sync that silently never runs.
//! The password goes to the OS keychain only; SQLite gets the non-secret settings. The address is
//! marked as one of the business's own identities, so synced mail from it counts as outbound.
//!
//! Listing shows every account with its sync health per stream (folder): last success, last error
//! and its class, what it is doing now, and how much is stored or quarantined — so a stalled sync
//! is visible, never silent.

use std::path::PathBuf;

use serde::Serialize;
use switchboard_channels::account::{EmailAuth, EmailConfig, ServerConfig};
use switchboard_channels::email::imap::{self, ErrorClass, ImapAuth, ImapError};
use switchboard_channels::secrets::SecretKind;
use switchboard_store::accounts::{self, NewAccount};
use switchboard_store::contacts::{self, IdentityRef};
use switchboard_store::mailbox::{self, StreamHealth};

use crate::{ApiError, Code, Ctx, Result};

pub use switchboard_channels::account::{PRESETS, Preset, Security, preset};
pub use switchboard_channels::secrets::Secret;

#[derive(Debug, Clone)]
pub struct AddImapParams {
    pub name: String,
    pub email: String,
    pub display_name: Option<String>,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_security: Security,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: Security,
    pub username: String,
    pub password: Secret,
    /// Extra CA certificate (PEM) to trust for this account's servers.
    pub ca_file: Option<PathBuf>,
    /// Folders to sync besides INBOX and Sent.
    pub extra_folders: Vec<String>,
}

/// What a front end sends to add a mail account: a preset (or the servers by hand) and the
/// password. Resolved into [`AddImapParams`] by [`AddEmailParams::resolve`], the one place that
/// fills in ports and security from a preset, so the CLI, the window and HTTP agree.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct AddEmailParams {
    pub name: String,
    pub email: String,
    pub display_name: Option<String>,
    /// `gmail`, `microsoft`, `fastmail`, `icloud`, `yahoo` (see [`PRESETS`]).
    pub preset: Option<String>,
    pub imap_host: Option<String>,
    pub imap_port: Option<u16>,
    pub imap_security: Option<Security>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_security: Option<Security>,
    /// Defaults to the address.
    pub username: Option<String>,
    pub password: String,
    #[serde(default)]
    pub extra_folders: Vec<String>,
}

impl AddEmailParams {
    /// Fills in what the preset knows; names the missing field otherwise.
    pub fn resolve(self, ca_file: Option<PathBuf>) -> Result<AddImapParams> {
        let p = match &self.preset {
            Some(id) => Some(preset(id).ok_or_else(|| {
                ApiError::invalid(format!(
                    "cannot add account: unknown preset {id:?} (known: {})",
                    PRESETS.iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
                ))
            })?),
            None => None,
        };
        let missing = |what: &str| {
            ApiError::invalid(format!(
                "cannot add account: {what} is required (or choose a preset)"
            ))
        };
        let imap_host = self
            .imap_host
            .filter(|h| !h.trim().is_empty())
            .or(p.map(|p| p.imap.0.to_string()))
            .ok_or_else(|| missing("the IMAP server"))?;
        let imap_security = self
            .imap_security
            .or(p.map(|p| p.imap.2))
            .ok_or_else(|| missing("the IMAP security (tls or starttls)"))?;
        let imap_port = self
            .imap_port
            .or(p.map(|p| p.imap.1))
            .unwrap_or(match imap_security {
                Security::Tls => 993,
                Security::Starttls => 143,
            });
        let smtp_host = self
            .smtp_host
            .filter(|h| !h.trim().is_empty())
            .or(p.map(|p| p.smtp.0.to_string()))
            .unwrap_or_else(|| imap_host.clone());
        let smtp_port = self.smtp_port.or(p.map(|p| p.smtp.1)).unwrap_or(587);
        let smtp_security =
            self.smtp_security
                .or(p.map(|p| p.smtp.2))
                .unwrap_or(if smtp_port == 465 {
                    Security::Tls
                } else {
                    Security::Starttls
                });
        if self.password.is_empty() {
            return Err(ApiError::invalid(
                "cannot add account: the password is empty",
            ));
        }
        Ok(AddImapParams {
            name: self.name,
            username: self
                .username
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| self.email.clone()),
            email: self.email,
            display_name: self.display_name,
            imap_host,
            imap_port,
            imap_security,
            smtp_host,
            smtp_port,
            smtp_security,
            password: Secret::new(self.password),
            ca_file,
            extra_folders: self.extra_folders,
        })
    }
}

/// [`account_add_imap`] from a front end's [`AddEmailParams`] (no CA file: that is a CLI option).
pub fn account_add_email(ctx: &Ctx, p: &AddEmailParams) -> Result<AccountInfo> {
    account_add_imap(ctx, p.clone().resolve(None)?)
}

/// Maps an IMAP failure onto what a front end branches on.
pub(crate) fn imap_api_error(e: &ImapError) -> ApiError {
    let code = match e.class() {
        ErrorClass::Auth => Code::Auth,
        ErrorClass::Offline | ErrorClass::Retryable | ErrorClass::RateLimited => Code::Unavailable,
        ErrorClass::Permanent => match e {
            ImapError::CaFile { .. } => Code::InvalidInput,
            _ => Code::Unavailable,
        },
    };
    ApiError::new(code, e.to_string())
}

fn secret_error(e: switchboard_channels::secrets::SecretError) -> ApiError {
    ApiError::new(Code::Io, e.to_string())
}

/// Signs in to the IMAP server, then saves the account (settings in SQLite, password in the OS
/// keychain) and marks its address as our own.
pub fn account_add_imap(ctx: &Ctx, p: AddImapParams) -> Result<AccountInfo> {
    let name = p.name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::invalid("cannot add account: the name is empty"));
    }
    let email = p.email.trim().to_ascii_lowercase();
    if !email.contains('@') {
        return Err(ApiError::invalid(format!(
            "cannot add account {name:?}: {email:?} is not an email address"
        )));
    }
    if p.username.trim().is_empty() {
        return Err(ApiError::invalid(format!(
            "cannot add account {name:?}: the username is empty"
        )));
    }
    if accounts::by_name(ctx.store().conn(), &name)?.is_some() {
        return Err(ApiError::new(
            Code::Conflict,
            format!("cannot add account {name:?}: an account with that name already exists"),
        ));
    }
    let config = EmailConfig {
        email: email.clone(),
        display_name: p.display_name.clone(),
        username: p.username.trim().to_string(),
        imap: ServerConfig {
            host: p.imap_host.trim().to_string(),
            port: p.imap_port,
            security: p.imap_security,
        },
        smtp: ServerConfig {
            host: p.smtp_host.trim().to_string(),
            port: p.smtp_port,
            security: p.smtp_security,
        },
        auth: EmailAuth::Password,
        ca_file: p.ca_file.clone(),
        extra_folders: p.extra_folders.clone(),
    };

    verify_imap_login(&config, &ImapAuth::Password(p.password.clone())).map_err(|e| {
        let mut err = imap_api_error(&e);
        err.message = format!("cannot add account {name:?}: {}", err.message);
        err
    })?;

    ctx.secrets()
        .set(&name, SecretKind::Password, &p.password)
        .map_err(secret_error)?;
    let now = ctx.now();
    let saved = ctx.store().write(|tx| {
        let id = accounts::insert(
            tx,
            NewAccount {
                kind: "email",
                name: &name,
                address: Some(&email),
                config: serde_json::to_value(&config)?,
            },
            now,
        )?;
        contacts::mark_self(
            tx,
            &IdentityRef {
                channel: switchboard_sync::email::CHANNEL.into(),
                external_id: email.clone(),
                handle: None,
                display_name: p.display_name.clone(),
            },
            now,
        )?;
        Ok(id)
    });
    if let Err(e) = saved {
        // Never leave a password behind for an account that does not exist.
        let _ = ctx.secrets().delete(&name, SecretKind::Password);
        return Err(e.into());
    }
    tracing::info!(account = %name, server = %imap::server_label(&config), "email account added");
    account_get(ctx, &name)
}

/// Opens a session and logs out again: proves the settings and credentials work.
pub fn verify_imap_login(config: &EmailConfig, auth: &ImapAuth) -> Result<(), ImapError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ImapError::Protocol {
            server: imap::server_label(config),
            what: "start the network runtime".into(),
            cause: e.to_string(),
        })?;
    rt.block_on(async {
        let mut session = imap::connect(config, auth).await?;
        let server = imap::server_label(config);
        imap::timed(&server, "log out", session.logout()).await
    })
}

/// Overall state of an account, derived from its streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    /// Never synced yet.
    New,
    Ok,
    /// Something is running now.
    Syncing,
    /// The last attempt of some stream failed (see the streams for the class).
    Error,
    Disabled,
    /// A sample-data account of the demo workspace: it has no server and is never synced.
    Demo,
    /// An account of this app's own with nothing to sync: the import archive, or the one that
    /// logged calls and visits belong to.
    Local,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AccountHealth {
    pub status: SyncStatus,
    /// Messages stored for this account (not deleted on the server).
    pub messages: u64,
    /// Items that could not be stored, kept in quarantine with their reason.
    pub quarantined: u64,
    pub last_success_at: Option<i64>,
    /// The most recent error of any stream, with its class.
    pub last_error: Option<String>,
    pub error_class: Option<String>,
    pub streams: Vec<StreamHealth>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AccountInfo {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub address: Option<String>,
    pub enabled: bool,
    /// `host:port` of the incoming server, for email accounts.
    pub server: Option<String>,
    pub health: AccountHealth,
    /// Whether `account_remove` accepts it: not for the app's own accounts (the import archive,
    /// the account of logged calls), which hold history and have nothing to forget.
    pub removable: bool,
}

fn info(store: &switchboard_store::Store, a: accounts::Account) -> Result<AccountInfo> {
    let conn = store.conn();
    let streams = mailbox::health(conn, a.id)?;
    let (messages, quarantined) = mailbox::account_counts(conn, a.id)?;
    let failing = streams
        .iter()
        .filter(|s| s.last_error.is_some())
        .max_by_key(|s| s.last_attempt_at);
    let local = is_local(&a);
    let status = if local {
        SyncStatus::Local
    } else if a.config.get("demo") == Some(&serde_json::Value::Bool(true)) {
        SyncStatus::Demo
    } else if !a.enabled {
        SyncStatus::Disabled
    } else if streams.iter().any(|s| s.activity.is_some()) {
        SyncStatus::Syncing
    } else if failing.is_some() {
        SyncStatus::Error
    } else if streams.iter().any(|s| s.last_success_at.is_some()) {
        SyncStatus::Ok
    } else {
        SyncStatus::New
    };
    let server = serde_json::from_value::<EmailConfig>(a.config.clone())
        .ok()
        .map(|c| imap::server_label(&c));
    Ok(AccountInfo {
        id: a.id,
        kind: a.kind,
        address: a.address,
        enabled: a.enabled,
        server,
        health: AccountHealth {
            status,
            messages,
            quarantined,
            last_success_at: streams.iter().filter_map(|s| s.last_success_at).max(),
            last_error: failing.and_then(|s| s.last_error.clone()),
            error_class: failing.and_then(|s| s.error_class.clone()),
            streams,
        },
        removable: !local,
        name: a.name,
    })
}

/// The app's own accounts: the import archive and the account of logged calls and visits.
fn is_local(a: &accounts::Account) -> bool {
    (a.name == accounts::ARCHIVE_ACCOUNT && a.kind == accounts::ARCHIVE_ACCOUNT)
        || (a.name == switchboard_store::offline::MANUAL_ACCOUNT
            && a.kind == switchboard_store::offline::MANUAL_ACCOUNT)
}

/// Every account that was not removed, with its sync health.
pub fn account_list(ctx: &Ctx) -> Result<Vec<AccountInfo>> {
    let store = ctx.store();
    let conn = store.conn();
    let mut out = Vec::new();
    for a in accounts::list(conn)? {
        if mailbox::is_removed(conn, a.id)? {
            continue;
        }
        out.push(info(&store, a)?);
    }
    Ok(out)
}

pub fn account_get(ctx: &Ctx, name: &str) -> Result<AccountInfo> {
    let store = ctx.store();
    let a = accounts::by_name(store.conn(), name)?
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("account {name:?} not found")))?;
    info(&store, a)
}

/// Removes an account: its secrets leave the keychain, its sync state goes, and it stops
/// syncing. Messages and cases it brought in stay (history is never lost).
pub fn account_remove(ctx: &Ctx, name: &str) -> Result<()> {
    let a = accounts::by_name(ctx.store().conn(), name)?
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("account {name:?} not found")))?;
    if a.name == accounts::ARCHIVE_ACCOUNT {
        return Err(ApiError::invalid(
            "cannot remove the archive account: it holds imported files",
        ));
    }
    if is_local(&a) {
        return Err(ApiError::invalid(format!(
            "cannot remove the {:?} account: it holds the logged calls and visits, and has nothing to sync",
            a.name
        )));
    }
    for kind in [
        SecretKind::Password,
        SecretKind::AppPassword,
        SecretKind::RefreshToken,
        SecretKind::AccessToken,
    ] {
        ctx.secrets().delete(&a.name, kind).map_err(secret_error)?;
    }
    let now = ctx.now();
    ctx.store()
        .write(|tx| mailbox::remove_account(tx, a.id, now))?;
    tracing::info!(account = %a.name, "account removed");
    Ok(())
}
