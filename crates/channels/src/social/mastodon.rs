//! Mastodon (and servers speaking its client API): mentions and direct conversations in,
//! replies and direct statuses out, on whichever server the business has its account.
//!
//! Why it is shaped this way:
//! - **Every server is its own world.** The app registers itself per server at runtime
//!   ([`signin`]), the length limit is read from that server's instance information, and
//!   account ids are only meaningful there; the identity we key contacts on is the account's
//!   ActivityPub URI (or profile URL), with the `user@domain` handle beside it.
//! - **Cursors are Mastodon's own ids.** Mention notifications are paged forward with `min_id`
//!   (the page right after the cursor, so nothing is skipped however many arrived), and the
//!   cursor is the newest notification id seen. Direct conversations are read newest first and
//!   the cursor is the newest `last_status` id seen: that catches private mentions a server's
//!   notification policy filtered away.
//! - **A reply is never sent twice.** Each status goes out with `Idempotency-Key` = the outbox
//!   item's key (the server answers a repeat within an hour with the first status). After a send
//!   of unknown fate the outbox still asks [`Reconcile::find_sent`], which reads the account's
//!   own recent statuses and matches the one answered and the text, before any retry: the key is
//!   a server courtesy, the read-back is proof.
//! - **Threads are keyed on their root status**, found through `/context` once per reply and
//!   remembered, so a mention, our reply and the customer's answer share one conversation.

pub mod signin;
pub mod text;
pub mod wire;

use std::collections::HashMap;
use std::sync::Arc;

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use super::{
    Author, Capability, ChannelError, FetchNew, Item, ItemKind, Outgoing, Page, PrivateMessage,
    Provider, PublicReply, Reconcile, Rejected, ResolveIdentity, Result, SentRef, TextLimit,
    Visibility, http,
};
use crate::secrets::Secret;

/// `accounts.kind` and `identities.channel`.
pub const CHANNEL: &str = "mastodon";
/// Mastodon's default, used when a server states no limit.
pub const DEFAULT_MAX_CHARACTERS: usize = 500;
pub const DEFAULT_CHARS_PER_URL: usize = 23;
/// Mention notifications (public, unlisted, followers-only and direct mentions).
pub const STREAM_NOTIFICATIONS: &str = "notifications";
/// Direct conversations (also those whose notification the server filtered).
pub const STREAM_CONVERSATIONS: &str = "conversations";
/// Mastodon's maximum page size for notifications (conversations allow 40).
pub const NOTIFICATIONS_PAGE: usize = 80;
pub const CONVERSATIONS_PAGE: usize = 40;
/// How many of our own latest statuses a reconcile reads back.
pub const RECONCILE_WINDOW: usize = 40;

/// How a public reply is posted: on public timelines, or quietly (`unlisted`: visible in the
/// thread and on the profile, not on public timelines).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum PublicVisibility {
    #[default]
    Public,
    Unlisted,
}

impl PublicVisibility {
    pub fn as_str(self) -> &'static str {
        match self {
            PublicVisibility::Public => "public",
            PublicVisibility::Unlisted => "unlisted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "public" => Some(PublicVisibility::Public),
            "unlisted" => Some(PublicVisibility::Unlisted),
            _ => None,
        }
    }
}

/// What `accounts.config` holds for a Mastodon account. Never a secret: the access token is in
/// the OS keychain (`SecretKind::AccessToken`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The server's origin, e.g. `https://mastodon.social/`.
    pub server: String,
    /// The account's id on that server (only meaningful there): used to read back our own
    /// statuses.
    pub account_id: String,
    /// `user@domain`, always with the domain.
    pub acct: String,
    /// The account's ActivityPub URI (or profile URL): `identities.external_id`.
    pub account_uri: String,
    /// The app this install registered on the server (absent when signed in with a token).
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub public_visibility: PublicVisibility,
    /// The server's length rules when the account was added (the composer's limit without a
    /// connection; a connection reads them afresh).
    #[serde(default)]
    pub limits: Limits,
}

/// The server's rules for a status's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_characters: usize,
    pub chars_per_url: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_characters: DEFAULT_MAX_CHARACTERS,
            chars_per_url: DEFAULT_CHARS_PER_URL,
        }
    }
}

