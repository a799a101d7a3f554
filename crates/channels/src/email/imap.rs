//! The one way Switchboard opens an IMAP session: TCP, then TLS (implicit, or STARTTLS before
//! any credential is sent), then LOGIN or XOAUTH2 — every step under a timeout, because
//! `async-imap` has none of its own and a silent server must never hang a sync forever.
//!
//! TLS is rustls with the `ring` provider only (no OpenSSL, no aws-lc). Certificates are checked
//! against the platform's roots plus, when the account names one, an extra CA (a self-hosted
//! server's private CA, or the test servers' CA). There is no plaintext mode: the password never
//! crosses the wire unencrypted.
//!
//! Errors carry a [`ErrorClass`] so sync can decide between "retry soon", "wait for the
//! network", "ask the user to sign in again" and "give up on this item".
//!
//! Sync and the outbox both connect through [`connect`]; the folder-level sync protocol lives in
//! [`mailbox`].

pub mod mailbox;

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::account::{EmailConfig, Security};
use crate::secrets::Secret;

/// The byte stream under every Switchboard IMAP session (TLS over TCP, either way it started).
pub type ImapStream = TlsStream<TcpStream>;

/// An authenticated IMAP session. Drain every response stream it returns before the next command.
pub type Session = async_imap::Session<ImapStream>;

/// How long opening a TCP connection, the TLS handshake, or login may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long any single command (other than IDLE) may take before the session is given up.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// How to sign in.
#[derive(Clone)]
pub enum ImapAuth {
    /// `LOGIN` with the account's username and this password (or app password).
    Password(Secret),
    /// SASL `XOAUTH2` (Gmail, Microsoft 365) with a current access token.
    XOAuth2 { user: String, access_token: Secret },
}

impl fmt::Debug for ImapAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImapAuth::Password(_) => f.write_str("Password(…)"),
            ImapAuth::XOAuth2 { user, .. } => write!(f, "XOAuth2 {{ user: {user:?}, … }}"),
        }
    }
}

/// What a failure means for whoever retries (DESIGN.md §4). Stored in `sync_state.error_class`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The network or the server is unreachable: retry when it comes back.
    Offline,
    /// The server refused the credentials: retrying will not help until the user signs in again.
    Auth,
    /// The server asked us to slow down.
    RateLimited,
    /// A transient failure (connection dropped, timeout mid-command): retry with backoff.
    Retryable,
    /// Retrying the same thing will fail the same way (bad certificate, missing folder).
    Permanent,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Offline => "offline",
            ErrorClass::Auth => "auth",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::Retryable => "retryable",
            ErrorClass::Permanent => "permanent",
        }
    }

    pub fn parse(s: &str) -> Option<ErrorClass> {
        Some(match s {
            "offline" => ErrorClass::Offline,
            "auth" => ErrorClass::Auth,
            "rate_limited" => ErrorClass::RateLimited,
            "retryable" => ErrorClass::Retryable,
            "permanent" => ErrorClass::Permanent,
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot read the CA file {path}: {cause}")]
    CaFile { path: String, cause: String },
    #[error("cannot connect to IMAP server {server}: {cause}")]
    Connect {
        server: String,
        cause: std::io::Error,
    },
    #[error("cannot set up TLS with IMAP server {server}: {cause}")]
    Tls { server: String, cause: String },
    #[error("cannot sign in to IMAP server {server} as {user:?}: {cause}")]
    Auth {
        server: String,
        user: String,
        cause: String,
    },
    #[error("cannot {what} on IMAP server {server}: no answer within {secs} s")]
    Timeout {
        server: String,
        what: String,
        secs: u64,
    },
    #[error("cannot {what} on IMAP server {server}: the server is rate limiting: {cause}")]
    RateLimited {
        server: String,
        what: String,
        cause: String,
    },
    #[error("cannot {what} on IMAP server {server}: the server refused: {cause}")]
    Refused {
        server: String,
        what: String,
        cause: String,
    },
    #[error("cannot {what} on IMAP server {server}: {cause}")]
    Protocol {
        server: String,
        what: String,
        cause: String,
    },
}

impl ImapError {
    pub fn class(&self) -> ErrorClass {
        match self {
            ImapError::CaFile { .. } => ErrorClass::Permanent,
            ImapError::Connect { cause, .. } => match cause.kind() {
                std::io::ErrorKind::InvalidInput => ErrorClass::Permanent,
                _ => ErrorClass::Offline,
            },
            ImapError::Tls { cause, .. } => {
                // A handshake cut short is the network; a certificate we refuse is not going to
                // change by retrying.
                if cause.contains("certificate") || cause.contains("Certificate") {
                    ErrorClass::Permanent
                } else {
                    ErrorClass::Retryable
                }
            }
            ImapError::Auth { .. } => ErrorClass::Auth,
            ImapError::Timeout { .. } => ErrorClass::Retryable,
            ImapError::RateLimited { .. } => ErrorClass::RateLimited,
            ImapError::Refused { .. } => ErrorClass::Permanent,
            ImapError::Protocol { .. } => ErrorClass::Retryable,
        }
    }

    /// Turns an `async-imap` failure of `what` into our error, classifying NO responses that
    /// mean "slow down" or "sign in again" (RFC 5530 response codes and common wordings).
    pub fn from_imap(server: &str, what: &str, e: async_imap::error::Error) -> ImapError {
        use async_imap::error::Error as E;
        let server = server.to_string();
        let what = what.to_string();
        match e {
            E::No(text) | E::Bad(text) => {
                let upper = text.to_ascii_uppercase();
                if upper.contains("[LIMIT]")
                    || upper.contains("[THROTTLED]")
                    || upper.contains("TOO MANY")
                    || upper.contains("RATE LIMIT")
                    || upper.contains("BANDWIDTH")
                {
                    ImapError::RateLimited {
                        server,
                        what,
                        cause: text,
                    }
                } else if upper.contains("[UNAVAILABLE]") || upper.contains("[INUSE]") {
                    ImapError::Protocol {
                        server,
                        what,
                        cause: text,
                    }
                } else if upper.contains("[AUTHENTICATIONFAILED]")
                    || upper.contains("[AUTHORIZATIONFAILED]")
                    || upper.contains("[EXPIRED]")
                {
                    ImapError::Auth {
                        server,
                        user: String::new(),
                        cause: text,
                    }
                } else {
                    ImapError::Refused {
                        server,
                        what,
                        cause: text,
                    }
                }
            }
            E::Io(io) => ImapError::Protocol {
                server,
                what,
                cause: format!("connection error: {io}"),
            },
            E::ConnectionLost => ImapError::Protocol {
                server,
                what,
                cause: "the server closed the connection".into(),
            },
            other => ImapError::Protocol {
                server,
                what,
                cause: other.to_string(),
            },
        }
    }
}

/// `host:port` as shown in errors.
pub fn server_label(cfg: &EmailConfig) -> String {
    format!("{}:{}", cfg.imap.host, cfg.imap.port)
}

/// Runs one IMAP step under [`COMMAND_TIMEOUT`], mapping both failure kinds.
pub async fn timed<T, F>(server: &str, what: &str, fut: F) -> Result<T, ImapError>
where
    F: Future<Output = Result<T, async_imap::error::Error>>,
{
    timed_for(COMMAND_TIMEOUT, server, what, fut).await
}

/// Like [`timed`] with an explicit limit.
pub async fn timed_for<T, F>(
    limit: Duration,
    server: &str,
    what: &str,
    fut: F,
) -> Result<T, ImapError>
where
    F: Future<Output = Result<T, async_imap::error::Error>>,
{
    match timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ImapError::from_imap(server, what, e)),
        Err(_) => Err(ImapError::Timeout {
            server: server.to_string(),
            what: what.to_string(),
            secs: limit.as_secs(),
        }),
    }
}

