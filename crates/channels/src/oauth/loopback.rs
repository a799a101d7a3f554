//! The browser's way back to us (RFC 8252 §7.3): a one-shot HTTP listener on
//! `127.0.0.1:<random port>` that waits for the provider's redirect carrying `code` and `state`.
//!
//! Loopback works for every provider and every platform (Google desktop clients accept nothing
//! else), needs no installed URL handler, and never exposes a port beyond this machine.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::OAuthError;

/// How long the user has to finish signing in in the browser.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

pub struct Loopback {
    listener: TcpListener,
    redirect_uri: String,
}

/// What the browser brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub code: String,
}

impl Loopback {
    /// Binds `127.0.0.1:0` (a free port chosen by the system).
    pub async fn bind() -> Result<Loopback, OAuthError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| OAuthError::Loopback(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| OAuthError::Loopback(e.to_string()))?
            .port();
        Ok(Loopback {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}/"),
        })
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the redirect. Requests for anything else (a browser's `/favicon.ico`) get a 404
    /// and the wait goes on. A redirect whose `state` is not `expected_state` is refused: it did
    /// not come from the sign-in we started.
    pub async fn wait(
        &self,
        expected_state: &str,
        limit: Duration,
    ) -> Result<Callback, OAuthError> {
        tokio::time::timeout(limit, self.serve(expected_state))
            .await
            .map_err(|_| OAuthError::Timeout(limit.as_secs()))?
    }

    async fn serve(&self, expected_state: &str) -> Result<Callback, OAuthError> {
        loop {
            let (mut stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| OAuthError::Loopback(e.to_string()))?;
            let Some(target) = read_request_target(&mut stream).await else {
                continue;
            };
            let url = match url::Url::parse("http://127.0.0.1").and_then(|b| b.join(&target)) {
                Ok(u) => u,
                Err(_) => {
                    respond(&mut stream, 400, "Bad request.").await;
                    continue;
                }
            };
            if url.path() != "/" {
                respond(&mut stream, 404, "Not found.").await;
                continue;
            }
            let get = |k: &str| {
                url.query_pairs()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.into_owned())
            };
            let state = get("state");
            if let Some(error) = get("error") {
                // A refusal is only believed when it carries our state, too.
                if state.as_deref() == Some(expected_state) {
                    respond(
                        &mut stream,
                        200,
                        "Sign-in was cancelled. You can close this window.",
                    )
                    .await;
                    let detail = get("error_description")
                        .map(|d| format!("{error}: {d}"))
                        .unwrap_or(error);
                    return Err(OAuthError::Denied(detail));
                }
            }
            if state.as_deref() != Some(expected_state) {
                respond(
                    &mut stream,
                    400,
                    "This sign-in answer does not belong to the sign-in Switchboard started.",
                )
                .await;
                return Err(OAuthError::StateMismatch);
            }
            let Some(code) = get("code").filter(|c| !c.is_empty()) else {
                respond(
                    &mut stream,
                    400,
                    "The answer carried no authorization code.",
                )
                .await;
                return Err(OAuthError::Token(
                    "the provider's answer carried no authorization code".into(),
                ));
            };
            respond(
                &mut stream,
                200,
                "Signed in to Switchboard. You can close this window.",
            )
            .await;
            return Ok(Callback { code });
        }
    }
}

/// The request target of a `GET` (e.g. `/?code=…&state=…`), or `None` for anything else.
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 1024];
    // Only the request line and headers matter; stop at the blank line or 16 KiB.
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    if parts.next()? != "GET" {
        return None;
    }
    parts.next().map(str::to_string)
}

async fn respond(stream: &mut TcpStream, status: u16, message: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body =
        format!("<!doctype html><meta charset=utf-8><title>Switchboard</title><p>{message}</p>");
    let resp = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}
