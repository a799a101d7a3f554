//! Connecting social accounts (Bluesky), and the per-channel length limits the composer shows.
//!
//! Adding a Bluesky account signs in first (finding the PDS from the handle unless a service is
//! given) and saves nothing unless that works, so a wrong app password is a clear `auth` error
//! on the spot. The app password and the session's refresh token go to the OS keychain; SQLite
//! gets the DID, handle and PDS only. The account's DID is marked as one of the business's own
//! identities, so its posts read back from a thread count as outbound.

use serde::{Deserialize, Serialize};
use switchboard_channels::secrets::{Secret, SecretKind};
use switchboard_channels::social::{self, ChannelError, TextLimit, Visibility, bluesky};
use switchboard_store::accounts::{self, NewAccount};
use switchboard_store::contacts::{self, IdentityRef};

use crate::account::{AccountInfo, account_get};
use crate::{ApiError, Code, Ctx, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AddBlueskyParams {
    /// `alice.bsky.social` (an `@` in front is fine) or a DID.
    pub handle: String,
    /// An app password (Settings → App passwords); never the account password.
    pub app_password: String,
    /// The account's name in Switchboard (default: the handle).
    #[serde(default)]
    pub name: Option<String>,
    /// The PDS URL: skips discovery from the handle.
    #[serde(default)]
    pub service: Option<String>,
    /// PLC directory for `did:plc` documents (default https://plc.directory).
    #[serde(default)]
    pub plc_url: Option<String>,
    /// Where handles are resolved (default https://public.api.bsky.app).
    #[serde(default)]
    pub resolver: Option<String>,
}

/// Maps a provider error to the code a front end branches on.
pub(crate) fn channel_api_error(e: &ChannelError) -> ApiError {
    let code = match e {
        ChannelError::Auth { .. } => Code::Auth,
        ChannelError::Offline { .. }
        | ChannelError::RateLimited { .. }
        | ChannelError::Retryable { .. }
        | ChannelError::Malformed { .. } => Code::Unavailable,
        ChannelError::Permanent { .. } | ChannelError::Unsupported { .. } => Code::InvalidInput,
    };
    ApiError::new(code, e.to_string())
}

/// Signs in to Bluesky, then saves the account (see the module docs).
pub async fn account_add_bluesky(ctx: &Ctx, p: &AddBlueskyParams) -> Result<AccountInfo> {
    let handle = p.handle.trim().trim_start_matches('@').to_lowercase();
    if handle.is_empty() {
        return Err(ApiError::invalid(
            "cannot add a Bluesky account: the handle is empty",
        ));
    }
    if p.app_password.trim().is_empty() {
        return Err(ApiError::invalid(
            "cannot add a Bluesky account: the app password is empty",
        ));
    }
    let name = p
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&handle)
        .to_owned();
    if accounts::by_name(ctx.store().conn(), &name)?.is_some() {
        return Err(ApiError::new(
            Code::Conflict,
            format!("cannot add account {name:?}: an account with that name already exists"),
        ));
    }
    let http = social::http::client(bluesky::CHANNEL).map_err(|e| channel_api_error(&e))?;
    let discovery = bluesky::Discovery {
        service: p.service.clone().filter(|s| !s.trim().is_empty()),
        plc_url: p.plc_url.clone().filter(|s| !s.trim().is_empty()),
        resolver: p.resolver.clone().filter(|s| !s.trim().is_empty()),
    };
    let mut session = bluesky::sign_in(&handle, p.app_password.trim(), &discovery, http)
        .await
        .map_err(|e| {
            let mut err = channel_api_error(&e);
            err.message = format!("cannot add account {name:?}: {}", err.message);
            err
        })?;
    let config = session.config().clone();

    let secret_err = |e: switchboard_channels::secrets::SecretError| {
        ApiError::new(Code::Io, format!("cannot add account {name:?}: {e}"))
    };
    ctx.secrets()
        .set(
            &name,
            SecretKind::AppPassword,
            &Secret::new(p.app_password.trim()),
        )
        .map_err(secret_err)?;
    if let Some(t) = session.take_new_refresh_token() {
        ctx.secrets()
            .set(&name, SecretKind::RefreshToken, &Secret::new(t))
            .map_err(secret_err)?;
    }
    let now = ctx.now();
    let saved = ctx.store().write(|tx| {
        let id = accounts::insert(
            tx,
            NewAccount {
                kind: bluesky::CHANNEL,
                name: &name,
                address: Some(&config.handle),
                config: serde_json::to_value(&config)?,
            },
            now,
        )?;
        contacts::mark_self(
            tx,
            &IdentityRef {
                channel: bluesky::CHANNEL.into(),
                external_id: config.did.clone(),
                handle: Some(config.handle.clone()),
                display_name: None,
            },
            now,
        )?;
        Ok(id)
    });
    if let Err(e) = saved {
        // Never leave secrets behind for an account that does not exist.
        let _ = ctx.secrets().delete(&name, SecretKind::AppPassword);
        let _ = ctx.secrets().delete(&name, SecretKind::RefreshToken);
        return Err(e.into());
    }
    tracing::info!(account = %name, did = %config.did, pds = %config.service, "bluesky account added");
    account_get(ctx, &name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelLimitsParams {
    pub account_id: i64,
}

/// How long a reply may be with one visibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChannelLimit {
    /// `public` or `private`.
    pub visibility: String,
    /// `graphemes` (what a person sees as one character), `chars`, or `unlimited`.
    pub unit: String,
    pub max: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChannelLimits {
    pub account_id: i64,
    pub channel: String,
    /// One entry per visibility the channel can post with.
    pub limits: Vec<ChannelLimit>,
}

pub fn limit_view(visibility: Visibility, limit: TextLimit) -> ChannelLimit {
    let (unit, max) = match limit {
        TextLimit::Graphemes(n) => ("graphemes", Some(n as u32)),
        TextLimit::Chars(n) => ("chars", Some(n as u32)),
        TextLimit::Unlimited => ("unlimited", None),
    };
    ChannelLimit {
        visibility: match visibility {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
        .into(),
        unit: unit.into(),
        max,
    }
}

/// The real length limits of an account's channel, for the composer's counter.
pub fn channel_limits(ctx: &Ctx, p: &ChannelLimitsParams) -> Result<ChannelLimits> {
    let a = accounts::by_id(ctx.store().conn(), p.account_id)?;
    let limits = match a.kind.as_str() {
        // Email has no length limit and no public side.
        "email" | "archive" => vec![limit_view(Visibility::Private, TextLimit::Unlimited)],
        _ => switchboard_sync::social::text_limits(&a)
            .into_iter()
            .map(|(v, l)| limit_view(v, l))
            .collect(),
    };
    if limits.is_empty() {
        return Err(ApiError::invalid(format!(
            "cannot tell the length limits of account {:?}: {} accounts have none known",
            a.name, a.kind
        )));
    }
    Ok(ChannelLimits {
        account_id: a.id,
        channel: a.kind,
        limits,
    })
}
