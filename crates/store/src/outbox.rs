//! The outbox: replies the user wrote, until the provider has them.
//!
//! States (DESIGN.md §4, docs/outbox.md):
//!
//! ```text
//! queued ──claim──▶ sending ──▶ sent
//!   ▲                  │  └────▶ failed   (refused for good, or discarded by the user)
//!   └──── requeue ─────┤
//!                      └──────▶ unknown  (crash or broken connection mid-send: reconcile first)
//! ```
//!
//! Every transition is one small transaction, committed before the network step it guards: the
//! claim (`queued → sending`, attempts + 1) commits before any byte goes out, so after a crash a
//! row still in `sending` means "we may have sent it" and becomes `unknown`, never `queued`.
//! Provider details (recipients, the exact bytes, whether SMTP already accepted them) live in the
//! `payload` JSON, which only the channel that sends the item interprets.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::events::{self, NewEvent};
use crate::{Entity, Result, StoreError, Tx};

/// The `last_error` of an item the user discarded.
pub const DISCARDED: &str = "discarded by user";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Queued,
    Sending,
    Sent,
    Failed,
    Unknown,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<OutboxState> {
        Some(match s {
            "queued" => OutboxState::Queued,
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "failed" => OutboxState::Failed,
            "unknown" => OutboxState::Unknown,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    pub id: i64,
    pub account_id: i64,
    pub case_id: Option<i64>,
    pub conversation_id: Option<i64>,
    pub reply_to_message_id: Option<i64>,
    pub kind: String,
    pub visibility: String,
    pub body: String,
    #[serde(skip)]
    pub payload: serde_json::Value,
    pub idempotency_key: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub error_class: Option<String>,
    pub external_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
}

const COLUMNS: &str =
    "id, account_id, case_id, conversation_id, reply_to_message_id, kind, visibility,
    body, payload, idempotency_key, state, attempts, next_attempt_at, last_error, error_class,
    external_id, created_at, updated_at, sent_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(OutboxItem, String)> {
    let state: String = r.get(10)?;
    Ok((
        OutboxItem {
            id: r.get(0)?,
            account_id: r.get(1)?,
            case_id: r.get(2)?,
            conversation_id: r.get(3)?,
            reply_to_message_id: r.get(4)?,
            kind: r.get(5)?,
            visibility: r.get(6)?,
            body: r.get(7)?,
            payload: serde_json::Value::Null,
            idempotency_key: r.get(9)?,
            state: OutboxState::parse(&state).unwrap_or(OutboxState::Unknown),
            attempts: r.get(11)?,
            next_attempt_at: r.get(12)?,
            last_error: r.get(13)?,
            error_class: r.get(14)?,
            external_id: r.get(15)?,
            created_at: r.get(16)?,
            updated_at: r.get(17)?,
            sent_at: r.get(18)?,
        },
        r.get::<_, String>(8)?,
    ))
}

fn finish(pair: (OutboxItem, String)) -> Result<OutboxItem> {
    let (mut item, payload) = pair;
    item.payload = serde_json::from_str(&payload)?;
    Ok(item)
}

pub struct NewOutboxItem<'a> {
    pub account_id: i64,
    pub case_id: Option<i64>,
    pub conversation_id: Option<i64>,
    pub reply_to_message_id: Option<i64>,
    pub kind: &'a str,
    pub visibility: &'a str,
    pub body: &'a str,
    pub payload: serde_json::Value,
    pub idempotency_key: &'a str,
}

/// Queues an item; due at once.
pub fn insert(tx: &mut Tx<'_>, n: NewOutboxItem<'_>, now: i64) -> Result<i64> {
    let exists = tx
        .conn()
        .prepare_cached("SELECT 1 FROM outbox WHERE idempotency_key = ?1")?
        .exists([n.idempotency_key])?;
    if exists {
        return Err(StoreError::Conflict(format!(
            "an outbox item with key {:?} already exists",
            n.idempotency_key
        )));
    }
    tx.conn()
        .prepare_cached(
            "INSERT INTO outbox (account_id, case_id, conversation_id, reply_to_message_id, kind,
                 visibility, body, payload, idempotency_key, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'queued', ?10, ?10)",
        )?
        .execute(params![
            n.account_id,
            n.case_id,
            n.conversation_id,
            n.reply_to_message_id,
            n.kind,
            n.visibility,
            n.body,
            n.payload.to_string(),
            n.idempotency_key,
            now
        ])?;
    let id = tx.conn().last_insert_rowid();
    tx.changed(Entity::Outbox, id);
    Ok(id)
}

