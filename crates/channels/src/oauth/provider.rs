//! Where each OAuth2 provider lives and what we ask it for, and where the user's client id
//! comes from.
//!
//! Client ids are configuration, never baked into the binary: a desktop OAuth client belongs to
//! whoever registered it (Google Cloud "Desktop app" client, Entra "Mobile and desktop" app), and
//! Gmail's IMAP scope is restricted, so each business uses its own registration. They are read
//! from `SWITCHBOARD_GOOGLE_CLIENT_ID` / `SWITCHBOARD_MICROSOFT_CLIENT_ID` (and
//! `SWITCHBOARD_GOOGLE_CLIENT_SECRET`, which Google issues even to desktop clients although it is
//! not secret), or from `oauth.json` in the data folder.

use std::path::Path;

use serde::Deserialize;

use super::OAuthError;
use crate::secrets::Secret;

/// The configuration file in the data folder.
pub const CONFIG_FILE: &str = "oauth.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Google,
    Microsoft,
}

impl Provider {
    /// The id stored in `EmailAuth::OAuth2 { provider }`.
    pub fn id(self) -> &'static str {
        match self {
            Provider::Google => "google",
            Provider::Microsoft => "microsoft",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        match s.to_ascii_lowercase().as_str() {
            "google" | "gmail" => Some(Provider::Google),
            "microsoft" | "outlook" | "office365" => Some(Provider::Microsoft),
            _ => None,
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Provider::Google => "Google",
            Provider::Microsoft => "Microsoft",
        }
    }

    /// The account preset (servers) that goes with this provider.
    pub fn preset_id(self) -> &'static str {
        match self {
            Provider::Google => "gmail",
            Provider::Microsoft => "microsoft",
        }
    }

    fn env_prefix(self) -> &'static str {
        match self {
            Provider::Google => "SWITCHBOARD_GOOGLE",
            Provider::Microsoft => "SWITCHBOARD_MICROSOFT",
        }
    }

    /// The real endpoints and scopes (research/stack.md §5).
    pub fn endpoints(self) -> Endpoints {
        match self {
            Provider::Google => Endpoints {
                auth_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
                token_url: "https://oauth2.googleapis.com/token".into(),
                // IMAP and SMTP need the full mail scope.
                scopes: vec!["https://mail.google.com/".into()],
                // A refresh token, and a new one when the user signs in again.
                extra_auth_params: vec![
                    ("access_type".into(), "offline".into()),
                    ("prompt".into(), "consent".into()),
                ],
            },
            Provider::Microsoft => Endpoints {
                auth_url: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize".into(),
                token_url: "https://login.microsoftonline.com/common/oauth2/v2.0/token".into(),
                // Exchange resource scopes only (never mixed with Graph scopes in one request).
                scopes: vec![
                    "https://outlook.office.com/IMAP.AccessAsUser.All".into(),
                    "https://outlook.office.com/SMTP.Send".into(),
                    "offline_access".into(),
                ],
                extra_auth_params: vec![],
            },
        }
    }
}

/// Where to authorize and exchange tokens, and for what. Tests point these at a local server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub auth_url: String,
    pub token_url: String,
    pub scopes: Vec<String>,
    pub extra_auth_params: Vec<(String, String)>,
}

/// The app registration the user configured.
#[derive(Debug, Clone)]
pub struct ClientRegistration {
    pub client_id: String,
    /// Google issues one to desktop clients (it is not secret there); Microsoft public clients
    /// have none.
    pub client_secret: Option<Secret>,
}

#[derive(Deserialize, Default)]
struct FileEntry {
    client_id: Option<String>,
    client_secret: Option<String>,
}

#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    google: FileEntry,
    #[serde(default)]
    microsoft: FileEntry,
}

/// The client registration for `provider`: environment first, then `<data_dir>/oauth.json`
/// (`{"google": {"client_id": "…", "client_secret": "…"}, "microsoft": {"client_id": "…"}}`).
pub fn registration(provider: Provider, data_dir: &Path) -> Result<ClientRegistration, OAuthError> {
    let env = |suffix: &str| {
        std::env::var(format!("{}_{suffix}", provider.env_prefix()))
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let path = data_dir.join(CONFIG_FILE);
    let file: ConfigFile = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| OAuthError::Config(format!("cannot read {}: {e}", path.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
        Err(e) => {
            return Err(OAuthError::Config(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let entry = match provider {
        Provider::Google => file.google,
        Provider::Microsoft => file.microsoft,
    };
    let client_id = env("CLIENT_ID")
        .or(entry.client_id.filter(|s| !s.trim().is_empty()))
        .ok_or_else(|| {
            OAuthError::Config(format!(
                "no {} OAuth client id is configured: register a desktop OAuth client with {} and set {}_CLIENT_ID, or put {{\"{}\": {{\"client_id\": \"…\"}}}} in {} (see docs/outbox.md, \"OAuth setup\")",
                provider.display_name(),
                provider.display_name(),
                provider.env_prefix(),
                provider.id(),
                path.display()
            ))
        })?;
    let client_secret = env("CLIENT_SECRET")
        .or(entry.client_secret.filter(|s| !s.trim().is_empty()))
        .map(Secret::new);
    Ok(ClientRegistration {
        client_id,
        client_secret,
    })
}
