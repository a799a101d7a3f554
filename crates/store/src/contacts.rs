//! Contacts and their identities: one person, every address and handle they use.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{Entity, Result, Tx};

/// An address or handle as a channel reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityRef {
    pub channel: String,
    /// Lowercased email address, DID, account URI, phone number.
    pub external_id: String,
    pub handle: Option<String>,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedIdentity {
    pub identity_id: i64,
    pub contact_id: i64,
    pub is_self: bool,
}

/// Finds the identity, or creates it with a new contact. A display name learnt later fills a
/// contact that had none.
pub fn resolve_identity(tx: &mut Tx<'_>, who: &IdentityRef, now: i64) -> Result<ResolvedIdentity> {
    let found = tx
        .conn()
        .prepare_cached(
            "SELECT i.id, i.contact_id, i.is_self, c.display_name
               FROM identities i JOIN contacts c ON c.id = i.contact_id
              WHERE i.channel = ?1 AND i.external_id = ?2",
        )?
        .query_row(params![who.channel, who.external_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    if let Some((identity_id, contact_id, is_self, name)) = found {
        if name.is_none() && who.display_name.is_some() {
            tx.conn()
                .prepare_cached(
                    "UPDATE contacts SET display_name = ?2, updated_at = ?3 WHERE id = ?1",
                )?
                .execute(params![contact_id, who.display_name, now])?;
            tx.changed(Entity::Contact, contact_id);
        }
        return Ok(ResolvedIdentity {
            identity_id,
            contact_id,
            is_self,
        });
    }
    tx.conn()
        .prepare_cached(
            "INSERT INTO contacts (display_name, created_at, updated_at) VALUES (?1, ?2, ?2)",
        )?
        .execute(params![who.display_name, now])?;
    let contact_id = tx.conn().last_insert_rowid();
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
    let identity_id = tx.conn().last_insert_rowid();
    tx.changed(Entity::Contact, contact_id);
    Ok(ResolvedIdentity {
        identity_id,
        contact_id,
        is_self: false,
    })
}

/// Marks an identity as the business's own, so messages from it count as outbound.
pub fn mark_self(tx: &mut Tx<'_>, who: &IdentityRef, now: i64) -> Result<i64> {
    let r = resolve_identity(tx, who, now)?;
    tx.conn()
        .prepare_cached("UPDATE identities SET is_self = 1 WHERE id = ?1")?
        .execute([r.identity_id])?;
    tx.changed(Entity::Contact, r.contact_id);
    Ok(r.identity_id)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactSummary {
    pub id: i64,
    pub display_name: Option<String>,
    /// The first identity's address or handle, for display.
    pub address: Option<String>,
    pub vip: bool,
    pub do_not_engage: bool,
}

pub fn contact_summary(conn: &rusqlite::Connection, id: i64) -> Result<Option<ContactSummary>> {
    Ok(conn
        .prepare_cached(
            "SELECT c.id, c.display_name,
                    (SELECT coalesce(i.handle, i.external_id) FROM identities i
                      WHERE i.contact_id = c.id ORDER BY i.id LIMIT 1),
                    c.vip, c.do_not_engage
               FROM contacts c WHERE c.id = ?1",
        )?
        .query_row([id], |r| {
            Ok(ContactSummary {
                id: r.get(0)?,
                display_name: r.get(1)?,
                address: r.get(2)?,
                vip: r.get(3)?,
                do_not_engage: r.get(4)?,
            })
        })
        .optional()?)
}

// ---- Merging, splitting and suggesting contacts (one person, every channel). ----
//
// A merged contact keeps its row with `merged_into` set, so undo can bring it back with the same
// id; its identities, cases and conversations move to the contact that absorbed it.

/// One address or handle of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct IdentityView {
    pub id: i64,
    pub channel: String,
    pub external_id: String,
    pub handle: Option<String>,
    pub display_name: Option<String>,
    pub is_self: bool,
}

/// A case of a contact, for "the customer's whole history across channels".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ContactCase {
    pub id: i64,
    pub subject: Option<String>,
    pub status: String,
    pub channels: Vec<String>,
    pub created_at: i64,
    pub last_message_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ContactDetail {
    pub id: i64,
    pub display_name: Option<String>,
    pub vip: bool,
    pub do_not_engage: bool,
    /// Set when this contact was merged into another one.
    pub merged_into: Option<i64>,
    pub identities: Vec<IdentityView>,
    /// Newest activity first.
    pub cases: Vec<ContactCase>,
}

pub fn identities_of(conn: &rusqlite::Connection, contact_id: i64) -> Result<Vec<IdentityView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, channel, external_id, handle, display_name, is_self FROM identities
          WHERE contact_id = ?1 ORDER BY id",
    )?;
    Ok(stmt
        .query_map([contact_id], |r| {
            Ok(IdentityView {
                id: r.get(0)?,
                channel: r.get(1)?,
                external_id: r.get(2)?,
                handle: r.get(3)?,
                display_name: r.get(4)?,
                is_self: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Every live case of a contact, on any channel, newest activity first.
pub fn cases_of(conn: &rusqlite::Connection, contact_id: i64) -> Result<Vec<ContactCase>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.subject, c.status, c.created_at, c.last_message_at, c.resolved_at,
                (SELECT group_concat(channel, ',') FROM
                   (SELECT DISTINCT conv.channel FROM case_conversations cc
                      JOIN conversations conv ON conv.id = cc.conversation_id
                     WHERE cc.case_id = c.id ORDER BY conv.channel))
           FROM cases c WHERE c.contact_id = ?1 AND c.merged_into IS NULL
          ORDER BY coalesce(c.last_message_at, c.created_at) DESC, c.id DESC",
    )?;
    Ok(stmt
        .query_map([contact_id], |r| {
            let channels: Option<String> = r.get(6)?;
            Ok(ContactCase {
                id: r.get(0)?,
                subject: r.get(1)?,
                status: r.get(2)?,
                created_at: r.get(3)?,
                last_message_at: r.get(4)?,
                resolved_at: r.get(5)?,
                channels: channels
                    .map(|c| c.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn contact_detail(conn: &rusqlite::Connection, contact_id: i64) -> Result<ContactDetail> {
    let (display_name, vip, do_not_engage, merged_into) = conn
        .prepare_cached(
            "SELECT display_name, vip, do_not_engage, merged_into FROM contacts WHERE id = ?1",
        )?
        .query_row([contact_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?
        .ok_or_else(|| crate::StoreError::not_found("contact", contact_id))?;
    Ok(ContactDetail {
        id: contact_id,
        display_name,
        vip,
        do_not_engage,
        merged_into,
        identities: identities_of(conn, contact_id)?,
        cases: cases_of(conn, contact_id)?,
    })
}

/// A contact that exists and was not merged away.
fn ensure_live_contact(conn: &rusqlite::Connection, id: i64) -> Result<()> {
    let merged: Option<Option<i64>> = conn
        .prepare_cached("SELECT merged_into FROM contacts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    match merged {
        None => Err(crate::StoreError::not_found("contact", id)),
        Some(Some(into)) => Err(crate::StoreError::Conflict(format!(
            "contact {id} was merged into contact {into}"
        ))),
        Some(None) => Ok(()),
    }
}

/// Moves rows of `table` whose `contact_id` is `from` to `to`, by id, with their inverse.
fn move_contact_rows(
    tx: &mut Tx<'_>,
    table: &str,
    cond: &str,
    from: i64,
    to: i64,
    ops: &mut Vec<crate::undo::UndoOp>,
) -> Result<Vec<i64>> {
    let ids: Vec<i64> = {
        let mut stmt = tx.conn().prepare(&format!(
            "SELECT id FROM \"{table}\" WHERE contact_id = ?1 AND ({cond}) ORDER BY id"
        ))?;
        stmt.query_map([from], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for id in &ids {
        tx.conn().execute(
            &format!("UPDATE \"{table}\" SET contact_id = ?2 WHERE id = ?1"),
            params![id, to],
        )?;
        ops.push(crate::undo::UndoOp::UpdateRows {
            table: table.into(),
            id: *id,
            fields: crate::undo::row([("contact_id", from.into())]),
            expect: Some(crate::undo::row([("contact_id", to.into())])),
        });
        if table == "cases" {
            tx.changed(Entity::Case, *id);
        }
    }
    Ok(ids)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ContactMergeOutcome {
    pub into: i64,
    pub merged: Vec<i64>,
    pub identities_moved: usize,
    pub cases_moved: usize,
    pub event_id: i64,
}

/// Merges contacts `from` into `into`: identities, cases and conversations move, flags are
/// OR-ed, a missing display name is filled in, and the repeat-contact flags of the merged
/// contact's cases are recomputed.
pub fn merge(
    tx: &mut Tx<'_>,
    into: i64,
    from: &[i64],
    actor: &str,
    now: i64,
) -> Result<ContactMergeOutcome> {
    use crate::undo::{UndoOp, row_by_id};
    ensure_live_contact(tx.conn(), into)?;
    let mut sources = from.to_vec();
    sources.sort_unstable();
    sources.dedup();
    if sources.is_empty() {
        return Err(crate::StoreError::Invalid(format!(
            "cannot merge into contact {into}: name at least one contact to merge"
        )));
    }
    if sources.contains(&into) {
        return Err(crate::StoreError::Invalid(format!(
            "cannot merge contact {into} into itself"
        )));
    }
    for f in &sources {
        ensure_live_contact(tx.conn(), *f)?;
    }
    let before = row_by_id(tx.conn(), "contacts", into)?.unwrap_or_default();
    let keep = |k: &str| (k.to_string(), before.get(k).cloned().unwrap_or_default());
    let mut ops = vec![UndoOp::UpdateRows {
        table: "contacts".into(),
        id: into,
        fields: [
            keep("display_name"),
            keep("vip"),
            keep("do_not_engage"),
            keep("updated_at"),
        ]
        .into_iter()
        .collect(),
        expect: Some(crate::undo::row([("merged_into", serde_json::Value::Null)])),
    }];
    let mut identities = 0;
    let mut cases = 0;
    for f in &sources {
        identities += move_contact_rows(tx, "identities", "1", *f, into, &mut ops)?.len();
        cases += move_contact_rows(tx, "cases", "1", *f, into, &mut ops)?.len();
        move_contact_rows(tx, "conversations", "1", *f, into, &mut ops)?;
        tx.conn()
            .prepare_cached(
                "UPDATE contacts SET
                   vip = vip OR (SELECT vip FROM contacts WHERE id = ?2),
                   do_not_engage = do_not_engage OR (SELECT do_not_engage FROM contacts WHERE id = ?2),
                   display_name = coalesce(display_name, (SELECT display_name FROM contacts WHERE id = ?2)),
                   updated_at = ?3
                 WHERE id = ?1",
            )?
            .execute(params![into, f, now])?;
        ops.push(UndoOp::UpdateRows {
            table: "contacts".into(),
            id: *f,
            fields: crate::undo::row([("merged_into", serde_json::Value::Null)]),
            expect: Some(crate::undo::row([("merged_into", into.into())])),
        });
        tx.conn()
            .prepare_cached("UPDATE contacts SET merged_into = ?2, updated_at = ?3 WHERE id = ?1")?
            .execute(params![f, into, now])?;
        tx.changed(Entity::Contact, *f);
    }
    tx.changed(Entity::Contact, into);
    // The merged contact's cases now have earlier cases (and later ones) they did not have.
    let window = crate::sla::response_settings(tx.conn())?.repeat_window_days;
    ops.extend(crate::sla::recompute_repeats(tx, into, window)?);
    let event_id = crate::events::record_undoable(
        tx,
        crate::events::NewEvent {
            case_id: None,
            at: now,
            actor,
            kind: "contact_merge",
            data: serde_json::json!({ "into": into, "from": sources,
                                      "identities": identities, "cases": cases }),
        },
        &UndoOp::many(ops),
    )?;
    Ok(ContactMergeOutcome {
        into,
        merged: sources,
        identities_moved: identities,
        cases_moved: cases,
        event_id,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ContactSplitOutcome {
    pub contact_id: i64,
    pub new_contact_id: i64,
    pub identity_ids: Vec<i64>,
    /// Cases that moved with the identities.
    pub case_ids: Vec<i64>,
    pub event_id: i64,
}

/// Moves `identity_ids` of a contact to a new contact. Conversations whose inbound messages all
/// come from those identities move with them, and so do cases made only of such conversations.
/// The repeat-contact flags of both contacts' cases are recomputed.
pub fn split(
    tx: &mut Tx<'_>,
    contact_id: i64,
    identity_ids: &[i64],
    actor: &str,
    now: i64,
) -> Result<ContactSplitOutcome> {
    use crate::undo::UndoOp;
    ensure_live_contact(tx.conn(), contact_id)?;
    let mut ids = identity_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let own: Vec<i64> = identities_of(tx.conn(), contact_id)?
        .iter()
        .map(|i| i.id)
        .collect();
    if ids.is_empty() {
        return Err(crate::StoreError::Invalid(format!(
            "cannot split contact {contact_id}: name at least one identity to move"
        )));
    }
    if let Some(bad) = ids.iter().find(|i| !own.contains(i)) {
        return Err(crate::StoreError::Invalid(format!(
            "cannot split contact {contact_id}: identity {bad} is not one of its identities"
        )));
    }
    if ids.len() == own.len() {
        return Err(crate::StoreError::Invalid(format!(
            "cannot split contact {contact_id}: it would be left without identities (keep at least one)"
        )));
    }
    tx.conn()
        .prepare_cached(
            "INSERT INTO contacts (display_name, vip, do_not_engage, created_at, updated_at)
             SELECT coalesce((SELECT display_name FROM identities WHERE id = ?2), display_name),
                    vip, do_not_engage, ?3, ?3 FROM contacts WHERE id = ?1",
        )?
        .execute(params![contact_id, ids[0], now])?;
    let new_contact = tx.conn().last_insert_rowid();
    tx.changed(Entity::Contact, new_contact);
    tx.changed(Entity::Contact, contact_id);
    let mut ops = Vec::new();
    let set = serde_json::to_string(&ids)?;
    move_contact_rows(
        tx,
        "identities",
        &format!("id IN (SELECT value FROM json_each('{set}'))"),
        contact_id,
        new_contact,
        &mut ops,
    )?;
    // A conversation goes with the split identities if every inbound message in it is theirs.
    let moved_conv = format!(
        "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id AND m.direction = 'inbound')
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id
              AND m.direction = 'inbound'
              AND (m.author_identity_id IS NULL
                   OR m.author_identity_id NOT IN (SELECT value FROM json_each('{set}'))))"
    );
    let convs = move_contact_rows(
        tx,
        "conversations",
        &moved_conv,
        contact_id,
        new_contact,
        &mut ops,
    )?;
    let conv_set = serde_json::to_string(&convs)?;
    let case_ids = move_contact_rows(
        tx,
        "cases",
        &format!(
            "EXISTS (SELECT 1 FROM case_conversations cc WHERE cc.case_id = cases.id)
             AND NOT EXISTS (SELECT 1 FROM case_conversations cc WHERE cc.case_id = cases.id
                   AND cc.conversation_id NOT IN (SELECT value FROM json_each('{conv_set}')))"
        ),
        contact_id,
        new_contact,
        &mut ops,
    )?;
    ops.push(UndoOp::UpdateRows {
        table: "contacts".into(),
        id: new_contact,
        fields: crate::undo::row([("merged_into", contact_id.into())]),
        expect: Some(crate::undo::row([("merged_into", serde_json::Value::Null)])),
    });
    // Cases that moved lost the earlier cases they were repeats of, and the other way round.
    let window = crate::sla::response_settings(tx.conn())?.repeat_window_days;
    ops.extend(crate::sla::recompute_repeats(tx, contact_id, window)?);
    ops.extend(crate::sla::recompute_repeats(tx, new_contact, window)?);
    let event_id = crate::events::record_undoable(
        tx,
        crate::events::NewEvent {
            case_id: None,
            at: now,
            actor,
            kind: "contact_split",
            data: serde_json::json!({ "contact_id": contact_id, "new_contact": new_contact,
                                      "identity_ids": ids, "cases": case_ids }),
        },
        &UndoOp::many(ops),
    )?;
    Ok(ContactSplitOutcome {
        contact_id,
        new_contact_id: new_contact,
        identity_ids: ids,
        case_ids,
        event_id,
    })
}

/// Sets a contact's flags (`None` leaves one as it is). Returns the contact's flags after.
pub fn set_flags(
    tx: &mut Tx<'_>,
    contact_id: i64,
    vip: Option<bool>,
    do_not_engage: Option<bool>,
    actor: &str,
    now: i64,
) -> Result<(bool, bool)> {
    use crate::undo::{UndoOp, row_by_id};
    ensure_live_contact(tx.conn(), contact_id)?;
    let before = row_by_id(tx.conn(), "contacts", contact_id)?.unwrap_or_default();
    tx.conn()
        .prepare_cached(
            "UPDATE contacts SET vip = coalesce(?2, vip), do_not_engage = coalesce(?3, do_not_engage),
                    updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![contact_id, vip, do_not_engage, now])?;
    let (v, d): (bool, bool) = tx.conn().query_row(
        "SELECT vip, do_not_engage FROM contacts WHERE id = ?1",
        [contact_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    tx.changed(Entity::Contact, contact_id);
    let keep = |k: &str| (k.to_string(), before.get(k).cloned().unwrap_or_default());
    crate::events::record_undoable(
        tx,
        crate::events::NewEvent {
            case_id: None,
            at: now,
            actor,
            kind: "contact_flags",
            data: serde_json::json!({ "contact_id": contact_id, "vip": v, "do_not_engage": d }),
        },
        &UndoOp::UpdateRows {
            table: "contacts".into(),
            id: contact_id,
            fields: [keep("vip"), keep("do_not_engage"), keep("updated_at")]
                .into_iter()
                .collect(),
            expect: Some(crate::undo::row([
                ("vip", v.into()),
                ("do_not_engage", d.into()),
            ])),
        },
    )?;
    Ok((v, d))
}

/// Why two contacts may be one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    SameEmail,
    SameHandle,
    SimilarName,
    /// The same surname, and addresses that both read as that surname with the same given-name
    /// initial ("Margaret Dunn" `mdunn@` and "Maggie Dunn" `maggie.dunn@`).
    SameSurname,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ContactSuggestion {
    pub contact_id: i64,
    pub other_id: i64,
    pub reason: MatchReason,
    /// What matched, in words ("alice.bsky.social (bluesky) and alice@mastodon.social (mastodon)").
    pub detail: String,
    /// 1.0 for exact matches; the name or address similarity otherwise.
    pub score: f64,
    /// Each side as a person would check it before merging: name, channels and handles.
    pub contact: SuggestedContact,
    pub other: SuggestedContact,
}

/// One side of a suggested merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SuggestedContact {
    pub id: i64,
    pub display_name: Option<String>,
    /// Its addresses and handles on every channel.
    pub identities: Vec<IdentityView>,
}

/// Suggested merges: pairs of live contacts that share an email address, a handle across
/// networks, have similar names, or share a surname with addresses that read as the same name.
/// With `contact_id`, only pairs involving that contact.
pub fn suggestions(
    conn: &rusqlite::Connection,
    contact_id: Option<i64>,
) -> Result<Vec<ContactSuggestion>> {
    use std::collections::{BTreeMap, BTreeSet};
    use switchboard_core::similarity;
    if let Some(c) = contact_id {
        ensure_live_contact(conn, c)?;
    }
    struct Ident {
        contact: i64,
        channel: String,
        external_id: String,
        handle: Option<String>,
    }
    let idents: Vec<Ident> = conn
        .prepare(
            "SELECT i.contact_id, i.channel, i.external_id, i.handle FROM identities i
               JOIN contacts c ON c.id = i.contact_id
              WHERE i.is_self = 0 AND c.merged_into IS NULL",
        )?
        .query_map([], |r| {
            Ok(Ident {
                contact: r.get(0)?,
                channel: r.get(1)?,
                external_id: r.get(2)?,
                handle: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut found: BTreeMap<(i64, i64, MatchReason), ContactSuggestion> = BTreeMap::new();
    let wanted = |a: i64, b: i64| a != b && contact_id.is_none_or(|c| c == a || c == b);
    let mut add = |a: i64, b: i64, reason: MatchReason, detail: String, score: f64| {
        if !wanted(a, b) {
            return;
        }
        let (a, b) = match contact_id {
            Some(c) if b == c => (b, a),
            Some(_) => (a, b),
            None => (a.min(b), a.max(b)),
        };
        found.entry((a, b, reason)).or_insert(ContactSuggestion {
            contact_id: a,
            other_id: b,
            reason,
            detail,
            score,
            // Filled in once every pair is known, each contact read once.
            contact: SuggestedContact::default_for(a),
            other: SuggestedContact::default_for(b),
        });
    };
    // Same email address: identical addresses (any channel), or an address given as a handle.
    let mut by_email: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for i in &idents {
        let mut keys = BTreeSet::new();
        if i.external_id.contains('@') && i.channel != "mastodon" {
            keys.insert(i.external_id.to_lowercase());
        }
        if let Some(h) = &i.handle
            && i.channel != "mastodon"
            && h.contains('@')
            && !h.starts_with('@')
        {
            keys.insert(h.to_lowercase());
        }
        for k in keys {
            by_email
                .entry(k)
                .or_default()
                .push((i.contact, i.channel.clone()));
        }
    }
    for (addr, who) in &by_email {
        for (x, (a, ca)) in who.iter().enumerate() {
            for (b, cb) in &who[x + 1..] {
                add(
                    *a,
                    *b,
                    MatchReason::SameEmail,
                    format!("{addr} ({ca}) and {addr} ({cb})"),
                    1.0,
                );
            }
        }
    }
    // Same handle across networks.
    let mut by_handle: BTreeMap<String, Vec<(i64, String, String)>> = BTreeMap::new();
    for i in &idents {
        let h = i.handle.as_deref().unwrap_or(&i.external_id);
        if let Some(base) = similarity::handle_base(&i.channel, h) {
            by_handle
                .entry(base)
                .or_default()
                .push((i.contact, i.channel.clone(), h.to_string()));
        }
    }
    for who in by_handle.values() {
        for (x, (a, ca, ha)) in who.iter().enumerate() {
            for (b, cb, hb) in &who[x + 1..] {
                if ca != cb {
                    add(
                        *a,
                        *b,
                        MatchReason::SameHandle,
                        format!("{ha} ({ca}) and {hb} ({cb})"),
                        1.0,
                    );
                }
            }
        }
    }
    // Similar display names (the contact's own name, else its identities').
    let names: Vec<(i64, String)> = conn
        .prepare(
            "SELECT c.id, coalesce(c.display_name,
                      (SELECT i.display_name FROM identities i WHERE i.contact_id = c.id
                          AND i.display_name IS NOT NULL ORDER BY i.id LIMIT 1))
               FROM contacts c WHERE c.merged_into IS NULL
                AND EXISTS (SELECT 1 FROM identities i WHERE i.contact_id = c.id AND i.is_self = 0)",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, Option<String>>(1)?)))?
        .filter_map(|r| match r {
            Ok((id, Some(n))) => Some(Ok((id, n))),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<_>>()?;
    // Compared only within the same first letter: names that differ there never reach the
    // threshold in practice, and it keeps a large address book from being n² comparisons.
    let mut blocks: BTreeMap<char, Vec<(i64, &str)>> = BTreeMap::new();
    for (id, n) in &names {
        if let Some(first) = similarity::normalize_name(n).chars().next() {
            blocks.entry(first).or_default().push((*id, n.as_str()));
        }
    }
    for block in blocks.values() {
        for (x, (a, na)) in block.iter().enumerate() {
            for (b, nb) in &block[x + 1..] {
                if !wanted(*a, *b) {
                    continue;
                }
                if let Some(score) = similarity::similar_names(na, nb) {
                    add(
                        *a,
                        *b,
                        MatchReason::SimilarName,
                        format!("{na:?} and {nb:?}"),
                        score,
                    );
                }
            }
        }
    }
    // Same surname with similar addresses, compared only within one surname.
    let mut emails: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for i in &idents {
        if i.channel == "email" && i.external_id.contains('@') {
            emails.entry(i.contact).or_default().push(&i.external_id);
        }
    }
    let mut by_surname: BTreeMap<String, Vec<(i64, &str, &str)>> = BTreeMap::new();
    for (id, n) in &names {
        let Some(surname) = similarity::normalize_name(n)
            .rsplit(' ')
            .next()
            .map(str::to_string)
        else {
            continue;
        };
        for address in emails.get(id).into_iter().flatten() {
            by_surname
                .entry(surname.clone())
                .or_default()
                .push((*id, n.as_str(), address));
        }
    }
    for block in by_surname.values() {
        for (x, (a, na, ea)) in block.iter().enumerate() {
            for (b, nb, eb) in &block[x + 1..] {
                if !wanted(*a, *b) {
                    continue;
                }
                if let Some(m) = similarity::same_surname_similar_address(na, ea, nb, eb) {
                    add(
                        *a,
                        *b,
                        MatchReason::SameSurname,
                        format!(
                            "{na:?} <{ea}> and {nb:?} <{eb}>: same surname, both addresses read as \"{}. {}\"",
                            m.initial.to_uppercase(),
                            capitalized(&m.surname)
                        ),
                        m.score,
                    );
                }
            }
        }
    }
    let mut sides: BTreeMap<i64, SuggestedContact> = BTreeMap::new();
    for x in found.values_mut() {
        for (id, side) in [(x.contact_id, &mut x.contact), (x.other_id, &mut x.other)] {
            if let std::collections::btree_map::Entry::Vacant(e) = sides.entry(id) {
                e.insert(suggested_contact(conn, id)?);
            }
            *side = sides[&id].clone();
        }
    }
    let mut out: Vec<ContactSuggestion> = found.into_values().collect();
    out.sort_by(|x, y| {
        x.reason
            .cmp(&y.reason)
            .then(y.score.total_cmp(&x.score))
            .then(x.contact_id.cmp(&y.contact_id))
            .then(x.other_id.cmp(&y.other_id))
    });
    Ok(out)
}

impl SuggestedContact {
    fn default_for(id: i64) -> Self {
        SuggestedContact {
            id,
            display_name: None,
            identities: Vec::new(),
        }
    }
}

fn suggested_contact(conn: &rusqlite::Connection, id: i64) -> Result<SuggestedContact> {
    let display_name: Option<String> = conn.query_row(
        "SELECT display_name FROM contacts WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    Ok(SuggestedContact {
        id,
        display_name,
        identities: identities_of(conn, id)?,
    })
}

/// "dunn" → "Dunn", for a reason a person reads.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