pub fn get(conn: &rusqlite::Connection, id: i64) -> Result<OutboxItem> {
    let pair = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?
        .ok_or_else(|| StoreError::not_found("outbox item", id))?;
    finish(pair)
}

pub fn by_key(conn: &rusqlite::Connection, key: &str) -> Result<Option<OutboxItem>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE idempotency_key = ?1"
    ))?
    .query_row([key], row)
    .optional()?
    .map(finish)
    .transpose()
}

/// Items in the given states (all when empty), oldest first.
pub fn list(conn: &rusqlite::Connection, states: &[OutboxState]) -> Result<Vec<OutboxItem>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox ORDER BY id"))?;
    let rows = stmt.query_map([], row)?;
    let mut out = Vec::new();
    for r in rows {
        let item = finish(r?)?;
        if states.is_empty() || states.contains(&item.state) {
            out.push(item);
        }
    }
    Ok(out)
}

/// Queued items whose time has come (`next_attempt_at` unset or passed), oldest first. With
/// `ignore_backoff` every queued item is due (the user asked to send now).
pub fn due(conn: &rusqlite::Connection, now: i64, ignore_backoff: bool) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM outbox WHERE state = 'queued'
            AND (?2 OR next_attempt_at IS NULL OR next_attempt_at <= ?1)
          ORDER BY id",
    )?;
    Ok(stmt
        .query_map(params![now, ignore_backoff], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// After a crash: every item still `sending` may or may not have gone out. They become
/// `unknown` (to be reconciled), never `queued`. Run only while holding the flush lock, so no
/// live sender owns them. Returns their ids.
pub fn recover_interrupted(tx: &mut Tx<'_>, now: i64) -> Result<Vec<i64>> {
    let ids: Vec<i64> = tx
        .conn()
        .prepare_cached("SELECT id FROM outbox WHERE state = 'sending' ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for &id in &ids {
        set_state(
            tx,
            id,
            OutboxState::Unknown,
            Some("interrupted while sending: it may or may not have been sent"),
            Some("retryable"),
            None,
            now,
        )?;
    }
    Ok(ids)
}

/// `queued → sending`, attempts + 1, optionally storing a new payload (the built bytes) in the
/// same transaction. Returns false when the item is no longer queued (someone else took it).
pub fn claim(
    tx: &mut Tx<'_>,
    id: i64,
    payload: Option<&serde_json::Value>,
    now: i64,
) -> Result<bool> {
    let n = tx
        .conn()
        .prepare_cached(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2,
                 payload = coalesce(?3, payload)
              WHERE id = ?1 AND state = 'queued'",
        )?
        .execute(params![id, now, payload.map(|p| p.to_string())])?;
    if n == 1 {
        tx.changed(Entity::Outbox, id);
    }
    Ok(n == 1)
}

/// Replaces the payload (e.g. to record that SMTP accepted the message).
pub fn set_payload(tx: &mut Tx<'_>, id: i64, payload: &serde_json::Value, now: i64) -> Result<()> {
    let n = tx
        .conn()
        .prepare_cached("UPDATE outbox SET payload = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, payload.to_string(), now])?;
    if n == 0 {
        return Err(StoreError::not_found("outbox item", id));
    }
    tx.changed(Entity::Outbox, id);
    Ok(())
}

fn set_state(
    tx: &mut Tx<'_>,
    id: i64,
    state: OutboxState,
    error: Option<&str>,
    class: Option<&str>,
    next_attempt_at: Option<i64>,
    now: i64,
) -> Result<()> {
    let n = tx
        .conn()
        .prepare_cached(
            "UPDATE outbox SET state = ?2, last_error = ?3, error_class = ?4, next_attempt_at = ?5,
                 updated_at = ?6 WHERE id = ?1",
        )?
        .execute(params![
            id,
            state.as_str(),
            error,
            class,
            next_attempt_at,
            now
        ])?;
    if n == 0 {
        return Err(StoreError::not_found("outbox item", id));
    }
    tx.changed(Entity::Outbox, id);
    Ok(())
}

fn record(tx: &mut Tx<'_>, id: i64, kind: &str, data: serde_json::Value, now: i64) -> Result<()> {
    let case_id: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT case_id FROM outbox WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten();
    if let Some(case_id) = case_id {
        let mut data = data;
        data["outbox_id"] = id.into();
        events::record(
            tx,
            NewEvent {
                case_id: Some(case_id),
                at: now,
                actor: "outbox",
                kind,
                data,
            },
        )?;
    }
    Ok(())
}

/// The provider has it: `sent`, with the provider's id. A note (e.g. "could not be saved to
/// Sent") may stay in `last_error`.
pub fn mark_sent(
    tx: &mut Tx<'_>,
    id: i64,
    external_id: &str,
    note: Option<&str>,
    now: i64,
) -> Result<()> {
    let n = tx
        .conn()
        .prepare_cached(
            "UPDATE outbox SET state = 'sent', sent_at = coalesce(sent_at, ?2), external_id = ?3,
                 last_error = ?4, error_class = NULL, next_attempt_at = NULL, updated_at = ?2
              WHERE id = ?1",
        )?
        .execute(params![id, now, external_id, note])?;
    if n == 0 {
        return Err(StoreError::not_found("outbox item", id));
    }
    tx.changed(Entity::Outbox, id);
    record(tx, id, "reply_sent", serde_json::json!({}), now)
}

/// Not sent, try again at `next_attempt_at` (`None`: at the next flush).
pub fn requeue(
    tx: &mut Tx<'_>,
    id: i64,
    class: &str,
    error: &str,
    next_attempt_at: Option<i64>,
    now: i64,
) -> Result<()> {
    set_state(
        tx,
        id,
        OutboxState::Queued,
        Some(error),
        Some(class),
        next_attempt_at,
        now,
    )
}

/// Refused for good: quarantined with the reason; the rest of the outbox carries on.
pub fn fail(tx: &mut Tx<'_>, id: i64, class: &str, error: &str, now: i64) -> Result<()> {
    set_state(
        tx,
        id,
        OutboxState::Failed,
        Some(error),
        Some(class),
        None,
        now,
    )?;
    record(
        tx,
        id,
        "reply_failed",
        serde_json::json!({ "error": error, "class": class }),
        now,
    )
}

/// Its fate is not known: reconcile before anything else; never resend on our own.
pub fn mark_unknown(tx: &mut Tx<'_>, id: i64, class: &str, error: &str, now: i64) -> Result<()> {
    set_state(
        tx,
        id,
        OutboxState::Unknown,
        Some(error),
        Some(class),
        None,
        now,
    )
}

/// Keeps an `unknown` item unknown, with what the last reconciliation found.
pub fn note_unknown(tx: &mut Tx<'_>, id: i64, error: &str, now: i64) -> Result<()> {
    let n = tx
        .conn()
        .prepare_cached(
            "UPDATE outbox SET last_error = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'unknown'",
        )?
        .execute(params![id, error, now])?;
    if n == 1 {
        tx.changed(Entity::Outbox, id);
    }
    Ok(())
}

/// The user says "send it (again)": a `failed` or `unknown` item goes back to `queued`, due at
/// once. For `unknown` items this is the user's decision after checking; Switchboard never
/// makes it on its own.
pub fn retry(tx: &mut Tx<'_>, id: i64, now: i64) -> Result<OutboxItem> {
    let item = get(tx.conn(), id)?;
    match item.state {
        OutboxState::Failed | OutboxState::Unknown => {}
        OutboxState::Queued => {
            // Due at once, even if it was backing off.
            set_state(
                tx,
                id,
                OutboxState::Queued,
                item.last_error.as_deref(),
                item.error_class.as_deref(),
                None,
                now,
            )?;
            return get(tx.conn(), id);
        }
        other => {
            return Err(StoreError::Invalid(format!(
                "cannot retry outbox item {id}: it is {}",
                other.as_str()
            )));
        }
    }
    let mut payload = item.payload.clone();
    if let Some(obj) = payload.as_object_mut() {
        obj.remove("discarded_at");
        // A user-approved resend after an unknown outcome starts from scratch at SMTP.
        obj.remove("smtp_accepted_at");
        obj.remove("smtp_response");
    }
    tx.conn()
        .prepare_cached(
            "UPDATE outbox SET state = 'queued', next_attempt_at = NULL, last_error = NULL,
                 error_class = NULL, attempts = 0, payload = ?2, updated_at = ?3 WHERE id = ?1",
        )?
        .execute(params![id, payload.to_string(), now])?;
    tx.changed(Entity::Outbox, id);
    record(
        tx,
        id,
        "reply_retry",
        serde_json::json!({ "from": item.state }),
        now,
    )?;
    get(tx.conn(), id)
}

/// The user gives up on an item that is not sent: it becomes `failed` with
/// [`DISCARDED`]; the message stays in the case timeline, and the outbox row is what marks it
/// as never sent.
pub fn discard(tx: &mut Tx<'_>, id: i64, now: i64) -> Result<OutboxItem> {
    let item = get(tx.conn(), id)?;
    match item.state {
        OutboxState::Queued | OutboxState::Failed | OutboxState::Unknown => {}
        other => {
            return Err(StoreError::Invalid(format!(
                "cannot discard outbox item {id}: it is {}",
                other.as_str()
            )));
        }
    }
    let mut payload = item.payload.clone();
    if let Some(obj) = payload.as_object_mut() {
        obj.insert("discarded_at".into(), now.into());
    }
    tx.conn()
        .prepare_cached(
            "UPDATE outbox SET state = 'failed', last_error = ?2, error_class = 'permanent',
                 next_attempt_at = NULL, payload = ?3, updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![id, DISCARDED, payload.to_string(), now])?;
    tx.changed(Entity::Outbox, id);
    record(
        tx,
        id,
        "reply_discarded",
        serde_json::json!({ "from": item.state }),
        now,
    )?;
    get(tx.conn(), id)
}

/// Sent items whose copy could not be saved to the Sent folder yet (`payload.append_pending`).
pub fn append_pending(conn: &rusqlite::Connection) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM outbox WHERE state = 'sent'
            AND json_extract(payload, '$.append_pending') = 1 ORDER BY id",
    )?;
    Ok(stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The message a reply on a case answers: the newest inbound message of `channel` on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTarget {
    pub message_id: i64,
    pub account_id: i64,
    pub conversation_id: i64,
    /// The channel-native id (Message-ID for email).
    pub external_id: String,
    pub subject: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub author_address: Option<String>,
    pub author_name: Option<String>,
    pub recipients: Vec<crate::ingest::Recipient>,
}

pub fn reply_target(
    conn: &rusqlite::Connection,
    case_id: i64,
    channel: &str,
) -> Result<Option<ReplyTarget>> {
    crate::cases::ensure_case(conn, case_id)?;
    conn.prepare_cached(
        "SELECT m.id, m.account_id, m.conversation_id, m.external_id, m.subject, m.in_reply_to,
                m.refs, i.external_id, coalesce(i.display_name, ct.display_name), m.recipients
           FROM case_conversations cc
           JOIN messages m ON m.conversation_id = cc.conversation_id
           LEFT JOIN identities i ON i.id = m.author_identity_id
           LEFT JOIN contacts ct ON ct.id = i.contact_id
          WHERE cc.case_id = ?1 AND m.channel = ?2 AND m.direction = 'inbound'
            AND m.deleted_at IS NULL
          ORDER BY m.sent_at DESC, m.id DESC LIMIT 1",
    )?
    .query_row(params![case_id, channel], |r| {
        let refs: Option<String> = r.get(6)?;
        let recipients: String = r.get(9)?;
        Ok(ReplyTarget {
            message_id: r.get(0)?,
            account_id: r.get(1)?,
            conversation_id: r.get(2)?,
            external_id: r.get(3)?,
            subject: r.get(4)?,
            in_reply_to: r.get(5)?,
            references: refs
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            author_address: r.get(7)?,
            author_name: r.get(8)?,
            recipients: serde_json::from_str(&recipients).unwrap_or_default(),
        })
    })
    .optional()
    .map_err(Into::into)
}

/// Makes sure `account_id` has a conversation keyed `root` that belongs to `case_id`, so that a
/// reply sent from a different account than the one the thread was stored under (an imported
/// thread answered from a live mailbox) threads into the same case, and so do the customer's
/// answers to it. Returns the conversation id.
pub fn link_conversation(
    tx: &mut Tx<'_>,
    account_id: i64,
    root: &str,
    like_conversation: i64,
    case_id: i64,
    now: i64,
) -> Result<i64> {
    if let Some((id, owner)) = tx
        .conn()
        .prepare_cached(
            "SELECT c.id, cc.case_id FROM conversations c
               LEFT JOIN case_conversations cc ON cc.conversation_id = c.id
              WHERE c.account_id = ?1 AND c.external_id = ?2",
        )?
        .query_row(params![account_id, root], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?))
        })
        .optional()?
    {
        if owner.is_none() {
            tx.conn()
                .prepare_cached(
                    "INSERT INTO case_conversations (case_id, conversation_id, linked_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![case_id, id, now])?;
        }
        return Ok(id);
    }
    tx.conn()
        .prepare_cached(
            "INSERT INTO conversations (account_id, channel, external_id, visibility, subject,
                 subject_key, contact_id, last_message_at, created_at)
             SELECT ?1, channel, ?2, visibility, subject, subject_key, contact_id, last_message_at, ?3
               FROM conversations WHERE id = ?4",
        )?
        .execute(params![account_id, root, now, like_conversation])?;
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

/// The outbox state of each of a case's outbound messages that went through the outbox, keyed
/// by the message's external id (the idempotency key), so a timeline can show "not sent".
pub fn states_for_case(
    conn: &rusqlite::Connection,
    case_id: i64,
) -> Result<Vec<(String, OutboxState, Option<String>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT idempotency_key, state, last_error FROM outbox WHERE case_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([case_id], |r| {
        let s: String = r.get(1)?;
        Ok((
            r.get::<_, String>(0)?,
            OutboxState::parse(&s).unwrap_or(OutboxState::Unknown),
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The channel-native root id of a conversation.
pub fn conversation_root(
    conn: &rusqlite::Connection,
    conversation_id: i64,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT external_id FROM conversations WHERE id = ?1")?
        .query_row([conversation_id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// A case's status as stored (`new`, `open`, `waiting`, …).
pub fn case_status(conn: &rusqlite::Connection, case_id: i64) -> Result<String> {
    conn.prepare_cached("SELECT status FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::not_found("case", case_id))
}
