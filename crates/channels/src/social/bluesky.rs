//! Bluesky (AT Protocol): sign in with an app password, read mentions/replies/quotes from
//! notifications, reply with posts that carry correct root and parent refs, and (when the app
//! password allows it) send and read chat messages through the PDS's chat proxy.
//!
//! Why things are the way they are:
//! - **The PDS is found, not assumed.** A handle resolves to a DID, the DID document names the
//!   account's PDS (`#atproto_pds`). Not every account lives on bsky.social.
//! - **Sessions are refreshed, never re-created in a loop.** `createSession` is limited to
//!   30 per 5 minutes; an `ExpiredToken` triggers one `refreshSession`, and only a refused
//!   refresh falls back to the app password once.
//! - **A retry cannot post twice.** Each outgoing post uses a record key (a TID) that *is* the
//!   outbox idempotency key, so the post's URI is known before sending; a retried create targets
//!   the same record, and reconciling after an unknown outcome is a single `getRecord`.
//! - **Notifications page backwards.** The cursor we keep is the newest `indexedAt` seen; a
//!   fetch walks pages until it reaches it. Items at exactly that instant are fetched again and
//!   deduplicated by the store (idempotent on the at:// URI), so nothing is skipped on ties.

use std::sync::Arc;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::http::{self, ErrorBody};
use super::{
    Author, Capability, ChannelError, FetchNew, Item, ItemKind, Outgoing, Page, PrivateMessage,
    Provider, PublicReply, Reconcile, Rejected, ReplyTo, ResolveIdentity, Result, SentRef,
    TextLimit, Visibility,
};

pub const CHANNEL: &str = "bluesky";
/// Public posts: 300 graphemes (and 3,000 bytes).
pub const POST_LIMIT: usize = 300;
pub const POST_MAX_BYTES: usize = 3000;
/// Chat messages: 1,000 graphemes.
pub const CHAT_LIMIT: usize = 1000;
pub const DEFAULT_PLC: &str = "https://plc.directory";
pub const DEFAULT_RESOLVER: &str = "https://public.api.bsky.app";
/// The chat service, reached through the user's PDS.
pub const CHAT_PROXY: &str = "did:web:api.bsky.chat#bsky_chat";
pub const POST_COLLECTION: &str = "app.bsky.feed.post";

pub const STREAM_NOTIFICATIONS: &str = "notifications";
pub const STREAM_CHAT: &str = "chat";

/// Notifications read per request, and how many pages one fetch walks at most (the first sync
/// of an account starts from the newest `FIRST_SYNC_PAGES` pages rather than all history).
const PAGE_SIZE: usize = 50;
const MAX_PAGES: usize = 20;
const FIRST_SYNC_PAGES: usize = 2;

/// What is stored in `accounts.config` (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The handle at sign-in (it can change; the DID cannot).
    pub handle: String,
    pub did: String,
    /// The PDS base URL, e.g. `https://morel.us-east.host.bsky.network`.
    pub service: String,
    #[serde(default = "default_plc")]
    pub plc_url: String,
    /// The app password allows chat (direct messages).
    #[serde(default)]
    pub chat: bool,
}

fn default_plc() -> String {
    DEFAULT_PLC.to_owned()
}

/// How to find the account's PDS at sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Discovery {
    /// Skip discovery and use this PDS.
    pub service: Option<String>,
    /// PLC directory for `did:plc` documents (default [`DEFAULT_PLC`]).
    pub plc_url: Option<String>,
    /// Where to call `com.atproto.identity.resolveHandle` (default [`DEFAULT_RESOLVER`]).
    pub resolver: Option<String>,
}

/// The injected clock: milliseconds since the epoch.
pub type Now = Arc<dyn Fn() -> i64 + Send + Sync>;

fn system_now() -> Now {
    Arc::new(|| chrono::Utc::now().timestamp_millis())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Session {
    access_jwt: String,
    refresh_jwt: String,
    did: String,
    handle: String,
}

/// A signed-in Bluesky account.
pub struct Bluesky {
    config: Config,
    http: reqwest::Client,
    session: Session,
    app_password: String,
    now: Now,
    /// The refresh token changed since [`Bluesky::refresh_token`] was last read.
    refreshed: bool,
    /// A response said `ratelimit-remaining: 0`: no further request before this instant.
    paused_until: Option<i64>,
}

impl std::fmt::Debug for Bluesky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bluesky")
            .field("did", &self.config.did)
            .field("service", &self.config.service)
            .finish_non_exhaustive()
    }
}

fn err_permanent(reason: impl Into<String>) -> ChannelError {
    ChannelError::Permanent {
        channel: CHANNEL.into(),
        reason: reason.into(),
    }
}

fn err_auth(reason: impl Into<String>) -> ChannelError {
    ChannelError::Auth {
        channel: CHANNEL.into(),
        reason: reason.into(),
    }
}

fn malformed(what: impl Into<String>, reason: impl Into<String>) -> ChannelError {
    ChannelError::Malformed {
        channel: CHANNEL.into(),
        what: what.into(),
        reason: reason.into(),
    }
}

/// `url?k=v&…`, percent-encoded (repeated keys allowed, as XRPC arrays need).
fn with_query(url: &str, q: &[(&str, String)]) -> Result<url::Url> {
    let mut u = url::Url::parse(url)
        .map_err(|e| err_permanent(format!("cannot call {url}: not a URL: {e}")))?;
    if !q.is_empty() {
        let mut pairs = u.query_pairs_mut();
        for (k, v) in q {
            pairs.append_pair(k, v);
        }
    }
    Ok(u)
}