/// The rustls client configuration for an account: platform roots plus the account's CA file.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, ImapError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut extra: Vec<CertificateDer<'static>> = Vec::new();
    if let Some(path) = ca_file {
        let ca_err = |cause: String| ImapError::CaFile {
            path: path.display().to_string(),
            cause,
        };
        let iter = CertificateDer::pem_file_iter(path).map_err(|e| ca_err(e.to_string()))?;
        for cert in iter {
            extra.push(cert.map_err(|e| ca_err(e.to_string()))?);
        }
        if extra.is_empty() {
            return Err(ca_err("no PEM certificate in it".into()));
        }
    }
    let tls_err = |cause: String| ImapError::Tls {
        server: String::new(),
        cause,
    };
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
            .map_err(|e| tls_err(format!("cannot load trusted certificates: {e}")))?;
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// SASL XOAUTH2: the first answer carries the token; if the server rejects it, it sends a JSON
/// error as a challenge and expects an empty answer before its final NO.
struct XOAuth2<'a> {
    user: &'a str,
    token: &'a str,
    sent: bool,
}

impl async_imap::Authenticator for &mut XOAuth2<'_> {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        if self.sent {
            return String::new();
        }
        self.sent = true;
        format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token)
    }
}

/// Opens an authenticated IMAP session for the account: TCP → TLS (implicit or STARTTLS) →
/// LOGIN / XOAUTH2. Every step is under [`CONNECT_TIMEOUT`]. Nothing secret is logged.
pub async fn connect(cfg: &EmailConfig, auth: &ImapAuth) -> Result<Session, ImapError> {
    let server = server_label(cfg);
    let tls = tls_config(cfg.ca_file.as_deref()).map_err(|e| match e {
        ImapError::Tls { cause, .. } => ImapError::Tls {
            server: server.clone(),
            cause,
        },
        other => other,
    })?;
    let host = cfg.imap.host.as_str();
    let timeout_err = |what: &str| ImapError::Timeout {
        server: server.clone(),
        what: what.to_string(),
        secs: CONNECT_TIMEOUT.as_secs(),
    };
    tracing::debug!(%server, security = ?cfg.imap.security, "connecting to IMAP");

    let tcp = timeout(CONNECT_TIMEOUT, TcpStream::connect((host, cfg.imap.port)))
        .await
        .map_err(|_| timeout_err("connect"))?
        .map_err(|cause| ImapError::Connect {
            server: server.clone(),
            cause,
        })?;
    let _ = tcp.set_nodelay(true);

    let tcp = match cfg.imap.security {
        Security::Tls => tcp,
        Security::Starttls => {
            // Greeting and STARTTLS in the clear; nothing else is said before the handshake.
            let mut plain = async_imap::Client::new(tcp);
            timed_for(CONNECT_TIMEOUT, &server, "read the greeting", async {
                plain
                    .read_response()
                    .await
                    .map_err(async_imap::error::Error::Io)?
                    .ok_or(async_imap::error::Error::ConnectionLost)
            })
            .await?;
            timed_for(
                CONNECT_TIMEOUT,
                &server,
                "start TLS",
                plain.run_command_and_check_ok("STARTTLS", None),
            )
            .await?;
            plain.into_inner()
        }
    };

    let name = ServerName::try_from(host.to_string()).map_err(|e| ImapError::Tls {
        server: server.clone(),
        cause: format!("{host:?} is not a valid server name: {e}"),
    })?;
    let stream = timeout(CONNECT_TIMEOUT, TlsConnector::from(tls).connect(name, tcp))
        .await
        .map_err(|_| timeout_err("finish the TLS handshake"))?
        .map_err(|e| ImapError::Tls {
            server: server.clone(),
            cause: e.to_string(),
        })?;

    let mut client = async_imap::Client::new(stream);
    if cfg.imap.security == Security::Tls {
        timed_for(CONNECT_TIMEOUT, &server, "read the greeting", async {
            client
                .read_response()
                .await
                .map_err(async_imap::error::Error::Io)?
                .ok_or(async_imap::error::Error::ConnectionLost)
        })
        .await?;
    }

    let auth_err = |user: &str, e: async_imap::error::Error| match e {
        async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text) => {
            let up = text.to_ascii_uppercase();
            if up.contains("[UNAVAILABLE]") {
                ImapError::Protocol {
                    server: server.clone(),
                    what: "sign in".into(),
                    cause: text,
                }
            } else if up.contains("[LIMIT]") || up.contains("TOO MANY") {
                ImapError::RateLimited {
                    server: server.clone(),
                    what: "sign in".into(),
                    cause: text,
                }
            } else {
                ImapError::Auth {
                    server: server.clone(),
                    user: user.to_string(),
                    cause: text,
                }
            }
        }
        other => ImapError::from_imap(&server, "sign in", other),
    };

    let session = match auth {
        ImapAuth::Password(password) => {
            let user = cfg.username.as_str();
            match timeout(CONNECT_TIMEOUT, client.login(user, password.expose())).await {
                Err(_) => return Err(timeout_err("sign in")),
                Ok(Err((e, _client))) => return Err(auth_err(user, e)),
                Ok(Ok(s)) => s,
            }
        }
        ImapAuth::XOAuth2 { user, access_token } => {
            let mut sasl = XOAuth2 {
                user,
                token: access_token.expose(),
                sent: false,
            };
            match timeout(CONNECT_TIMEOUT, client.authenticate("XOAUTH2", &mut sasl)).await {
                Err(_) => return Err(timeout_err("sign in")),
                Ok(Err((e, _client))) => return Err(auth_err(user, e)),
                Ok(Ok(s)) => s,
            }
        }
    };
    tracing::debug!(%server, "IMAP session open");
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_debug_never_shows_the_secret() {
        let a = ImapAuth::Password(Secret::new("hunter2"));
        assert!(!format!("{a:?}").contains("hunter2"));
        let a = ImapAuth::XOAuth2 {
            user: "u@x".into(),
            access_token: Secret::new("ya29.token"),
        };
        assert!(!format!("{a:?}").contains("ya29"));
    }

    #[test]
    fn no_responses_are_classified_by_their_code() {
        let e =
            |t: &str| ImapError::from_imap("h:1", "select", async_imap::error::Error::No(t.into()));
        assert_eq!(
            e("[LIMIT] Too many commands").class(),
            ErrorClass::RateLimited
        );
        assert_eq!(e("[UNAVAILABLE] try later").class(), ErrorClass::Retryable);
        assert_eq!(
            e("Mailbox doesn't exist: Foo").class(),
            ErrorClass::Permanent
        );
        assert_eq!(e("[AUTHENTICATIONFAILED] x").class(), ErrorClass::Auth);
        let lost = ImapError::from_imap("h:1", "fetch", async_imap::error::Error::ConnectionLost);
        assert_eq!(lost.class(), ErrorClass::Retryable);
        assert!(
            lost.to_string()
                .starts_with("cannot fetch on IMAP server h:1")
        );
    }

    #[test]
    fn error_classes_round_trip_as_text() {
        for c in [
            ErrorClass::Offline,
            ErrorClass::Auth,
            ErrorClass::RateLimited,
            ErrorClass::Retryable,
            ErrorClass::Permanent,
        ] {
            assert_eq!(ErrorClass::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn a_missing_ca_file_is_a_clear_permanent_error() {
        let e = tls_config(Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert_eq!(e.class(), ErrorClass::Permanent);
        assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
    }
}
