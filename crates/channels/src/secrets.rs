//! Secrets (passwords, refresh tokens, app passwords) live in the OS keychain and nowhere else:
//! never in SQLite, never in logs, never in config files.
//!
//! [`Secrets`] is the one door to them. [`Keychain`] is the real store (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows); [`MemorySecrets`] is for unit tests only.
//! Integration tests run the real one against gnome-keyring on a private D-Bus session.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

/// The keychain "service" every Switchboard secret is filed under.
pub const SERVICE: &str = "switchboard";

/// Which secret of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    Password,
    RefreshToken,
    AppPassword,
    AccessToken,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Password => "password",
            SecretKind::RefreshToken => "refresh-token",
            SecretKind::AppPassword => "app-password",
            SecretKind::AccessToken => "access-token",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("no {kind} stored for account {account:?} in the OS keychain")]
    Missing { account: String, kind: &'static str },
    #[error(
        "the OS keychain is not available: {0} (on Linux, a Secret Service such as gnome-keyring or KeePassXC must be running and unlocked)"
    )]
    Unavailable(String),
    #[error("cannot {action} the {kind} of account {account:?} in the OS keychain: {cause}")]
    Failed {
        action: &'static str,
        account: String,
        kind: &'static str,
        cause: String,
    },
}

/// A secret value that never shows itself in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The account key is the account's stable name within Switchboard (e.g. `"work"`).
pub trait Secrets: Send + Sync {
    fn get(&self, account: &str, kind: SecretKind) -> Result<Secret, SecretError>;
    fn set(&self, account: &str, kind: SecretKind, value: &Secret) -> Result<(), SecretError>;
    /// Deleting what is not there is not an error.
    fn delete(&self, account: &str, kind: SecretKind) -> Result<(), SecretError>;
}

/// The OS keychain. Calls block (D-Bus round trips); from async code, call through
/// `spawn_blocking`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Keychain;

fn user(account: &str, kind: SecretKind) -> String {
    format!("{account}:{}", kind.as_str())
}

fn classify(
    action: &'static str,
    account: &str,
    kind: SecretKind,
    e: keyring::Error,
) -> SecretError {
    match e {
        keyring::Error::NoEntry => SecretError::Missing {
            account: account.to_string(),
            kind: kind.as_str(),
        },
        keyring::Error::PlatformFailure(inner) => SecretError::Unavailable(inner.to_string()),
        keyring::Error::NoStorageAccess(inner) => SecretError::Unavailable(inner.to_string()),
        other => SecretError::Failed {
            action,
            account: account.to_string(),
            kind: kind.as_str(),
            cause: other.to_string(),
        },
    }
}

impl Secrets for Keychain {
    fn get(&self, account: &str, kind: SecretKind) -> Result<Secret, SecretError> {
        let entry = keyring::Entry::new(SERVICE, &user(account, kind))
            .map_err(|e| classify("read", account, kind, e))?;
        entry
            .get_password()
            .map(Secret)
            .map_err(|e| classify("read", account, kind, e))
    }

    fn set(&self, account: &str, kind: SecretKind, value: &Secret) -> Result<(), SecretError> {
        let entry = keyring::Entry::new(SERVICE, &user(account, kind))
            .map_err(|e| classify("store", account, kind, e))?;
        entry
            .set_password(value.expose())
            .map_err(|e| classify("store", account, kind, e))
    }

    fn delete(&self, account: &str, kind: SecretKind) -> Result<(), SecretError> {
        let entry = keyring::Entry::new(SERVICE, &user(account, kind))
            .map_err(|e| classify("delete", account, kind, e))?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify("delete", account, kind, e)),
        }
    }
}

/// In-memory secrets for unit tests.
#[derive(Debug, Default)]
pub struct MemorySecrets(Mutex<HashMap<(String, SecretKind), Secret>>);

impl Secrets for MemorySecrets {
    fn get(&self, account: &str, kind: SecretKind) -> Result<Secret, SecretError> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&(account.to_string(), kind))
            .cloned()
            .ok_or(SecretError::Missing {
                account: account.to_string(),
                kind: kind.as_str(),
            })
    }
    fn set(&self, account: &str, kind: SecretKind, value: &Secret) -> Result<(), SecretError> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert((account.to_string(), kind), value.clone());
        Ok(())
    }
    fn delete(&self, account: &str, kind: SecretKind) -> Result<(), SecretError> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&(account.to_string(), kind));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_themselves() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(…)");
    }

    #[test]
    fn memory_secrets_round_trip_and_delete_is_idempotent() {
        let m = MemorySecrets::default();
        assert!(matches!(
            m.get("a", SecretKind::Password),
            Err(SecretError::Missing { .. })
        ));
        m.set("a", SecretKind::Password, &Secret::new("pw"))
            .unwrap();
        assert_eq!(m.get("a", SecretKind::Password).unwrap().expose(), "pw");
        assert!(
            m.get("a", SecretKind::RefreshToken).is_err(),
            "kinds are separate"
        );
        m.delete("a", SecretKind::Password).unwrap();
        m.delete("a", SecretKind::Password).unwrap();
        assert!(m.get("a", SecretKind::Password).is_err());
    }

    /// The real keychain. Needs a Secret Service: `scripts/with-keyring.sh cargo test -- --ignored`.
    #[test]
    #[ignore = "needs a running, unlocked Secret Service (run through scripts/with-keyring.sh)"]
    fn the_os_keychain_round_trips() {
        let k = Keychain;
        let account = format!("test-{}", std::process::id());
        k.set(&account, SecretKind::Password, &Secret::new("s3cret"))
            .unwrap();
        assert_eq!(
            k.get(&account, SecretKind::Password).unwrap().expose(),
            "s3cret"
        );
        k.delete(&account, SecretKind::Password).unwrap();
        assert!(matches!(
            k.get(&account, SecretKind::Password),
            Err(SecretError::Missing { .. })
        ));
    }
}
