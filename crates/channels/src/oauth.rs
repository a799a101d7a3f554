//! OAuth2 for Gmail and Microsoft 365 mailboxes: the desktop sign-in (RFC 8252: system browser,
//! loopback redirect, PKCE S256, state check), token refresh, and the XOAUTH2 string IMAP and
//! SMTP sign in with.
//!
//! Where tokens live: the **refresh token only in the OS keychain** (never in SQLite, never in a
//! log), the access token only in memory ([`AccessTokens`]), refreshed when it is about to expire
//! or when a server refuses it. Providers may rotate refresh tokens (Microsoft does): a new one
//! returned by a refresh replaces the stored one at once.
//!
//! Token calls go through reqwest 0.13 on rustls/ring (oauth2's own reqwest feature would pull
//! reqwest 0.12 and OpenSSL), with redirects **off**, as oauth2 requires (a redirect could carry
//! the code or a refresh token to another host).

pub mod loopback;
pub mod provider;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};

pub use loopback::{Callback, Loopback, SIGN_IN_TIMEOUT};
pub use provider::{ClientRegistration, Endpoints, Provider, registration};

use crate::email::imap::ErrorClass;
use crate::secrets::{Secret, SecretError, SecretKind, Secrets};

/// Refresh this long before the provider's stated expiry.
pub const EXPIRY_MARGIN_MS: i64 = 60_000;
/// How long one token call may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    Config(String),
    #[error("cannot sign in: the provider refused: {0}")]
    Denied(String),
    #[error(
        "cannot sign in: the browser's answer did not carry the state Switchboard sent (it may be forged); start the sign-in again"
    )]
    StateMismatch,
    #[error("cannot sign in: no answer from the browser within {0} s")]
    Timeout(u64),
    #[error("cannot listen for the browser's answer on 127.0.0.1: {0}")]
    Loopback(String),
    #[error("cannot reach the sign-in server: {0}")]
    Network(String),
    #[error(
        "cannot renew the sign-in of account {account:?}: the provider no longer accepts it ({cause}); sign in again"
    )]
    Expired { account: String, cause: String },
    #[error("cannot get a token: {0}")]
    Token(String),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

impl OAuthError {
    pub fn class(&self) -> ErrorClass {
        match self {
            OAuthError::Network(_) => ErrorClass::Offline,
            OAuthError::Expired { .. } | OAuthError::Denied(_) | OAuthError::StateMismatch => {
                ErrorClass::Auth
            }
            OAuthError::Secret(SecretError::Missing { .. }) => ErrorClass::Auth,
            OAuthError::Timeout(_) => ErrorClass::Retryable,
            OAuthError::Secret(_)
            | OAuthError::Config(_)
            | OAuthError::Loopback(_)
            | OAuthError::Token(_) => ErrorClass::Permanent,
        }
    }
}

/// Tokens from one exchange or refresh.
#[derive(Clone)]
pub struct TokenSet {
    pub access_token: Secret,
    /// Present after a sign-in (with offline access) and when a refresh rotates it.
    pub refresh_token: Option<Secret>,
    /// Unix ms; `None` when the provider did not say.
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A sign-in in progress: the URL to open, and what must come back.
pub struct AuthRequest {
    pub url: url::Url,
    pub state: CsrfToken,
    pub verifier: PkceCodeVerifier,
    pub redirect_uri: String,
}

/// The SASL XOAUTH2 initial response (before base64, which IMAP and SMTP clients add):
/// `user=<email>^Aauth=Bearer <token>^A^A`.
pub fn xoauth2_sasl(user: &str, access_token: &Secret) -> Secret {
    Secret::new(format!(
        "user={user}\x01auth=Bearer {}\x01\x01",
        access_token.expose()
    ))
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct HttpError(String);

/// The HTTP client for token calls: rustls with the ring provider and the platform's roots,
/// no redirects, a timeout.
pub fn token_http_client() -> Result<reqwest::Client, OAuthError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| OAuthError::Token(format!("cannot load trusted certificates: {e}")))?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| OAuthError::Token(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| OAuthError::Token(format!("cannot set up HTTP: {e}")))
}

/// An oauth2 client with its authorization and token endpoints set.
type TokenClient = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

/// One provider registration, ready to sign in and refresh.
pub struct OAuthClient {
    endpoints: Endpoints,
    registration: ClientRegistration,
    http: reqwest::Client,
}

impl OAuthClient {
    pub fn new(endpoints: Endpoints, registration: ClientRegistration) -> Result<Self, OAuthError> {
        Ok(OAuthClient {
            endpoints,
            registration,
            http: token_http_client()?,
        })
    }