fn base(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

/// Signs in: finds the PDS (unless given), creates a session with the app password, and checks
/// whether the app password may use chat. Returns the connected account and the config to store.
pub async fn sign_in(
    handle: &str,
    app_password: &str,
    discovery: &Discovery,
    http: reqwest::Client,
) -> Result<Bluesky> {
    let handle = handle.trim().trim_start_matches('@').to_lowercase();
    if handle.is_empty() {
        return Err(err_permanent("cannot sign in: the handle is empty"));
    }
    let plc_url = base(discovery.plc_url.as_deref().unwrap_or(DEFAULT_PLC));
    let (service, did) = match &discovery.service {
        Some(s) => (base(s), None),
        None => {
            let resolver = base(discovery.resolver.as_deref().unwrap_or(DEFAULT_RESOLVER));
            let did = resolve_handle(&http, &resolver, &handle).await?;
            let pds = pds_of(&http, &plc_url, &did).await?;
            (pds, Some(did))
        }
    };
    let session = create_session(&http, &service, &handle, app_password).await?;
    if let Some(did) = did
        && did != session.did
    {
        return Err(err_auth(format!(
            "cannot sign in as {handle}: the PDS signed in {} but the handle resolves to {did}",
            session.did
        )));
    }
    let mut bsky = Bluesky {
        config: Config {
            handle: session.handle.clone(),
            did: session.did.clone(),
            service,
            plc_url,
            chat: false,
        },
        http,
        session,
        app_password: app_password.to_owned(),
        now: system_now(),
        refreshed: true,
        paused_until: None,
    };
    bsky.config.chat = bsky.probe_chat().await;
    Ok(bsky)
}

/// Connects with the stored config and the app password (a new session).
pub async fn connect(config: &Config, secret: &str, http: reqwest::Client) -> Result<Bluesky> {
    let session = create_session(&http, &config.service, &config.did, secret).await?;
    Ok(Bluesky {
        config: config.clone(),
        http,
        session,
        app_password: secret.to_owned(),
        now: system_now(),
        refreshed: true,
        paused_until: None,
    })
}

/// Connects by refreshing a stored session when there is one (no `createSession`, which is
/// tightly rate limited), falling back to the app password when the refresh is refused.
pub async fn resume(
    config: &Config,
    refresh_jwt: Option<&str>,
    app_password: &str,
    http: reqwest::Client,
) -> Result<Bluesky> {
    if let Some(r) = refresh_jwt {
        match refresh_session(&http, &config.service, r).await {
            Ok(session) => {
                return Ok(Bluesky {
                    config: config.clone(),
                    http,
                    session,
                    app_password: app_password.to_owned(),
                    now: system_now(),
                    refreshed: true,
                    paused_until: None,
                });
            }
            Err(ChannelError::Auth { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    connect(config, app_password, http).await
}

async fn resolve_handle(http: &reqwest::Client, resolver: &str, handle: &str) -> Result<String> {
    if handle.starts_with("did:") {
        return Ok(handle.to_owned());
    }
    let what = format!("resolve the handle {handle}");
    let resp = http::send(
        CHANNEL,
        &what,
        http.get(with_query(
            &format!("{resolver}/xrpc/com.atproto.identity.resolveHandle"),
            &[("handle", handle.to_owned())],
        )?),
    )
    .await?;
    if resp.status() == StatusCode::BAD_REQUEST {
        let body = resp.bytes().await.unwrap_or_default();
        let e = ErrorBody::parse(&body);
        return Err(err_permanent(format!(
            "cannot {what}: {} (check the spelling, or pass --service with your PDS)",
            e.message.or(e.error).unwrap_or_else(|| "not found".into())
        )));
    }
    let resp = http::check(CHANNEL, &what, resp, chrono::Utc::now().timestamp_millis()).await?;
    #[derive(Deserialize)]
    struct Out {
        did: String,
    }
    Ok(http::json::<Out>(CHANNEL, &what, resp).await?.did)
}

/// The `#atproto_pds` service endpoint of a DID's document.
async fn pds_of(http: &reqwest::Client, plc_url: &str, did: &str) -> Result<String> {
    let url = if did.starts_with("did:plc:") {
        format!("{plc_url}/{did}")
    } else if let Some(host) = did.strip_prefix("did:web:") {
        format!("https://{}/.well-known/did.json", host.replace("%3A", ":"))
    } else {
        return Err(err_permanent(format!(
            "cannot find the PDS of {did}: unsupported DID method"
        )));
    };
    let what = format!("read the DID document of {did}");
    let resp = http::send(CHANNEL, &what, http.get(&url)).await?;
    let resp = http::check(CHANNEL, &what, resp, chrono::Utc::now().timestamp_millis()).await?;
    let doc: Value = http::json(CHANNEL, &what, resp).await?;
    pds_in_doc(&doc).ok_or_else(|| {
        malformed(
            format!("DID document of {did}"),
            "it names no #atproto_pds service",
        )
    })
}

fn pds_in_doc(doc: &Value) -> Option<String> {
    doc.get("service")?.as_array()?.iter().find_map(|s| {
        let id = s.get("id")?.as_str()?;
        (id.ends_with("#atproto_pds"))
            .then(|| s.get("serviceEndpoint")?.as_str().map(base))
            .flatten()
    })
}

async fn create_session(
    http: &reqwest::Client,
    service: &str,
    identifier: &str,
    password: &str,
) -> Result<Session> {
    let what = format!("sign in as {identifier}");
    let resp = http::send(
        CHANNEL,
        &what,
        http.post(format!("{service}/xrpc/com.atproto.server.createSession"))
            .json(&json!({ "identifier": identifier, "password": password })),
    )
    .await?;
    let status = resp.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::BAD_REQUEST {
        let body = resp.bytes().await.unwrap_or_default();
        let e = ErrorBody::parse(&body);
        // AuthenticationRequired / AccountTakedown / InvalidRequest all mean: not with this.
        return Err(err_auth(format!(
            "cannot {what}: {} (check the handle and the app password)",
            e.message
                .or(e.error)
                .unwrap_or_else(|| format!("HTTP {status}"))
        )));
    }
    let resp = http::check(CHANNEL, &what, resp, chrono::Utc::now().timestamp_millis()).await?;
    http::json(CHANNEL, &what, resp).await
}

async fn refresh_session(
    http: &reqwest::Client,
    service: &str,
    refresh_jwt: &str,
) -> Result<Session> {
    let what = "refresh the session";
    let resp = http::send(
        CHANNEL,
        what,
        http.post(format!("{service}/xrpc/com.atproto.server.refreshSession"))
            .bearer_auth(refresh_jwt),
    )
    .await?;
    let status = resp.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::BAD_REQUEST {
        let body = resp.bytes().await.unwrap_or_default();
        let e = ErrorBody::parse(&body);
        return Err(err_auth(format!(
            "cannot {what}: {}",
            e.message
                .or(e.error)
                .unwrap_or_else(|| format!("HTTP {status}"))
        )));
    }
    let resp = http::check(CHANNEL, what, resp, chrono::Utc::now().timestamp_millis()).await?;
    http::json(CHANNEL, what, resp).await
}

enum Method<'a> {
    Get(&'a [(&'a str, String)]),
    Post(&'a Value),
}

impl Bluesky {
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn did(&self) -> &str {
        &self.session.did
    }

    /// Uses `now` (ms since the epoch) for `createdAt` and rate-limit deadlines.
    pub fn with_clock(mut self, now: Now) -> Self {
        self.now = now;
        self
    }

    /// The current refresh token when it changed since the last call: the caller stores it in
    /// the keychain so the next run resumes without `createSession`.
    pub fn take_new_refresh_token(&mut self) -> Option<String> {
        std::mem::take(&mut self.refreshed).then(|| self.session.refresh_jwt.clone())
    }

    fn now(&self) -> i64 {
        (self.now)()
    }

    /// One XRPC call, refreshing the session once on `ExpiredToken`.
    async fn xrpc<T: serde::de::DeserializeOwned>(
        &mut self,
        nsid: &str,
        method: Method<'_>,
        what: &str,
        chat: bool,
    ) -> Result<T> {
        if let Some(until) = self.paused_until
            && until > self.now()
        {
            return Err(ChannelError::RateLimited {
                channel: CHANNEL.into(),
                retry_at: Some(until),
                reason: format!(
                    "cannot {what}: the server's rate limit is used up (ratelimit-remaining: 0)"
                ),
            });
        }
        let mut refreshed = false;
        loop {
            let url = format!("{}/xrpc/{nsid}", self.config.service);
            let mut req = match &method {
                Method::Get(q) => self.http.get(with_query(&url, q)?),
                Method::Post(body) => self.http.post(&url).json(body),
            }
            .bearer_auth(&self.session.access_jwt);
            if chat {
                req = req.header("atproto-proxy", CHAT_PROXY);
            }
            let resp = http::send(CHANNEL, what, req).await?;
            let status = resp.status();
            if status.is_success() {
                // The answer counts; the next request waits for the window to reset.
                self.paused_until = http::exhausted_until(resp.headers(), self.now());
                return http::json(CHANNEL, what, resp).await;
            }
            let headers = resp.headers().clone();
            let body = resp.bytes().await.unwrap_or_default();
            let e = ErrorBody::parse(&body);
            let token_error = matches!(
                e.error.as_deref(),
                Some("ExpiredToken" | "InvalidToken" | "AuthMissing")
            );
            if token_error && !refreshed {
                refreshed = true;
                self.refresh().await?;
                continue;
            }
            if token_error {
                return Err(err_auth(format!(
                    "cannot {what}: the session was refused after a refresh ({})",
                    e.error.unwrap_or_default()
                )));
            }
            return Err(http::error_for(
                CHANNEL,
                what,
                status,
                &headers,
                &body,
                self.now(),
            ));
        }
    }

    /// A new access token: refresh first; if the refresh token was revoked or expired, sign in
    /// with the app password once (that is the only `createSession` outside sign-in).
    async fn refresh(&mut self) -> Result<()> {
        match refresh_session(&self.http, &self.config.service, &self.session.refresh_jwt).await {
            Ok(s) => self.session = s,
            Err(ChannelError::Auth { .. }) => {
                self.session = create_session(
                    &self.http,
                    &self.config.service,
                    &self.config.did,
                    &self.app_password,
                )
                .await
                .map_err(|e| match e {
                    ChannelError::Auth { reason, .. } => err_auth(format!(
                        "the session expired and signing in again failed: {reason}"
                    )),
                    other => other,
                })?;
            }
            Err(e) => return Err(e),
        }
        self.refreshed = true;
        Ok(())
    }

    /// Whether chat calls work with this app password (it needs "Allow access to your direct
    /// messages"). Any failure means no: DMs are then reported as unavailable, not retried.
    async fn probe_chat(&mut self) -> bool {
        let q = [("limit", "1".to_owned())];
        self.xrpc::<Value>(
            "chat.bsky.convo.listConvos",
            Method::Get(&q),
            "list chat conversations",
            true,
        )
        .await
        .is_ok()
    }

    async fn fetch_notifications(&mut self, cursor: Option<&str>) -> Result<Page> {
        let since = match cursor {
            Some(c) => Some(NotificationCursor::parse(c)?),
            None => None,
        };
        let max_pages = if since.is_some() {
            MAX_PAGES
        } else {
            FIRST_SYNC_PAGES
        };
        let mut page = Page::default();
        let mut newest: Option<(i64, String)> = None;
        let mut next: Option<String> = None;
        'pages: for n in 0..max_pages {
            let mut q = vec![("limit", PAGE_SIZE.to_string())];
            for r in ["mention", "reply", "quote"] {
                q.push(("reasons", r.to_owned()));
            }
            if let Some(c) = &next {
                q.push(("cursor", c.clone()));
            }
            let body: NotificationsPage = self
                .xrpc(
                    "app.bsky.notification.listNotifications",
                    Method::Get(&q),
                    "list notifications",
                    false,
                )
                .await?;
            for (i, raw) in body.notifications.into_iter().enumerate() {
                let indexed = raw
                    .get("indexedAt")
                    .and_then(Value::as_str)
                    .and_then(parse_time);
                let Some(indexed_ms) = indexed else {
                    page.rejected.push(Rejected {
                        origin: origin_of(&raw, n, i),
                        reason: "the notification has no readable indexedAt".into(),
                    });
                    continue;
                };
                if let Some(s) = &since
                    && indexed_ms < s.at_ms
                {
                    // Reached what the last fetch already covered.
                    break 'pages;
                }
                if newest.as_ref().is_none_or(|(t, _)| indexed_ms > *t) {
                    let raw_at = raw["indexedAt"].as_str().unwrap_or_default().to_owned();
                    newest = Some((indexed_ms, raw_at));
                }
                match notification_item(&raw) {
                    Ok(Some(item)) => page.items.push(item),
                    Ok(None) => {}
                    Err(reason) => page.rejected.push(Rejected {
                        origin: origin_of(&raw, n, i),
                        reason,
                    }),
                }
            }
            match body.cursor {
                Some(c) if !c.is_empty() => next = Some(c),
                _ => break,
            }
        }
        // Oldest first, so cases open in the order customers wrote.
        page.items.sort_by_key(|i| i.created_at);
        page.cursor = match (newest, since) {
            (Some((at_ms, at)), _) => Some(NotificationCursor { at_ms, at }.to_string()),
            (None, Some(s)) => Some(s.to_string()),
            (None, None) => None,
        };
        Ok(page)
    }

    async fn fetch_chat(&mut self, cursor: Option<&str>) -> Result<Page> {
        if !self.config.chat {
            return Err(self.unsupported(Capability::PrivateMessage));
        }
        let mut q = Vec::new();
        if let Some(c) = cursor {
            let c: Value = serde_json::from_str(c)
                .map_err(|e| malformed("stored chat cursor", e.to_string()))?;
            if let Some(rev) = c.get("rev").and_then(Value::as_str) {
                q.push(("cursor", rev.to_owned()));
            }
        }
        let body: Value = self
            .xrpc(
                "chat.bsky.convo.getLog",
                Method::Get(&q),
                "read the chat log",
                true,
            )
            .await?;
        let logs = body
            .get("logs")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed("response to read the chat log", "no `logs` array"))?;
        let mut page = Page::default();
        for (i, log) in logs.iter().enumerate() {
            let kind = log.get("$type").and_then(Value::as_str).unwrap_or_default();
            if kind != "chat.bsky.convo.defs#logCreateMessage" {
                continue;
            }
            match chat_item(log, &self.session.did) {
                Ok(item) => page.items.push(item),
                Err(reason) => page.rejected.push(Rejected {
                    origin: log
                        .pointer("/message/id")
                        .and_then(Value::as_str)
                        .map(|id| format!("chat message {id}"))
                        .unwrap_or_else(|| format!("chat log entry {i}")),
                    reason,
                }),
            }
        }
        let rev = body
            .get("cursor")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                logs.iter()
                    .filter_map(|l| l.get("rev").and_then(Value::as_str))
                    .max()
                    .map(str::to_owned)
            });
        page.cursor = match rev {
            Some(r) => Some(json!({ "rev": r }).to_string()),
            None => cursor.map(str::to_owned),
        };
        Ok(page)
    }

    /// The post record for a reply, with root and parent refs taken from what we answer.
    fn reply_record(&self, out: &Outgoing) -> Result<Value> {
        check_text(&out.text, POST_LIMIT, POST_MAX_BYTES, "a post")?;
        let to = out.reply_to.as_ref().ok_or_else(|| {
            err_permanent("cannot post a public reply: it names no post to answer")
        })?;
        let (root, parent) = refs_of(to)?;
        Ok(json!({
            "$type": POST_COLLECTION,
            "text": out.text,
            "createdAt": iso(self.now()),
            "reply": { "root": root, "parent": parent },
        }))
    }

    async fn convo_for(&mut self, member: &str) -> Result<String> {
        let q = [("members", member.to_owned())];
        let body: Value = self
            .xrpc(
                "chat.bsky.convo.getConvoForMembers",
                Method::Get(&q),
                "open a chat conversation",
                true,
            )
            .await?;
        body.pointer("/convo/id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                malformed(
                    "response to open a chat conversation",
                    "no `convo.id` in it",
                )
            })
    }

    fn dm_target(out: &Outgoing) -> Result<DmTarget> {
        if let Some(convo) = out
            .reply_to
            .as_ref()
            .and_then(|r| r.extra.get("convo_id"))
            .and_then(Value::as_str)
        {
            return Ok(DmTarget::Convo(convo.to_owned()));
        }
        if let Some(r) = &out.recipient {
            return Ok(DmTarget::Member(r.external_id.clone()));
        }
        if let Some(author) = out
            .reply_to
            .as_ref()
            .and_then(|r| r.extra.get("author_did"))
            .and_then(Value::as_str)
        {
            return Ok(DmTarget::Member(author.to_owned()));
        }
        Err(err_permanent(
            "cannot send a direct message: it names no recipient",
        ))
    }

    async fn convo_of(&mut self, out: &Outgoing) -> Result<String> {
        match Self::dm_target(out)? {
            DmTarget::Convo(c) => Ok(c),
            DmTarget::Member(did) => self.convo_for(&did).await,
        }
    }

    fn no_chat(&self) -> ChannelError {
        err_permanent(
            "cannot send a direct message: this app password does not allow direct messages (create one with \"Allow access to your direct messages\" and sign in again)",
        )
    }
}