/// What the server told us about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub limits: Limits,
    /// The domain in handles (`user@<domain>`).
    pub domain: String,
}

/// A status read again by id.
#[derive(Debug, Clone, PartialEq)]
pub enum Refreshed {
    Current(Box<Item>),
    /// The server no longer has it (deleted by its author, or no longer visible to us).
    Deleted {
        external_id: String,
    },
}

/// The account that owns a token, as `verify_credentials` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub account_id: String,
    pub author: Author,
}

type NowFn = Arc<dyn Fn() -> i64 + Send + Sync>;

/// A connected Mastodon account.
pub struct Mastodon {
    config: Config,
    base: url::Url,
    token: Secret,
    http: reqwest::Client,
    instance: Instance,
    /// Status id → its thread's root status id.
    roots: HashMap<String, String>,
    /// A successful response said no requests are left until then.
    paused_until: Option<i64>,
    now: NowFn,
}

/// The default clock until a caller injects its own ([`Mastodon::with_clock`]; the sync engine
/// does): it only ever meets instants from the server's rate-limit headers, which are wall-clock
/// times themselves.
fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn err_permanent(reason: impl Into<String>) -> ChannelError {
    ChannelError::Permanent {
        channel: CHANNEL.into(),
        reason: reason.into(),
    }
}

/// Checks and normalises what a user typed as their server: `mastodon.social`,
/// `https://mastodon.social/@ann` → `https://mastodon.social/`. Plain `http` is refused except on
/// this machine (a token must never cross a network in the clear).
pub fn server_url(input: &str) -> std::result::Result<url::Url, String> {
    let t = input.trim();
    if t.is_empty() {
        return Err("the server address is empty".into());
    }
    let with_scheme = if t.contains("://") {
        t.to_string()
    } else {
        format!("https://{t}")
    };
    let mut u =
        url::Url::parse(&with_scheme).map_err(|e| format!("{t:?} is not a server address: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "{t:?} is not a server address: only https:// is supported"
        ));
    }
    let loopback = match u.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => return Err(format!("{t:?} is not a server address: no host")),
    };
    if u.scheme() == "http" && !loopback {
        return Err(format!(
            "{t:?}: plain http is only allowed for a server on this machine; use https://"
        ));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(format!(
            "{t:?}: put no user name or password in the server address"
        ));
    }
    u.set_path("/");
    u.set_query(None);
    u.set_fragment(None);
    Ok(u)
}

/// `user` (an account on `domain`) → `user@domain`; `user@other` stays.
pub fn full_acct(acct: &str, domain: &str) -> String {
    let acct = acct.trim().trim_start_matches('@');
    if acct.contains('@') {
        acct.to_string()
    } else {
        format!("{acct}@{domain}")
    }
}

