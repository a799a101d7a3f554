//! Sending one message over SMTP submission: TCP, TLS (implicit, or STARTTLS before any
//! credential), AUTH (PLAIN/LOGIN with a password, or XOAUTH2), then MAIL/RCPT/DATA with bytes
//! that were built once and are never rebuilt.
//!
//! The steps are driven one by one (lettre's connection API rather than its all-in-one
//! transport) for one reason: to know *where* a failure happened. A refusal before the message
//! body was handed over means "not sent" and can be retried safely; a connection that breaks
//! after the body went out but before the server's final answer means "may have been sent" —
//! the outbox must then reconcile instead of resending ([`SmtpError::maybe_sent`]).
//!
//! TLS is rustls with the `ring` provider, the platform's roots plus the account's extra CA.

use std::fmt;
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use tokio::time::timeout;

use crate::account::{EmailConfig, Security};
use crate::email::imap::ErrorClass;
use crate::secrets::Secret;

/// Connecting (TCP + TLS + greeting) may take this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Any one command, and the whole DATA transfer, may take this long.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// How to sign in to the submission server.
#[derive(Clone)]
pub enum SmtpAuth {
    /// AUTH PLAIN (or LOGIN) with the account's username and password / app password.
    Password { user: String, password: Secret },
    /// AUTH XOAUTH2 with a current OAuth2 access token.
    XOAuth2 { user: String, access_token: Secret },
}

impl fmt::Debug for SmtpAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmtpAuth::Password { user, .. } => write!(f, "Password {{ user: {user:?}, … }}"),
            SmtpAuth::XOAuth2 { user, .. } => write!(f, "XOAuth2 {{ user: {user:?}, … }}"),
        }
    }
}

/// Which step failed; decides what a failure means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Connect,
    Tls,
    Auth,
    Envelope,
    Data,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot send the message through {server}: {message}")]
pub struct SmtpError {
    /// `host:port` of the submission server.
    pub server: String,
    pub step: Step,
    pub class: ErrorClass,
    /// The server's reply code, when it answered with a refusal.
    pub code: Option<u16>,
    /// What went wrong, with the server's own text when there is one.
    pub message: String,
    /// The body was handed over and no final answer came back: the server may have accepted
    /// it. Never resend such a message without checking first.
    pub maybe_sent: bool,
}

/// What the server said when it accepted the message (e.g. `250 2.0.0 OK queued as 1234`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub response: String,
}