enum DmTarget {
    Convo(String),
    Member(String),
}

/// The notification cursor stored in `sync_state`: the newest `indexedAt` seen.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NotificationCursor {
    at_ms: i64,
    at: String,
}

impl NotificationCursor {
    fn parse(s: &str) -> Result<Self> {
        let v: Value = serde_json::from_str(s)
            .map_err(|e| malformed("stored notification cursor", e.to_string()))?;
        let at = v
            .get("indexed_at")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("stored notification cursor", "no indexed_at"))?;
        let at_ms = parse_time(at)
            .ok_or_else(|| malformed("stored notification cursor", format!("bad time {at:?}")))?;
        Ok(NotificationCursor {
            at_ms,
            at: at.to_owned(),
        })
    }
}

impl std::fmt::Display for NotificationCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&json!({ "indexed_at": self.at }).to_string())
    }
}

#[derive(Deserialize)]
struct NotificationsPage {
    /// Kept as JSON so one unreadable notification is quarantined, not the whole page.
    notifications: Vec<Value>,
    cursor: Option<String>,
}

fn origin_of(raw: &Value, page: usize, i: usize) -> String {
    raw.get("uri")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("notification {i} of page {}", page + 1))
}

fn parse_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn strong_ref(v: &Value) -> Option<Value> {
    Some(json!({ "uri": v.get("uri")?.as_str()?, "cid": v.get("cid")?.as_str()? }))
}

