//! Signing in to a Mastodon server from a desktop app with no server of its own.
//!
//! There is no client id to configure: each install registers itself on the user's server at
//! runtime (`POST /api/v1/apps`) with the exact loopback redirect it is listening on, then runs
//! the authorization-code flow with PKCE S256 and a `state` check (RFC 8252; Mastodon 4.3+
//! checks PKCE, older servers ignore it harmlessly). The listener and the PKCE/state pieces are
//! the email OAuth ones ([`crate::oauth::Loopback`], the `oauth2` crate's verifier).
//!
//! The sign-in is split in two ([`SignIn::begin`], [`SignIn::finish`]) so a desktop shell can
//! open the URL itself (or show it) between the two, while the CLI prints it.
//!
//! The registered app's client secret is used once, for the token exchange, and then dropped:
//! Mastodon access tokens do not expire and there is no refresh token, so keeping the secret
//! would only widen what a stolen keychain exposes. A new sign-in registers afresh.

use std::time::Duration;

use oauth2::{CsrfToken, PkceCodeChallenge, PkceCodeVerifier};

use super::{CHANNEL, endpoint, wire};
use crate::oauth::{Loopback, OAuthError};
use crate::secrets::Secret;
use crate::social::{ChannelError, http};

/// What Switchboard asks for: read mentions, conversations and its own statuses; post
/// statuses. Nothing else (no follows, no media, no account changes).
pub const SCOPES: &str =
    "read:accounts read:notifications read:statuses read:conversations write:statuses";
pub const CLIENT_NAME: &str = "Switchboard";

/// The app registered on one server.
#[derive(Debug, Clone)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: Secret,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error(transparent)]
    OAuth(#[from] OAuthError),
}

/// `POST /api/v1/apps` with our loopback redirect.
pub async fn register_app(
    http_client: &reqwest::Client,
    base: &url::Url,
    redirect_uri: &str,
    now_ms: i64,
) -> Result<Registration, ChannelError> {
    let what = "register Switchboard on the server (POST /api/v1/apps)";
    let req = http_client.post(endpoint(base, "api/v1/apps")?).form(&[
        ("client_name", CLIENT_NAME),
        ("redirect_uris", redirect_uri),
        ("scopes", SCOPES),
    ]);
    let resp = http::send(CHANNEL, what, req).await?;
    let resp = http::check(CHANNEL, what, resp, now_ms).await?;
    let app: wire::App = http::json(CHANNEL, what, resp).await?;
    Ok(Registration {
        client_id: app.client_id,
        client_secret: Secret::new(app.client_secret),
    })
}

/// The browser URL: `GET /oauth/authorize` with PKCE S256 and state.
pub fn authorize_url(
    base: &url::Url,
    client_id: &str,
    redirect_uri: &str,
    state: &str,
    challenge: &PkceCodeChallenge,
) -> Result<url::Url, ChannelError> {
    let mut u = endpoint(base, "oauth/authorize")?;
    u.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", SCOPES)
        .append_pair("state", state)
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256");
    Ok(u)
}

/// `POST /oauth/token` (authorization code + PKCE verifier) → the access token.
pub async fn exchange_code(
    http_client: &reqwest::Client,
    base: &url::Url,
    reg: &Registration,
    code: &str,
    verifier: &PkceCodeVerifier,
    redirect_uri: &str,
    now_ms: i64,
) -> Result<Secret, ChannelError> {
    let what = "get a token for the sign-in (POST /oauth/token)";
    let req = http_client.post(endpoint(base, "oauth/token")?).form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", reg.client_id.as_str()),
        ("client_secret", reg.client_secret.expose()),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.secret().as_str()),
        ("scope", SCOPES),
    ]);
    let resp = http::send(CHANNEL, what, req).await?;
    let status = resp.status();
    if status.as_u16() == 400 || status.as_u16() == 401 {
        // invalid_grant / invalid_client: the code or the app was refused; only a new sign-in
        // helps.
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap_or_default();
        let e = http::error_for(CHANNEL, what, status, &headers, &body, now_ms);
        return Err(ChannelError::Auth {
            channel: CHANNEL.into(),
            reason: match e {
                ChannelError::Permanent { reason, .. } | ChannelError::Auth { reason, .. } => {
                    reason
                }
                other => other.to_string(),
            },
        });
    }
    let resp = http::check(CHANNEL, what, resp, now_ms).await?;
    let t: wire::Token = http::json(CHANNEL, what, resp).await?;
    if t.access_token.trim().is_empty() {
        return Err(ChannelError::Malformed {
            channel: CHANNEL.into(),
            what: format!("response to {what}"),
            reason: "the access token is empty".into(),
        });
    }
    Ok(Secret::new(t.access_token))
}

/// A sign-in waiting for the browser.
pub struct SignIn {
    /// Open this in the system browser.
    pub authorize_url: url::Url,
    pub redirect_uri: String,
    pub server: url::Url,
    registration: Registration,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    loopback: Loopback,
}

/// A finished sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub server: url::Url,
    pub token: Secret,
    pub client_id: String,
}

impl SignIn {
    /// Listens on loopback, registers the app with that redirect, and builds the URL.
    /// Must run on the Tokio runtime that later runs [`SignIn::finish`] (the listener is
    /// registered with it).
    pub async fn begin(
        http_client: &reqwest::Client,
        server: &url::Url,
        now_ms: i64,
    ) -> Result<SignIn, SignInError> {
        let loopback = Loopback::bind().await?;
        let redirect_uri = loopback.redirect_uri().to_string();
        let registration = register_app(http_client, server, &redirect_uri, now_ms).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = CsrfToken::new_random();
        let authorize_url = authorize_url(
            server,
            &registration.client_id,
            &redirect_uri,
            state.secret(),
            &challenge,
        )?;
        Ok(SignIn {
            authorize_url,
            redirect_uri,
            server: server.clone(),
            registration,
            state,
            verifier,
            loopback,
        })
    }

    /// Waits (at most `limit`) for the browser to come back, checks `state`, and trades the
    /// code for a token.
    pub async fn finish(
        self,
        http_client: &reqwest::Client,
        limit: Duration,
        now: impl Fn() -> i64,
    ) -> Result<SignedIn, SignInError> {
        let cb = self.loopback.wait(self.state.secret(), limit).await?;
        let token = exchange_code(
            http_client,
            &self.server,
            &self.registration,
            &cb.code,
            &self.verifier,
            &self.redirect_uri,
            now(),
        )
        .await?;
        Ok(SignedIn {
            server: self.server,
            token,
            client_id: self.registration.client_id,
        })
    }
}
