//! What every conversational channel can do, as small capability traits.
//!
//! A provider implements only what it can: email sends private replies but has no public
//! timeline; Bluesky fetches, replies publicly and (with a DM-scoped app password) sends chat
//! messages; Mastodon does all four. Asking a provider for something it cannot do yields
//! [`ChannelError::Unsupported`], never a panic or a silent no-op.
//!
//! Nothing here knows about the database: providers hand back plain [`Item`]s and [`SentRef`]s,
//! and `switchboard-sync` turns them into store rows, cursors and outbox transitions.

// Provider modules: the shared HTTP client, then one module per provider.
pub mod bluesky;
pub mod email;
pub mod http;
pub mod mastodon;

use std::fmt;

use serde::{Deserialize, Serialize};

/// Who can see a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Private,
}

/// Something a provider may or may not be able to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Fetch,
    PublicReply,
    PrivateMessage,
    ResolveIdentity,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Capability::Fetch => "fetch new items",
            Capability::PublicReply => "send a public reply",
            Capability::PrivateMessage => "send a private message",
            Capability::ResolveIdentity => "resolve an identity",
        })
    }
}

/// How long a post may be on this channel (and account, for Mastodon servers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "unit", content = "max", rename_all = "snake_case")]
pub enum TextLimit {
    /// Extended grapheme clusters (Bluesky: 300).
    Graphemes(usize),
    /// Unicode scalar values (Mastodon counts characters; URLs count as 23).
    Chars(usize),
    Unlimited,
}

/// A person on a channel, keyed on the channel's stable id (DID, account URI, email address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// `bluesky`, `mastodon`, `email`, …
    pub channel: String,
    /// Stable: a DID, a Mastodon account URI, a lowercased email address.
    pub external_id: String,
    /// What people type: `alice.bsky.social`, `alice@example.social`.
    pub handle: Option<String>,
    pub display_name: Option<String>,
}

/// Why an item reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Mention,
    Reply,
    Quote,
    Direct,
    /// Written by the account itself (seen when reading back our own replies).
    Own,
}

/// One inbound (or read-back outbound) item, channel specifics already resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Unique per account: an at:// URI, a status id, a chat message id.
    pub external_id: String,
    /// Threads items together: the root post's id, a conversation id.
    pub conversation_key: String,
    /// The item this one answers, if any.
    pub in_reply_to: Option<String>,
    pub kind: ItemKind,
    pub visibility: Visibility,
    pub author: Author,
    /// Plain text (HTML already turned to text for Mastodon).
    pub text: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// Set when the provider reports the item edited (Mastodon `edited_at`).
    pub edited_at: Option<i64>,
    /// Set when the provider reports the item deleted.
    pub deleted: bool,
    /// Provider extras the sender needs later (e.g. Bluesky root/parent `{uri,cid}`), as JSON.
    pub extra: serde_json::Value,
}

/// One page of new items from one stream.
// Helper A added `rejected` (B: build pages with `..Page::default()` or fill it): items the
// provider sent that could not be read; the engine quarantines them and stores the rest.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Store this, in the same transaction as `items`, and pass it back next time.
    pub cursor: Option<String>,
    /// More pages are waiting right now.
    pub more: bool,
    /// Items on this page that could not be read, with why (quarantined, never dropped silently).
    pub rejected: Vec<Rejected>,
}

/// An item a provider delivered but could not turn into an [`Item`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The provider's id for it when one could be read (an at:// URI, a status id), else a
    /// description of where it was (`notification 3 of page`).
    pub origin: String,
    pub reason: String,
}

/// A reply or private message the user wrote, as it leaves the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    /// The outbox item's idempotency key: the same on every attempt.
    pub idempotency_key: String,
    pub text: String,
    pub visibility: Visibility,
    /// For a reply: the item answered (its external id) and its `extra`.
    pub reply_to: Option<ReplyTo>,
    /// For a private message with no earlier thread: who to write to.
    pub recipient: Option<Author>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyTo {
    pub external_id: String,
    pub conversation_key: String,
    pub extra: serde_json::Value,
}

/// What the provider assigned to something we sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentRef {
    pub external_id: String,
    pub conversation_key: String,
    /// A link a person can open, when the channel has one.
    pub url: Option<String>,
}

/// Why a provider call failed, classified the way the sync engine and outbox act on it
/// (DESIGN §4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The network or the server is unreachable: retry when back online.
    #[error("{channel}: offline: {reason}")]
    Offline { channel: String, reason: String },
    /// The credentials were refused, expired or revoked: the user must sign in again.
    #[error("{channel}: sign-in needed: {reason}")]
    Auth { channel: String, reason: String },
    /// Slow down; `retry_at` (ms since epoch) comes from Retry-After / rate-limit reset headers.
    #[error("{channel}: rate limited{}: {reason}", retry_at.map(|t| format!(" until {t}")).unwrap_or_default())]
    RateLimited {
        channel: String,
        retry_at: Option<i64>,
        reason: String,
    },
    /// A transient server fault (5xx, a dropped connection mid-response).
    #[error("{channel}: temporary failure: {reason}")]
    Retryable { channel: String, reason: String },
    /// The request itself is wrong and will never succeed (too long, target deleted…).
    #[error("{channel}: refused: {reason}")]
    Permanent { channel: String, reason: String },
    /// The provider answered, but with something we cannot read. Names what and why.
    #[error("{channel}: malformed {what}: {reason}")]
    Malformed {
        channel: String,
        what: String,
        reason: String,
    },
    /// This provider cannot do this at all.
    #[error("{channel} cannot {capability}")]
    Unsupported {
        channel: String,
        capability: Capability,
    },
}

