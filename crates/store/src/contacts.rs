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