/// One notification as an [`Item`]; `Ok(None)` for reasons we do not handle (likes, follows).
fn notification_item(n: &Value) -> std::result::Result<Option<Item>, String> {
    let reason = n
        .get("reason")
        .and_then(Value::as_str)
        .ok_or("the notification has no reason")?;
    let kind = match reason {
        "mention" => ItemKind::Mention,
        "reply" => ItemKind::Reply,
        "quote" => ItemKind::Quote,
        _ => return Ok(None),
    };
    let uri = str_at(n, "/uri").ok_or("the notification has no uri")?;
    let cid = str_at(n, "/cid").ok_or("the notification has no cid")?;
    let did = str_at(n, "/author/did").ok_or("the notification has no author DID")?;
    let record = n.get("record").ok_or("the notification has no record")?;
    let text = record
        .get("text")
        .and_then(Value::as_str)
        .ok_or("the post record has no text")?;
    let created_at = record
        .get("createdAt")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .or_else(|| str_at(n, "/indexedAt").and_then(parse_time))
        .ok_or("the post has no readable createdAt")?;
    let this = json!({ "uri": uri, "cid": cid });
    let (root, parent) = match record.get("reply") {
        Some(r) => (
            strong_ref(r.get("root").unwrap_or(&Value::Null))
                .ok_or("the reply's root ref is incomplete")?,
            Some(
                strong_ref(r.get("parent").unwrap_or(&Value::Null))
                    .ok_or("the reply's parent ref is incomplete")?,
            ),
        ),
        None => (this.clone(), None),
    };
    let root_uri = root["uri"].as_str().unwrap_or(uri).to_owned();
    Ok(Some(Item {
        external_id: uri.to_owned(),
        conversation_key: root_uri,
        in_reply_to: parent
            .as_ref()
            .and_then(|p| p["uri"].as_str())
            .map(str::to_owned),
        kind,
        visibility: Visibility::Public,
        author: Author {
            channel: CHANNEL.into(),
            external_id: did.to_owned(),
            handle: str_at(n, "/author/handle").map(str::to_owned),
            display_name: str_at(n, "/author/displayName")
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned),
        },
        text: text.to_owned(),
        created_at,
        edited_at: None,
        deleted: false,
        extra: json!({ "uri": uri, "cid": cid, "root": root, "author_did": did }),
    }))
}