impl ChannelError {
    /// The class stored in `sync_state.error_class` / `outbox.error_class`.
    pub fn class(&self) -> &'static str {
        match self {
            ChannelError::Offline { .. } => "offline",
            ChannelError::Auth { .. } => "auth",
            ChannelError::RateLimited { .. } => "rate_limited",
            ChannelError::Retryable { .. } => "retryable",
            ChannelError::Permanent { .. }
            | ChannelError::Malformed { .. }
            | ChannelError::Unsupported { .. } => "permanent",
        }
    }

    /// When a send failed this way, may the request have reached the provider anyway?
    /// (Then the outbox must reconcile before any retry.)
    pub fn maybe_delivered(&self) -> bool {
        matches!(
            self,
            ChannelError::Retryable { .. } | ChannelError::Malformed { .. }
        )
    }
}

pub type Result<T> = std::result::Result<T, ChannelError>;

/// What a provider can do, for the UI and for a clear error before any I/O.
pub trait Provider {
    /// `bluesky`, `mastodon`, `email`.
    fn channel(&self) -> &'static str;
    fn capabilities(&self) -> &'static [Capability];
    /// The real limit for a post with this visibility.
    fn text_limit(&self, visibility: Visibility) -> TextLimit;

    fn unsupported(&self, capability: Capability) -> ChannelError {
        ChannelError::Unsupported {
            channel: self.channel().to_owned(),
            capability,
        }
    }
}

/// Fetch items newer than a cursor, one stream at a time (`notifications`, `chat`, …).
pub trait FetchNew: Provider {
    fn streams(&self) -> &'static [&'static str];
    fn fetch_since(
        &mut self,
        stream: &str,
        cursor: Option<&str>,
    ) -> impl Future<Output = Result<Page>> + Send;
}

/// Post a public reply in a thread.
pub trait PublicReply: Provider {
    fn send_public_reply(&mut self, out: &Outgoing)
    -> impl Future<Output = Result<SentRef>> + Send;
}

/// Send a private message (email, DM, direct status).
pub trait PrivateMessage: Provider {
    fn send_private(&mut self, out: &Outgoing) -> impl Future<Output = Result<SentRef>> + Send;
}

/// Turn a handle into a stable identity (and follow handle changes).
pub trait ResolveIdentity: Provider {
    fn resolve(&mut self, handle: &str) -> impl Future<Output = Result<Author>> + Send;
}

/// After a send of unknown fate: look for it on the provider before any retry.
pub trait Reconcile: Provider {
    /// `Some` when the item was delivered (found by idempotency key or by reading back our own
    /// recent posts), `None` when it certainly was not.
    fn find_sent(&mut self, out: &Outgoing)
    -> impl Future<Output = Result<Option<SentRef>>> + Send;
}

/// Counts `text` the way `limit` does.
pub fn measure(text: &str, limit: TextLimit) -> usize {
    match limit {
        TextLimit::Graphemes(_) => count_graphemes(text),
        TextLimit::Chars(_) | TextLimit::Unlimited => text.chars().count(),
    }
}

/// Extended grapheme clusters (UAX #29), the unit Bluesky's 300 limit counts.
pub fn count_graphemes(text: &str) -> usize {
    use unicode_segmentation::UnicodeSegmentation;
    text.graphemes(true).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphemes_count_emoji_sequences_once() {
        assert_eq!(count_graphemes("abc"), 3);
        assert_eq!(count_graphemes("e\u{301}"), 1);
        assert_eq!(count_graphemes("👩\u{200D}💻"), 1);
        assert_eq!(count_graphemes("👍🏽"), 1);
        assert_eq!(count_graphemes("🇫🇷🇩🇪"), 2);
        assert_eq!(count_graphemes("❤\u{FE0F}"), 1);
    }

    #[test]
    fn error_classes_follow_design() {
        let e = ChannelError::RateLimited {
            channel: "bluesky".into(),
            retry_at: Some(5),
            reason: "429".into(),
        };
        assert_eq!(e.class(), "rate_limited");
        assert_eq!(e.to_string(), "bluesky: rate limited until 5: 429");
        assert!(!e.maybe_delivered());
        let u = ChannelError::Unsupported {
            channel: "email".into(),
            capability: Capability::PublicReply,
        };
        assert_eq!(u.to_string(), "email cannot send a public reply");
        assert_eq!(u.class(), "permanent");
    }
}
