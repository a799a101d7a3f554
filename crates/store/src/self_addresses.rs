//! The workspace's own email addresses, and what changing them re-derives in stored mail.
//!
//! An address is the business's own when its identity is marked `is_self` (the same mark
//! `import --self` sets). Ingest decides a message's direction from it: mail from one of our
//! addresses is outbound (a reply we sent), anything else inbound. Mail stored before an address
//! was added (an archive imported without `--self`) therefore reads as the customer writing to
//! us, and mail from an address no longer ours reads as sent by us. [`change`] fixes the set and
//! re-derives what ingest derived from it, for the stored mail that came from raw messages
//! (import and sync; replies the app sent and logged calls say their direction themselves):
//!
//! - each such message's direction (and its unread mark: our own mail is never unread);
//! - the customer of a conversation and of its case, where it was the one ingest derived (the
//!   author of the first inbound message, else the first addressee of ours): the shop's own
//!   contact stops being "the customer" without overriding a customer someone chose;
//! - the case's last inbound time and first response, and its status where the newest message
//!   flipped (the lifecycle rule of [`switchboard_core::case::on_message`], applied to the case
//!   as it now reads; resolved and snoozed cases are left as their owner put them);
//! - response clocks: a pending clock that a now-outbound message answers is met (a late answer
//!   records its breach, as at ingest); a clock met by a message that is no longer ours is
//!   pending again.
//!
//! The whole change is one user action whose inverse restores every row it touched, so undo
//! puts the addresses, the messages and the cases back exactly.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::json;
use switchboard_core::case::{self as lifecycle, CaseStatus, Direction};

use crate::contacts::{self, IdentityRef};
use crate::events::{self, NewEvent};
use crate::undo::{self, UndoOp};
use crate::{Entity, Result, StoreError, Tx};

/// The channel self addresses belong to.
const CHANNEL: &str = "email";

