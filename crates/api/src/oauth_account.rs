//! Connecting a Gmail or Microsoft 365 mailbox with OAuth2 (no password ever typed into
//! Switchboard): the browser sign-in, a check that IMAP accepts the token, then the account —
//! its refresh token in the OS keychain, its settings (the provider's preset servers) in the
//! database.

use serde::Serialize;
use switchboard_channels::account::{EmailAuth, EmailConfig, ServerConfig, preset};
use switchboard_channels::email::imap;
use switchboard_channels::oauth::{OAuthClient, Provider, SIGN_IN_TIMEOUT, TokenSet};
use switchboard_channels::secrets::SecretKind;
use switchboard_store::accounts::{self, NewAccount};
use switchboard_store::contacts::{self, IdentityRef};

pub use switchboard_channels::oauth::open_browser;

use crate::{ApiError, Code, Ctx, Result};

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
pub struct AddOAuthAccountParams {
    /// `google` (`gmail`) or `microsoft` (`outlook`).
    pub provider: String,
    /// The account's name in Switchboard.
    pub name: String,
    /// The mailbox address (also the sign-in hint and the XOAUTH2 user).
    pub email: Option<String>,
    /// Skip the IMAP check (tests against a mock provider; offline setup).
    #[serde(default)]
    pub skip_imap_check: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AddOAuthAccountResult {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub provider: String,
    /// The IMAP server accepted the token.
    pub imap_verified: bool,
}

fn oauth_err(e: switchboard_channels::oauth::OAuthError) -> ApiError {
    use switchboard_channels::oauth::OAuthError as E;
    let code = match &e {
        E::Config(_) | E::Token(_) => Code::InvalidInput,
        E::Denied(_) | E::StateMismatch | E::Expired { .. } => Code::Auth,
        E::Network(_) | E::Timeout(_) => Code::Unavailable,
        E::Loopback(_) | E::Secret(_) => Code::Io,
    };
    ApiError::new(code, e.to_string())
}

/// Signs in with the provider's real endpoints and the configured client id.
/// `open` receives the authorization URL (open a browser, print it).
pub fn account_add_oauth(
    ctx: &Ctx,
    p: &AddOAuthAccountParams,
    open: &dyn Fn(&str),
) -> Result<AddOAuthAccountResult> {
    let provider = parse_provider(&p.provider)?;
    let client = OAuthClient::for_provider(provider, ctx.data_dir()).map_err(oauth_err)?;
    account_add_oauth_with(ctx, p, &client, open)
}

fn parse_provider(s: &str) -> Result<Provider> {
    Provider::parse(s).ok_or_else(|| {
        ApiError::invalid(format!(
            "cannot add account: unknown OAuth provider {s:?} (expected gmail or microsoft)"
        ))
    })
}

/// [`account_add_oauth`] for the window and HTTP: the sign-in page opens in the system browser
/// (never an embedded webview, which Google refuses); the call returns once the browser has
/// come back to the loopback redirect, or with `unavailable` after the sign-in timeout.
pub fn account_add_oauth_in_browser(
    ctx: &Ctx,
    p: &AddOAuthAccountParams,
) -> Result<AddOAuthAccountResult> {
    account_add_oauth(ctx, p, &|url| {
        if let Err(e) = open_browser(url) {
            tracing::warn!(error = %e, url, "cannot open the system browser for the sign-in");
        }
    })
}

/// [`account_add_oauth`] with a given client (tests point it at a local mock provider).
pub fn account_add_oauth_with(
    ctx: &Ctx,
    p: &AddOAuthAccountParams,
    client: &OAuthClient,
    open: &dyn Fn(&str),
) -> Result<AddOAuthAccountResult> {
    let provider = parse_provider(&p.provider)?;
    let name = p.name.trim();
    if name.is_empty() {
        return Err(ApiError::invalid("cannot add account: the name is empty"));
    }
    let email = p
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| e.contains('@'))
        .ok_or_else(|| {
            ApiError::invalid(
                "cannot add account: pass --email ADDRESS (the mailbox's address; it is the sign-in hint and the IMAP/SMTP user)",
            )
        })?
        .to_string();
    if accounts::by_name(ctx.store().conn(), name)?.is_some() {
        return Err(ApiError::new(
            Code::Conflict,
            format!("cannot add account: an account named {name:?} already exists"),
        ));
    }
    let preset = preset(provider.preset_id()).ok_or_else(|| {
        ApiError::invalid(format!(
            "cannot add account: no preset for {}",
            provider.id()
        ))
    })?;
    let cfg = EmailConfig {
        email: email.clone(),
        display_name: None,
        username: email.clone(),
        imap: ServerConfig {
            host: preset.imap.0.into(),
            port: preset.imap.1,
            security: preset.imap.2,
        },
        smtp: ServerConfig {
            host: preset.smtp.0.into(),
            port: preset.smtp.1,
            security: preset.smtp.2,
        },
        auth: EmailAuth::OAuth2 {
            provider: provider.id().into(),
        },
        ca_file: None,
        extra_folders: vec![],
    };

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(Code::Io, format!("cannot start the network runtime: {e}")))?;
    let clock = ctx.clock();
    let tokens: TokenSet = rt
        .block_on(client.sign_in(
            Some(&email),
            |u| open(u.as_str()),
            SIGN_IN_TIMEOUT,
            || clock.now(),
        ))
        .map_err(oauth_err)?;
    drop(rt);
    let refresh = tokens.refresh_token.clone().ok_or_else(|| {
        ApiError::invalid(format!(
            "cannot add account: {} returned no refresh token (offline access was not granted); try again",
            provider.display_name()
        ))
    })?;

    let imap_verified = if p.skip_imap_check {
        false
    } else {
        let auth = imap::ImapAuth::XOAuth2 {
            user: email.clone(),
            access_token: tokens.access_token.clone(),
        };
        crate::account::verify_imap_login(&cfg, &auth).map_err(|e| {
            let mut err = crate::account::imap_api_error(&e);
            err.message = format!(
                "cannot add account {name:?}: {} signed you in, but the IMAP server refused the token: {}",
                provider.display_name(),
                err.message
            );
            err
        })?;
        true
    };

    ctx.secrets()
        .set(name, SecretKind::RefreshToken, &refresh)
        .map_err(|e| ApiError::new(Code::Io, format!("cannot add account: {e}")))?;
    let now = ctx.now();
    let config = serde_json::to_value(&cfg)
        .map_err(|e| ApiError::new(Code::Storage, format!("cannot add account: {e}")))?;
    let id = ctx.store().write(|tx| {
        let id = accounts::insert(
            tx,
            NewAccount {
                kind: "email",
                name,
                address: Some(&email),
                config,
            },
            now,
        )?;
        contacts::mark_self(
            tx,
            &IdentityRef {
                channel: "email".into(),
                external_id: email.to_lowercase(),
                handle: None,
                display_name: None,
            },
            now,
        )?;
        Ok(id)
    });
    let id = match id {
        Ok(id) => id,
        Err(e) => {
            // No account row: no orphaned token in the keychain either.
            let _ = ctx.secrets().delete(name, SecretKind::RefreshToken);
            return Err(e.into());
        }
    };
    crate::outbox::tokens().put(name, &tokens);
    Ok(AddOAuthAccountResult {
        id,
        name: name.to_string(),
        email,
        provider: provider.id().into(),
        imap_verified,
    })
}
