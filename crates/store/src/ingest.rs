//! Storing one inbound or outbound message: dedupe, thread, attach to contact and case.
//!
//! Every channel (file import, IMAP, Bluesky, Mastodon) hands a [`NewMessage`] to [`ingest`].
//! It is idempotent on `(account, external_id)`: feeding the same item twice stores it once, which
//! is what makes crash recovery ("sync again from the last cursor") safe.
//!
//! Threading is [`crate::threading`]: the conversation the channel names (`conversation_key`);
//! else every conversation one of the message's ids (its own, In-Reply-To, References) was
//! recorded for, joined into one when there are several; for a message with neither header
//! also the header-less mail of the same customer with the same subject within 30 days;
//! otherwise a new conversation and a new case. The same messages give the same conversations
//! in every arrival order.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use switchboard_core::case::{self as lifecycle, CaseStatus, Direction};

use crate::contacts::{self, IdentityRef};
use crate::events::{self, NewEvent};
use crate::threading::{self, Customer};
use crate::{Entity, Result, StoreError, Tx};

/// How far apart two header-less messages may be for their subject to thread them.
pub use crate::threading::SUBJECT_THREAD_WINDOW_MS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Recipient {
    pub kind: String, // to | cc | mention
    pub name: Option<String>,
    pub address: String,
}

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub filename: Option<String>,
    pub content_type: String,
    pub content_id: Option<String>,
    pub inline: bool,
    pub size: i64,
    /// Already written with [`crate::attachments::put`].
    pub sha256: String,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub account_id: i64,
    pub channel: String,
    pub external_id: String,
    /// `None`: outbound when the author is one of the business's own identities.
    pub direction: Option<Direction>,
    pub author: Option<IdentityRef>,
    pub recipients: Vec<Recipient>,
    pub visibility: Visibility,
    pub subject: Option<String>,
    /// Normalized subject for fallback threading (email only); `None` disables the fallback.
    pub subject_key: Option<String>,
    /// A channel-native thread id (Bluesky root URI, DM conversation id).
    pub conversation_key: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub sent_at: i64,
    pub received_at: i64,
    pub text: String,
    pub html: Option<String>,
    pub snippet: String,
    pub has_remote_content: bool,
    pub unread: bool,
    pub raw_sha256: Option<String>,
    pub raw_size: Option<i64>,
    pub attachments: Vec<NewAttachment>,
    /// Why the message looks sent by a machine (email only: newsletters, notifications,
    /// auto-replies; see `channels::email::automated_reason`). Ignored on other channels.
    pub automated: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum IngestOutcome {
    Stored {
        message_id: i64,
        conversation_id: i64,
        case_id: i64,
        new_case: bool,
        reopened: bool,
    },
    Duplicate {
        message_id: i64,
    },
}