fn host_of(base: &url::Url) -> String {
    match (base.host_str(), base.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

fn endpoint(base: &url::Url, path: &str) -> Result<url::Url> {
    base.join(path)
        .map_err(|e| err_permanent(format!("cannot build the address {path:?}: {e}")))
}

/// Reads the server's limits and domain: `GET /api/v2/instance`
/// (`configuration.statuses.max_characters`), else `GET /api/v1/instance` (`max_toot_chars`
/// on Pleroma/Akkoma, or v1 `configuration`), else Mastodon's default of 500.
pub async fn fetch_instance(
    http_client: &reqwest::Client,
    base: &url::Url,
    now_ms: i64,
) -> Result<Instance> {
    let host = host_of(base);
    let v2 = get_public::<wire::InstanceV2>(
        http_client,
        endpoint(base, "api/v2/instance")?,
        "read the server's instance information",
        now_ms,
    )
    .await?;
    if let Some(v2) = v2 {
        let st = v2
            .configuration
            .and_then(|c| c.statuses)
            .unwrap_or_default();
        if let Some(max) = st.max_characters.filter(|m| *m > 0) {
            return Ok(Instance {
                limits: Limits {
                    max_characters: max,
                    chars_per_url: st
                        .characters_reserved_per_url
                        .unwrap_or(DEFAULT_CHARS_PER_URL),
                },
                domain: v2.domain.filter(|d| !d.is_empty()).unwrap_or(host),
            });
        }
    }
    let v1 = get_public::<wire::InstanceV1>(
        http_client,
        endpoint(base, "api/v1/instance")?,
        "read the server's instance information",
        now_ms,
    )
    .await?
    .unwrap_or_default();
    let st = v1
        .configuration
        .and_then(|c| c.statuses)
        .unwrap_or_default();
    Ok(Instance {
        limits: Limits {
            max_characters: v1
                .max_toot_chars
                .or(st.max_characters)
                .filter(|m| *m > 0)
                .unwrap_or(DEFAULT_MAX_CHARACTERS),
            chars_per_url: st
                .characters_reserved_per_url
                .unwrap_or(DEFAULT_CHARS_PER_URL),
        },
        domain: v1.uri.filter(|d| !d.is_empty()).unwrap_or(host),
    })
}

/// A GET without a token; `None` when the server does not have the endpoint (404/410).
async fn get_public<T: serde::de::DeserializeOwned>(
    http_client: &reqwest::Client,
    url: url::Url,
    what: &str,
    now_ms: i64,
) -> Result<Option<T>> {
    let resp = http::send(CHANNEL, what, http_client.get(url)).await?;
    if matches!(resp.status().as_u16(), 404 | 410) {
        return Ok(None);
    }
    let resp = http::check(CHANNEL, what, resp, now_ms).await?;
    http::json(CHANNEL, what, resp).await.map(Some)
}

/// Who owns `token`: `GET /api/v1/accounts/verify_credentials`.
pub async fn verify_credentials(
    http_client: &reqwest::Client,
    base: &url::Url,
    token: &Secret,
    domain: &str,
    now_ms: i64,
) -> Result<Me> {
    let what = "check the sign-in (verify_credentials)";
    let req = http_client
        .get(endpoint(base, "api/v1/accounts/verify_credentials")?)
        .bearer_auth(token.expose());
    let resp = http::send(CHANNEL, what, req).await?;
    let resp = http::check(CHANNEL, what, resp, now_ms).await?;
    let a: wire::Account = http::json(CHANNEL, what, resp).await?;
    Ok(Me {
        account_id: a.id.clone(),
        author: author_of(&a, domain),
    })
}

fn author_of(a: &wire::Account, domain: &str) -> Author {
    let handle = full_acct(&a.acct, domain);
    Author {
        channel: CHANNEL.into(),
        external_id: a
            .uri
            .clone()
            .filter(|u| !u.is_empty())
            .or_else(|| a.url.clone().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| format!("acct:{handle}")),
        handle: Some(handle),
        display_name: a.display_name.clone().filter(|d| !d.trim().is_empty()),
    }
}

/// Who a status must mention to reach its reader: the author of the status answered, else the
/// recipient, written `@user` for an account on our own server and `@user@domain` otherwise.
/// Mastodon delivers only to those mentioned (a `direct` status mentioning nobody is seen by
/// nobody), so [`status_text`] puts a missing mention in front. `None` when there is nobody to
/// mention, or only ourselves.
pub fn status_mention(out: &Outgoing, own_acct: &str) -> Option<String> {
    let handle = out
        .reply_to
        .as_ref()
        .and_then(|r| r.extra.get("acct").and_then(|a| a.as_str()))
        .map(str::to_owned)
        .or_else(|| out.recipient.as_ref().and_then(|r| r.handle.clone()))
        .filter(|h| !h.trim().is_empty())?;
    let handle = handle.trim().trim_start_matches('@').to_string();
    if handle.eq_ignore_ascii_case(own_acct) {
        return None;
    }
    let own_domain = own_acct.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
    Some(match handle.split_once('@') {
        Some((user, domain)) if domain.eq_ignore_ascii_case(own_domain) => format!("@{user}"),
        _ => format!("@{handle}"),
    })
}

/// The exact text that goes out for `out` from the account `own_acct`: the same on every
/// attempt (so a read-back recognises it) and the same when counted before queueing.
pub fn status_text(out: &Outgoing, own_acct: &str) -> String {
    let body = out.text.trim();
    let Some(m) = status_mention(out, own_acct) else {
        return body.to_string();
    };
    let m_lower = m.to_lowercase();
    let present = body.to_lowercase().split_whitespace().any(|w| {
        w.trim_end_matches(|c: char| !c.is_alphanumeric()) == m_lower
            || w.starts_with(&format!("{m_lower}@"))
    });
    if present {
        body.to_string()
    } else {
        format!("{m} {body}")
    }
}

/// A fresh `Idempotency-Key` for an outbox item (128 random bits, hex).
pub fn new_idempotency_key() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| err_permanent(format!("cannot make an idempotency key: {e}")))?;
    Ok(format!("mastodon-{}", hex::encode(b)))
}

