//! Connecting a Mastodon account: with the browser (the app registers itself on the user's
//! server, then OAuth with PKCE on a loopback redirect) or with an access token the user made on
//! the server (headless setups, tests).
//!
//! The browser sign-in is two calls so that the desktop can open the URL itself:
//! [`mastodon_sign_in_begin`] registers the app, starts listening on loopback and returns the
//! URL; [`mastodon_sign_in_finish`] waits for the browser to come back and saves the account.
//! Between the two, the pending sign-in (its listener, PKCE verifier and state) lives in this
//! process only; an abandoned one is dropped after [`SIGN_IN_TIMEOUT`].
//!
//! Either way the access token goes to the OS keychain only, and the account row, its
//! configuration (server, account id, handle, URI) and our own identity are written in one
//! transaction; if that fails, the token is removed again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use switchboard_channels::oauth::{OAuthError, SIGN_IN_TIMEOUT};
use switchboard_channels::secrets::{Secret, SecretKind};
use switchboard_channels::social::ChannelError;
use switchboard_channels::social::http;
use switchboard_channels::social::mastodon::{
    self, CHANNEL, Config, PublicVisibility, signin::SignIn, signin::SignInError,
};
use switchboard_store::accounts::{self, NewAccount};
use switchboard_store::contacts::{self, IdentityRef};

use crate::{ApiError, Code, Ctx, Result};

/// Connect with an access token (made on the server under Preferences → Development, with the
/// scopes in [`mastodon::signin::SCOPES`]).
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct AddMastodonAccountParams {
    /// The server: `mastodon.social` or `https://mastodon.social`.
    pub server: String,
    /// The account's name in Switchboard (default: its handle, `user@domain`).
    #[serde(default)]
    pub name: Option<String>,
    pub token: String,
    /// `public` (default) or `unlisted`: how public replies are posted.
    #[serde(default)]
    pub public_visibility: Option<String>,
}

impl std::fmt::Debug for AddMastodonAccountParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddMastodonAccountParams")
            .field("server", &self.server)
            .field("name", &self.name)
            .field("token", &"…")
            .field("public_visibility", &self.public_visibility)
            .finish()
    }
}

/// The connected account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MastodonAccountResult {
    pub id: i64,
    pub name: String,
    /// The server's origin, e.g. `https://mastodon.social/`.
    pub server: String,
    /// `user@domain`.
    pub acct: String,
    /// The account's ActivityPub URI (our identity on this channel).
    pub account_uri: String,
    /// The server's status length limit (URLs count 23).
    pub max_characters: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct MastodonSignInBeginParams {
    pub server: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub public_visibility: Option<String>,
    /// Open the sign-in page in the system browser (the window asks for this; the CLI opens
    /// it itself so it can also print it).
    #[serde(default)]
    pub open_browser: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MastodonSignInBeginResult {
    /// Pass to [`mastodon_sign_in_finish`].
    pub sign_in_id: String,
    /// Open this in the system browser.
    pub authorize_url: String,
    /// Where the browser comes back (a loopback address of this machine).
    pub redirect_uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct MastodonSignInFinishParams {
    pub sign_in_id: String,
    /// How long to wait for the browser (default and maximum: 300 s).
    #[serde(default)]
    pub timeout_secs: Option<u32>,
}

struct Pending {
    sign_in: SignIn,
    name: Option<String>,
    public_visibility: PublicVisibility,
    started_at: i64,
}

fn pending() -> &'static Mutex<HashMap<String, Pending>> {
    static PENDING: OnceLock<Mutex<HashMap<String, Pending>>> = OnceLock::new();
    PENDING.get_or_init(|| Mutex::new(HashMap::new()))
}

/// One runtime for every Mastodon sign-in of this process: the loopback listener opened by
/// `begin` is registered with it and must be polled by the same runtime in `finish`.
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(rt) = RT.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("mastodon-sign-in")
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(Code::Io, format!("cannot start the network runtime: {e}")))?;
    Ok(RT.get_or_init(|| rt))
}

/// Runs `f` to completion on [`runtime`] from a plain thread, so callers inside another async
/// runtime (the desktop shell) do not trip Tokio's "runtime within a runtime" guard.
fn block_on<T: Send, F: Future<Output = T> + Send>(f: impl FnOnce() -> F + Send) -> Result<T> {
    let rt = runtime()?;
    std::thread::scope(|s| {
        s.spawn(|| rt.block_on(f()))
            .join()
            .map_err(|_| ApiError::new(Code::Io, "the Mastodon sign-in thread failed"))
    })
}

