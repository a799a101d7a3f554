//! Social accounts (Bluesky, Mastodon) → the same cases, contacts and outbox as email.
//!
//! Fetching: for each stream a provider offers, read pages since the stored cursor and write
//! each page's items **and** its new cursor in one transaction, so a crash never skips or
//! doubles anything (inserts are idempotent on `(account, external_id)` anyway). Items the
//! provider sent but we could not read are quarantined with the reason; the rest of the page is
//! stored. Failures are classified into `sync_state` exactly like IMAP's, so `account list`
//! shows a Bluesky account's health the same way.
//!
//! Sending: the outbox (`crate::outbox`) claims an item before any I/O and hands social items to
//! [`send_item`] / [`reconcile_item`]. Every attempt carries the same idempotency key; for
//! Bluesky it is the post's record key, so a retry can never make a second post and
//! reconciling is one read.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use switchboard_channels::secrets::{Secret, SecretKind, Secrets};
use switchboard_channels::social::{
    Author, ChannelError, FetchNew, Item, ItemKind, Outgoing, Page, PrivateMessage, PublicReply,
    Reconcile, ReplyTo, SentRef, TextLimit, Visibility, bluesky, mastodon,
};
use switchboard_core::Clock;
use switchboard_core::case::Direction;
use switchboard_store::accounts::Account;
use switchboard_store::contacts::{self, IdentityRef};
use switchboard_store::ingest::{self, IngestOutcome, NewMessage};
use switchboard_store::{Entity, Store, StoreError, Tx, accounts, edits, mailbox};

/// Account kinds this engine handles.
pub const KINDS: &[&str] = &[bluesky::CHANNEL, mastodon::CHANNEL];

pub fn is_social(kind: &str) -> bool {
    KINDS.contains(&kind)
}

/// At most this many pages per stream in one pass (the rest waits for the next pass).
const MAX_PAGES_PER_PASS: usize = 20;

/// At most this many recent inbound items are read again per pass to catch edits and deletions.
const MAX_REFRESH_PER_PASS: usize = 20;
/// Only items sent within this window are read again (ms).
const REFRESH_WINDOW_MS: i64 = 7 * 24 * 3_600_000;

/// A connected provider of any kind: one arm per provider module.
pub enum AnyProvider {
    Bluesky(Box<bluesky::Bluesky>),
    Mastodon(Box<mastodon::Mastodon>),
}

