//! Reading and changing cases: the inbox list, one case with its timeline, status, notes.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use switchboard_core::case::{self as lifecycle, CaseState, CaseStatus, Wake};

use crate::events::{self, NewEvent};
use crate::{Entity, Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ContactRef {
    pub id: i64,
    pub name: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CaseSummary {
    pub id: i64,
    pub status: CaseStatus,
    pub priority: String,
    pub subject: Option<String>,
    /// The newest message's snippet.
    pub snippet: String,
    pub channels: Vec<String>,
    pub contact: Option<ContactRef>,
    /// Display paths such as "Shipping › Late delivery".
    pub root_causes: Vec<String>,
    pub labels: Vec<String>,
    pub message_count: i64,
    pub unread_count: i64,
    pub last_message_at: Option<i64>,
    pub created_at: i64,
    pub snoozed_until: Option<i64>,
    pub response_due_at: Option<i64>,
    /// The contact has another open or recently resolved case (see `store::sla`).
    pub repeat: bool,
    /// A protocol rule (or the user) marked the case as needing no reply.
    pub no_reply_needed: bool,
    /// Why the customer chose this channel: `reason` or `reason: text` (see
    /// `triage::CHANNEL_REASONS`); null until asked.
    pub channel_reason: Option<String>,
    /// Why the case is automated mail (newsletter, notification, auto-reply), e.g.
    /// "List-Id: news.example.com"; null for a case a person started or wrote in. Automated
    /// cases are left out of the inbox, repeat contact, protocol rules, clocks and reports.
    pub automated: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub root_cause_id: Option<i64>,
    pub label_id: Option<i64>,
    pub channel: Option<String>,
    /// Only repeat contacts.
    pub repeat: bool,
    /// Only cases with this channel reason (the keyword, e.g. `phone_tree`).
    pub reason: Option<String>,
    /// Only these cases (a report figure's drill-down).
    pub ids: Option<Vec<i64>>,
    /// `Some(false)`: leave automated mail out (the inbox); `Some(true)`: only automated mail;
    /// `None`: both (export).
    pub automated: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

const SUMMARY_SELECT: &str = "
SELECT c.id, c.status, c.priority, c.subject, c.contact_id, ct.display_name,
       (SELECT coalesce(i.handle, i.external_id) FROM identities i
         WHERE i.contact_id = c.contact_id ORDER BY i.id LIMIT 1),
       (SELECT group_concat(channel, ',') FROM
          (SELECT DISTINCT conv.channel FROM case_conversations cc
             JOIN conversations conv ON conv.id = cc.conversation_id
            WHERE cc.case_id = c.id ORDER BY conv.channel)),
       (SELECT count(*) FROM case_conversations cc JOIN messages m ON m.conversation_id = cc.conversation_id
         WHERE cc.case_id = c.id),
       (SELECT ifnull(sum(m.unread), 0) FROM case_conversations cc JOIN messages m ON m.conversation_id = cc.conversation_id
         WHERE cc.case_id = c.id),
       (SELECT m.snippet FROM case_conversations cc JOIN messages m ON m.conversation_id = cc.conversation_id
         WHERE cc.case_id = c.id ORDER BY m.sent_at DESC, m.id DESC LIMIT 1),
       c.last_message_at, c.created_at, c.snoozed_until, c.response_due_at,
       c.repeat_of IS NOT NULL, c.no_reply_needed,
       c.channel_reason, c.automated
  FROM cases c LEFT JOIN contacts ct ON ct.id = c.contact_id";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaseSummary> {
    let status: String = r.get(1)?;
    let contact_id: Option<i64> = r.get(4)?;
    let channels: Option<String> = r.get(7)?;
    Ok(CaseSummary {
        id: r.get(0)?,
        status: status.parse().unwrap_or(CaseStatus::Open),
        priority: r.get(2)?,
        subject: r.get(3)?,
        contact: contact_id.map(|id| ContactRef {
            id,
            name: r.get(5).ok().flatten(),
            address: r.get(6).ok().flatten(),
        }),
        channels: channels
            .map(|c| c.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        message_count: r.get(8)?,
        unread_count: r.get(9)?,
        snippet: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
        last_message_at: r.get(11)?,
        created_at: r.get(12)?,
        snoozed_until: r.get(13)?,
        response_due_at: r.get(14)?,
        repeat: r.get(15)?,
        no_reply_needed: r.get(16)?,
        channel_reason: r.get(17)?,
        automated: r.get(18)?,
        root_causes: Vec::new(),
        labels: Vec::new(),
    })
}

fn fill_tags(conn: &Connection, c: &mut CaseSummary) -> Result<()> {
    c.root_causes = crate::taxonomy::case_root_cause_paths(conn, c.id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT l.name FROM case_labels cl JOIN labels l ON l.id = cl.label_id
          WHERE cl.case_id = ?1 ORDER BY l.name",
    )?;
    c.labels = stmt
        .query_map([c.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(())
}

/// The inbox: cases newest activity first, filtered.
pub fn list(conn: &Connection, f: &CaseFilter) -> Result<Vec<CaseSummary>> {
    let mut sql = format!("{SUMMARY_SELECT} WHERE c.merged_into IS NULL");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(st) = f.status {
        args.push(st.as_str().to_string().into());
        sql.push_str(&format!(" AND c.status = ?{}", args.len()));
    }
    if let Some(rc) = f.root_cause_id {
        args.push(rc.into());
        let n = args.len();
        sql.push_str(&format!(
            " AND c.id IN (SELECT case_id FROM case_root_causes WHERE root_cause_id = ?{n}
                 OR root_cause_id IN (SELECT id FROM root_causes WHERE parent_id = ?{n}))"
        ));
    }
    if let Some(l) = f.label_id {
        args.push(l.into());
        sql.push_str(&format!(
            " AND c.id IN (SELECT case_id FROM case_labels WHERE label_id = ?{})",
            args.len()
        ));
    }
    if let Some(ch) = &f.channel {
        args.push(ch.clone().into());
        sql.push_str(&format!(
            " AND c.id IN (SELECT cc.case_id FROM case_conversations cc JOIN conversations conv
                 ON conv.id = cc.conversation_id WHERE conv.channel = ?{})",
            args.len()
        ));
    }
    if f.repeat {
        sql.push_str(&format!(" AND c.{}", crate::reports::IS_REPEAT));
    }
    if let Some(reason) = &f.reason {
        args.push(reason.trim().to_ascii_lowercase().into());
        let n = args.len();
        sql.push_str(&format!(
            " AND (c.channel_reason = ?{n} OR c.channel_reason LIKE ?{n} || ':%')"
        ));
    }
    match f.automated {
        Some(true) => sql.push_str(" AND c.automated IS NOT NULL"),
        Some(false) => sql.push_str(" AND c.automated IS NULL"),
        None => {}
    }
    if let Some(ids) = &f.ids {
        args.push(
            serde_json::to_string(ids)
                .unwrap_or_else(|_| "[]".into())
                .into(),
        );
        sql.push_str(&format!(
            " AND c.id IN (SELECT value FROM json_each(?{}))",
            args.len()
        ));
    }
    args.push(if f.limit <= 0 { -1 } else { f.limit }.into());
    args.push(f.offset.max(0).into());
    sql.push_str(&format!(
        " ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?{} OFFSET ?{}",
        args.len() - 1,
        args.len()
    ));
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut out: Vec<CaseSummary> = stmt
        .query_map(rusqlite::params_from_iter(args), summary_row)?
        .collect::<rusqlite::Result<_>>()?;
    for c in &mut out {
        fill_tags(conn, c)?;
    }
    Ok(out)
}

/// How many live cases there are with `status` (any when `None`); `automated` as in
/// [`CaseFilter::automated`].
pub fn count(
    conn: &Connection,
    status: Option<CaseStatus>,
    automated: Option<bool>,
) -> Result<i64> {
    let automated = match automated {
        Some(true) => " AND automated IS NOT NULL",
        Some(false) => " AND automated IS NULL",
        None => "",
    };
    Ok(match status {
        Some(s) => conn.query_row(
            &format!(
                "SELECT count(*) FROM cases WHERE merged_into IS NULL AND status = ?1{automated}"
            ),
            [s.as_str()],
            |r| r.get(0),
        )?,
        None => conn.query_row(
            &format!("SELECT count(*) FROM cases WHERE merged_into IS NULL{automated}"),
            [],
            |r| r.get(0),
        )?,
    })
}

pub fn summary(conn: &Connection, id: i64) -> Result<CaseSummary> {
    let mut c = conn
        .prepare_cached(&format!("{SUMMARY_SELECT} WHERE c.id = ?1"))?
        .query_row([id], summary_row)
        .optional()?
        .ok_or_else(|| StoreError::not_found("case", id))?;
    fill_tags(conn, &mut c)?;
    Ok(c)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AttachmentView {
    pub id: i64,
    pub filename: Option<String>,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MessageView {
    pub id: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub direction: String,
    pub visibility: String,
    pub external_id: String,
    pub author: Option<ContactRef>,
    pub recipients: Vec<crate::ingest::Recipient>,
    pub subject: Option<String>,
    pub sent_at: i64,
    pub unread: bool,
    pub snippet: String,
    pub text: String,
    pub html: Option<String>,
    pub has_remote_content: bool,
    pub attachments: Vec<AttachmentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct NoteView {
    pub id: i64,
    pub body: String,
    pub author: Option<String>,
    pub created_at: i64,
}

/// The messages of a case, across all its conversations, oldest first.
pub fn messages(conn: &Connection, case_id: i64) -> Result<Vec<MessageView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.conversation_id, m.channel, m.direction, conv.visibility, m.external_id,
                i.contact_id, coalesce(i.display_name, ct.display_name), coalesce(i.handle, i.external_id),
                m.recipients, m.subject, m.sent_at, m.unread, m.snippet, b.text, b.html, m.has_remote_content
           FROM case_conversations cc
           JOIN messages m ON m.conversation_id = cc.conversation_id
           JOIN conversations conv ON conv.id = m.conversation_id
           LEFT JOIN message_bodies b ON b.message_id = m.id
           LEFT JOIN identities i ON i.id = m.author_identity_id
           LEFT JOIN contacts ct ON ct.id = i.contact_id
          WHERE cc.case_id = ?1
          ORDER BY m.sent_at, m.id",
    )?;
    let mut out: Vec<MessageView> = stmt
        .query_map([case_id], |r| {
            let author_contact: Option<i64> = r.get(6)?;
            let recipients: String = r.get(9)?;
            Ok(MessageView {
                id: r.get(0)?,
                conversation_id: r.get(1)?,
                channel: r.get(2)?,
                direction: r.get(3)?,
                visibility: r.get(4)?,
                external_id: r.get(5)?,
                author: author_contact.map(|id| ContactRef {
                    id,
                    name: r.get(7).ok().flatten(),
                    address: r.get(8).ok().flatten(),
                }),
                recipients: serde_json::from_str(&recipients).unwrap_or_default(),
                subject: r.get(10)?,
                sent_at: r.get(11)?,
                unread: r.get(12)?,
                snippet: r.get(13)?,
                text: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
                html: r.get(15)?,
                has_remote_content: r.get(16)?,
                attachments: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut att = conn.prepare_cached(
        "SELECT id, filename, content_type, size, sha256, inline FROM attachments WHERE message_id = ?1 ORDER BY id",
    )?;
    for m in &mut out {
        m.attachments = att
            .query_map([m.id], |r| {
                Ok(AttachmentView {
                    id: r.get(0)?,
                    filename: r.get(1)?,
                    content_type: r.get(2)?,
                    size: r.get(3)?,
                    sha256: r.get(4)?,
                    inline: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(out)
}

pub fn notes(conn: &Connection, case_id: i64) -> Result<Vec<NoteView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, body, author, created_at FROM notes WHERE case_id = ?1 ORDER BY created_at, id",
    )?;
    Ok(stmt
        .query_map([case_id], |r| {
            Ok(NoteView {
                id: r.get(0)?,
                body: r.get(1)?,
                author: r.get(2)?,
                created_at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn load_state(conn: &Connection, case_id: i64) -> Result<CaseState> {
    conn.prepare_cached(
        "SELECT status, snoozed_until, snooze_until_reply, resolved_at, last_message_at FROM cases WHERE id = ?1",
    )?
    .query_row([case_id], |r| {
        let status: String = r.get(0)?;
        Ok(CaseState {
            status: status.parse().unwrap_or(CaseStatus::Open),
            snoozed_until: r.get(1)?,
            snooze_until_reply: r.get(2)?,
            resolved_at: r.get(3)?,
            last_message_at: r.get(4)?,
        })
    })
    .optional()?
    .ok_or_else(|| StoreError::not_found("case", case_id))
}

/// A user moves a case to `to`. Returns the state before and after.
pub fn set_status(
    tx: &mut Tx<'_>,
    case_id: i64,
    to: CaseStatus,
    wake: Option<Wake>,
    actor: &str,
    now: i64,
) -> Result<(CaseState, CaseState)> {
    let before = load_state(tx.conn(), case_id)?;
    let after = lifecycle::change_status(&before, to, wake, now)
        .map_err(|e| StoreError::Invalid(format!("cannot change case {case_id}: {e}")))?;
    if after == before {
        return Ok((before, after));
    }
    const STATE: [&str; 5] = [
        "status",
        "snoozed_until",
        "snooze_until_reply",
        "resolved_at",
        "updated_at",
    ];
    let restore = crate::undo::case_fields(tx.conn(), case_id, &STATE)?;
    tx.conn()
        .prepare_cached(
            "UPDATE cases SET status = ?2, snoozed_until = ?3, snooze_until_reply = ?4,
                 resolved_at = ?5, updated_at = ?6 WHERE id = ?1",
        )?
        .execute(params![
            case_id,
            after.status.as_str(),
            after.snoozed_until,
            after.snooze_until_reply,
            after.resolved_at,
            now
        ])?;
    crate::sla::on_status_change(tx, case_id, before.status, after.status, now)?;
    // Undo restores the state before, if the case is still in the state this change left.
    let undo = crate::undo::UndoOp::SetCaseFields {
        case_id,
        expect: Some(crate::undo::case_fields(tx.conn(), case_id, &STATE[..4])?),
        fields: restore,
    };
    events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor,
            kind: "status",
            data: serde_json::json!({ "from": before.status, "to": after.status,
                                      "snoozed_until": after.snoozed_until,
                                      "until_reply": after.snooze_until_reply }),
        },
        &undo,
    )?;
    Ok((before, after))
}

pub fn add_note(tx: &mut Tx<'_>, case_id: i64, body: &str, author: &str, now: i64) -> Result<i64> {
    ensure_case(tx.conn(), case_id)?;
    if body.trim().is_empty() {
        return Err(StoreError::Invalid("cannot add an empty note".into()));
    }
    tx.conn()
        .prepare_cached(
            "INSERT INTO notes (case_id, body, author, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![case_id, body, author, now])?;
    let id = tx.conn().last_insert_rowid();
    tx.changed(Entity::Note, id);
    events::record_undoable(
        tx,
        NewEvent {
            case_id: Some(case_id),
            at: now,
            actor: author,
            kind: "note",
            data: serde_json::json!({ "note_id": id }),
        },
        &crate::undo::UndoOp::DeleteRows {
            table: "notes".into(),
            ids: vec![id],
        },
    )?;
    Ok(id)
}

pub fn ensure_case(conn: &Connection, case_id: i64) -> Result<()> {
    let exists: bool = conn
        .prepare_cached("SELECT 1 FROM cases WHERE id = ?1")?
        .exists([case_id])?;
    if exists {
        Ok(())
    } else {
        Err(StoreError::not_found("case", case_id))
    }
}
