//! Taking a case offline and logging calls: conversations the business opens itself.
//!
//! Phone calls and in-person talks have no provider; they belong to a `manual` pseudo-account
//! created on first use, and each logged call is one message (with `call_duration_s` and
//! `call_outcome`) in its own conversation linked to the case. Private replies opened by *take
//! offline* get a conversation linked to the case *before* the message is stored, so ingest
//! threads the message into that case instead of starting a new one.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use switchboard_core::case::Direction;

use crate::contacts::IdentityRef;
use crate::ingest::{self, IngestOutcome, NewMessage, Visibility};
use crate::{Entity, Result, StoreError, Tx, accounts};

/// Name (and kind) of the pseudo-account that logged calls and visits belong to.
pub const MANUAL_ACCOUNT: &str = "manual";

/// The manual account, created on first use.
pub fn ensure_manual_account(tx: &mut Tx<'_>, now: i64) -> Result<i64> {
    if let Some(a) = accounts::by_name(tx.conn(), MANUAL_ACCOUNT)? {
        if a.kind != MANUAL_ACCOUNT {
            return Err(StoreError::Conflict(format!(
                "cannot log calls: an account named {MANUAL_ACCOUNT:?} exists but is a {} account",
                a.kind
            )));
        }
        return Ok(a.id);
    }
    accounts::insert(
        tx,
        accounts::NewAccount {
            kind: MANUAL_ACCOUNT,
            name: MANUAL_ACCOUNT,
            address: None,
            config: serde_json::json!({}),
        },
        now,
    )
}

/// A new conversation of `account_id`, rooted at `root`, linked to `case_id`.
#[allow(clippy::too_many_arguments)]
pub fn open_conversation(
    tx: &mut Tx<'_>,
    case_id: i64,
    account_id: i64,
    channel: &str,
    root: &str,
    visibility: Visibility,
    subject: Option<&str>,
    contact_id: Option<i64>,
    now: i64,
) -> Result<i64> {
    crate::cases::ensure_case(tx.conn(), case_id)?;
    tx.conn()
        .prepare_cached(
            "INSERT INTO conversations (account_id, channel, external_id, visibility, subject,
                 subject_key, contact_id, last_message_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, NULL, ?7)",
        )?
        .execute(params![
            account_id,
            channel,
            root,
            visibility.as_str(),
            subject,
            contact_id,
            now
        ])?;
    let id = tx.conn().last_insert_rowid();
    tx.conn()
        .prepare_cached(
            "INSERT INTO case_conversations (case_id, conversation_id, linked_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![case_id, id, now])?;
    tx.changed(Entity::Conversation, id);
    tx.changed(Entity::Case, case_id);
    Ok(id)
}