impl AnyProvider {
    pub fn channel(&self) -> &'static str {
        match self {
            AnyProvider::Bluesky(_) => bluesky::CHANNEL,
            AnyProvider::Mastodon(_) => mastodon::CHANNEL,
        }
    }

    pub fn streams(&self) -> Vec<&'static str> {
        match self {
            AnyProvider::Bluesky(p) => p.streams().to_vec(),
            AnyProvider::Mastodon(p) => p.streams().to_vec(),
        }
    }

    pub async fn fetch_since(
        &mut self,
        stream: &str,
        cursor: Option<&str>,
    ) -> Result<Page, ChannelError> {
        match self {
            AnyProvider::Bluesky(p) => p.fetch_since(stream, cursor).await,
            AnyProvider::Mastodon(p) => p.fetch_since(stream, cursor).await,
        }
    }

    pub async fn send(&mut self, out: &Outgoing) -> Result<SentRef, ChannelError> {
        match (self, out.visibility) {
            (AnyProvider::Bluesky(p), Visibility::Public) => p.send_public_reply(out).await,
            (AnyProvider::Bluesky(p), Visibility::Private) => p.send_private(out).await,
            (AnyProvider::Mastodon(p), Visibility::Public) => p.send_public_reply(out).await,
            (AnyProvider::Mastodon(p), Visibility::Private) => p.send_private(out).await,
        }
    }

    pub async fn find_sent(&mut self, out: &Outgoing) -> Result<Option<SentRef>, ChannelError> {
        match self {
            AnyProvider::Bluesky(p) => p.find_sent(out).await,
            AnyProvider::Mastodon(p) => p.find_sent(out).await,
        }
    }

    /// Does a retry with the same key target the same remote object (so an item whose read-back
    /// found nothing may simply be sent again)?
    pub fn idempotent_retry(&self, out: &Outgoing) -> bool {
        match self {
            AnyProvider::Bluesky(_) => out.visibility == Visibility::Public,
            // The Idempotency-Key protects a retry for one hour only, and an outbox item may
            // sit `unknown` for longer (a crash, a laptop closed): a read-back that found
            // nothing leaves the decision to the user rather than risk a second status.
            AnyProvider::Mastodon(_) => false,
        }
    }

    /// Can this provider read one item again by id (to see edits and deletions polling does
    /// not show)? Only Mastodon can; Bluesky notifications carry no edits.
    pub fn can_refresh(&self) -> bool {
        matches!(self, AnyProvider::Mastodon(_))
    }

    /// Reads one item again: `Current` with its text as it is now, or `Deleted`.
    pub async fn refresh(
        &mut self,
        external_id: &str,
    ) -> Result<mastodon::Refreshed, ChannelError> {
        match self {
            AnyProvider::Bluesky(_) => Err(ChannelError::Unsupported {
                channel: bluesky::CHANNEL.into(),
                capability: switchboard_channels::social::Capability::Fetch,
            }),
            AnyProvider::Mastodon(p) => p.refresh(external_id).await,
        }
    }

    /// The account's own identity (so its posts count as outbound).
    pub fn own_identity(&self) -> IdentityRef {
        match self {
            AnyProvider::Bluesky(p) => IdentityRef {
                channel: bluesky::CHANNEL.into(),
                external_id: p.did().to_owned(),
                handle: Some(p.config().handle.clone()),
                display_name: None,
            },
            AnyProvider::Mastodon(p) => IdentityRef {
                channel: mastodon::CHANNEL.into(),
                external_id: p.config().account_uri.clone(),
                handle: Some(p.config().acct.clone()),
                display_name: None,
            },
        }
    }

    /// Stores a changed session token in the keychain.
    fn save_tokens(&mut self, secrets: &dyn Secrets, account: &str) {
        match self {
            AnyProvider::Bluesky(p) => {
                if let Some(t) = p.take_new_refresh_token()
                    && let Err(e) = secrets.set(account, SecretKind::RefreshToken, &Secret::new(t))
                {
                    tracing::warn!(account, error = %e, "cannot keep the Bluesky session token");
                }
            }
            // Mastodon access tokens do not change.
            AnyProvider::Mastodon(_) => {}
        }
    }
}

/// The real length limit per visibility, without a connection (for the composer).
pub fn text_limits(account: &Account) -> Vec<(Visibility, TextLimit)> {
    match account.kind.as_str() {
        bluesky::CHANNEL => [Visibility::Public, Visibility::Private]
            .into_iter()
            .map(|v| (v, bluesky::text_limit(v)))
            .collect(),
        // The server's limit as read when the account was added (a connection reads it
        // afresh); Mastodon's default if the settings predate that.
        mastodon::CHANNEL => {
            let max = serde_json::from_value::<mastodon::Config>(account.config.clone())
                .map(|c| c.limits.max_characters)
                .unwrap_or(mastodon::DEFAULT_MAX_CHARACTERS);
            [Visibility::Public, Visibility::Private]
                .into_iter()
                .map(|v| (v, TextLimit::Chars(max)))
                .collect()
        }
        _ => vec![],
    }
}

/// What the engine needs from its host.
pub struct Env<'a> {
    pub store: &'a Mutex<Store>,
    pub secrets: &'a dyn Secrets,
    pub clock: &'a dyn Clock,
}

#[derive(Debug, thiserror::Error)]
pub enum SocialError {
    #[error("{0}")]
    Channel(#[from] ChannelError),
    #[error("cannot save synced items: {0}")]
    Store(#[from] StoreError),
    #[error("cannot sync account {account:?}: {reason}")]
    Config { account: String, reason: String },
    #[error(
        "cannot read the sign-in secret (app password or token) of account {account:?} from the OS keychain: {cause}"
    )]
    Secret {
        account: String,
        cause: switchboard_channels::secrets::SecretError,
    },
}

