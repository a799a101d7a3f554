//! Shared HTTP plumbing for the social providers: one way to turn what reqwest and the server
//! hand back into a classified [`ChannelError`].
//!
//! Why this lives in one place: the sync engine and the outbox act on the error *class*
//! (DESIGN §4). If each provider guessed its own mapping, a 503 might back off on one channel
//! and quarantine an item on another. Every provider sends through [`send`], checks with
//! [`check`] (or inspects the body first, e.g. Bluesky's `ExpiredToken`, then calls
//! [`error_for`]) and decodes with [`json`].
//!
//! Time comes in as `now_ms` so that relative headers (`Retry-After: 30`) become absolute
//! instants the caller's injected clock agrees with.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::{ChannelError, Result};

/// Long enough for a slow PDS, short enough that a dead network shows up as such.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The client for provider APIs: rustls with the ring provider and the platform's roots,
/// at most a few redirects (XRPC and Mastodon never redirect API calls), a timeout.
pub fn client(channel: &str) -> Result<reqwest::Client> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let setup = |e: String| ChannelError::Permanent {
        channel: channel.to_owned(),
        reason: format!("cannot set up HTTP: {e}"),
    };
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| setup(format!("cannot load trusted certificates: {e}")))?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::limited(3))
        .timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| setup(e.to_string()))
}

/// Sends a request; only transport failures are classified here (the status is left to
/// [`check`] / [`error_for`], because some providers must look at the body first).
///
/// A refused or unresolvable connection is `Offline` (nothing reached the server). A timeout
/// or a connection dropped after the request went out is `Retryable`, which
/// [`ChannelError::maybe_delivered`] treats as "reconcile before retrying".
pub async fn send(
    channel: &str,
    what: &str,
    req: reqwest::RequestBuilder,
) -> Result<reqwest::Response> {
    req.send()
        .await
        .map_err(|e| transport_error(channel, what, &e))
}

/// Classifies a reqwest error raised while sending or reading a response.
pub fn transport_error(channel: &str, what: &str, e: &reqwest::Error) -> ChannelError {
    let reason = format!("cannot {what}: {}", chain(e));
    if e.is_connect() {
        ChannelError::Offline {
            channel: channel.to_owned(),
            reason,
        }
    } else if e.is_builder() {
        ChannelError::Permanent {
            channel: channel.to_owned(),
            reason,
        }
    } else {
        // Timeout, reset mid-response, incomplete body: the server may have acted on it.
        ChannelError::Retryable {
            channel: channel.to_owned(),
            reason,
        }
    }
}

/// reqwest's Display hides the cause ("error sending request"); the chain names it.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let msg = s.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        cur = s.source();
    }
    out
}

/// Passes a 2xx response through; otherwise reads the body and classifies the failure.
pub async fn check(
    channel: &str,
    what: &str,
    resp: reqwest::Response,
    now_ms: i64,
) -> Result<reqwest::Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let headers = resp.headers().clone();
    let body = resp.bytes().await.unwrap_or_default();
    Err(error_for(channel, what, status, &headers, &body, now_ms))
}

/// The `{error, message}` an API put in a failed response: XRPC uses `error` + `message`,
/// Mastodon `error` + `error_description`. Either may be missing or the body may not be JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: Option<String>,
    pub message: Option<String>,
}

impl ErrorBody {
    pub fn parse(body: &[u8]) -> ErrorBody {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
            return ErrorBody::default();
        };
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        ErrorBody {
            error: s("error"),
            message: s("message").or_else(|| s("error_description")),
        }
    }

    fn describe(&self, body: &[u8]) -> String {
        match (&self.error, &self.message) {
            (Some(e), Some(m)) if e != m => format!("{e}: {m}"),
            (Some(e), _) => e.clone(),
            (None, Some(m)) => m.clone(),
            (None, None) => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                if text.is_empty() {
                    "no details".to_owned()
                } else {
                    text.chars().take(200).collect()
                }
            }
        }
    }
}

/// Classifies a non-2xx response. `what` names the call ("list notifications") so the message
/// says what failed and why: `bluesky: rate limited until …: cannot list notifications: HTTP 429 …`.
pub fn error_for(
    channel: &str,
    what: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    now_ms: i64,
) -> ChannelError {
    let detail = ErrorBody::parse(body).describe(body);
    let reason = format!("cannot {what}: HTTP {} {detail}", status.as_u16());
    let channel = channel.to_owned();
    match status.as_u16() {
        429 => ChannelError::RateLimited {
            channel,
            retry_at: retry_at(headers, now_ms),
            reason,
        },
        401 => ChannelError::Auth { channel, reason },
        408 | 425 | 500 | 502 | 503 | 504 => {
            // A 503 with Retry-After is the server asking us to slow down.
            match retry_at(headers, now_ms) {
                Some(t) if status == StatusCode::SERVICE_UNAVAILABLE => ChannelError::RateLimited {
                    channel,
                    retry_at: Some(t),
                    reason,
                },
                _ => ChannelError::Retryable { channel, reason },
            }
        }
        _ => ChannelError::Permanent { channel, reason },
    }
}

