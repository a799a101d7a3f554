//! Failure classes and backoff for sync workers.
//!
//! A worker that fails must say why, in a form that decides what happens next (DESIGN.md §4):
//! `offline` waits for the network, `auth` waits for the user, `rate_limited` slows down,
//! `retryable` retries with exponential backoff, `permanent` stops retrying that thing. The class
//! and the time of the next try are written to `sync_state` so `account list` and the UI show
//! them — a sync never stops silently.

use std::time::Duration;

pub use switchboard_channels::email::imap::ErrorClass;
use switchboard_channels::email::imap::ImapError;
use switchboard_channels::secrets::SecretError;
use switchboard_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Imap(#[from] ImapError),
    #[error("cannot save synced mail: {0}")]
    Store(#[from] StoreError),
    #[error("cannot read the password of account {account:?}: {cause}")]
    Secret { account: String, cause: SecretError },
    #[error("cannot sync account {account:?}: {reason}")]
    Config { account: String, reason: String },
    #[error("cannot sync: the database writer stopped")]
    WriterGone,
}

impl SyncError {
    pub fn class(&self) -> ErrorClass {
        match self {
            SyncError::Imap(e) => e.class(),
            SyncError::Store(_) | SyncError::WriterGone => ErrorClass::Retryable,
            SyncError::Secret { cause, .. } => match cause {
                SecretError::Missing { .. } => ErrorClass::Auth,
                _ => ErrorClass::Retryable,
            },
            SyncError::Config { .. } => ErrorClass::Permanent,
        }
    }
}

/// First retry delay.
pub const BACKOFF_BASE: Duration = Duration::from_secs(2);
/// Longest delay between retries of a transient failure.
pub const BACKOFF_MAX: Duration = Duration::from_secs(15 * 60);

/// How long to wait before attempt `attempt` (0-based count of failures so far) after a failure
/// of `class`: exponential from [`BACKOFF_BASE`] up to [`BACKOFF_MAX`], ±20 % jitter so that many
/// accounts (or many app instances behind one NAT) do not retry in step. `auth` and `permanent`
/// failures wait the maximum: retrying sooner cannot help.
pub fn backoff(class: ErrorClass, attempt: u32, jitter: f64) -> Duration {
    let base = match class {
        ErrorClass::Auth | ErrorClass::Permanent => BACKOFF_MAX,
        ErrorClass::RateLimited => {
            (Duration::from_secs(60) * 2u32.saturating_pow(attempt.min(10))).min(BACKOFF_MAX)
        }
        ErrorClass::Offline | ErrorClass::Retryable => {
            (BACKOFF_BASE * 2u32.saturating_pow(attempt.min(16))).min(BACKOFF_MAX)
        }
    };
    let j = 1.0 + (jitter.clamp(0.0, 1.0) - 0.5) * 0.4;
    base.mul_f64(j)
}

/// A uniform number in [0, 1) from the OS, for jitter (0.5 when the OS has none to give).
pub fn jitter() -> f64 {
    let mut b = [0u8; 4];
    match getrandom::fill(&mut b) {
        Ok(()) => u32::from_le_bytes(b) as f64 / (u32::MAX as f64 + 1.0),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        let mid = 0.5; // no jitter
        assert_eq!(
            backoff(ErrorClass::Retryable, 0, mid),
            Duration::from_secs(2)
        );
        assert_eq!(
            backoff(ErrorClass::Offline, 3, mid),
            Duration::from_secs(16)
        );
        assert_eq!(
            backoff(ErrorClass::Retryable, 40, mid),
            BACKOFF_MAX,
            "capped"
        );
        assert_eq!(
            backoff(ErrorClass::Auth, 0, mid),
            BACKOFF_MAX,
            "auth waits for the user"
        );
        assert!(backoff(ErrorClass::RateLimited, 0, mid) >= Duration::from_secs(60));
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let lo = backoff(ErrorClass::Retryable, 2, 0.0);
        let hi = backoff(ErrorClass::Retryable, 2, 0.999);
        assert!(lo >= Duration::from_millis(6400) && hi <= Duration::from_millis(9600));
        let j = jitter();
        assert!((0.0..1.0).contains(&j));
    }
}