impl SocialError {
    /// The class stored in `sync_state.error_class`.
    pub fn class(&self) -> &'static str {
        match self {
            SocialError::Channel(e) => e.class(),
            SocialError::Store(_) => "retryable",
            SocialError::Config { .. } => "permanent",
            SocialError::Secret { cause, .. } => match cause {
                switchboard_channels::secrets::SecretError::Missing { .. } => "auth",
                _ => "retryable",
            },
        }
    }
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// Signs in to the account's provider with the stored secrets.
pub async fn connect(env: &Env<'_>, account: &Account) -> Result<AnyProvider, SocialError> {
    let http = switchboard_channels::social::http::client(&account.kind)?;
    match account.kind.as_str() {
        bluesky::CHANNEL => {
            let config: bluesky::Config =
                serde_json::from_value(account.config.clone()).map_err(|e| {
                    SocialError::Config {
                        account: account.name.clone(),
                        reason: format!("its Bluesky settings are unreadable: {e}"),
                    }
                })?;
            let password = env
                .secrets
                .get(&account.name, SecretKind::AppPassword)
                .map_err(|cause| SocialError::Secret {
                    account: account.name.clone(),
                    cause,
                })?;
            let refresh = env
                .secrets
                .get(&account.name, SecretKind::RefreshToken)
                .ok();
            let clock_ms = {
                let now = env.clock.now();
                let start = std::time::Instant::now();
                // The injected clock, advanced by the monotonic one while this connection lives.
                std::sync::Arc::new(move || now + start.elapsed().as_millis() as i64)
            };
            let p = bluesky::resume(
                &config,
                refresh.as_ref().map(Secret::expose),
                password.expose(),
                http,
            )
            .await?
            .with_clock(clock_ms);
            let mut p = AnyProvider::Bluesky(Box::new(p));
            p.save_tokens(env.secrets, &account.name);
            Ok(p)
        }
        mastodon::CHANNEL => {
            let config: mastodon::Config =
                serde_json::from_value(account.config.clone()).map_err(|e| {
                    SocialError::Config {
                        account: account.name.clone(),
                        reason: format!("its Mastodon settings are unreadable: {e}"),
                    }
                })?;
            let token = env
                .secrets
                .get(&account.name, SecretKind::AccessToken)
                .map_err(|cause| SocialError::Secret {
                    account: account.name.clone(),
                    cause,
                })?;
            let clock_ms = {
                let now = env.clock.now();
                let start = std::time::Instant::now();
                move || now + start.elapsed().as_millis() as i64
            };
            let p = mastodon::Mastodon::connect(&config, token.expose(), http)
                .await?
                .with_clock(clock_ms);
            Ok(AnyProvider::Mastodon(Box::new(p)))
        }
        other => Err(SocialError::Config {
            account: account.name.clone(),
            reason: format!("{other} accounts are not social accounts"),
        }),
    }
}

// ------------------------------------------------------------------------------------------
// Fetching

/// What one stream did in a pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StreamReport {
    pub stream: String,
    pub stored: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub new_cases: u64,
    pub error: Option<String>,
    pub error_class: Option<String>,
}

/// One pass over one social account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SocialPassReport {
    pub account: String,
    pub streams: Vec<StreamReport>,
}

impl SocialPassReport {
    pub fn stored(&self) -> u64 {
        self.streams.iter().map(|s| s.stored).sum()
    }
    /// The first stream error, if any stream failed.
    pub fn first_error(&self) -> Option<(&str, &str)> {
        self.streams.iter().find_map(|s| {
            Some((
                s.error.as_deref()?,
                s.error_class.as_deref().unwrap_or("retryable"),
            ))
        })
    }
}

/// The stream's stored cursor.
pub fn stream_cursor(
    conn: &rusqlite::Connection,
    account_id: i64,
    stream: &str,
) -> Result<Option<String>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached("SELECT cursor FROM sync_state WHERE account_id = ?1 AND stream = ?2")?
        .query_row(rusqlite::params![account_id, stream], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten())
}

fn stream_backoff(
    conn: &rusqlite::Connection,
    account_id: i64,
    stream: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(
            "SELECT backoff_until, error_class FROM sync_state
              WHERE account_id = ?1 AND stream = ?2 AND backoff_until IS NOT NULL",
        )?
        .query_row(rusqlite::params![account_id, stream], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
        })
        .optional()?
        .map(|(t, c)| (t, c.unwrap_or_default())))
}