/// The workspace's own email addresses, sorted.
pub fn list(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT external_id FROM identities WHERE channel = ?1 AND is_self = 1 ORDER BY external_id",
    )?;
    Ok(stmt
        .query_map([CHANNEL], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// What a [`change`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SelfChange {
    /// The own addresses after the change, sorted.
    pub addresses: Vec<String>,
    /// Addresses that became the workspace's own, and ones that stopped being.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Stored messages now read as sent by us, and ones now read as from a customer.
    pub now_outbound: u64,
    pub now_inbound: u64,
    /// Conversations and cases holding those messages.
    pub conversations: u64,
    pub cases: u64,
    /// The undoable event, `None` when nothing changed.
    pub event_id: Option<i64>,
}

/// Makes `add` the workspace's own addresses and `remove` not, then re-derives stored mail (see
/// the module docs). Addresses are lowercased; ones already in the wanted state are left alone,
/// so a repeat changes nothing and records nothing. Records one undoable `self_addresses` event.
pub fn change(tx: &mut Tx<'_>, add: &[String], remove: &[String], now: i64) -> Result<SelfChange> {
    let mut inverse: Vec<UndoOp> = Vec::new();
    // Identities and contacts created from here on (a new address, a customer's address first
    // met as a recipient) are deleted last on undo.
    let newest = |tx: &Tx<'_>, table: &str| -> Result<i64> {
        Ok(tx.conn().query_row(
            &format!("SELECT ifnull(max(id), 0) FROM {table}"),
            [],
            |r| r.get(0),
        )?)
    };
    let (identities_before, contacts_before) = (newest(tx, "identities")?, newest(tx, "contacts")?);
    let mut flipped: Vec<i64> = Vec::new();
    let mut out = SelfChange::default();
    for (addresses, want) in [(add, true), (remove, false)] {
        for addr in addresses {
            let addr = addr.trim().to_lowercase();
            let found: Option<(i64, bool)> = tx
                .conn()
                .prepare_cached(
                    "SELECT id, is_self FROM identities WHERE channel = ?1 AND external_id = ?2",
                )?
                .query_row(params![CHANNEL, addr], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match found {
                Some((_, is_self)) if is_self == want => continue,
                None if !want => continue,
                None => {
                    let who = IdentityRef {
                        channel: CHANNEL.into(),
                        external_id: addr.clone(),
                        handle: None,
                        display_name: None,
                    };
                    contacts::mark_self(tx, &who, now)?;
                }
                Some((id, _)) => {
                    tx.conn()
                        .prepare_cached("UPDATE identities SET is_self = ?2 WHERE id = ?1")?
                        .execute(params![id, want])?;
                    inverse.push(UndoOp::UpdateRows {
                        table: "identities".into(),
                        id,
                        fields: undo::row([("is_self", json!(!want))]),
                        expect: Some(undo::row([("is_self", json!(want))])),
                    });
                    flipped.push(id);
                    tx.changed(Entity::Contact, contact_of_identity(tx.conn(), id)?);
                }
            }
            if want {
                out.added.push(addr);
            } else {
                out.removed.push(addr);
            }
        }
    }
    out.addresses = list(tx.conn())?;
    if out.added.is_empty() && out.removed.is_empty() {
        return Ok(out);
    }

    // Raw mail from the flipped identities whose direction disagrees with the mark now.
    let messages: Vec<(i64, i64, String)> = {
        let mut stmt = tx.conn().prepare_cached(
            "SELECT m.id, m.conversation_id, CASE WHEN i.is_self THEN 'outbound' ELSE 'inbound' END
               FROM messages m JOIN identities i ON i.id = m.author_identity_id
              WHERE m.author_identity_id IN (SELECT value FROM json_each(?1))
                AND m.channel = ?2 AND m.raw_sha256 IS NOT NULL
                AND m.direction <> CASE WHEN i.is_self THEN 'outbound' ELSE 'inbound' END
              ORDER BY m.id",
        )?;
        stmt.query_map(params![serde_json::to_string(&flipped)?, CHANNEL], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    let conversations: BTreeSet<i64> = messages.iter().map(|(_, c, _)| *c).collect();
    let cases: BTreeSet<i64> = conversations
        .iter()
        .filter_map(|c| crate::case_ops::case_of_conversation(tx.conn(), *c).transpose())
        .collect::<Result<_>>()?;
    let ids = |set: &BTreeSet<i64>| -> Vec<SqlValue> {
        vec![SqlValue::Text(
            serde_json::to_string(set).expect("ids serialize"),
        )]
    };
    let in_set = "id IN (SELECT value FROM json_each(?1))";
    let by_case = "case_id IN (SELECT value FROM json_each(?1))";
    let message_ids: BTreeSet<i64> = messages.iter().map(|(id, _, _)| *id).collect();
    let before_messages = undo::rows_where(tx.conn(), "messages", in_set, ids(&message_ids))?;
    let before_conversations =
        undo::rows_where(tx.conn(), "conversations", in_set, ids(&conversations))?;
    let before_cases = undo::rows_where(tx.conn(), "cases", in_set, ids(&cases))?;
    let before_clocks = undo::rows_where(tx.conn(), "response_clocks", by_case, ids(&cases))?;
    let before_breaches = undo::rows_where(tx.conn(), "sla_breaches", by_case, ids(&cases))?;
    // The customer ingest derived for each conversation before the flip.
    let mut derived_before = BTreeMap::new();
    for c in &conversations {
        derived_before.insert(*c, derived_customer(tx, *c, false, now)?);
    }

    for (id, conversation, direction) in &messages {
        let outbound = direction == "outbound";
        tx.conn()
            .prepare_cached(
                "UPDATE messages SET direction = ?2, unread = CASE WHEN ?3 THEN 0 ELSE unread END
                  WHERE id = ?1",
            )?
            .execute(params![id, direction, outbound])?;
        tx.changed(Entity::Message, *id);
        tx.changed(Entity::Conversation, *conversation);
        if outbound {
            out.now_outbound += 1;
        } else {
            out.now_inbound += 1;
        }
    }
    rederive_customers(tx, &conversations, &derived_before, now)?;
    let mut status_events = Vec::new();
    for case_id in &cases {
        if let Some(ev) = rederive_case(tx, *case_id, &message_ids, now)? {
            status_events.push(ev);
        }
    }
    for (case_id, from, to) in status_events {
        events::record(
            tx,
            NewEvent {
                case_id: Some(case_id),
                at: now,
                actor: "user",
                kind: "status",
                data: json!({ "from": from, "to": to, "because": "change of your own addresses" }),
            },
        )?;
    }

    // The inverse: every touched row back as it was, checked against what this change left.
    let after = |table: &str, cond: &str, set: &BTreeSet<i64>| {
        undo::rows_where(tx.conn(), table, cond, ids(set))
    };
    inverse.extend(undo::diff_ops(
        "messages",
        &before_messages,
        &after("messages", in_set, &message_ids)?,
    ));
    inverse.extend(undo::diff_ops(
        "conversations",
        &before_conversations,
        &after("conversations", in_set, &conversations)?,
    ));
    inverse.extend(undo::diff_ops(
        "cases",
        &before_cases,
        &after("cases", in_set, &cases)?,
    ));
    inverse.extend(undo::diff_ops(
        "response_clocks",
        &before_clocks,
        &after("response_clocks", by_case, &cases)?,
    ));
    inverse.extend(undo::diff_ops(
        "sla_breaches",
        &before_breaches,
        &after("sla_breaches", by_case, &cases)?,
    ));
    for (table, before) in [
        ("identities", identities_before),
        ("contacts", contacts_before),
    ] {
        let ids: Vec<i64> = tx
            .conn()
            .prepare(&format!("SELECT id FROM {table} WHERE id > ?1 ORDER BY id"))?
            .query_map([before], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !ids.is_empty() {
            inverse.push(UndoOp::DeleteRows {
                table: table.into(),
                ids,
            });
        }
    }
    out.conversations = conversations.len() as u64;
    out.cases = cases.len() as u64;
    let restored = restored_words(&out);
    out.event_id = Some(events::record_undoable(
        tx,
        NewEvent {
            case_id: None,
            at: now,
            actor: "user",
            kind: "self_addresses",
            data: json!({
                "added": out.added, "removed": out.removed,
                "now_outbound": out.now_outbound, "now_inbound": out.now_inbound,
                "conversations": out.conversations, "cases": out.cases,
                "restored": restored,
            }),
        },
        &UndoOp::Many(inverse),
    )?);
    Ok(out)
}

fn contact_of_identity(conn: &Connection, id: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT contact_id FROM identities WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?)
}

/// The customer ingest derives for a conversation's mail: the author of its first inbound
/// message, else the first addressee of its first outbound one (with `create`, met as a contact
/// if it is not one yet, as ingest does).
fn derived_customer(
    tx: &mut Tx<'_>,
    conversation_id: i64,
    create: bool,
    now: i64,
) -> Result<Option<i64>> {
    let author: Option<i64> = tx
        .conn()
        .prepare_cached(
            "SELECT i.contact_id FROM messages m JOIN identities i ON i.id = m.author_identity_id
              WHERE m.conversation_id = ?1 AND m.direction = 'inbound'
              ORDER BY m.sent_at, m.id LIMIT 1",
        )?
        .query_row([conversation_id], |r| r.get(0))
        .optional()?;
    if author.is_some() {
        return Ok(author);
    }
    let first: Option<(String, Option<String>, Option<String>)> = tx
        .conn()
        .prepare_cached(
            "SELECT m.channel, lower(json_extract(m.recipients, '$[0].address')),
                    json_extract(m.recipients, '$[0].name')
               FROM messages m
              WHERE m.conversation_id = ?1 AND m.direction = 'outbound'
              ORDER BY m.sent_at, m.id LIMIT 1",
        )?
        .query_row([conversation_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((channel, Some(address), name)) = first else {
        return Ok(None);
    };
    let who = IdentityRef {
        channel,
        external_id: address,
        handle: None,
        display_name: name,
    };
    if create {
        return Ok(Some(contacts::resolve_identity(tx, &who, now)?.contact_id));
    }
    Ok(tx
        .conn()
        .prepare_cached(
            "SELECT contact_id FROM identities WHERE channel = ?1 AND external_id = ?2",
        )?
        .query_row(params![who.channel, who.external_id], |r| r.get(0))
        .optional()?)
}

/// Moves each conversation (and its case) to the customer its mail now names, where the one it
/// has is the one derived before (or none): a customer someone chose by hand stays.
fn rederive_customers(
    tx: &mut Tx<'_>,
    conversations: &BTreeSet<i64>,
    derived_before: &BTreeMap<i64, Option<i64>>,
    now: i64,
) -> Result<()> {
    for c in conversations {
        let Some(new) = derived_customer(tx, *c, true, now)? else {
            continue;
        };
        let old = derived_before.get(c).copied().flatten();
        if old == Some(new) {
            continue;
        }
        let n = tx
            .conn()
            .prepare_cached(
                "UPDATE conversations SET contact_id = ?2
                  WHERE id = ?1 AND (contact_id IS NULL OR contact_id IS ?3)",
            )?
            .execute(params![c, new, old])?;
        if n > 0 {
            tx.changed(Entity::Conversation, *c);
        }
        if let Some(case_id) = crate::case_ops::case_of_conversation(tx.conn(), *c)? {
            let n = tx
                .conn()
                .prepare_cached(
                    "UPDATE cases SET contact_id = ?2
                      WHERE id = ?1 AND (contact_id IS NULL OR contact_id IS ?3)",
                )?
                .execute(params![case_id, new, old])?;
            if n > 0 {
                tx.changed(Entity::Case, case_id);
            }
        }
    }
    Ok(())
}

/// Re-derives a case's clocks, first response and (if its newest message flipped) status from
/// its messages as they now read. Returns the status change, for the history.
fn rederive_case(
    tx: &mut Tx<'_>,
    case_id: i64,
    flipped: &BTreeSet<i64>,
    now: i64,
) -> Result<Option<(i64, CaseStatus, CaseStatus)>> {
    crate::case_ops::refresh_activity(tx, case_id)?;
    tx.conn()
        .prepare_cached(
            "UPDATE cases SET first_response_at = (SELECT min(m.sent_at) FROM case_conversations cc
                   JOIN messages m ON m.conversation_id = cc.conversation_id
                  WHERE cc.case_id = ?1 AND m.direction = 'outbound')
             WHERE id = ?1",
        )?
        .execute([case_id])?;

    // Clocks met by a message that is no longer ours wait again (or are met by the next reply).
    let met: Vec<(i64, i64, i64, i64)> = tx
        .conn()
        .prepare_cached(
            "SELECT id, started_at, due_at, responded_at FROM response_clocks
              WHERE case_id = ?1 AND responded_at IS NOT NULL AND closed_at IS NULL",
        )?
        .query_map([case_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (clock, started_at, due_at, responded_at) in met {
        let answer = crate::sla::first_response_since(tx.conn(), case_id, started_at)?;
        if answer == Some(responded_at) {
            continue;
        }
        tx.conn()
            .prepare_cached("UPDATE response_clocks SET responded_at = ?2 WHERE id = ?1")?
            .execute(params![clock, answer])?;
        if answer.is_none() {
            tx.conn()
                .prepare_cached(
                    "UPDATE cases SET response_due_at = ?2 WHERE id = ?1 AND response_due_at IS NULL",
                )?
                .execute(params![case_id, due_at])?;
        }
    }
    // A pending clock that a now-outbound message answers is met, as ingest meets it.
    if let Some(p) = crate::sla::pending_clock(tx.conn(), case_id)?
        && let Some(at) = crate::sla::first_response_since(tx.conn(), case_id, p.started_at)?
    {
        crate::sla::on_response(tx, case_id, at, now)?;
    }

    // The lifecycle rule for the newest message, when that message is one that flipped.
    let newest: Option<(i64, String, i64)> = tx
        .conn()
        .prepare_cached(
            "SELECT m.id, m.direction, m.sent_at FROM case_conversations cc
               JOIN messages m ON m.conversation_id = cc.conversation_id
              WHERE cc.case_id = ?1 ORDER BY m.sent_at DESC, m.id DESC LIMIT 1",
        )?
        .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    tx.changed(Entity::Case, case_id);
    let Some((message, direction, at)) = newest else {
        return Ok(None);
    };
    if !flipped.contains(&message) {
        return Ok(None);
    }
    let before = crate::cases::load_state(tx.conn(), case_id)?;
    if !matches!(
        before.status,
        CaseStatus::New | CaseStatus::Open | CaseStatus::Waiting
    ) {
        return Ok(None);
    }
    let direction = if direction == "outbound" {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    let mut state = before.clone();
    state.last_message_at = None;
    let after = lifecycle::on_message(&state, direction, at);
    if after.status == before.status {
        return Ok(None);
    }
    tx.conn()
        .prepare_cached("UPDATE cases SET status = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![case_id, after.status.as_str(), now])?;
    crate::sla::on_status_change(tx, case_id, before.status, after.status, now)?;
    Ok(Some((case_id, before.status, after.status)))
}

/// What undo says the data is back to.
fn restored_words(c: &SelfChange) -> String {
    let mut parts = Vec::new();
    if !c.added.is_empty() {
        parts.push(format!("{} no longer yours", c.added.join(", ")));
    }
    if !c.removed.is_empty() {
        parts.push(format!("{} yours again", c.removed.join(", ")));
    }
    let moved = c.now_outbound + c.now_inbound;
    if moved > 0 {
        parts.push(format!(
            "{moved} message{} back as {}",
            if moved == 1 { " is" } else { "s are" },
            if c.now_inbound == 0 {
                "from customers"
            } else if c.now_outbound == 0 {
                "sent by you"
            } else {
                "they were"
            }
        ));
    }
    parts.join("; ")
}

/// Checks an address before it is stored: one `@`, something on each side, no spaces.
pub fn check_address(addr: &str) -> Result<String> {
    let a = addr.trim().to_lowercase();
    let ok = a.split('@').count() == 2
        && a.split('@').all(|p| !p.is_empty())
        && !a.chars().any(char::is_whitespace);
    if ok {
        Ok(a)
    } else {
        Err(StoreError::Invalid(format!(
            "{addr:?} is not an email address (expected name@example.com)"
        )))
    }
}