    /// The real provider, with the client id the user configured (see [`provider`]).
    pub fn for_provider(
        provider: Provider,
        data_dir: &std::path::Path,
    ) -> Result<Self, OAuthError> {
        OAuthClient::new(provider.endpoints(), registration(provider, data_dir)?)
    }

    fn urls(&self) -> Result<(AuthUrl, TokenUrl), OAuthError> {
        let auth = AuthUrl::new(self.endpoints.auth_url.clone())
            .map_err(|e| OAuthError::Config(format!("bad authorization URL: {e}")))?;
        let token = TokenUrl::new(self.endpoints.token_url.clone())
            .map_err(|e| OAuthError::Config(format!("bad token URL: {e}")))?;
        Ok((auth, token))
    }

    /// The authorization URL for a browser, with a fresh PKCE verifier (S256) and state.
    pub fn start(
        &self,
        redirect_uri: &str,
        login_hint: Option<&str>,
    ) -> Result<AuthRequest, OAuthError> {
        let (auth, token) = self.urls()?;
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|e| OAuthError::Config(format!("bad redirect URL: {e}")))?;
        let client = BasicClient::new(ClientId::new(self.registration.client_id.clone()))
            .set_auth_uri(auth)
            .set_token_uri(token)
            .set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut req = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge);
        for s in &self.endpoints.scopes {
            req = req.add_scope(Scope::new(s.clone()));
        }
        for (k, v) in &self.endpoints.extra_auth_params {
            req = req.add_extra_param(k.clone(), v.clone());
        }
        if let Some(hint) = login_hint {
            req = req.add_extra_param("login_hint", hint.to_string());
        }
        let (url, state) = req.url();
        Ok(AuthRequest {
            url,
            state,
            verifier,
            redirect_uri: redirect_uri.to_string(),
        })
    }

    fn http_fn(
        &self,
    ) -> impl Fn(
        oauth2::HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn Future<Output = Result<oauth2::HttpResponse, HttpError>> + Send>,
    > {
        let http = self.http.clone();
        move |req: oauth2::HttpRequest| {
            let http = http.clone();
            Box::pin(async move {
                let (parts, body) = req.into_parts();
                let resp = http
                    .request(parts.method, parts.uri.to_string())
                    .headers(parts.headers)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| HttpError(error_chain(&e)))?;
                let mut out = oauth2::http::Response::builder().status(resp.status());
                for (k, v) in resp.headers() {
                    out = out.header(k, v);
                }
                let bytes = resp.bytes().await.map_err(|e| HttpError(error_chain(&e)))?;
                out.body(bytes.to_vec())
                    .map_err(|e| HttpError(e.to_string()))
            })
        }
    }

    fn token_set(&self, t: &oauth2::basic::BasicTokenResponse, now: i64) -> TokenSet {
        TokenSet {
            access_token: Secret::new(t.access_token().secret().clone()),
            refresh_token: t.refresh_token().map(|r| Secret::new(r.secret().clone())),
            expires_at: t
                .expires_in()
                .map(|d| now.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))),
        }
    }

    fn client_with_secret(&self) -> Result<TokenClient, OAuthError> {
        let (auth, token) = self.urls()?;
        let mut c = BasicClient::new(ClientId::new(self.registration.client_id.clone()))
            .set_auth_uri(auth)
            .set_token_uri(token);
        if let Some(s) = &self.registration.client_secret {
            c = c.set_client_secret(ClientSecret::new(s.expose().to_string()));
        }
        Ok(c)
    }

    /// Trades the code from the browser (and the PKCE verifier) for tokens.
    pub async fn exchange(
        &self,
        code: &str,
        verifier: PkceCodeVerifier,
        redirect_uri: &str,
        now: i64,
    ) -> Result<TokenSet, OAuthError> {
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|e| OAuthError::Config(format!("bad redirect URL: {e}")))?;
        let client = self.client_with_secret()?.set_redirect_uri(redirect);
        let http = self.http_fn();
        let t = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .map_err(|e| token_error(e, None))?;
        Ok(self.token_set(&t, now))
    }

    /// A new access token from the refresh token. `account` names the account in errors.
    pub async fn refresh(
        &self,
        refresh_token: &Secret,
        account: &str,
        now: i64,
    ) -> Result<TokenSet, OAuthError> {
        let client = self.client_with_secret()?;
        let http = self.http_fn();
        let rt = RefreshToken::new(refresh_token.expose().to_string());
        let t = client
            .exchange_refresh_token(&rt)
            .request_async(&http)
            .await
            .map_err(|e| token_error(e, Some(account)))?;
        Ok(self.token_set(&t, now))
    }

    /// The whole desktop sign-in: listen on loopback, hand the URL to `open` (which opens the
    /// system browser and/or prints it), wait for the redirect, check state, exchange the code.
    pub async fn sign_in(
        &self,
        login_hint: Option<&str>,
        open: impl FnOnce(&url::Url),
        limit: Duration,
        now: impl Fn() -> i64,
    ) -> Result<TokenSet, OAuthError> {
        let lb = Loopback::bind().await?;
        let req = self.start(lb.redirect_uri(), login_hint)?;
        open(&req.url);
        let cb = lb.wait(req.state.secret(), limit).await?;
        self.exchange(&cb.code, req.verifier, &req.redirect_uri, now())
            .await
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

fn token_error(
    e: RequestTokenError<HttpError, oauth2::basic::BasicErrorResponse>,
    account: Option<&str>,
) -> OAuthError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let detail = match r.error_description() {
                Some(d) => format!("{}: {d}", r.error()),
                None => r.error().to_string(),
            };
            match (r.error(), account) {
                (BasicErrorResponseType::InvalidGrant, Some(a)) => OAuthError::Expired {
                    account: a.to_string(),
                    cause: detail,
                },
                _ => OAuthError::Token(detail),
            }
        }
        RequestTokenError::Request(h) => OAuthError::Network(h.0),
        RequestTokenError::Parse(p, _) => OAuthError::Token(format!(
            "the provider's answer is not a token response: {p}"
        )),
        RequestTokenError::Other(o) => OAuthError::Token(o),
    }
}