fn chat_item(log: &Value, self_did: &str) -> std::result::Result<Item, String> {
    let convo = str_at(log, "/convoId").ok_or("the chat entry has no convoId")?;
    let m = log.get("message").ok_or("the chat entry has no message")?;
    let id = str_at(m, "/id").ok_or("the chat message has no id")?;
    let sender = str_at(m, "/sender/did").ok_or("the chat message has no sender")?;
    let text = str_at(m, "/text").ok_or("the chat message has no text")?;
    let sent = str_at(m, "/sentAt")
        .and_then(parse_time)
        .ok_or("the chat message has no readable sentAt")?;
    Ok(Item {
        external_id: format!("chat:{id}"),
        conversation_key: format!("chat:{convo}"),
        in_reply_to: None,
        kind: if sender == self_did {
            ItemKind::Own
        } else {
            ItemKind::Direct
        },
        visibility: Visibility::Private,
        author: Author {
            channel: CHANNEL.into(),
            external_id: sender.to_owned(),
            handle: None,
            display_name: None,
        },
        text: text.to_owned(),
        created_at: sent,
        edited_at: None,
        deleted: false,
        extra: json!({ "convo_id": convo, "author_did": sender }),
    })
}

/// Root and parent strong refs for a reply to `to`: the root is the parent's own root when it
/// is itself a reply, else the parent.
fn refs_of(to: &ReplyTo) -> Result<(Value, Value)> {
    let parent = strong_ref(&to.extra).ok_or_else(|| {
        err_permanent(format!(
            "cannot reply to {}: its uri/cid were not stored",
            to.external_id
        ))
    })?;
    let root = to
        .extra
        .get("root")
        .and_then(strong_ref)
        .unwrap_or_else(|| parent.clone());
    Ok((root, parent))
}