fn channel_err(doing: &str, e: ChannelError) -> ApiError {
    let code = match &e {
        ChannelError::Offline { .. }
        | ChannelError::Retryable { .. }
        | ChannelError::RateLimited { .. } => Code::Unavailable,
        ChannelError::Auth { .. } => Code::Auth,
        ChannelError::Permanent { .. } | ChannelError::Unsupported { .. } => Code::InvalidInput,
        ChannelError::Malformed { .. } => Code::Unavailable,
    };
    let hint = if matches!(e, ChannelError::Malformed { .. }) {
        " (is this a Mastodon server?)"
    } else {
        ""
    };
    ApiError::new(code, format!("cannot {doing}: {e}{hint}"))
}

fn sign_in_err(e: SignInError) -> ApiError {
    match e {
        SignInError::Channel(c) => channel_err("sign in to Mastodon", c),
        SignInError::OAuth(o) => {
            let code = match &o {
                OAuthError::Denied(_) | OAuthError::StateMismatch | OAuthError::Expired { .. } => {
                    Code::Auth
                }
                OAuthError::Network(_) | OAuthError::Timeout(_) => Code::Unavailable,
                OAuthError::Config(_) | OAuthError::Token(_) => Code::InvalidInput,
                OAuthError::Loopback(_) | OAuthError::Secret(_) => Code::Io,
            };
            ApiError::new(code, o.to_string())
        }
    }
}

fn server(input: &str) -> Result<url::Url> {
    mastodon::server_url(input)
        .map_err(|e| ApiError::invalid(format!("cannot add Mastodon account: {e}")))
}

fn visibility(v: Option<&str>) -> Result<PublicVisibility> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(PublicVisibility::Public),
        Some(v) => PublicVisibility::parse(v).ok_or_else(|| {
            ApiError::invalid(format!(
                "cannot add Mastodon account: public visibility {v:?} is not public or unlisted"
            ))
        }),
    }
}

fn check_name_free(ctx: &Ctx, name: Option<&str>) -> Result<Option<String>> {
    let Some(name) = name.map(str::trim) else {
        return Ok(None);
    };
    if name.is_empty() {
        return Err(ApiError::invalid(
            "cannot add Mastodon account: the name is empty",
        ));
    }
    if accounts::by_name(ctx.store().conn(), name)?.is_some() {
        return Err(ApiError::new(
            Code::Conflict,
            format!("cannot add Mastodon account: an account named {name:?} already exists"),
        ));
    }
    Ok(Some(name.to_string()))
}

fn http_client() -> Result<reqwest::Client> {
    http::client(CHANNEL).map_err(|e| channel_err("add a Mastodon account", e))
}

/// Connects with an access token (no browser).
pub fn account_add_mastodon(
    ctx: &Ctx,
    p: &AddMastodonAccountParams,
) -> Result<MastodonAccountResult> {
    let base = server(&p.server)?;
    let name = check_name_free(ctx, p.name.as_deref())?;
    let vis = visibility(p.public_visibility.as_deref())?;
    let token = p.token.trim();
    if token.is_empty() {
        return Err(ApiError::invalid(
            "cannot add Mastodon account: the access token is empty",
        ));
    }
    save_account(ctx, &base, name, Secret::new(token), None, vis)
}

/// Starts the browser sign-in: registers Switchboard on the server with a loopback redirect
/// and returns the URL to open. Then call [`mastodon_sign_in_finish`].
pub fn mastodon_sign_in_begin(
    ctx: &Ctx,
    p: &MastodonSignInBeginParams,
) -> Result<MastodonSignInBeginResult> {
    let base = server(&p.server)?;
    let name = check_name_free(ctx, p.name.as_deref())?;
    let vis = visibility(p.public_visibility.as_deref())?;
    let http = http_client()?;
    let now = ctx.now();
    let sign_in =
        block_on(|| async { SignIn::begin(&http, &base, now).await })?.map_err(sign_in_err)?;
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let sign_in_id = format!("mastodon-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let out = MastodonSignInBeginResult {
        sign_in_id: sign_in_id.clone(),
        authorize_url: sign_in.authorize_url.to_string(),
        redirect_uri: sign_in.redirect_uri.clone(),
    };
    if p.open_browser == Some(true)
        && let Err(e) = crate::oauth_account::open_browser(&out.authorize_url)
    {
        // The screen also shows the link, so a missing browser is not fatal.
        tracing::warn!(error = %e, "cannot open the system browser for the Mastodon sign-in");
    }
    let mut map = pending().lock().unwrap_or_else(|p| p.into_inner());
    let limit = i64::try_from(SIGN_IN_TIMEOUT.as_millis()).unwrap_or(i64::MAX);
    map.retain(|_, p| now - p.started_at < limit);
    map.insert(
        sign_in_id,
        Pending {
            sign_in,
            name,
            public_visibility: vis,
            started_at: now,
        },
    );
    Ok(out)
}