/// Access tokens in memory, per account, refreshed from the keychain's refresh token.
#[derive(Default)]
pub struct AccessTokens {
    cache: Mutex<HashMap<String, (Secret, Option<i64>)>>,
}

impl AccessTokens {
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers a token just obtained (after a sign-in).
    pub fn put(&self, account: &str, t: &TokenSet) {
        let mut c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        c.insert(account.to_string(), (t.access_token.clone(), t.expires_at));
    }

    /// Drops the cached token (a server refused it).
    pub fn forget(&self, account: &str) {
        let mut c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        c.remove(account);
    }

    /// A usable access token for `account`: the cached one while it is valid, else a refresh
    /// (always when `force_refresh`, e.g. after an IMAP/SMTP authentication failure). A rotated
    /// refresh token is stored in the keychain before the new access token is used.
    pub async fn get(
        &self,
        client: &OAuthClient,
        secrets: &dyn Secrets,
        account: &str,
        now: i64,
        force_refresh: bool,
    ) -> Result<Secret, OAuthError> {
        if !force_refresh {
            let c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((token, expires)) = c.get(account)
                && expires.is_none_or(|e| e - EXPIRY_MARGIN_MS > now)
            {
                return Ok(token.clone());
            }
        }
        let stored = match secrets.get(account, SecretKind::RefreshToken) {
            Ok(s) => s,
            Err(SecretError::Missing { .. }) => {
                return Err(OAuthError::Expired {
                    account: account.to_string(),
                    cause: "no refresh token in the OS keychain".into(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        let t = client.refresh(&stored, account, now).await?;
        if let Some(new_rt) = &t.refresh_token
            && new_rt != &stored
        {
            secrets.set(account, SecretKind::RefreshToken, new_rt)?;
            tracing::info!(account, "stored the rotated refresh token");
        }
        self.put(account, &t);
        Ok(t.access_token)
    }
}

/// Opens `url` in the system browser (never an embedded web view: providers block those).
pub fn open_browser(url: &str) -> std::io::Result<()> {
    let mut cmd = if cfg!(target_os = "macos") {
        let mut c = std::process::Command::new("open");
        c.arg(url);
        c
    } else if cfg!(target_os = "windows") {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]).arg(url);
        c
    } else {
        let mut c = std::process::Command::new("xdg-open");
        c.arg(url);
        c
    };
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_xoauth2_string_has_the_documented_shape() {
        let s = xoauth2_sasl("ann@shop.example", &Secret::new("ya29.abc"));
        assert_eq!(
            s.expose(),
            "user=ann@shop.example\x01auth=Bearer ya29.abc\x01\x01"
        );
        assert_eq!(format!("{s:?}"), "Secret(…)", "never printable");
    }

    #[test]
    fn classes_drive_what_sync_does() {
        assert_eq!(OAuthError::Network("x".into()).class(), ErrorClass::Offline);
        assert_eq!(
            OAuthError::Expired {
                account: "a".into(),
                cause: "invalid_grant".into()
            }
            .class(),
            ErrorClass::Auth
        );
        assert_eq!(OAuthError::StateMismatch.class(), ErrorClass::Auth);
    }
}