fn parse_time(what: &str, s: &str) -> Result<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| ChannelError::Malformed {
            channel: CHANNEL.into(),
            what: what.into(),
            reason: format!("{s:?} is not a timestamp: {e}"),
        })
}

fn newest<'a>(a: Option<&'a str>, b: &'a str) -> &'a str {
    match a {
        Some(a) if text::id_cmp(a, b).is_ge() => a,
        _ => b,
    }
}

impl Mastodon {
    /// Connects with a stored configuration and access token: reads the server's limits (one
    /// request). Signing in is [`signin`]'s job.
    pub async fn connect(
        config: &Config,
        secret: &str,
        http_client: reqwest::Client,
    ) -> Result<Self> {
        let base = server_url(&config.server).map_err(|e| {
            err_permanent(format!(
                "cannot connect: the account's server is wrong: {e}"
            ))
        })?;
        let now: NowFn = Arc::new(system_now);
        let instance = fetch_instance(&http_client, &base, now()).await?;
        Ok(Mastodon {
            config: config.clone(),
            base,
            token: Secret::new(secret),
            http: http_client,
            instance,
            roots: HashMap::new(),
            paused_until: None,
            now,
        })
    }

    /// Uses this clock (ms since the epoch) for rate-limit pauses and relative `Retry-After`
    /// values.
    pub fn with_clock(mut self, now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.now = Arc::new(now);
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// The length of `text` as this server counts it (URLs 23, remote mentions by local part).
    pub fn count(&self, text: &str) -> usize {
        text::count_chars(text, self.instance.limits.chars_per_url)
    }

    fn paused(&self) -> Result<()> {
        if let Some(t) = self.paused_until
            && (self.now)() < t
        {
            return Err(ChannelError::RateLimited {
                channel: CHANNEL.into(),
                retry_at: Some(t),
                reason:
                    "the server said no requests are left until then (X-RateLimit-Remaining: 0)"
                        .into(),
            });
        }
        Ok(())
    }

    fn note_limits(&mut self, headers: &HeaderMap) {
        self.paused_until = http::exhausted_until(headers, (self.now)());
    }

    /// Sends an authorised request and returns the raw body of a 2xx answer. `missing_ok` lets
    /// a caller take a 404/410 as an answer (`None`) rather than an error.
    async fn call(
        &mut self,
        what: &str,
        req: reqwest::RequestBuilder,
        missing_ok: bool,
    ) -> Result<Option<Vec<u8>>> {
        self.paused()?;
        let req = req.bearer_auth(self.token.expose());
        let resp = http::send(CHANNEL, what, req).await?;
        self.note_limits(resp.headers());
        if missing_ok && matches!(resp.status().as_u16(), 404 | 410) {
            return Ok(None);
        }
        let status = resp.status();
        if status.as_u16() == 403 {
            // Mastodon answers 403 for a token without the needed scope or a disabled login:
            // only a new sign-in helps.
            let headers = resp.headers().clone();
            let body = resp.bytes().await.unwrap_or_default();
            let e = http::error_for(CHANNEL, what, status, &headers, &body, (self.now)());
            return Err(ChannelError::Auth {
                channel: CHANNEL.into(),
                reason: match e {
                    ChannelError::Permanent { reason, .. } => reason,
                    other => other.to_string(),
                },
            });
        }
        let resp = http::check(CHANNEL, what, resp, (self.now)()).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| http::transport_error(CHANNEL, what, &e))?;
        Ok(Some(bytes.to_vec()))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &mut self,
        what: &str,
        url: url::Url,
        missing_ok: bool,
    ) -> Result<Option<T>> {
        let req = self.http.get(url);
        match self.call(what, req, missing_ok).await? {
            Some(b) => http::decode(CHANNEL, what, &b).map(Some),
            None => Ok(None),
        }
    }