/// Stores `m` inside the caller's transaction. `actor` names who caused it in case history
/// (`import`, `sync`).
pub fn ingest(tx: &mut Tx<'_>, m: &NewMessage, actor: &str, now: i64) -> Result<IngestOutcome> {
    let bounded = crate::limits::bounded(tx.data_dir(), m)?;
    let m: &NewMessage = &bounded;
    if m.external_id.is_empty() {
        return Err(StoreError::Invalid(
            "cannot store a message without an id".into(),
        ));
    }
    if let Some(message_id) = tx
        .conn()
        .prepare_cached("SELECT id FROM messages WHERE account_id = ?1 AND external_id = ?2")?
        .query_row(params![m.account_id, m.external_id], |r| r.get::<_, i64>(0))
        .optional()?
    {
        return Ok(IngestOutcome::Duplicate { message_id });
    }

    let author = match &m.author {
        Some(a) => Some(contacts::resolve_identity(tx, a, now)?),
        None => None,
    };
    let direction = m.direction.unwrap_or(match author {
        Some(a) if a.is_self => Direction::Outbound,
        _ => Direction::Inbound,
    });
    // The customer: the author of inbound mail; the first addressee of our own.
    let customer = match direction {
        Direction::Inbound => author.map(|a| Customer {
            identity_id: a.identity_id,
            contact_id: a.contact_id,
        }),
        Direction::Outbound => match m.recipients.first() {
            Some(r) => {
                let who = contacts::resolve_identity(
                    tx,
                    &IdentityRef {
                        channel: m.channel.clone(),
                        external_id: r.address.clone(),
                        handle: None,
                        display_name: r.name.clone(),
                    },
                    now,
                )?;
                Some(Customer {
                    identity_id: who.identity_id,
                    contact_id: who.contact_id,
                })
            }
            None => None,
        },
    };
    let contact = customer.map(|c| c.contact_id);
    // Only inbound email is ever automated: social channels never, our own mail never.
    let automated = m
        .automated
        .as_deref()
        .filter(|_| m.channel == "email" && direction == Direction::Inbound);

    let (conversation_id, case_id, new_case) = match threading::place(tx, m, customer, actor, now)?
    {
        Some(conv) => (conv, case_of(tx, conv)?, false),
        None => {
            let conv = create_conversation(tx, m, contact, now)?;
            let case_id = create_case(tx, m, contact, conv, automated, actor, now)?;
            (conv, case_id, true)
        }
    };

    tx.conn()
        .prepare_cached(
            "INSERT INTO messages (account_id, conversation_id, external_id, channel, direction,
                 author_identity_id, recipients, subject, snippet, in_reply_to, refs, sent_at,
                 received_at, unread, has_remote_content, raw_sha256, raw_size, automated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )?
        .execute(params![
            m.account_id,
            conversation_id,
            m.external_id,
            m.channel,
            direction.as_str(),
            author.map(|a| a.identity_id),
            serde_json::to_string(&m.recipients)?,
            m.subject,
            m.snippet,
            m.in_reply_to,
            (!m.references.is_empty()).then(|| m.references.join(" ")),
            m.sent_at,
            m.received_at,
            m.unread && direction == Direction::Inbound,
            m.has_remote_content,
            m.raw_sha256,
            m.raw_size,
            automated,
        ])?;
    let message_id = tx.conn().last_insert_rowid();
    threading::record(tx, m, message_id, conversation_id, customer)?;
    insert_body(tx, m, message_id)?;
    for a in &m.attachments {
        tx.conn()
            .prepare_cached(
                "INSERT INTO attachments (message_id, filename, content_type, content_id, inline, size, sha256)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                message_id,
                a.filename,
                a.content_type,
                a.content_id,
                a.inline,
                a.size,
                a.sha256
            ])?;
    }
    tx.conn()
        .prepare_cached(
            "UPDATE conversations SET last_message_at = max(ifnull(last_message_at, 0), ?2) WHERE id = ?1",
        )?
        .execute(params![conversation_id, m.sent_at])?;
    tx.changed(Entity::Message, message_id);
    tx.changed(Entity::Conversation, conversation_id);

    let case_automated = match (new_case, direction) {
        (true, _) => automated.is_some(),
        (false, Direction::Inbound) => person_wrote(tx, case_id, automated, actor, now)?,
        (false, Direction::Outbound) => automated_reason(tx.conn(), case_id)?.is_some(),
    };
    let reopened = apply_lifecycle(tx, case_id, direction, m.sent_at, actor, now)?;
    // --- protocol / response clock / repeat contact hook (see store::protocol) ---
    crate::protocol::after_ingest(
        tx,
        &crate::protocol::Stored {
            facts: crate::protocol::MessageFacts {
                case_id,
                message_id: Some(message_id),
                channel: &m.channel,
                visibility: match m.visibility {
                    Visibility::Public => switchboard_core::protocol::Visibility::Public,
                    Visibility::Private => switchboard_core::protocol::Visibility::Private,
                },
                subject: m.subject.as_deref(),
                text: &m.text,
                sent_at: m.sent_at,
            },
            direction,
            new_case,
            reopened,
            automated: case_automated,
        },
        actor,
        now,
    )?;
    // --- end of the protocol hook ---
    crate::alerts::after_ingest(
        tx,
        &crate::alerts::Stored {
            case_id,
            direction,
            automated: automated.is_some(),
            subject: m.subject.as_deref(),
            text: &m.text,
            sent_at: m.sent_at,
        },
        now,
    );
    Ok(IngestOutcome::Stored {
        message_id,
        conversation_id,
        case_id,
        new_case,
        reopened,
    })
}

