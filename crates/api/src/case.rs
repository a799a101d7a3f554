//! Listing, showing, searching and changing cases.

use serde::{Deserialize, Serialize};
use switchboard_core::{CaseStatus, Wake};
use switchboard_store::cases::{self, CaseFilter};
pub use switchboard_store::cases::{CaseSummary, ContactRef, MessageView, NoteView};
pub use switchboard_store::search::SearchOrder;
use switchboard_store::search::{self, SearchHit};
use switchboard_store::taxonomy;

use crate::{ApiError, Ctx, Result};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListCasesParams {
    pub status: Option<String>,
    /// "Name" or "Parent › Name".
    pub root_cause: Option<String>,
    pub label: Option<String>,
    pub channel: Option<String>,
    /// 0 means no limit.
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListCasesResult {
    pub cases: Vec<CaseSummary>,
    /// Cases matching the status filter, ignoring limit and offset.
    pub total: i64,
}

pub fn parse_status(s: &str) -> Result<CaseStatus> {
    s.parse::<CaseStatus>()
        .map_err(|e| ApiError::invalid(e.to_string()))
}

pub fn case_list(ctx: &Ctx, p: &ListCasesParams) -> Result<ListCasesResult> {
    let store = ctx.store();
    let conn = store.conn();
    let status = p.status.as_deref().map(parse_status).transpose()?;
    let root_cause_id = match &p.root_cause {
        Some(rc) => Some(taxonomy::find(conn, rc)?.id),
        None => None,
    };
    let label_id = match &p.label {
        Some(l) => Some(
            taxonomy::label_by_name(conn, l)?
                .ok_or_else(|| {
                    ApiError::new(crate::Code::NotFound, format!("label {l:?} not found"))
                })?
                .id,
        ),
        None => None,
    };
    let filter = CaseFilter {
        status,
        root_cause_id,
        label_id,
        channel: p.channel.clone(),
        limit: p.limit,
        offset: p.offset,
    };
    let list = cases::list(conn, &filter)?;
    let total = if root_cause_id.is_none() && label_id.is_none() && p.channel.is_none() {
        cases::count(conn, status)?
    } else {
        cases::list(
            conn,
            &CaseFilter {
                limit: 0,
                offset: 0,
                ..filter
            },
        )?
        .len() as i64
    };
    Ok(ListCasesResult { cases: list, total })
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: CaseSummary,
    pub messages: Vec<MessageView>,
    pub notes: Vec<NoteView>,
}

pub fn case_show(ctx: &Ctx, case_id: i64) -> Result<CaseDetail> {
    let store = ctx.store();
    let conn = store.conn();
    Ok(CaseDetail {
        case: cases::summary(conn, case_id)?,
        messages: cases::messages(conn, case_id)?,
        notes: cases::notes(conn, case_id)?,
    })
}

#[derive(Debug, Clone, Deserialize)]
pub struct SearchParams {
    pub query: String,
    #[serde(default)]
    pub order: SearchOrder,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    pub query: String,
    pub hits: Vec<SearchHit>,
}

pub fn case_search(ctx: &Ctx, p: &SearchParams) -> Result<SearchResult> {
    let store = ctx.store();
    let hits = search::search(store.conn(), &p.query, p.order, p.limit)?;
    Ok(SearchResult {
        query: p.query.clone(),
        hits,
    })
}

#[derive(Debug, Clone, Deserialize)]
pub struct SetStatusParams {
    pub case_id: i64,
    pub status: String,
    /// For `snoozed`: wake-up time (ms since epoch).
    pub snooze_until: Option<i64>,
    /// For `snoozed`: wake when the customer writes.
    #[serde(default)]
    pub until_reply: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SetStatusResult {
    pub case_id: i64,
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub changed: bool,
}

pub fn case_set_status(ctx: &Ctx, p: &SetStatusParams) -> Result<SetStatusResult> {
    let to = parse_status(&p.status)?;
    let wake = match (p.snooze_until, p.until_reply) {
        (Some(at), _) => Some(Wake::At(at)),
        (None, true) => Some(Wake::OnReply),
        (None, false) => None,
    };
    let now = ctx.now();
    let (before, after) = ctx
        .store()
        .write(|tx| cases::set_status(tx, p.case_id, to, wake, "user", now))?;
    Ok(SetStatusResult {
        case_id: p.case_id,
        from: before.status,
        to: after.status,
        changed: before != after,
    })
}

pub fn case_add_note(ctx: &Ctx, case_id: i64, text: &str) -> Result<NoteView> {
    let now = ctx.now();
    let id = ctx
        .store()
        .write(|tx| cases::add_note(tx, case_id, text, "user", now))?;
    Ok(NoteView {
        id,
        body: text.to_string(),
        author: Some("user".into()),
        created_at: now,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct TagResult {
    pub case_id: i64,
    pub root_cause: String,
    /// False when the case already carried it.
    pub added: bool,
}

pub fn case_tag_root_cause(ctx: &Ctx, case_id: i64, root_cause: &str) -> Result<TagResult> {
    let now = ctx.now();
    Ok(ctx.store().write(|tx| {
        let rc = taxonomy::find(tx.conn(), root_cause)?;
        let added = taxonomy::tag_case(tx, case_id, rc.id, "user", now)?;
        Ok(TagResult {
            case_id,
            root_cause: rc.path,
            added,
        })
    })?)
}

#[derive(Debug, Clone, Serialize)]
pub struct LabelResult {
    pub case_id: i64,
    pub label: String,
    pub added: bool,
}

/// Labels a case, creating the label on first use.
pub fn case_label(ctx: &Ctx, case_id: i64, label: &str) -> Result<LabelResult> {
    let now = ctx.now();
    Ok(ctx.store().write(|tx| {
        let l = taxonomy::add_label(tx, label, None, now)?;
        let added = taxonomy::label_case(tx, case_id, l.id, "user", now)?;
        Ok(LabelResult {
            case_id,
            label: l.name,
            added,
        })
    })?)
}

/// Reads a time a person typed ("+3d", "2026-12-01 14:00", "tomorrow") in local time.
pub fn parse_when(ctx: &Ctx, input: &str) -> Result<i64> {
    let offset = *chrono::Local::now().offset();
    switchboard_core::when::parse_when(input, ctx.now(), offset)
        .map_err(|e| ApiError::invalid(e.to_string()))
}