/// Stores `m` and insists it landed on `case_id` (it must thread into a conversation opened
/// for the case with [`open_conversation`]). Returns the message id.
pub fn store_on_case(tx: &mut Tx<'_>, case_id: i64, m: &NewMessage, now: i64) -> Result<i64> {
    match ingest::ingest(tx, m, "user", now)? {
        IngestOutcome::Stored {
            message_id,
            case_id: got,
            ..
        } if got == case_id => Ok(message_id),
        IngestOutcome::Stored { case_id: got, .. } => Err(StoreError::Invalid(format!(
            "cannot add the message to case #{case_id}: it would thread into case #{got}"
        ))),
        IngestOutcome::Duplicate { .. } => Err(StoreError::Conflict(format!(
            "cannot add the message to case #{case_id}: a message with id {} already exists",
            m.external_id
        ))),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedCall {
    /// `phone` or `in_person`.
    pub channel: String,
    pub direction: Direction,
    pub duration_s: i64,
    /// `resolved`, `callback`, `no_answer`, `voicemail` or `other`.
    pub outcome: String,
    /// Free text about the outcome ("will send a replacement").
    pub outcome_text: Option<String>,
    pub note: String,
    /// When the call took place.
    pub at: i64,
}

pub const CALL_OUTCOMES: &[&str] = &["resolved", "callback", "no_answer", "voicemail", "other"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LoggedCallIds {
    pub message_id: i64,
    pub conversation_id: i64,
}

/// Logs a call or visit on a case as a message in a new `phone`/`in_person` conversation. The
/// case lifecycle applies as for any message (a call from the customer reopens the case).
pub fn log_call(
    tx: &mut Tx<'_>,
    case_id: i64,
    call: &LoggedCall,
    now: i64,
) -> Result<LoggedCallIds> {
    if !["phone", "in_person"].contains(&call.channel.as_str()) {
        return Err(StoreError::Invalid(format!(
            "cannot log a call on channel {:?}: use phone or in_person",
            call.channel
        )));
    }
    if !CALL_OUTCOMES.contains(&call.outcome.as_str()) {
        return Err(StoreError::Invalid(format!(
            "cannot log a call with outcome {:?}: use one of {}",
            call.outcome,
            CALL_OUTCOMES.join(", ")
        )));
    }
    if call.duration_s < 0 {
        return Err(StoreError::Invalid(
            "cannot log a call with a negative duration".into(),
        ));
    }
    let contact_id: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT contact_id FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::not_found("case", case_id))?;
    let account_id = ensure_manual_account(tx, now)?;
    let seq: i64 = tx
        .conn()
        .prepare_cached("SELECT count(*) + 1 FROM messages WHERE account_id = ?1")?
        .query_row([account_id], |r| r.get(0))?;
    let key = format!("{}:{case_id}:{}:{seq}", call.channel, call.at);
    let what = if call.channel == "phone" {
        "Phone call"
    } else {
        "In person"
    };
    let subject = format!("{what} ({})", call.outcome.replace('_', " "));
    let conversation_id = open_conversation(
        tx,
        case_id,
        account_id,
        &call.channel,
        &key,
        Visibility::Private,
        Some(&subject),
        contact_id,
        now,
    )?;
    let mut text = call.note.trim().to_string();
    if let Some(o) = call
        .outcome_text
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str("Outcome: ");
        text.push_str(o);
    }
    let minutes = (call.duration_s + 59) / 60;
    let snippet = match text.lines().next() {
        Some(first) if !first.is_empty() => format!(
            "{what}, {minutes} min, {}: {first}",
            call.outcome.replace('_', " ")
        ),
        _ => format!("{what}, {minutes} min, {}", call.outcome.replace('_', " ")),
    };
    let m = NewMessage {
        account_id,
        channel: call.channel.clone(),
        external_id: key.clone(),
        direction: Some(call.direction),
        author: None,
        recipients: vec![],
        visibility: Visibility::Private,
        subject: Some(subject),
        subject_key: None,
        conversation_key: Some(key),
        in_reply_to: None,
        references: vec![],
        sent_at: call.at,
        received_at: now,
        snippet: snippet.chars().take(160).collect(),
        text,
        html: None,
        has_remote_content: false,
        unread: false,
        raw_sha256: None,
        raw_size: None,
        attachments: vec![],
        automated: None,
    };
    let message_id = store_on_case(tx, case_id, &m, now)?;
    let outcome = match call.outcome_text.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => format!("{}: {t}", call.outcome),
        _ => call.outcome.clone(),
    };
    tx.conn()
        .prepare_cached(
            "UPDATE messages SET call_duration_s = ?2, call_outcome = ?3 WHERE id = ?1",
        )?
        .execute(params![message_id, call.duration_s, outcome])?;
    Ok(LoggedCallIds {
        message_id,
        conversation_id,
    })
}

/// What take-offline and template rendering need to know about a case and its customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub case_id: i64,
    pub subject: Option<String>,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    /// The customer's identities (never the business's own), oldest first.
    pub identities: Vec<ContactIdentity>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactIdentity {
    pub id: i64,
    pub channel: String,
    pub external_id: String,
    pub handle: Option<String>,
    pub display_name: Option<String>,
}

impl ContactIdentity {
    pub fn as_ref(&self) -> IdentityRef {
        IdentityRef {
            channel: self.channel.clone(),
            external_id: self.external_id.clone(),
            handle: self.handle.clone(),
            display_name: self.display_name.clone(),
        }
    }
}

