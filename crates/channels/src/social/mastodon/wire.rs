//! The parts of Mastodon's JSON entities Switchboard reads (mastodon/documentation
//! `entities/{Account,Status,Notification,Conversation,Instance}.md`).
//!
//! Every field that servers are known to omit (Pleroma, GoToSocial, older Mastodon) is optional
//! or defaulted, so a lean server still parses; what we cannot do without (`id`, `account`,
//! `content`, `created_at`) is required, and its absence is a malformed entry.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    /// `user` for an account on the same server, `user@domain` for a remote one.
    pub acct: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// The profile page; every server sends it.
    pub url: Option<String>,
    /// The ActivityPub actor id (Mastodon 4.2+): the most stable global id.
    #[serde(default)]
    pub uri: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Mention {
    pub acct: String,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub id: String,
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    pub account: Account,
    #[serde(default)]
    pub in_reply_to_id: Option<String>,
    #[serde(default)]
    pub in_reply_to_account_id: Option<String>,
    pub content: String,
    pub created_at: String,
    #[serde(default)]
    pub edited_at: Option<String>,
    /// `public`, `unlisted`, `private` (followers only) or `direct`.
    #[serde(default = "default_visibility")]
    pub visibility: String,
    #[serde(default)]
    pub spoiler_text: String,
    #[serde(default)]
    pub mentions: Vec<Mention>,
}

fn default_visibility() -> String {
    "public".into()
}

#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub status: Option<Status>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Conversation {
    pub id: String,
    #[serde(default)]
    pub last_status: Option<Status>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct App {
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Token {
    pub access_token: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Context {
    #[serde(default)]
    pub ancestors: Vec<Status>,
}

/// `GET /api/v2/instance` (Mastodon 4.0+).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct InstanceV2 {
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub configuration: Option<Configuration>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct Configuration {
    #[serde(default)]
    pub statuses: Option<StatusLimits>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct StatusLimits {
    #[serde(default)]
    pub max_characters: Option<usize>,
    #[serde(default)]
    pub characters_reserved_per_url: Option<usize>,
}

/// `GET /api/v1/instance` (older servers; Pleroma and Akkoma send `max_toot_chars`).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct InstanceV1 {
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub max_toot_chars: Option<usize>,
    #[serde(default)]
    pub configuration: Option<Configuration>,
}