fn create_conversation(
    tx: &mut Tx<'_>,
    m: &NewMessage,
    customer: Option<i64>,
    now: i64,
) -> Result<i64> {
    // The thread's root id: the channel's own key, else the first reference, else this message.
    let root = m
        .conversation_key
        .clone()
        .or_else(|| m.references.first().cloned())
        .or_else(|| m.in_reply_to.clone())
        .unwrap_or_else(|| m.external_id.clone());
    tx.conn()
        .prepare_cached(
            "INSERT INTO conversations (account_id, channel, external_id, visibility, subject,
                 subject_key, contact_id, last_message_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            m.account_id,
            m.channel,
            root,
            m.visibility.as_str(),
            m.subject,
            m.subject_key,
            customer,
            m.sent_at,
            now
        ])?;
    let id = tx.conn().last_insert_rowid();
    tx.changed(Entity::Conversation, id);
    Ok(id)
}

fn create_case(
    tx: &mut Tx<'_>,
    m: &NewMessage,
    customer: Option<i64>,
    conversation_id: i64,
    automated: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<i64> {
    let subject = m
        .subject
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| (!m.snippet.is_empty()).then(|| m.snippet.clone()));
    tx.conn()
        .prepare_cached(
            "INSERT INTO cases (status, subject, contact_id, automated, created_at, updated_at)
             VALUES ('new', ?1, ?2, ?3, ?4, ?5)",
        )?
        // A case begins when the customer wrote, not when we learnt of it (an import of last
        // year's mail must not make last year's cases look new in reports).
        .execute(params![
            subject,
            customer,
            automated,
            m.sent_at.min(now),
            now
        ])?;
    let case_id = tx.conn().last_insert_rowid();
    tx.conn()
        .prepare_cached(
            "INSERT INTO case_conversations (case_id, conversation_id, linked_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![case_id, conversation_id, now])?;
    events::record(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor,
            kind: "created",
            data: serde_json::json!({ "conversation_id": conversation_id, "channel": m.channel }),
        },
    )?;
    Ok(case_id)
}

/// An inbound message joined an existing case. A message a person wrote (a customer answering
/// a shipping notification) makes an automated case a normal one; an automated message changes
/// nothing. Returns whether the case is automated now.
fn person_wrote(
    tx: &mut Tx<'_>,
    case_id: i64,
    automated: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<bool> {
    let Some(before) = automated_reason(tx.conn(), case_id)? else {
        return Ok(false);
    };
    if automated.is_some() {
        return Ok(true);
    }
    tx.conn()
        .prepare_cached("UPDATE cases SET automated = NULL WHERE id = ?1")?
        .execute([case_id])?;
    events::record(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor,
            kind: "automated",
            data: serde_json::json!({ "from": before, "to": null, "because": "a person wrote" }),
        },
    )?;
    Ok(false)
}

/// Why the case is automated; `None` for a case a person started or wrote in.
pub fn automated_reason(conn: &rusqlite::Connection, case_id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT automated FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| r.get(0))
        .optional()?
        .flatten())
}

fn case_of(tx: &Tx<'_>, conversation_id: i64) -> Result<i64> {
    tx.conn()
        .prepare_cached("SELECT case_id FROM case_conversations WHERE conversation_id = ?1")?
        .query_row([conversation_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            StoreError::Invalid(format!("conversation {conversation_id} belongs to no case"))
        })
}