pub fn case_facts(conn: &Connection, case_id: i64) -> Result<CaseFacts> {
    let (subject, contact_id, contact_name): (Option<String>, Option<i64>, Option<String>) = conn
        .prepare_cached(
            "SELECT c.subject, c.contact_id, ct.display_name
               FROM cases c LEFT JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = ?1",
        )?
        .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| StoreError::not_found("case", case_id))?;
    let identities = match contact_id {
        Some(cid) => conn
            .prepare_cached(
                "SELECT id, channel, external_id, handle, display_name FROM identities
                  WHERE contact_id = ?1 AND is_self = 0 ORDER BY id",
            )?
            .query_map([cid], |r| {
                Ok(ContactIdentity {
                    id: r.get(0)?,
                    channel: r.get(1)?,
                    external_id: r.get(2)?,
                    handle: r.get(3)?,
                    display_name: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?,
        None => Vec::new(),
    };
    Ok(CaseFacts {
        case_id,
        subject,
        contact_id,
        contact_name,
        identities,
    })
}

/// Adds an identity (e.g. an email address the customer gave on the phone) to a contact.
/// Refuses an address that already belongs to someone else: merging people is a separate,
/// deliberate step.
pub fn add_identity(tx: &mut Tx<'_>, contact_id: i64, who: &IdentityRef, now: i64) -> Result<i64> {
    let existing: Option<(i64, i64)> = tx
        .conn()
        .prepare_cached(
            "SELECT id, contact_id FROM identities WHERE channel = ?1 AND external_id = ?2",
        )?
        .query_row(params![who.channel, who.external_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match existing {
        Some((id, owner)) if owner == contact_id => Ok(id),
        Some((_, owner)) => Err(StoreError::Conflict(format!(
            "cannot use {} {:?} for this customer: it belongs to contact {owner}; merge the contacts first",
            who.channel, who.external_id
        ))),
        None => {
            tx.conn()
                .prepare_cached(
                    "INSERT INTO identities (contact_id, channel, external_id, handle, display_name, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    contact_id,
                    who.channel,
                    who.external_id,
                    who.handle,
                    who.display_name,
                    now
                ])?;
            tx.changed(Entity::Contact, contact_id);
            Ok(tx.conn().last_insert_rowid())
        }
    }
}

/// The case's newest inbound message in a public conversation: what a public acknowledgement
/// answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicTarget {
    pub message_id: i64,
    pub account_id: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub external_id: String,
    pub conversation_key: Option<String>,
}

pub fn public_target(conn: &Connection, case_id: i64) -> Result<Option<PublicTarget>> {
    Ok(conn
        .prepare_cached(
            "SELECT m.id, m.account_id, m.conversation_id, m.channel, m.external_id, conv.external_id
               FROM case_conversations cc
               JOIN conversations conv ON conv.id = cc.conversation_id
               JOIN messages m ON m.conversation_id = conv.id
              WHERE cc.case_id = ?1 AND conv.visibility = 'public' AND m.direction = 'inbound'
                AND m.deleted_at IS NULL
              ORDER BY m.sent_at DESC, m.id DESC LIMIT 1",
        )?
        .query_row([case_id], |r| {
            Ok(PublicTarget {
                message_id: r.get(0)?,
                account_id: r.get(1)?,
                conversation_id: r.get(2)?,
                channel: r.get(3)?,
                external_id: r.get(4)?,
                conversation_key: r.get(5)?,
            })
        })
        .optional()?)
}

/// The case's newest inbound social message (any visibility) on a non-email, non-manual
/// channel: where a DM goes.
pub fn social_source(conn: &Connection, case_id: i64) -> Result<Option<PublicTarget>> {
    Ok(conn
        .prepare_cached(
            "SELECT m.id, m.account_id, m.conversation_id, m.channel, m.external_id, conv.external_id
               FROM case_conversations cc
               JOIN conversations conv ON conv.id = cc.conversation_id
               JOIN messages m ON m.conversation_id = conv.id
              WHERE cc.case_id = ?1 AND m.direction = 'inbound' AND m.deleted_at IS NULL
                AND m.channel NOT IN ('email', 'phone', 'in_person')
              ORDER BY m.sent_at DESC, m.id DESC LIMIT 1",
        )?
        .query_row([case_id], |r| {
            Ok(PublicTarget {
                message_id: r.get(0)?,
                account_id: r.get(1)?,
                conversation_id: r.get(2)?,
                channel: r.get(3)?,
                external_id: r.get(4)?,
                conversation_key: r.get(5)?,
            })
        })
        .optional()?)
}

/// The visibility (`public` or `private`) of the conversation a reply on `channel` (any
/// channel when `None`) would answer: that of the case's newest inbound message there. `None`
/// when the customer has not written on it.
pub fn reply_visibility(
    conn: &Connection,
    case_id: i64,
    channel: Option<&str>,
) -> Result<Option<String>> {
    crate::cases::ensure_case(conn, case_id)?;
    Ok(conn
        .prepare_cached(
            "SELECT conv.visibility
               FROM case_conversations cc
               JOIN conversations conv ON conv.id = cc.conversation_id
               JOIN messages m ON m.conversation_id = conv.id
              WHERE cc.case_id = ?1 AND m.direction = 'inbound' AND m.deleted_at IS NULL
                AND (?2 IS NULL OR m.channel = ?2)
              ORDER BY m.sent_at DESC, m.id DESC LIMIT 1",
        )?
        .query_row(params![case_id, channel], |r| r.get(0))
        .optional()?)
}

/// A public acknowledgement an earlier take-offline of the case queued and that still stands
/// (not undone; queued, being sent or sent — a failed or discarded one never went out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierAck {
    /// The `taken_offline` event.
    pub event_id: i64,
    pub at: i64,
    pub outbox_id: i64,
    /// The outbox state: `queued`, `sent`, …
    pub state: String,
}

pub fn earlier_ack(conn: &Connection, case_id: i64) -> Result<Option<EarlierAck>> {
    Ok(conn
        .prepare_cached(
            "SELECT e.id, e.at, o.id, o.state
               FROM events e
               JOIN outbox o ON o.id = json_extract(e.data, '$.ack_outbox_id')
              WHERE e.case_id = ?1 AND e.kind = 'taken_offline' AND e.undone_by IS NULL
                AND o.state <> 'failed'
              ORDER BY e.id DESC LIMIT 1",
        )?
        .query_row([case_id], |r| {
            Ok(EarlierAck {
                event_id: r.get(0)?,
                at: r.get(1)?,
                outbox_id: r.get(2)?,
                state: r.get(3)?,
            })
        })
        .optional()?)
}

/// The channel the customer first wrote on in this case (its earliest inbound message).
pub fn first_channel(conn: &Connection, case_id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT m.channel
               FROM case_conversations cc
               JOIN messages m ON m.conversation_id = cc.conversation_id
              WHERE cc.case_id = ?1 AND m.direction = 'inbound'
              ORDER BY m.sent_at, m.id LIMIT 1",
        )?
        .query_row([case_id], |r| r.get(0))
        .optional()?)
}

/// A logged call or visit, as the case view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CallView {
    pub message_id: i64,
    /// When it took place.
    pub at: i64,
    /// `phone` or `in_person`.
    pub channel: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    pub duration_s: i64,
    /// The outcome, with its free text after ": " when there is one.
    pub outcome: Option<String>,
    pub note: String,
}

/// The case's logged calls and visits, oldest first.
pub fn calls(conn: &Connection, case_id: i64) -> Result<Vec<CallView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.sent_at, m.channel, m.direction, m.call_duration_s, m.call_outcome,
                coalesce(b.text, '')
           FROM case_conversations cc
           JOIN messages m ON m.conversation_id = cc.conversation_id
           LEFT JOIN message_bodies b ON b.message_id = m.id
          WHERE cc.case_id = ?1 AND m.call_duration_s IS NOT NULL AND m.deleted_at IS NULL
          ORDER BY m.sent_at, m.id",
    )?;
    let rows = stmt
        .query_map([case_id], |r| {
            Ok(CallView {
                message_id: r.get(0)?,
                at: r.get(1)?,
                channel: r.get(2)?,
                direction: r.get(3)?,
                duration_s: r.get(4)?,
                outcome: r.get(5)?,
                note: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