/// Sends `raw` to `to` with envelope sender `from`.
pub async fn send(
    cfg: &EmailConfig,
    auth: &SmtpAuth,
    from: &str,
    to: &[String],
    raw: &[u8],
) -> Result<Accepted, SmtpError> {
    let server = format!("{}:{}", cfg.smtp.host, cfg.smtp.port);
    let fail = |step: Step, class: ErrorClass, message: String| SmtpError {
        server: server.clone(),
        step,
        class,
        code: None,
        message,
        maybe_sent: false,
    };

    let sender: Address = from.parse().map_err(|e| {
        fail(
            Step::Envelope,
            ErrorClass::Permanent,
            format!("the sender address {from:?} is not valid: {e}"),
        )
    })?;
    let mut rcpts: Vec<Address> = Vec::with_capacity(to.len());
    for r in to {
        rcpts.push(r.parse().map_err(|e| {
            fail(
                Step::Envelope,
                ErrorClass::Permanent,
                format!("the recipient address {r:?} is not valid: {e}"),
            )
        })?);
    }
    if rcpts.is_empty() {
        return Err(fail(
            Step::Envelope,
            ErrorClass::Permanent,
            "the message has no recipient".into(),
        ));
    }

    let tls = tls_parameters(cfg).map_err(|m| fail(Step::Tls, ErrorClass::Permanent, m))?;
    let hello = ClientId::default();
    tracing::debug!(%server, security = ?cfg.smtp.security, "connecting to SMTP");
    let implicit = (cfg.smtp.security == Security::Tls).then(|| tls.clone());
    let mut conn = match timeout(
        CONNECT_TIMEOUT,
        AsyncSmtpConnection::connect_tokio1(
            (cfg.smtp.host.as_str(), cfg.smtp.port),
            Some(CONNECT_TIMEOUT),
            &hello,
            implicit,
            None,
        ),
    )
    .await
    {
        Err(_) => {
            return Err(fail(
                Step::Connect,
                ErrorClass::Offline,
                format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            ));
        }
        Ok(Err(e)) => return Err(classify(&server, Step::Connect, &e)),
        Ok(Ok(c)) => c,
    };

    let result = converse(
        &mut conn, cfg, auth, &tls, &hello, &server, sender, &rcpts, raw,
    )
    .await;
    if result.is_ok() {
        let _ = timeout(Duration::from_secs(5), conn.quit()).await;
    } else {
        let _ = timeout(Duration::from_secs(5), conn.abort()).await;
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn converse(
    conn: &mut AsyncSmtpConnection,
    cfg: &EmailConfig,
    auth: &SmtpAuth,
    tls: &TlsParameters,
    hello: &ClientId,
    server: &str,
    sender: Address,
    rcpts: &[Address],
    raw: &[u8],
) -> Result<Accepted, SmtpError> {
    let timed_out = |step: Step, what: &str| SmtpError {
        server: server.to_string(),
        step,
        class: ErrorClass::Retryable,
        code: None,
        message: format!("no answer to {what} within {} s", COMMAND_TIMEOUT.as_secs()),
        maybe_sent: step == Step::Data,
    };

    if cfg.smtp.security == Security::Starttls {
        if !conn.can_starttls() {
            return Err(SmtpError {
                server: server.to_string(),
                step: Step::Tls,
                class: ErrorClass::Permanent,
                code: None,
                message: "the server does not offer STARTTLS, and Switchboard never sends a password unencrypted".into(),
                maybe_sent: false,
            });
        }
        timeout(CONNECT_TIMEOUT, conn.starttls(tls.clone(), hello))
            .await
            .map_err(|_| timed_out(Step::Tls, "STARTTLS"))?
            .map_err(|e| classify(server, Step::Tls, &e))?;
    }

    let (mechanisms, credentials) = match auth {
        SmtpAuth::Password { user, password } => (
            vec![Mechanism::Plain, Mechanism::Login],
            Credentials::new(user.clone(), password.expose().to_string()),
        ),
        SmtpAuth::XOAuth2 { user, access_token } => (
            vec![Mechanism::Xoauth2],
            Credentials::new(user.clone(), access_token.expose().to_string()),
        ),
    };
    timeout(COMMAND_TIMEOUT, conn.auth(&mechanisms, &credentials))
        .await
        .map_err(|_| timed_out(Step::Auth, "AUTH"))?
        .map_err(|e| classify(server, Step::Auth, &e))?;

    let mut params = Vec::new();
    if !raw.is_ascii() {
        params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    timeout(
        COMMAND_TIMEOUT,
        conn.command(Mail::new(Some(sender), params)),
    )
    .await
    .map_err(|_| timed_out(Step::Envelope, "MAIL FROM"))?
    .map_err(|e| classify(server, Step::Envelope, &e))?;
    for r in rcpts {
        timeout(COMMAND_TIMEOUT, conn.command(Rcpt::new(r.clone(), vec![])))
            .await
            .map_err(|_| timed_out(Step::Envelope, "RCPT TO"))?
            .map_err(|e| classify(server, Step::Envelope, &e))?;
    }
    timeout(COMMAND_TIMEOUT, conn.command(Data))
        .await
        .map_err(|_| timed_out(Step::Envelope, "DATA"))?
        .map_err(|e| classify(server, Step::Envelope, &e))?;
    // From here on the server may hold the whole message: only an explicit refusal proves that
    // it was not accepted.
    let response = timeout(COMMAND_TIMEOUT, conn.message(raw))
        .await
        .map_err(|_| timed_out(Step::Data, "the message"))?
        .map_err(|e| classify(server, Step::Data, &e))?;
    Ok(Accepted {
        response: format!(
            "{} {}",
            response.code(),
            response.message().collect::<Vec<_>>().join(" ")
        ),
    })
}

fn tls_parameters(cfg: &EmailConfig) -> Result<TlsParameters, String> {
    let mut b = TlsParameters::builder(cfg.smtp.host.clone());
    if let Some(path) = &cfg.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| format!("cannot use the CA file {}: {e}", path.display()))?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls()
        .map_err(|e| format!("cannot set up TLS: {}", error_text(&e)))
}

/// The error and its causes, one line.
fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
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

fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = c.source();
    }
    None
}