    /// The root status of the thread `s` belongs to.
    async fn root_of(&mut self, s: &wire::Status) -> Result<String> {
        let Some(parent) = s.in_reply_to_id.clone() else {
            return Ok(s.id.clone());
        };
        if let Some(r) = self.roots.get(&parent).or_else(|| self.roots.get(&s.id)) {
            let r = r.clone();
            self.roots.insert(s.id.clone(), r.clone());
            return Ok(r);
        }
        let url = endpoint(&self.base, &format!("api/v1/statuses/{}/context", s.id))?;
        let ctx: Option<wire::Context> = self
            .get_json("read a status's thread (context)", url, true)
            .await?;
        let root = ctx
            .and_then(|c| c.ancestors.first().map(|a| a.id.clone()))
            // The thread above is gone or hidden from us: the status answered is the best key.
            .unwrap_or(parent);
        self.roots.insert(s.id.clone(), root.clone());
        Ok(root)
    }

    async fn item_of(&mut self, s: &wire::Status) -> Result<Item> {
        let what = format!("status {}", s.id);
        let created_at = parse_time(&what, &s.created_at)?;
        let edited_at = s
            .edited_at
            .as_deref()
            .map(|e| parse_time(&what, e))
            .transpose()?;
        let author = author_of(&s.account, &self.instance.domain);
        let own = s.account.id == self.config.account_id;
        let (kind, visibility) = match s.visibility.as_str() {
            "direct" => (ItemKind::Direct, Visibility::Private),
            v => {
                let vis = if v == "private" {
                    Visibility::Private
                } else {
                    Visibility::Public
                };
                let k = if s.in_reply_to_id.is_some() {
                    ItemKind::Reply
                } else {
                    ItemKind::Mention
                };
                (k, vis)
            }
        };
        let kind = if own { ItemKind::Own } else { kind };
        let conversation_key = self.root_of(s).await?;
        let extra = serde_json::json!({
            "acct": author.handle,
            "account_id": s.account.id,
            "visibility": s.visibility,
            "url": s.url.clone().or_else(|| s.uri.clone()),
            "in_reply_to_account_id": s.in_reply_to_account_id,
            "mentions": s.mentions.iter().map(|m| full_acct(&m.acct, &self.instance.domain)).collect::<Vec<_>>(),
        });
        Ok(Item {
            external_id: s.id.clone(),
            conversation_key,
            in_reply_to: s.in_reply_to_id.clone(),
            kind,
            visibility,
            author,
            text: text::plain_text(&s.content, &s.spoiler_text),
            created_at,
            edited_at,
            deleted: false,
            extra,
        })
    }
}

/// An entry the server sent that cannot be read: named by its id (or its place on the page),
/// with the reason and the entry itself (cut at 2 KB), so a quarantine keeps what arrived.
fn reject(stream: &str, index: usize, raw: &serde_json::Value, reason: String) -> Rejected {
    let origin = match raw.get("id").and_then(|v| v.as_str()) {
        Some(id) => format!("{stream} {id}"),
        None => format!("{stream} entry {} of the page", index + 1),
    };
    tracing::warn!(channel = CHANNEL, %origin, %reason, "skipped an entry that cannot be read");
    let mut raw = raw.to_string();
    if raw.len() > 2048 {
        let mut cut = 2048;
        while !raw.is_char_boundary(cut) {
            cut -= 1;
        }
        raw.truncate(cut);
        raw.push('…');
    }
    Rejected {
        origin,
        reason: format!("{reason}; as received: {raw}"),
    }
}