/// Applies the lifecycle rule for a new message; returns whether the case was reopened.
fn apply_lifecycle(
    tx: &mut Tx<'_>,
    case_id: i64,
    direction: Direction,
    at: i64,
    actor: &str,
    now: i64,
) -> Result<bool> {
    let before = crate::cases::load_state(tx.conn(), case_id)?;
    let after = lifecycle::on_message(&before, direction, at);
    let inbound = direction == Direction::Inbound;
    tx.conn()
        .prepare_cached(
            "UPDATE cases SET status = ?2, snoozed_until = ?3, snooze_until_reply = ?4,
                 resolved_at = ?5, last_message_at = ?6,
                 last_inbound_at = CASE WHEN ?7 THEN max(ifnull(last_inbound_at, 0), ?8) ELSE last_inbound_at END,
                 first_response_at = CASE WHEN NOT ?7 AND first_response_at IS NULL THEN ?8 ELSE first_response_at END,
                 updated_at = ?9
             WHERE id = ?1",
        )?
        .execute(params![
            case_id,
            after.status.as_str(),
            after.snoozed_until,
            after.snooze_until_reply,
            after.resolved_at,
            after.last_message_at,
            inbound,
            at,
            now
        ])?;
    tx.changed(Entity::Case, case_id);
    crate::sla::on_status_change(tx, case_id, before.status, after.status, now)?;
    let reopened = before.status != after.status
        && matches!(before.status, CaseStatus::Resolved | CaseStatus::Snoozed);
    if before.status != after.status {
        events::record(
            tx,
            NewEvent {
                case_id: Some(case_id),
                at: now,
                actor,
                kind: "status",
                data: serde_json::json!({
                    "from": before.status, "to": after.status,
                    "because": if inbound { "inbound message" } else { "outbound message" },
                }),
            },
        )?;
    }
    Ok(reopened)
}

/// The FTS row key: seconds of the message date in the high bits, so the index's rowid order
/// is date order and "newest matches first" never sorts. Collisions step to the next free key.
fn insert_body(tx: &mut Tx<'_>, m: &NewMessage, message_id: i64) -> Result<()> {
    let secs = (m.sent_at.max(0) / 1000).min(1 << 40);
    let mut key = (secs << 20) | (message_id & 0xF_FFFF);
    let participants = participants_text(m);
    loop {
        let inserted = tx
            .conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO message_bodies (search_rowid, message_id, subject, participants, text, html)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                key,
                message_id,
                m.subject.as_deref().unwrap_or(""),
                participants,
                m.text,
                m.html
            ])?;
        if inserted == 1 {
            tx.index_later(key);
            return Ok(());
        }
        key += 1;
    }
}

fn participants_text(m: &NewMessage) -> String {
    let mut s = String::new();
    let mut push = |name: Option<&str>, addr: &str| {
        if let Some(n) = name {
            s.push_str(n);
            s.push(' ');
        }
        s.push_str(addr);
        s.push(' ');
    };
    if let Some(a) = &m.author {
        push(a.display_name.as_deref(), &a.external_id);
        if let Some(h) = &a.handle {
            push(None, h);
        }
    }
    for r in &m.recipients {
        push(r.name.as_deref(), &r.address);
    }
    s.truncate(s.trim_end().len());
    s
}

/// Keeps a record of an item that could not be stored, with the reason, so nothing fails
/// silently and the user can see (and retry) it later.
pub fn quarantine(
    tx: &mut Tx<'_>,
    account_id: Option<i64>,
    origin: &str,
    reason: &str,
    raw_sha256: Option<&str>,
    now: i64,
) -> Result<i64> {
    tx.conn()
        .prepare_cached(
            "INSERT OR IGNORE INTO quarantine (account_id, origin, reason, raw_sha256, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![account_id, origin, reason, raw_sha256, now])?;
    Ok(tx.conn().last_insert_rowid())
}