fn set_stream_cursor(
    tx: &mut Tx<'_>,
    account_id: i64,
    stream: &str,
    cursor: &str,
    now: i64,
) -> Result<(), StoreError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO sync_state (account_id, stream, cursor, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account_id, stream) DO UPDATE SET cursor = excluded.cursor,
                 updated_at = excluded.updated_at",
        )?
        .execute(rusqlite::params![account_id, stream, cursor, now])?;
    tx.changed(Entity::SyncState, account_id);
    Ok(())
}

/// The stream name in `sync_state` (prefixed so it never collides with IMAP folders).
pub fn state_stream(stream: &str) -> String {
    format!("social:{stream}")
}

/// One pass: connect, then every stream from its cursor. A failing stream is recorded and the
/// others still run; a failure to connect is recorded on the account stream and returned.
pub async fn sync_once(env: &Env<'_>, account: &Account) -> Result<SocialPassReport, SocialError> {
    let mut report = SocialPassReport {
        account: account.name.clone(),
        streams: vec![],
    };
    let mut p = match connect(env, account).await {
        Ok(p) => p,
        Err(e) => {
            record_failure(env, account.id, mailbox::ACCOUNT_STREAM, &e)?;
            return Err(e);
        }
    };
    let now = env.clock.now();
    let own = p.own_identity();
    lock(env.store).write(|tx| {
        contacts::mark_self(tx, &own, now)?;
        mailbox::record_success(tx, account.id, mailbox::ACCOUNT_STREAM, now)
    })?;
    for stream in p.streams() {
        let r = sync_stream(env, account, &mut p, stream).await?;
        report.streams.push(r);
    }
    if p.can_refresh() {
        refresh_recent(env, account, &mut p).await?;
    }
    p.save_tokens(env.secrets, &account.name);
    Ok(report)
}

async fn sync_stream(
    env: &Env<'_>,
    account: &Account,
    p: &mut AnyProvider,
    stream: &'static str,
) -> Result<StreamReport, StoreError> {
    let key = state_stream(stream);
    let mut r = StreamReport {
        stream: stream.into(),
        ..StreamReport::default()
    };
    // The server told us when to come back: do not ask before that.
    if let Some((until, class)) = stream_backoff(lock(env.store).conn(), account.id, &key)?
        && class == "rate_limited"
        && until > env.clock.now()
    {
        r.error = Some(format!("rate limited until {until}: not asked this time"));
        r.error_class = Some(class);
        return Ok(r);
    }
    let mut cursor = stream_cursor(lock(env.store).conn(), account.id, &key)?;
    for _ in 0..MAX_PAGES_PER_PASS {
        let page = match p.fetch_since(stream, cursor.as_deref()).await {
            Ok(page) => page,
            Err(e) => {
                let e = SocialError::Channel(e);
                record_failure(env, account.id, &key, &e)?;
                r.error = Some(e.to_string());
                r.error_class = Some(e.class().into());
                return Ok(r);
            }
        };
        let now = env.clock.now();
        let channel = p.channel();
        let (stored, dup, quarantined, new_cases) = lock(env.store).write(|tx| {
            let mut counts = (0u64, 0u64, 0u64, 0u64);
            for item in &page.items {
                match store_item(tx, account.id, channel, item, now)? {
                    IngestOutcome::Stored { new_case, .. } => {
                        counts.0 += 1;
                        if new_case {
                            counts.3 += 1;
                        }
                    }
                    IngestOutcome::Duplicate { .. } => counts.1 += 1,
                }
            }
            for bad in &page.rejected {
                ingest::quarantine(
                    tx,
                    Some(account.id),
                    &format!("{channel} {stream}: {}", bad.origin),
                    &bad.reason,
                    None,
                    now,
                )?;
                counts.2 += 1;
            }
            if let Some(c) = &page.cursor {
                set_stream_cursor(tx, account.id, &key, c, now)?;
            }
            mailbox::record_success(tx, account.id, &key, now)?;
            Ok(counts)
        })?;
        r.stored += stored;
        r.duplicates += dup;
        r.quarantined += quarantined;
        r.new_cases += new_cases;
        if !page.more || page.cursor.is_none() || page.cursor == cursor {
            break;
        }
        cursor = page.cursor;
    }
    tracing::info!(account = %account.name, stream, stored = r.stored, "social stream synced");
    Ok(r)
}