impl Mastodon {
    /// Mention notifications after `cursor` (`min_id`), oldest first.
    async fn fetch_notifications(&mut self, cursor: Option<&str>) -> Result<Page> {
        let what = "list mention notifications";
        let mut url = endpoint(&self.base, "api/v1/notifications")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("types[]", "mention");
            q.append_pair("limit", &NOTIFICATIONS_PAGE.to_string());
            if let Some(c) = cursor {
                q.append_pair("min_id", c);
            }
        }
        let raw: Vec<serde_json::Value> =
            self.get_json(what, url, false).await?.unwrap_or_default();
        let full_page = raw.len() >= NOTIFICATIONS_PAGE;
        let mut max_id: Option<String> = cursor.map(str::to_owned);
        let mut parsed = Vec::new();
        let mut rejected = Vec::new();
        for (i, v) in raw.into_iter().enumerate() {
            if let Some(id) = v.get("id").and_then(|i| i.as_str()) {
                max_id = Some(newest(max_id.as_deref(), id).to_owned());
            }
            match serde_json::from_value::<wire::Notification>(v.clone()) {
                Ok(n) => parsed.push(n),
                Err(e) => rejected.push(reject(
                    STREAM_NOTIFICATIONS,
                    i,
                    &v,
                    format!("malformed mention notification: {e}"),
                )),
            }
        }
        // The server sends newest first; the store wants them in the order they happened.
        parsed.sort_by(|a, b| text::id_cmp(&a.id, &b.id));
        let mut items = Vec::with_capacity(parsed.len());
        for n in parsed {
            // The status of a mention is gone when its author deleted it before we looked:
            // there is nothing left to answer.
            let (Some(s), true) = (n.status.as_ref(), n.kind == "mention") else {
                continue;
            };
            match self.item_of(s).await {
                Ok(item) => items.push(item),
                Err(e @ ChannelError::Malformed { .. }) => rejected.push(Rejected {
                    origin: format!("{STREAM_NOTIFICATIONS} {}", n.id),
                    reason: e.to_string(),
                }),
                Err(e) => return Err(e),
            }
        }
        Ok(Page {
            items,
            cursor: max_id,
            // Without a cursor this was the first look: the newest page is the baseline.
            more: cursor.is_some() && full_page,
            rejected,
        })
    }

    /// Direct conversations whose latest status is newer than `cursor`.
    async fn fetch_conversations(&mut self, cursor: Option<&str>) -> Result<Page> {
        let what = "list direct conversations";
        let mut url = endpoint(&self.base, "api/v1/conversations")?;
        url.query_pairs_mut()
            .append_pair("limit", &CONVERSATIONS_PAGE.to_string());
        let raw: Vec<serde_json::Value> =
            self.get_json(what, url, false).await?.unwrap_or_default();
        let mut max_id: Option<String> = cursor.map(str::to_owned);
        let mut statuses = Vec::new();
        let mut rejected = Vec::new();
        for (i, v) in raw.into_iter().enumerate() {
            match serde_json::from_value::<wire::Conversation>(v.clone()) {
                Ok(c) => {
                    let Some(s) = c.last_status else { continue };
                    max_id = Some(newest(max_id.as_deref(), &s.id).to_owned());
                    if cursor.is_none_or(|c| text::id_cmp(&s.id, c).is_gt()) {
                        statuses.push(s);
                    }
                }
                Err(e) => rejected.push(reject(
                    STREAM_CONVERSATIONS,
                    i,
                    &v,
                    format!("malformed conversation: {e}"),
                )),
            }
        }
        statuses.sort_by(|a, b| text::id_cmp(&a.id, &b.id));
        let mut items = Vec::with_capacity(statuses.len());
        for s in &statuses {
            match self.item_of(s).await {
                Ok(item) => items.push(item),
                Err(e @ ChannelError::Malformed { .. }) => rejected.push(Rejected {
                    origin: format!("{STREAM_CONVERSATIONS} status {}", s.id),
                    reason: e.to_string(),
                }),
                Err(e) => return Err(e),
            }
        }
        Ok(Page {
            items,
            cursor: max_id,
            more: false,
            rejected,
        })
    }

    /// Reads one status again: its current text and edit time, or that it is gone.
    pub async fn refresh(&mut self, status_id: &str) -> Result<Refreshed> {
        let url = endpoint(&self.base, &format!("api/v1/statuses/{status_id}"))?;
        let s: Option<wire::Status> = self.get_json("read a status", url, true).await?;
        match s {
            Some(s) => Ok(Refreshed::Current(Box::new(self.item_of(&s).await?))),
            None => Ok(Refreshed::Deleted {
                external_id: status_id.to_string(),
            }),
        }
    }

    /// Who the status for `out` mentions (see [`status_mention`]).
    fn compose(&self, out: &Outgoing) -> Option<String> {
        status_mention(out, &self.config.acct)
    }

    /// The exact text that goes out for `out` (see [`status_text`]).
    pub fn final_text(&self, out: &Outgoing) -> String {
        status_text(out, &self.config.acct)
    }

    async fn post_status(&mut self, out: &Outgoing, visibility: &str) -> Result<SentRef> {
        let what = if visibility == "direct" {
            "send a direct status"
        } else {
            "post a reply"
        };
        if visibility == "direct" && self.compose(out).is_none() {
            return Err(err_permanent(format!(
                "cannot {what}: no recipient (a direct status reaches only the accounts it mentions)"
            )));
        }
        let status = self.final_text(out);
        if status.trim().is_empty() {
            return Err(err_permanent(format!("cannot {what}: the text is empty")));
        }
        let n = self.count(&status);
        let max = self.instance.limits.max_characters;
        if n > max {
            return Err(err_permanent(format!(
                "cannot {what}: it is {n} characters and this server allows {max} (URLs count as {})",
                self.instance.limits.chars_per_url
            )));
        }
        let mut body = serde_json::json!({ "status": status, "visibility": visibility });
        if let Some(r) = &out.reply_to {
            body["in_reply_to_id"] = serde_json::Value::String(r.external_id.clone());
        }
        let req = self
            .http
            .post(endpoint(&self.base, "api/v1/statuses")?)
            .header("Idempotency-Key", &out.idempotency_key)
            .json(&body);
        let b = self
            .call(what, req, false)
            .await?
            .ok_or_else(|| err_permanent(format!("cannot {what}: no answer")))?;
        let s: wire::Status = http::decode(CHANNEL, what, &b)?;
        let conversation_key = match &out.reply_to {
            Some(r) => r.conversation_key.clone(),
            None => s.id.clone(),
        };
        self.roots.insert(s.id.clone(), conversation_key.clone());
        Ok(SentRef {
            external_id: s.id,
            conversation_key,
            url: s.url.or(s.uri),
        })
    }
}