/// When the caller may try again, in ms since the epoch, from (in order) `Retry-After`
/// (seconds or an HTTP date), `ratelimit-reset` (Bluesky: epoch seconds) or
/// `x-ratelimit-reset` (Mastodon: ISO-8601; X: epoch seconds).
///
/// A bare number is read as epoch seconds when it is plausibly one (> 10⁹), else as seconds
/// from now: the draft ratelimit-headers spec uses delta seconds, Bluesky's PDS sends epoch
/// seconds, and the two ranges never overlap.
pub fn retry_at(headers: &HeaderMap, now_ms: i64) -> Option<i64> {
    ["retry-after", "ratelimit-reset", "x-ratelimit-reset"]
        .iter()
        .filter_map(|h| headers.get(*h)?.to_str().ok())
        .find_map(|v| parse_instant(v.trim(), now_ms))
}

/// The instant a rate-limit window ends when a *successful* response says none are left
/// (`ratelimit-remaining: 0`), so the caller can pause before the server starts refusing.
pub fn exhausted_until(headers: &HeaderMap, now_ms: i64) -> Option<i64> {
    let remaining = ["ratelimit-remaining", "x-ratelimit-remaining"]
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok()?.trim().parse::<i64>().ok())?;
    if remaining > 0 {
        return None;
    }
    retry_at(headers, now_ms)
}

fn parse_instant(v: &str, now_ms: i64) -> Option<i64> {
    if let Ok(n) = v.parse::<f64>() {
        if !n.is_finite() || n < 0.0 {
            return None;
        }
        return Some(if n > 1e9 {
            (n * 1000.0) as i64
        } else {
            now_ms + (n * 1000.0) as i64
        });
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Some(t.timestamp_millis());
    }
    chrono::DateTime::parse_from_rfc2822(v)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Reads and decodes a JSON body. A body cut off mid-read is `Retryable`; one that arrives
/// but does not match `T` is `Malformed`, naming the call and serde's reason (field, line).
pub async fn json<T: DeserializeOwned>(
    channel: &str,
    what: &str,
    resp: reqwest::Response,
) -> Result<T> {
    let body = resp
        .bytes()
        .await
        .map_err(|e| transport_error(channel, what, &e))?;
    decode(channel, what, &body)
}

/// [`json`] for a body already in hand.
pub fn decode<T: DeserializeOwned>(channel: &str, what: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| ChannelError::Malformed {
        channel: channel.to_owned(),
        what: format!("response to {what}"),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn retry_at_reads_every_header_form() {
        assert_eq!(
            retry_at(&headers(&[("retry-after", "30")]), NOW),
            Some(NOW + 30_000),
            "Retry-After seconds are relative to now"
        );
        assert_eq!(
            retry_at(&headers(&[("ratelimit-reset", "1700000900")]), NOW),
            Some(1_700_000_900_000),
            "Bluesky's reset is epoch seconds"
        );
        assert_eq!(
            retry_at(
                &headers(&[("x-ratelimit-reset", "2023-11-14T22:15:00.559903Z")]),
                NOW
            ),
            Some(1_700_000_100_559),
            "Mastodon's reset is ISO-8601"
        );
        assert_eq!(
            retry_at(
                &headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]),
                NOW
            ),
            Some(1_445_412_480_000),
            "Retry-After may be an HTTP date"
        );
        assert_eq!(retry_at(&headers(&[("retry-after", "soon")]), NOW), None);
    }

    #[test]
    fn statuses_map_to_classes() {
        let h = headers(&[("ratelimit-reset", "1700000900")]);
        let body = br#"{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}"#;
        let e = error_for(
            "bluesky",
            "list notifications",
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            body,
            NOW,
        );
        assert_eq!(
            e,
            ChannelError::RateLimited {
                channel: "bluesky".into(),
                retry_at: Some(1_700_000_900_000),
                reason:
                    "cannot list notifications: HTTP 429 RateLimitExceeded: Rate Limit Exceeded"
                        .into()
            }
        );
        let class = |s: u16| {
            error_for(
                "x",
                "y",
                StatusCode::from_u16(s).unwrap(),
                &HeaderMap::new(),
                b"",
                NOW,
            )
            .class()
        };
        assert_eq!(class(401), "auth");
        assert_eq!(class(502), "retryable");
        assert_eq!(class(503), "retryable");
        assert_eq!(class(400), "permanent");
        assert_eq!(class(404), "permanent");
        assert_eq!(class(422), "permanent");
    }

    #[test]
    fn error_body_reads_xrpc_and_mastodon_shapes() {
        assert_eq!(
            ErrorBody::parse(br#"{"error":"ExpiredToken","message":"Token has expired"}"#),
            ErrorBody {
                error: Some("ExpiredToken".into()),
                message: Some("Token has expired".into())
            }
        );
        assert_eq!(
            ErrorBody::parse(br#"{"error":"invalid_token","error_description":"revoked"}"#)
                .message
                .as_deref(),
            Some("revoked")
        );
        assert_eq!(ErrorBody::parse(b"<html>"), ErrorBody::default());
    }

    #[test]
    fn exhausted_only_when_none_remain() {
        let h = headers(&[
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", "1700000900"),
        ]);
        assert_eq!(exhausted_until(&h, NOW), Some(1_700_000_900_000));
        let h = headers(&[
            ("ratelimit-remaining", "5"),
            ("ratelimit-reset", "1700000900"),
        ]);
        assert_eq!(exhausted_until(&h, NOW), None);
    }

    #[test]
    fn decode_names_the_call() {
        let e = decode::<Vec<u8>>("bluesky", "list notifications", b"{}").unwrap_err();
        match e {
            ChannelError::Malformed { what, .. } => {
                assert_eq!(what, "response to list notifications")
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }
}