fn check_text(text: &str, limit: usize, max_bytes: usize, what: &str) -> Result<()> {
    let n = super::count_graphemes(text);
    if n > limit {
        return Err(err_permanent(format!(
            "cannot send {what}: it is {n} characters long and Bluesky allows {limit}"
        )));
    }
    if text.len() > max_bytes {
        return Err(err_permanent(format!(
            "cannot send {what}: it is {} bytes and Bluesky allows {max_bytes}",
            text.len()
        )));
    }
    if text.trim().is_empty() {
        return Err(err_permanent(format!("cannot send {what}: it is empty")));
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// TIDs: the record keys the AppView indexes (13 chars, base32-sortable, 53 bits of
// microseconds then 10 bits of clock id).

const B32: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

/// The TID for `micros` since the epoch and a clock id.
pub fn tid(micros: u64, clock_id: u16) -> String {
    let v = ((micros & ((1u64 << 53) - 1)) << 10) | u64::from(clock_id & 0x3FF);
    (0..13)
        .map(|i| B32[((v >> (60 - 5 * i)) & 31) as usize] as char)
        .collect()
}

/// Is `s` a valid TID (so it can be a post's record key)?
pub fn is_tid(s: &str) -> bool {
    s.len() == 13
        && s.bytes().all(|b| B32.contains(&b))
        // the top bit must be 0: first char ≤ 'j'
        && B32.iter().position(|&c| c == s.as_bytes()[0]).is_some_and(|p| p < 16)
}

/// A fresh outbox idempotency key for a Bluesky post: a TID for `now_ms` with random
/// sub-millisecond digits and clock id. It becomes the post's record key, so the post's URI is
/// known before sending and a retried create can never make a second post.
pub fn new_idempotency_key(now_ms: i64) -> String {
    let mut b = [0u8; 4];
    let r = getrandom::fill(&mut b)
        .map(|()| u32::from_le_bytes(b))
        .unwrap_or(0);
    let micros = (now_ms.max(0) as u64) * 1000 + u64::from(r % 1000);
    tid(micros, ((r >> 16) & 0x3FF) as u16)
}

/// The at:// URI a post will have once created with this idempotency key.
pub fn post_uri(did: &str, idempotency_key: &str) -> String {
    format!("at://{did}/{POST_COLLECTION}/{idempotency_key}")
}

fn rkey_of(out: &Outgoing) -> Result<&str> {
    if is_tid(&out.idempotency_key) {
        Ok(&out.idempotency_key)
    } else {
        Err(err_permanent(format!(
            "cannot post: the outbox key {:?} is not a record key (TID)",
            out.idempotency_key
        )))
    }
}

fn web_url(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("at://")?;
    let mut parts = rest.split('/');
    let did = parts.next()?;
    let _collection = parts.next()?;
    let rkey = parts.next()?;
    Some(format!("https://bsky.app/profile/{did}/post/{rkey}"))
}

// ------------------------------------------------------------------------------------------

impl Provider for Bluesky {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn capabilities(&self) -> &'static [Capability] {
        if self.config.chat {
            &[
                Capability::Fetch,
                Capability::PublicReply,
                Capability::PrivateMessage,
                Capability::ResolveIdentity,
            ]
        } else {
            &[
                Capability::Fetch,
                Capability::PublicReply,
                Capability::ResolveIdentity,
            ]
        }
    }

    fn text_limit(&self, visibility: Visibility) -> TextLimit {
        text_limit(visibility)
    }
}

/// Bluesky's limits, without a connection (for the composer).
pub fn text_limit(visibility: Visibility) -> TextLimit {
    match visibility {
        Visibility::Public => TextLimit::Graphemes(POST_LIMIT),
        Visibility::Private => TextLimit::Graphemes(CHAT_LIMIT),
    }
}

impl FetchNew for Bluesky {
    fn streams(&self) -> &'static [&'static str] {
        if self.config.chat {
            &[STREAM_NOTIFICATIONS, STREAM_CHAT]
        } else {
            &[STREAM_NOTIFICATIONS]
        }
    }

    async fn fetch_since(&mut self, stream: &str, cursor: Option<&str>) -> Result<Page> {
        match stream {
            STREAM_NOTIFICATIONS => self.fetch_notifications(cursor).await,
            STREAM_CHAT => self.fetch_chat(cursor).await,
            other => Err(err_permanent(format!(
                "cannot fetch: Bluesky has no stream {other:?}"
            ))),
        }
    }
}