impl Provider for Mastodon {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn capabilities(&self) -> &'static [Capability] {
        &[
            Capability::Fetch,
            Capability::PublicReply,
            Capability::PrivateMessage,
            Capability::ResolveIdentity,
        ]
    }

    fn text_limit(&self, _visibility: Visibility) -> TextLimit {
        TextLimit::Chars(self.instance.limits.max_characters)
    }
}

impl FetchNew for Mastodon {
    fn streams(&self) -> &'static [&'static str] {
        &[STREAM_NOTIFICATIONS, STREAM_CONVERSATIONS]
    }

    async fn fetch_since(&mut self, stream: &str, cursor: Option<&str>) -> Result<Page> {
        match stream {
            STREAM_NOTIFICATIONS => self.fetch_notifications(cursor).await,
            STREAM_CONVERSATIONS => self.fetch_conversations(cursor).await,
            other => Err(err_permanent(format!(
                "cannot fetch: no stream {other:?} (expected {STREAM_NOTIFICATIONS} or {STREAM_CONVERSATIONS})"
            ))),
        }
    }
}

impl PublicReply for Mastodon {
    async fn send_public_reply(&mut self, out: &Outgoing) -> Result<SentRef> {
        let v = self.config.public_visibility.as_str();
        self.post_status(out, v).await
    }
}

impl PrivateMessage for Mastodon {
    async fn send_private(&mut self, out: &Outgoing) -> Result<SentRef> {
        self.post_status(out, "direct").await
    }
}

impl ResolveIdentity for Mastodon {
    async fn resolve(&mut self, handle: &str) -> Result<Author> {
        let h = handle.trim().trim_start_matches('@');
        if h.is_empty() {
            return Err(err_permanent(
                "cannot resolve an identity: the handle is empty",
            ));
        }
        let mut url = endpoint(&self.base, "api/v1/accounts/lookup")?;
        url.query_pairs_mut().append_pair("acct", h);
        let a: Option<wire::Account> = self.get_json("look up an account", url, true).await?;
        let a = a.ok_or_else(|| {
            err_permanent(format!(
                "cannot resolve @{h}: the server knows no such account"
            ))
        })?;
        Ok(author_of(&a, &self.instance.domain))
    }
}