/// Applies what the provider now says about an item stored before: deleted, or edited later
/// than the edit last applied. Returns whether anything changed.
pub fn apply_change(
    tx: &mut Tx<'_>,
    message_id: i64,
    item: &Item,
    now: i64,
) -> Result<bool, StoreError> {
    if item.deleted {
        return edits::apply_delete(tx, message_id, "sync", now);
    }
    let Some(edited_at) = item.edited_at else {
        return Ok(false);
    };
    let snippet = switchboard_channels::email::snippet(&item.text, 160);
    edits::apply_edit(
        tx,
        message_id,
        &edits::Edit {
            text: &item.text,
            snippet: &snippet,
            edited_at,
        },
        "sync",
        now,
    )
}

/// Polling shows neither deletions nor edits of items already fetched: read the newest inbound
/// items of open cases again (bounded, newest first) and apply what changed. A failure here is
/// logged and ends the refresh for this pass; it never fails the pass or touches stored rows.
async fn refresh_recent(
    env: &Env<'_>,
    account: &Account,
    p: &mut AnyProvider,
) -> Result<(), StoreError> {
    let now = env.clock.now();
    let targets: Vec<(i64, String)> = {
        let store = lock(env.store);
        let mut st = store.conn().prepare_cached(
            "SELECT m.id, m.external_id FROM messages m
               JOIN case_conversations cc ON cc.conversation_id = m.conversation_id
               JOIN cases c ON c.id = cc.case_id
              WHERE m.account_id = ?1 AND m.channel = ?2 AND m.direction = 'inbound'
                AND m.deleted_at IS NULL AND m.sent_at >= ?3 AND c.status != 'resolved'
              ORDER BY m.sent_at DESC, m.id DESC LIMIT ?4",
        )?;
        st.query_map(
            rusqlite::params![
                account.id,
                p.channel(),
                now - REFRESH_WINDOW_MS,
                MAX_REFRESH_PER_PASS as i64
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<Result<_, _>>()?
    };
    let mut results = Vec::with_capacity(targets.len());
    for (message_id, external_id) in targets {
        match p.refresh(&external_id).await {
            Ok(r) => results.push((message_id, r)),
            Err(e) => {
                tracing::warn!(account = %account.name, status = %external_id, error = %e,
                    "cannot read a status again for edits and deletions; trying next pass");
                break;
            }
        }
    }
    if results.is_empty() {
        return Ok(());
    }
    let changed = lock(env.store).write(|tx| {
        let mut n = 0u64;
        for (message_id, r) in &results {
            let did = match r {
                mastodon::Refreshed::Current(item) => apply_change(tx, *message_id, item, now)?,
                mastodon::Refreshed::Deleted { .. } => {
                    edits::apply_delete(tx, *message_id, "sync", now)?
                }
            };
            n += u64::from(did);
        }
        Ok(n)
    })?;
    tracing::info!(account = %account.name, checked = results.len(), changed, "social items refreshed");
    Ok(())
}

fn record_failure(
    env: &Env<'_>,
    account_id: i64,
    stream: &str,
    e: &SocialError,
) -> Result<(), StoreError> {
    let now = env.clock.now();
    let class = e.class();
    let until = match e {
        SocialError::Channel(ChannelError::RateLimited {
            retry_at: Some(t), ..
        }) => Some(*t),
        _ => {
            let c = crate::health::ErrorClass::parse(class)
                .unwrap_or(crate::health::ErrorClass::Retryable);
            let d = crate::health::backoff(c, 0, crate::health::jitter());
            Some(now + d.as_millis() as i64)
        }
    };
    lock(env.store).write(|tx| {
        mailbox::record_error(tx, account_id, stream, &e.to_string(), class, until, now)
    })
}

/// Stores one item (its author identity following handle changes) and keeps its provider
/// extras for replies. An item stored before is a duplicate, but an edit or deletion it
/// carries is applied to the stored message ([`apply_change`]).
pub fn store_item(
    tx: &mut Tx<'_>,
    account_id: i64,
    channel: &str,
    item: &Item,
    now: i64,
) -> Result<IngestOutcome, StoreError> {
    let author = identity_of(&item.author);
    follow_handle(tx, &author)?;
    let m = NewMessage {
        account_id,
        channel: channel.into(),
        external_id: item.external_id.clone(),
        direction: (item.kind == ItemKind::Own).then_some(Direction::Outbound),
        author: Some(author),
        recipients: vec![],
        visibility: match item.visibility {
            Visibility::Public => ingest::Visibility::Public,
            Visibility::Private => ingest::Visibility::Private,
        },
        subject: None,
        subject_key: None,
        conversation_key: Some(item.conversation_key.clone()),
        in_reply_to: item.in_reply_to.clone(),
        references: vec![],
        sent_at: item.created_at,
        received_at: now,
        snippet: switchboard_channels::email::snippet(&item.text, 160),
        text: item.text.clone(),
        html: None,
        has_remote_content: false,
        unread: true,
        raw_sha256: None,
        raw_size: None,
        attachments: vec![],
        automated: None,
    };
    let out = ingest::ingest(tx, &m, "sync", now)?;
    match out {
        IngestOutcome::Stored { message_id, .. } => put_extra(tx, message_id, &item.extra)?,
        IngestOutcome::Duplicate { message_id } => {
            apply_change(tx, message_id, item, now)?;
        }
    }
    Ok(out)
}

pub fn identity_of(a: &Author) -> IdentityRef {
    IdentityRef {
        channel: a.channel.clone(),
        external_id: a.external_id.clone(),
        handle: a.handle.clone(),
        display_name: a.display_name.clone(),
    }
}

/// Identities are keyed on the DID / account URI; the handle is what people see and it can
/// change. When an item shows a new handle for a known identity, the identity follows it.
pub fn follow_handle(tx: &mut Tx<'_>, who: &IdentityRef) -> Result<(), StoreError> {
    let Some(handle) = &who.handle else {
        return Ok(());
    };
    let changed: Option<i64> = {
        use rusqlite::OptionalExtension;
        tx.conn()
            .prepare_cached(
                "UPDATE identities SET handle = ?3
                  WHERE channel = ?1 AND external_id = ?2 AND handle IS NOT ?3
                 RETURNING contact_id",
            )?
            .query_row(
                rusqlite::params![who.channel, who.external_id, handle],
                |r| r.get(0),
            )
            .optional()?
    };
    if let Some(contact_id) = changed {
        tx.changed(Entity::Contact, contact_id);
    }
    Ok(())
}

pub fn put_extra(
    tx: &mut Tx<'_>,
    message_id: i64,
    extra: &serde_json::Value,
) -> Result<(), StoreError> {
    if extra.is_null() {
        return Ok(());
    }
    tx.conn()
        .prepare_cached(
            "INSERT INTO message_extras (message_id, extra) VALUES (?1, ?2)
             ON CONFLICT (message_id) DO UPDATE SET extra = excluded.extra",
        )?
        .execute(rusqlite::params![message_id, extra.to_string()])?;
    Ok(())
}

pub fn extra_of(
    conn: &rusqlite::Connection,
    message_id: i64,
) -> Result<serde_json::Value, StoreError> {
    use rusqlite::OptionalExtension;
    let raw: Option<String> = conn
        .prepare_cached("SELECT extra FROM message_extras WHERE message_id = ?1")?
        .query_row([message_id], |r| r.get(0))
        .optional()?;
    Ok(match raw {
        Some(s) => serde_json::from_str(&s)?,
        None => serde_json::Value::Null,
    })
}

// ------------------------------------------------------------------------------------------
// Sending

/// The provider-specific part of a social outbox row (`outbox.payload`, see contracts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocialPayload {
    pub channel: String,
    pub reply_to: Option<ReplyTo>,
    pub recipient: Option<Author>,
    /// The `external_id` the reply got on the case timeline before it was sent (for Bluesky
    /// posts this is already the final at:// URI); replaced by the provider's id once sent.
    #[serde(default)]
    pub timeline_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discarded_at: Option<i64>,
}

/// Connected providers, one per account, for the length of one flush.
#[derive(Default)]
pub struct Connections {
    open: HashMap<i64, AnyProvider>,
}

impl Connections {
    async fn get(
        &mut self,
        env: &Env<'_>,
        account_id: i64,
    ) -> Result<&mut AnyProvider, SocialError> {
        match self.open.entry(account_id) {
            std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
            std::collections::hash_map::Entry::Vacant(e) => {
                let account = accounts::by_id(lock(env.store).conn(), account_id)?;
                Ok(e.insert(connect(env, &account).await?))
            }
        }
    }
}

/// What became of one social outbox item.
#[derive(Debug)]
pub enum SendOutcome {
    Sent(SentRef),
    /// Not sent; `maybe_delivered` says whether it may have reached the provider anyway.
    Failed(SocialError),
}

fn outgoing(
    item: &switchboard_store::outbox::OutboxItem,
) -> Result<(Outgoing, SocialPayload), SocialError> {
    let payload: SocialPayload =
        serde_json::from_value(item.payload.clone()).map_err(|e| SocialError::Config {
            account: format!("#{}", item.account_id),
            reason: format!("outbox item {} is not a social reply: {e}", item.id),
        })?;
    let visibility = match item.visibility.as_str() {
        "public" => Visibility::Public,
        _ => Visibility::Private,
    };
    Ok((
        Outgoing {
            idempotency_key: item.idempotency_key.clone(),
            text: item.body.clone(),
            visibility,
            reply_to: payload.reply_to.clone(),
            recipient: payload.recipient.clone(),
        },
        payload,
    ))
}

/// Sends one claimed item. The caller has committed `sending` before calling.
pub async fn send_item(
    env: &Env<'_>,
    conns: &mut Connections,
    item: &switchboard_store::outbox::OutboxItem,
) -> SendOutcome {
    let (out, _) = match outgoing(item) {
        Ok(o) => o,
        Err(e) => return SendOutcome::Failed(e),
    };
    let p = match conns.get(env, item.account_id).await {
        Ok(p) => p,
        Err(e) => return SendOutcome::Failed(e),
    };
    match p.send(&out).await {
        Ok(sent) => SendOutcome::Sent(sent),
        Err(e) => SendOutcome::Failed(SocialError::Channel(e)),
    }
}

/// For an item of unknown fate: `Some` when the provider has it.
pub async fn reconcile_item(
    env: &Env<'_>,
    conns: &mut Connections,
    item: &switchboard_store::outbox::OutboxItem,
) -> Result<(Option<SentRef>, bool), SocialError> {
    let (out, _) = outgoing(item)?;
    let p = conns.get(env, item.account_id).await?;
    let found = p.find_sent(&out).await?;
    let idempotent = p.idempotent_retry(&out);
    Ok((found, idempotent))
}

/// Records a sent item: `sent` with the provider's id, and the timeline message takes that id
/// (so reading it back later is a duplicate, not a second message).
pub fn mark_sent(
    tx: &mut Tx<'_>,
    item: &switchboard_store::outbox::OutboxItem,
    sent: &SentRef,
    note: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    if let Ok(payload) = serde_json::from_value::<SocialPayload>(item.payload.clone())
        && let Some(old) = payload.timeline_id
        && old != sent.external_id
    {
        use rusqlite::OptionalExtension;
        let renamed: Option<i64> = tx
            .conn()
            .prepare_cached(
                "UPDATE messages SET external_id = ?3
                  WHERE account_id = ?1 AND external_id = ?2
                    AND NOT EXISTS (SELECT 1 FROM messages WHERE account_id = ?1 AND external_id = ?3)
                 RETURNING id",
            )?
            .query_row(
                rusqlite::params![item.account_id, old, sent.external_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(message_id) = renamed {
            tx.changed(Entity::Message, message_id);
        }
    }
    switchboard_store::outbox::mark_sent(tx, item.id, &sent.external_id, note, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_matches_the_contract_shape() {
        let p: SocialPayload = serde_json::from_value(serde_json::json!({
            "channel": "bluesky",
            "reply_to": {"external_id": "at://a/b/c", "conversation_key": "at://a/b/c", "extra": {"cid": "x"}},
            "recipient": null,
        }))
        .unwrap();
        assert_eq!(p.reply_to.unwrap().external_id, "at://a/b/c");
        assert!(p.timeline_id.is_none());
    }
}