/// Waits for the browser to come back to the loopback redirect, trades the code (with the PKCE
/// verifier) for a token, and saves the account.
pub fn mastodon_sign_in_finish(
    ctx: &Ctx,
    p: &MastodonSignInFinishParams,
) -> Result<MastodonAccountResult> {
    let pend = pending()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&p.sign_in_id)
        .ok_or_else(|| {
            ApiError::new(
                Code::NotFound,
                format!(
                    "cannot finish the Mastodon sign-in: no sign-in {:?} is waiting (it finished, expired or was started by another process); start again",
                    p.sign_in_id
                ),
            )
        })?;
    let limit = p
        .timeout_secs
        .map(|s| Duration::from_secs(u64::from(s)).min(SIGN_IN_TIMEOUT))
        .unwrap_or(SIGN_IN_TIMEOUT);
    let http = http_client()?;
    let clock = ctx.clock();
    let Pending {
        sign_in,
        name,
        public_visibility,
        ..
    } = pend;
    let done = block_on(|| async move { sign_in.finish(&http, limit, || clock.now()).await })?
        .map_err(sign_in_err)?;
    // The name may have been taken while the browser was open.
    let name = check_name_free(ctx, name.as_deref())?;
    save_account(
        ctx,
        &done.server,
        name,
        done.token,
        Some(done.client_id),
        public_visibility,
    )
}

fn save_account(
    ctx: &Ctx,
    base: &url::Url,
    name: Option<String>,
    token: Secret,
    client_id: Option<String>,
    public_visibility: PublicVisibility,
) -> Result<MastodonAccountResult> {
    let http = http_client()?;
    let now = ctx.now();
    let (instance, me) = block_on(|| async {
        let instance = mastodon::fetch_instance(&http, base, now).await?;
        let me = mastodon::verify_credentials(&http, base, &token, &instance.domain, now).await?;
        Ok::<_, ChannelError>((instance, me))
    })?
    .map_err(|e| channel_err("add Mastodon account", e))?;
    let acct = me.author.handle.clone().unwrap_or_default();
    let name = name.unwrap_or_else(|| acct.clone());
    {
        let store = ctx.store();
        for a in accounts::list(store.conn())? {
            if a.kind == CHANNEL
                && a.config.get("account_uri").and_then(|v| v.as_str())
                    == Some(me.author.external_id.as_str())
            {
                return Err(ApiError::new(
                    Code::Conflict,
                    format!(
                        "cannot add Mastodon account: {acct} is already connected as {:?}",
                        a.name
                    ),
                ));
            }
        }
        if accounts::by_name(store.conn(), &name)?.is_some() {
            return Err(ApiError::new(
                Code::Conflict,
                format!("cannot add Mastodon account: an account named {name:?} already exists"),
            ));
        }
    }
    let cfg = Config {
        server: base.to_string(),
        account_id: me.account_id.clone(),
        acct: acct.clone(),
        account_uri: me.author.external_id.clone(),
        client_id,
        public_visibility,
        limits: instance.limits,
    };
    let config = serde_json::to_value(&cfg)
        .map_err(|e| ApiError::new(Code::Storage, format!("cannot add Mastodon account: {e}")))?;
    ctx.secrets()
        .set(&name, SecretKind::AccessToken, &token)
        .map_err(|e| ApiError::new(Code::Io, format!("cannot add Mastodon account: {e}")))?;
    let saved = ctx.store().write(|tx| {
        let id = accounts::insert(
            tx,
            NewAccount {
                kind: CHANNEL,
                name: &name,
                address: Some(&acct),
                config,
            },
            now,
        )?;
        contacts::mark_self(
            tx,
            &IdentityRef {
                channel: CHANNEL.into(),
                external_id: me.author.external_id.clone(),
                handle: me.author.handle.clone(),
                display_name: me.author.display_name.clone(),
            },
            now,
        )?;
        Ok(id)
    });
    let id = match saved {
        Ok(id) => id,
        Err(e) => {
            // No account row: no orphaned token in the keychain either.
            let _ = ctx.secrets().delete(&name, SecretKind::AccessToken);
            return Err(e.into());
        }
    };
    tracing::info!(account = %name, server = %base, "mastodon account added");
    Ok(MastodonAccountResult {
        id,
        name,
        server: cfg.server,
        acct,
        account_uri: cfg.account_uri,
        max_characters: u32::try_from(instance.limits.max_characters).unwrap_or(u32::MAX),
    })
}