impl Reconcile for Mastodon {
    async fn find_sent(&mut self, out: &Outgoing) -> Result<Option<SentRef>> {
        let mut url = endpoint(
            &self.base,
            &format!("api/v1/accounts/{}/statuses", self.config.account_id),
        )?;
        url.query_pairs_mut()
            .append_pair("limit", &RECONCILE_WINDOW.to_string())
            .append_pair("exclude_reblogs", "true");
        let list: Vec<wire::Status> = self
            .get_json("read back our own statuses", url, false)
            .await?
            .unwrap_or_default();
        let want_parent = out.reply_to.as_ref().map(|r| r.external_id.as_str());
        let want_text = text::match_key(&self.final_text(out));
        let want_direct = out.visibility == Visibility::Private;
        for s in list {
            if s.in_reply_to_id.as_deref() != want_parent
                || (s.visibility == "direct") != want_direct
            {
                continue;
            }
            if text::match_key(&text::plain_text(&s.content, "")) == want_text {
                let conversation_key = match &out.reply_to {
                    Some(r) => r.conversation_key.clone(),
                    None => s.id.clone(),
                };
                return Ok(Some(SentRef {
                    external_id: s.id,
                    conversation_key,
                    url: s.url.or(s.uri),
                }));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_normalised_and_http_only_on_loopback() {
        assert_eq!(
            server_url("mastodon.social").unwrap().as_str(),
            "https://mastodon.social/"
        );
        assert_eq!(
            server_url(" https://m.example/@ann?x=1 ").unwrap().as_str(),
            "https://m.example/"
        );
        assert_eq!(
            server_url("http://127.0.0.1:14300").unwrap().as_str(),
            "http://127.0.0.1:14300/"
        );
        assert!(
            server_url("http://m.example")
                .unwrap_err()
                .contains("https")
        );
        assert!(server_url("ftp://m.example").is_err());
        assert!(server_url("").is_err());
        assert!(server_url("https://u:p@m.example").is_err());
    }

    #[test]
    fn handles_always_carry_their_domain() {
        assert_eq!(full_acct("ann", "m.example"), "ann@m.example");
        assert_eq!(
            full_acct("@ann@other.example", "m.example"),
            "ann@other.example"
        );
    }

    fn out(text: &str, acct: Option<&str>, recipient: Option<&str>) -> Outgoing {
        Outgoing {
            idempotency_key: "k".into(),
            text: text.into(),
            visibility: Visibility::Public,
            reply_to: acct.map(|a| super::super::ReplyTo {
                external_id: "1".into(),
                conversation_key: "1".into(),
                extra: serde_json::json!({ "acct": a }),
            }),
            recipient: recipient.map(|h| Author {
                channel: CHANNEL.into(),
                external_id: "x".into(),
                handle: Some(h.into()),
                display_name: None,
            }),
        }
    }

    #[test]
    fn a_status_mentions_whom_it_answers_once_and_never_ourselves() {
        let me = "shop@m.example";
        assert_eq!(
            status_text(&out("on it", Some("ann@m.example"), None), me),
            "@ann on it",
            "an account on our server is mentioned by its local name"
        );
        assert_eq!(
            status_text(&out("on it", Some("bo@other.example"), None), me),
            "@bo@other.example on it"
        );
        assert_eq!(
            status_text(&out("Hi @Ann, on it", Some("ann@m.example"), None), me),
            "Hi @Ann, on it",
            "already mentioned (any case, any place): not added again"
        );
        assert_eq!(
            status_text(
                &out("hi @bo@other.example", Some("bo@other.example"), None),
                me
            ),
            "hi @bo@other.example"
        );
        assert_eq!(
            status_text(&out(" thanks ", Some("shop@m.example"), None), me),
            "thanks",
            "answering our own status mentions nobody"
        );
        assert_eq!(
            status_text(&out("dm", None, Some("cy@third.example")), me),
            "@cy@third.example dm",
            "with no status to answer, the recipient"
        );
        assert_eq!(status_text(&out("plain", None, None), me), "plain");
    }

    #[test]
    fn idempotency_keys_are_fresh() {
        let a = new_idempotency_key().unwrap();
        let b = new_idempotency_key().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("mastodon-") && a.len() == "mastodon-".len() + 32);
    }

    #[test]
    fn config_round_trips_with_defaults() {
        let c: Config = serde_json::from_value(serde_json::json!({
            "server": "https://m.example/",
            "account_id": "1",
            "acct": "shop@m.example",
            "account_uri": "https://m.example/users/shop"
        }))
        .unwrap();
        assert_eq!(c.public_visibility, PublicVisibility::Public);
        assert_eq!(c.client_id, None);
        let back: Config = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }
}
