//! Listing, showing, searching and changing cases.

use serde::{Deserialize, Serialize};
use switchboard_core::{CaseStatus, Wake};
use switchboard_store::cases::{self, CaseFilter};
pub use switchboard_store::cases::{CaseSummary, ContactRef, MessageView, NoteView};
use switchboard_store::search::{self, SearchHit};
pub use switchboard_store::search::{HitKind, SearchOrder};
use switchboard_store::taxonomy;

use crate::{ApiError, Ctx, Result};

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ListCasesParams {
    pub status: Option<String>,
    /// "Name" or "Parent › Name".
    pub root_cause: Option<String>,
    pub label: Option<String>,
    pub channel: Option<String>,
    /// Only repeat contacts.
    #[serde(default)]
    pub repeat: Option<bool>,
    /// Only cases with this channel reason: phone_tree, earlier_channel_failed, faster,
    /// prefers_channel or other.
    #[serde(default)]
    pub reason: Option<String>,
    /// Only these cases: the `case_ids` behind a report figure (the Reports screen's drill-down).
    #[serde(default)]
    pub ids: Option<Vec<i64>>,
    /// Only automated mail (newsletters, notifications, auto-replies). Otherwise automated mail
    /// is left out: it is not the owner's triage.
    #[serde(default)]
    pub automated: Option<bool>,
    /// 0 means no limit.
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
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
        Some(rc) => Some(taxonomy::find_id(conn, rc)?),
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
    let reason = match &p.reason {
        Some(r) => {
            let r = r.trim().to_ascii_lowercase();
            if !switchboard_store::triage::CHANNEL_REASONS.contains(&r.as_str()) {
                return Err(ApiError::invalid(format!(
                    "cannot filter by channel reason {r:?}: use one of {}",
                    switchboard_store::triage::CHANNEL_REASONS.join(", ")
                )));
            }
            Some(r)
        }
        None => None,
    };
    let automated = p.automated == Some(true);
    let filtered = root_cause_id.is_some()
        || label_id.is_some()
        || p.channel.is_some()
        || p.repeat == Some(true)
        || reason.is_some()
        || p.ids.is_some();
    let filter = CaseFilter {
        status,
        root_cause_id,
        label_id,
        channel: p.channel.clone(),
        repeat: p.repeat == Some(true),
        reason,
        ids: p.ids.clone(),
        automated: Some(automated),
        limit: p.limit,
        offset: p.offset,
    };
    let list = cases::list(conn, &filter)?;
    let total = if !filtered {
        cases::count(conn, status, Some(automated))?
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

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: CaseSummary,
    /// Snoozed until the customer writes again (the channel reason is the summary's).
    pub snooze_until_reply: bool,
    pub messages: Vec<MessageView>,
    pub notes: Vec<NoteView>,
    /// Follow-ups of the case, open ones first (soonest due first), then done ones.
    pub follow_ups: Vec<switchboard_store::followups::FollowUp>,
    /// Logged calls and visits with their duration and outcome, oldest first.
    pub calls: Vec<switchboard_store::offline::CallView>,
    /// The customer's identities and every case on any channel (this one included), so the
    /// case view always shows their whole history.
    pub contact_history: Option<switchboard_store::contacts::ContactDetail>,
    /// The customer's cases created before this one, newest activity first: "Earlier cases".
    pub earlier_cases: Vec<switchboard_store::contacts::ContactCase>,
}

pub fn case_show(ctx: &Ctx, case_id: i64) -> Result<CaseDetail> {
    let now = ctx.now();
    let store = ctx.store();
    let conn = store.conn();
    detail_of(conn, cases::summary(conn, case_id)?, now)
}

/// Everything the case view shows about `case`.
pub(crate) fn detail_of(
    conn: &switchboard_store::Connection,
    case: CaseSummary,
    now: i64,
) -> Result<CaseDetail> {
    let contact_history = match &case.contact {
        Some(c) => Some(switchboard_store::contacts::contact_detail(conn, c.id)?),
        None => None,
    };
    // Created before this one (a case created in the same millisecond counts by its id).
    let earlier_cases = contact_history
        .iter()
        .flat_map(|h| h.cases.iter())
        .filter(|c| (c.created_at, c.id) < (case.created_at, case.id))
        .cloned()
        .collect();
    let follow_ups = switchboard_store::followups::list(
        conn,
        &switchboard_store::followups::FollowUpFilter {
            case_id: Some(case.id),
            due_only: false,
            include_done: true,
        },
        now,
    )?;
    Ok(CaseDetail {
        snooze_until_reply: switchboard_store::triage::fields(conn, case.id)?.snooze_until_reply,
        messages: cases::messages(conn, case.id)?,
        notes: cases::notes(conn, case.id)?,
        follow_ups,
        calls: switchboard_store::offline::calls(conn, case.id)?,
        contact_history,
        earlier_cases,
        case,
    })
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct SearchParams {
    pub query: String,
    #[serde(default)]
    pub order: SearchOrder,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
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

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct SetStatusParams {
    pub case_id: i64,
    pub status: String,
    /// For `snoozed`: wake-up time (ms since epoch).
    pub snooze_until: Option<i64>,
    /// For `snoozed`: wake when the customer writes.
    #[serde(default)]
    pub until_reply: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
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
    let (before, after) = ctx.store().write(|tx| {
        if to == CaseStatus::Resolved {
            require_root_cause_to_resolve(tx.conn(), p.case_id)?;
        }
        cases::set_status(tx, p.case_id, to, wake, "user", now)
    })?;
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

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TagResult {
    pub case_id: i64,
    pub root_cause: String,
    /// False when the case already carried it.
    pub added: bool,
}

pub fn case_tag_root_cause(ctx: &Ctx, case_id: i64, root_cause: &str) -> Result<TagResult> {
    let now = ctx.now();
    Ok(ctx.store().write(|tx| {
        let id = taxonomy::find_id(tx.conn(), root_cause)?;
        let added = taxonomy::tag_case(tx, case_id, id, "user", now)?;
        Ok(TagResult {
            case_id,
            root_cause: taxonomy::path_of(tx.conn(), id)?,
            added,
        })
    })?)
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
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

/// Params of every command that acts on one case and needs nothing else.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseIdParams {
    pub case_id: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseAddNoteParams {
    pub case_id: i64,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseTagRootCauseParams {
    pub case_id: i64,
    /// "Name" or "Parent › Name".
    pub root_cause: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseLabelParams {
    pub case_id: i64,
    pub label: String,
}

/// Reads a time a person typed ("+3d", "2026-12-01 14:00", "tomorrow") in local time.
pub fn parse_when(ctx: &Ctx, input: &str) -> Result<i64> {
    let offset = *chrono::Local::now().offset();
    switchboard_core::when::parse_when(input, ctx.now(), offset)
        .map_err(|e| ApiError::invalid(e.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Workflow: the "root cause required" rule, snooze and its wake-up sweep, channel reason,
// priority.
// ---------------------------------------------------------------------------------------------

/// With the `require_root_cause` setting on, a case that is not yet resolved cannot become
/// resolved without a root cause. Checked inside the status change's transaction.
fn require_root_cause_to_resolve(
    conn: &switchboard_store::Connection,
    case_id: i64,
) -> switchboard_store::Result<()> {
    use switchboard_store::{StoreError, settings};
    if !settings::get_bool(conn, settings::REQUIRE_ROOT_CAUSE)? {
        return Ok(());
    }
    cases::ensure_case(conn, case_id)?;
    let already = switchboard_store::outbox::case_status(conn, case_id)? == "resolved";
    if already || taxonomy::case_has_root_cause(conn, case_id)? {
        return Ok(());
    }
    Err(StoreError::Conflict(format!(
        "cannot resolve case #{case_id}: a root cause is required to resolve (setting require_root_cause); tag it first, e.g. `switchboard case tag {case_id} \"Shipping › Late delivery\"`"
    )))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct CaseSnoozeParams {
    pub case_id: i64,
    /// When to wake: `2026-12-01`, `"2026-12-01 14:00"`, RFC 3339, `+3d`, `tomorrow`.
    #[serde(default)]
    pub until: Option<String>,
    /// Wake when the customer writes (instead of, not as well as, a time).
    #[serde(default)]
    pub until_reply: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CaseSnoozeResult {
    pub case_id: i64,
    /// The status before.
    pub from: String,
    pub snoozed_until: Option<i64>,
    pub until_reply: bool,
}

/// Snoozes a case until a time or until the customer replies (core `change_status`).
pub fn case_snooze(ctx: &Ctx, p: &CaseSnoozeParams) -> Result<CaseSnoozeResult> {
    let wake = match (&p.until, p.until_reply) {
        (Some(_), true) => {
            return Err(ApiError::invalid(format!(
                "cannot snooze case #{}: give either a time (until) or until_reply, not both",
                p.case_id
            )));
        }
        (Some(w), false) => Wake::At(parse_when(ctx, w)?),
        (None, true) => Wake::OnReply,
        (None, false) => {
            return Err(ApiError::invalid(format!(
                "cannot snooze case #{}: say until when (until WHEN) or until_reply",
                p.case_id
            )));
        }
    };
    if let Wake::At(at) = wake
        && at <= ctx.now()
    {
        return Err(ApiError::invalid(format!(
            "cannot snooze case #{} until {}: that time has already passed",
            p.case_id,
            p.until.as_deref().unwrap_or_default()
        )));
    }
    let now = ctx.now();
    let (before, after) = ctx.store().write(|tx| {
        cases::set_status(tx, p.case_id, CaseStatus::Snoozed, Some(wake), "user", now)
    })?;
    Ok(CaseSnoozeResult {
        case_id: p.case_id,
        from: before.status.as_str().to_string(),
        snoozed_until: after.snoozed_until,
        until_reply: after.snooze_until_reply,
    })
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CaseWakeDueResult {
    /// Cases whose snooze ended and that are open again.
    pub woken: Vec<switchboard_store::triage::WokenCase>,
}

/// Wakes every snoozed case whose time has come. Front ends run it before showing the inbox
/// (the CLI before `case list`, the desktop every minute, sync after each pass).
pub fn case_wake_due(ctx: &Ctx, _: &crate::rpc::NoParams) -> Result<CaseWakeDueResult> {
    let now = ctx.now();
    let woken = ctx
        .store()
        .write(|tx| switchboard_store::triage::wake_due(tx, now))?;
    Ok(CaseWakeDueResult { woken })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct CaseSetReasonParams {
    pub case_id: i64,
    /// phone_tree, earlier_channel_failed, faster, prefers_channel, other; `none` clears it.
    pub reason: String,
    /// Free text, e.g. what failed before.
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CaseSetReasonResult {
    pub case_id: i64,
    pub from: Option<String>,
    /// As stored: `reason` or `reason: text`; null when cleared.
    pub channel_reason: Option<String>,
    pub changed: bool,
}

pub fn case_set_reason(ctx: &Ctx, p: &CaseSetReasonParams) -> Result<CaseSetReasonResult> {
    let now = ctx.now();
    let (before, after) = ctx.store().write(|tx| {
        switchboard_store::triage::set_reason(
            tx,
            p.case_id,
            Some(&p.reason),
            p.text.as_deref(),
            now,
        )
    })?;
    Ok(CaseSetReasonResult {
        case_id: p.case_id,
        changed: before != after,
        from: before,
        channel_reason: after,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseSetAutomatedParams {
    pub case_id: i64,
    /// true: automated mail (out of the inbox and reports); false: a real customer's case.
    pub automated: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CaseSetAutomatedResult {
    pub case_id: i64,
    pub changed: bool,
    /// Why the case was automated before; null if it was a customer's.
    pub from: Option<String>,
    /// Why the case is automated now ("List-Id: news.example.com", "marked by you"); null for
    /// a customer's case.
    pub automated: Option<String>,
}

/// Marks a case as automated mail or as a real customer's ("This is a real customer").
/// Undoable.
pub fn case_set_automated(ctx: &Ctx, p: &CaseSetAutomatedParams) -> Result<CaseSetAutomatedResult> {
    let now = ctx.now();
    let (before, after) = ctx
        .store()
        .write(|tx| switchboard_store::triage::set_automated(tx, p.case_id, p.automated, now))?;
    Ok(CaseSetAutomatedResult {
        case_id: p.case_id,
        changed: before != after,
        from: before,
        automated: after,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseSetPriorityParams {
    pub case_id: i64,
    /// low, normal, high or urgent.
    pub priority: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CaseSetPriorityResult {
    pub case_id: i64,
    pub from: String,
    pub priority: String,
    pub changed: bool,
}

pub fn case_set_priority(ctx: &Ctx, p: &CaseSetPriorityParams) -> Result<CaseSetPriorityResult> {
    let priority: switchboard_core::Priority = p.priority.parse().map_err(|_| {
        ApiError::invalid(format!(
            "bad priority {:?}: use low, normal, high or urgent",
            p.priority
        ))
    })?;
    let now = ctx.now();
    let before = ctx.store().write(|tx| {
        switchboard_store::triage::set_priority(tx, p.case_id, priority, "user", now)
    })?;
    Ok(CaseSetPriorityResult {
        case_id: p.case_id,
        changed: before != priority.as_str(),
        from: before,
        priority: priority.as_str().to_string(),
    })
}
