//! What Switchboard remembers about a connected account (stored as JSON in `accounts.config`).
//! Never a secret: those are in the OS keychain (see [`crate::secrets`]).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain connection upgraded with STARTTLS before authenticating (IMAP 143, submission 587).
    Starttls,
}

impl std::str::FromStr for Security {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tls" | "ssl" => Ok(Security::Tls),
            "starttls" => Ok(Security::Starttls),
            other => Err(format!(
                "unknown security {other:?} (expected tls or starttls)"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EmailAuth {
    /// Username and password (or an app-specific password); the secret is in the keychain.
    Password,
    /// OAuth2 (XOAUTH2 for IMAP and SMTP); the refresh token is in the keychain.
    OAuth2 { provider: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailConfig {
    /// The address replies are sent from.
    pub email: String,
    pub display_name: Option<String>,
    pub username: String,
    pub imap: ServerConfig,
    pub smtp: ServerConfig,
    pub auth: EmailAuth,
    /// An extra CA certificate (PEM) to trust for this account's servers — how tests trust a
    /// local test server; also for self-hosted servers with a private CA.
    pub ca_file: Option<PathBuf>,
    /// Folders to sync besides INBOX and Sent.
    #[serde(default)]
    pub extra_folders: Vec<String>,
}

/// Known providers: their servers, so a user only types an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    pub imap: (&'static str, u16, Security),
    pub smtp: (&'static str, u16, Security),
    /// `Some(provider)` when the provider wants OAuth2 rather than a password.
    pub oauth: Option<&'static str>,
    pub note: &'static str,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        id: "gmail",
        name: "Gmail / Google Workspace",
        imap: ("imap.gmail.com", 993, Security::Tls),
        smtp: ("smtp.gmail.com", 465, Security::Tls),
        oauth: Some("google"),
        note: "Sign in with Google (OAuth2). An app password also works when 2-step verification is on.",
    },
    Preset {
        id: "microsoft",
        name: "Outlook / Microsoft 365",
        imap: ("outlook.office365.com", 993, Security::Tls),
        smtp: ("smtp.office365.com", 587, Security::Starttls),
        oauth: Some("microsoft"),
        note: "Sign in with Microsoft (OAuth2). Some organisations turn SMTP sending off per mailbox.",
    },
    Preset {
        id: "fastmail",
        name: "Fastmail",
        imap: ("imap.fastmail.com", 993, Security::Tls),
        smtp: ("smtp.fastmail.com", 465, Security::Tls),
        oauth: None,
        note: "Use an app password (Settings → Privacy & Security → App passwords).",
    },
    Preset {
        id: "icloud",
        name: "iCloud Mail",
        imap: ("imap.mail.me.com", 993, Security::Tls),
        smtp: ("smtp.mail.me.com", 587, Security::Starttls),
        oauth: None,
        note: "Use an app-specific password (appleid.apple.com). The username is the part before @icloud.com.",
    },
    Preset {
        id: "yahoo",
        name: "Yahoo Mail",
        imap: ("imap.mail.yahoo.com", 993, Security::Tls),
        smtp: ("smtp.mail.yahoo.com", 465, Security::Tls),
        oauth: None,
        note: "Use an app password (Account security → Generate app password).",
    },
];

pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id.eq_ignore_ascii_case(id))
}

/// Guesses a preset from an address's domain (`gmail.com` → gmail).
pub fn preset_for_address(email: &str) -> Option<&'static Preset> {
    let domain = email.rsplit_once('@')?.1.to_ascii_lowercase();
    let id = match domain.as_str() {
        "gmail.com" | "googlemail.com" => "gmail",
        "outlook.com" | "hotmail.com" | "live.com" | "msn.com" => "microsoft",
        "fastmail.com" | "fastmail.fm" => "fastmail",
        "icloud.com" | "me.com" | "mac.com" => "icloud",
        "yahoo.com" | "ymail.com" => "yahoo",
        _ => return None,
    };
    preset(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_found_by_id_and_by_address() {
        assert_eq!(preset("GMAIL").unwrap().imap.0, "imap.gmail.com");
        assert_eq!(
            preset_for_address("ann@hotmail.com").unwrap().id,
            "microsoft"
        );
        assert_eq!(preset_for_address("ann@shop.example"), None);
        assert_eq!(preset_for_address("no-at-sign"), None);
    }

    #[test]
    fn email_config_round_trips_as_json() {
        let c = EmailConfig {
            email: "help@shop.example".into(),
            display_name: Some("Shop".into()),
            username: "help".into(),
            imap: ServerConfig {
                host: "127.0.0.1".into(),
                port: 14993,
                security: Security::Tls,
            },
            smtp: ServerConfig {
                host: "127.0.0.1".into(),
                port: 14587,
                security: Security::Starttls,
            },
            auth: EmailAuth::Password,
            ca_file: Some("/tmp/ca.pem".into()),
            extra_folders: vec![],
        };
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["auth"]["kind"], "password");
        assert_eq!(json["smtp"]["security"], "starttls");
        assert_eq!(serde_json::from_value::<EmailConfig>(json).unwrap(), c);
        assert_eq!("STARTTLS".parse::<Security>(), Ok(Security::Starttls));
        assert!("none".parse::<Security>().is_err());
    }
}