impl PublicReply for Bluesky {
    async fn send_public_reply(&mut self, out: &Outgoing) -> Result<SentRef> {
        let record = self.reply_record(out)?;
        let rkey = rkey_of(out)?.to_owned();
        let body = json!({
            "repo": self.session.did,
            "collection": POST_COLLECTION,
            "rkey": rkey,
            "record": record,
        });
        let root = record["reply"]["root"]["uri"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        match self
            .xrpc::<Value>(
                "com.atproto.repo.createRecord",
                Method::Post(&body),
                "post a reply",
                false,
            )
            .await
        {
            Ok(v) => {
                let uri = v
                    .get("uri")
                    .and_then(Value::as_str)
                    .ok_or_else(|| malformed("response to post a reply", "no `uri` in it"))?
                    .to_owned();
                Ok(SentRef {
                    url: web_url(&uri),
                    external_id: uri,
                    conversation_key: root,
                })
            }
            // Refused or failed: if a record with this key exists, an earlier attempt got
            // through (the dev-env PDS answers a second create with the same key with a 500;
            // others may say InvalidRequest). Read it back before reporting a failure.
            Err(e @ (ChannelError::Permanent { .. } | ChannelError::Retryable { .. })) => {
                match self.find_sent(out).await {
                    Ok(Some(found)) => Ok(found),
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }
}

impl PrivateMessage for Bluesky {
    async fn send_private(&mut self, out: &Outgoing) -> Result<SentRef> {
        if !self.config.chat {
            return Err(self.no_chat());
        }
        check_text(&out.text, CHAT_LIMIT, 10_000, "a direct message")?;
        let convo = self.convo_of(out).await?;
        let body = json!({ "convoId": convo, "message": { "text": out.text } });
        let v: Value = self
            .xrpc(
                "chat.bsky.convo.sendMessage",
                Method::Post(&body),
                "send a direct message",
                true,
            )
            .await?;
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("response to send a direct message", "no `id` in it"))?;
        Ok(SentRef {
            external_id: format!("chat:{id}"),
            conversation_key: format!("chat:{convo}"),
            url: None,
        })
    }
}

impl ResolveIdentity for Bluesky {
    async fn resolve(&mut self, handle: &str) -> Result<Author> {
        let handle = handle.trim().trim_start_matches('@');
        let q = [("actor", handle.to_owned())];
        let v: Value = self
            .xrpc(
                "app.bsky.actor.getProfile",
                Method::Get(&q),
                &format!("look up {handle}"),
                false,
            )
            .await?;
        let did = str_at(&v, "/did")
            .ok_or_else(|| malformed(format!("profile of {handle}"), "no did"))?;
        Ok(Author {
            channel: CHANNEL.into(),
            external_id: did.to_owned(),
            handle: str_at(&v, "/handle").map(str::to_owned),
            display_name: str_at(&v, "/displayName")
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned),
        })
    }
}

impl Reconcile for Bluesky {
    async fn find_sent(&mut self, out: &Outgoing) -> Result<Option<SentRef>> {
        match out.visibility {
            Visibility::Public => {
                let rkey = rkey_of(out)?.to_owned();
                let q = [
                    ("repo", self.session.did.clone()),
                    ("collection", POST_COLLECTION.to_owned()),
                    ("rkey", rkey),
                ];
                match self
                    .xrpc::<Value>(
                        "com.atproto.repo.getRecord",
                        Method::Get(&q),
                        "look for the sent post",
                        false,
                    )
                    .await
                {
                    Ok(v) => {
                        let uri = str_at(&v, "/uri")
                            .ok_or_else(|| {
                                malformed("response to look for the sent post", "no uri")
                            })?
                            .to_owned();
                        let root = str_at(&v, "/value/reply/root/uri")
                            .unwrap_or(&uri)
                            .to_owned();
                        Ok(Some(SentRef {
                            url: web_url(&uri),
                            external_id: uri,
                            conversation_key: root,
                        }))
                    }
                    Err(ChannelError::Permanent { reason, .. })
                        if reason.contains("RecordNotFound") || reason.contains("HTTP 404") =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
            Visibility::Private => {
                if !self.config.chat {
                    return Err(self.no_chat());
                }
                // Chat has no idempotency key: look for our own message with the same text
                // among the conversation's newest messages.
                let convo = self.convo_of(out).await?;
                let q = [("convoId", convo.clone()), ("limit", "50".to_owned())];
                let v: Value = self
                    .xrpc(
                        "chat.bsky.convo.getMessages",
                        Method::Get(&q),
                        "look for the sent message",
                        true,
                    )
                    .await?;
                let me = self.session.did.clone();
                Ok(v.get("messages")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .find(|m| {
                        str_at(m, "/sender/did") == Some(me.as_str())
                            && str_at(m, "/text") == Some(out.text.as_str())
                    })
                    .and_then(|m| str_at(m, "/id"))
                    .map(|id| SentRef {
                        external_id: format!("chat:{id}"),
                        conversation_key: format!("chat:{convo}"),
                        url: None,
                    }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tids_are_valid_sortable_and_keys_are_tids() {
        let a = tid(1_700_000_000_000_000, 0);
        let b = tid(1_700_000_000_000_001, 0);
        assert_eq!(a.len(), 13);
        assert!(is_tid(&a) && is_tid(&b));
        assert!(a < b, "TIDs sort by time");
        assert!(!is_tid("not-a-tid"));
        assert!(!is_tid("zzzzzzzzzzzzz"), "top bit set");
        let k = new_idempotency_key(1_700_000_000_000);
        assert!(is_tid(&k), "{k}");
        assert_ne!(k, new_idempotency_key(1_700_000_000_000));
        // the reference example from the atproto spec shape: 3jzfcijpj2z2a
        assert!(is_tid("3jzfcijpj2z2a"));
    }

    fn mention(uri: &str, reply: Option<Value>) -> Value {
        let mut record = json!({
            "$type": "app.bsky.feed.post",
            "text": "my order never arrived @shop.test",
            "createdAt": "2026-11-20T10:00:00.000Z",
        });
        if let Some(r) = reply {
            record["reply"] = r;
        }
        json!({
            "uri": uri, "cid": "bafyparent", "reason": if record.get("reply").is_some() { "reply" } else { "mention" },
            "author": { "did": "did:plc:carol", "handle": "carol.test", "displayName": "Carol" },
            "record": record, "isRead": false, "indexedAt": "2026-11-20T10:00:01.000Z",
        })
    }

    #[test]
    fn a_mention_starts_its_own_thread_and_a_reply_keeps_the_root() {
        let m = notification_item(&mention("at://did:plc:carol/app.bsky.feed.post/1", None))
            .unwrap()
            .unwrap();
        assert_eq!(m.kind, ItemKind::Mention);
        assert_eq!(m.conversation_key, m.external_id);
        assert_eq!(m.author.external_id, "did:plc:carol");
        assert_eq!(m.author.handle.as_deref(), Some("carol.test"));
        let r = notification_item(&mention(
            "at://did:plc:carol/app.bsky.feed.post/2",
            Some(json!({
                "root": {"uri": "at://did:plc:shop/app.bsky.feed.post/0", "cid": "bafyroot"},
                "parent": {"uri": "at://did:plc:shop/app.bsky.feed.post/9", "cid": "bafyp"},
            })),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(r.conversation_key, "at://did:plc:shop/app.bsky.feed.post/0");
        assert_eq!(
            r.in_reply_to.as_deref(),
            Some("at://did:plc:shop/app.bsky.feed.post/9")
        );
        // Answering r: root stays the thread's root, parent is r itself.
        let to = ReplyTo {
            external_id: r.external_id.clone(),
            conversation_key: r.conversation_key.clone(),
            extra: r.extra.clone(),
        };
        let (root, parent) = refs_of(&to).unwrap();
        assert_eq!(root["uri"], "at://did:plc:shop/app.bsky.feed.post/0");
        assert_eq!(root["cid"], "bafyroot");
        assert_eq!(parent["uri"], "at://did:plc:carol/app.bsky.feed.post/2");
        assert_eq!(parent["cid"], "bafyparent");
    }

    #[test]
    fn likes_are_ignored_and_broken_items_say_why() {
        let mut like = mention("at://x/app.bsky.feed.post/1", None);
        like["reason"] = "like".into();
        assert_eq!(notification_item(&like), Ok(None));
        let mut broken = mention("at://x/app.bsky.feed.post/1", None);
        broken["record"].as_object_mut().unwrap().remove("text");
        assert_eq!(
            notification_item(&broken),
            Err("the post record has no text".into())
        );
    }

    #[test]
    fn texts_over_the_limit_are_refused_before_sending() {
        let long = "é".repeat(301);
        let e = check_text(&long, POST_LIMIT, POST_MAX_BYTES, "a post").unwrap_err();
        assert_eq!(
            e.to_string(),
            "bluesky: refused: cannot send a post: it is 301 characters long and Bluesky allows 300"
        );
        assert!(check_text(&"👍🏽".repeat(300), POST_LIMIT, 10_000, "a post").is_ok());
    }

    #[test]
    fn pds_is_read_from_the_did_document() {
        let doc = json!({"id": "did:plc:x", "service": [
            {"id": "#atproto_labeler", "type": "AtprotoLabeler", "serviceEndpoint": "https://l"},
            {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": "https://pds.example/"},
        ]});
        assert_eq!(pds_in_doc(&doc).as_deref(), Some("https://pds.example"));
        assert_eq!(pds_in_doc(&json!({"service": []})), None);
    }

    #[test]
    fn cursor_round_trips() {
        let c = NotificationCursor::parse(r#"{"indexed_at":"2026-11-20T10:00:01.000Z"}"#).unwrap();
        assert_eq!(c.at_ms, 1_795_168_801_000);
        assert_eq!(NotificationCursor::parse(&c.to_string()).unwrap(), c);
        assert!(NotificationCursor::parse("garbage").is_err());
    }
}