/// The class of a failure at `step` (DESIGN.md §4).
pub fn classify(server: &str, step: Step, e: &lettre::transport::smtp::Error) -> SmtpError {
    let text = error_text(e);
    let code: Option<u16> = e.status().and_then(|c| c.to_string().parse().ok());
    let lower = text.to_ascii_lowercase();
    let class = match code {
        Some(530 | 534 | 535 | 538) => ErrorClass::Auth,
        Some(c) if (400..500).contains(&c) => {
            if lower.contains("rate")
                || lower.contains("too many")
                || lower.contains("throttl")
                || lower.contains("limit")
            {
                ErrorClass::RateLimited
            } else {
                ErrorClass::Retryable
            }
        }
        Some(_) => ErrorClass::Permanent,
        None if e.is_tls() => {
            if lower.contains("certificate") || lower.contains("cert") {
                ErrorClass::Permanent
            } else {
                ErrorClass::Retryable
            }
        }
        None if step == Step::Connect => ErrorClass::Offline,
        None if e.is_client() && step == Step::Auth => ErrorClass::Permanent,
        None if e.is_client() => ErrorClass::Permanent,
        None => match io_kind(e) {
            Some(
                std::io::ErrorKind::ConnectionRefused
                | std::io::ErrorKind::NetworkUnreachable
                | std::io::ErrorKind::HostUnreachable,
            ) => ErrorClass::Offline,
            _ => ErrorClass::Retryable,
        },
    };
    let message = match (step, class) {
        (Step::Auth, ErrorClass::Auth) => format!("the server refused the sign-in: {text}"),
        (Step::Connect, ErrorClass::Offline) => format!("cannot connect: {text}"),
        _ => text,
    };
    SmtpError {
        server: server.to_string(),
        step,
        class,
        code,
        message,
        // Only the body step is ambiguous, and only without a reply code: a 4xx/5xx answer to
        // the final dot is a clear "not accepted".
        maybe_sent: step == Step::Data && code.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_debug_never_shows_the_secret() {
        let a = SmtpAuth::Password {
            user: "u".into(),
            password: Secret::new("hunter2"),
        };
        assert!(!format!("{a:?}").contains("hunter2"));
        let a = SmtpAuth::XOAuth2 {
            user: "u".into(),
            access_token: Secret::new("ya29.x"),
        };
        assert!(!format!("{a:?}").contains("ya29"));
    }

    fn cfg(port: u16) -> EmailConfig {
        use crate::account::{EmailAuth, ServerConfig};
        EmailConfig {
            email: "a@localhost".into(),
            display_name: None,
            username: "a".into(),
            imap: ServerConfig {
                host: "127.0.0.1".into(),
                port,
                security: Security::Tls,
            },
            smtp: ServerConfig {
                host: "127.0.0.1".into(),
                port,
                security: Security::Starttls,
            },
            auth: EmailAuth::Password,
            ca_file: None,
            extra_folders: vec![],
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_offline_and_certainly_not_sent() {
        // Bind then drop: a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let auth = SmtpAuth::Password {
            user: "a".into(),
            password: Secret::new("x"),
        };
        let e = send(
            &cfg(port),
            &auth,
            "a@localhost",
            &["b@localhost".into()],
            b"x",
        )
        .await
        .unwrap_err();
        assert_eq!(e.class, ErrorClass::Offline, "{e}");
        assert!(!e.maybe_sent);
        assert!(
            e.to_string()
                .starts_with("cannot send the message through 127.0.0.1:"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn invalid_addresses_are_permanent_before_any_connection() {
        let auth = SmtpAuth::Password {
            user: "a".into(),
            password: Secret::new("x"),
        };
        let e = send(
            &cfg(1),
            &auth,
            "a@localhost",
            &["not an address".into()],
            b"x",
        )
        .await
        .unwrap_err();
        assert_eq!(e.class, ErrorClass::Permanent);
        assert_eq!(e.step, Step::Envelope);
    }
}
