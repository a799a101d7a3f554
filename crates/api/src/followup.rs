//! Follow-ups: dated reminders on a case, the due/overdue list, and what the desktop needs to
//! notify once per reminder.

use serde::{Deserialize, Serialize};
pub use switchboard_core::followup::FollowUpState;
pub use switchboard_store::followups::FollowUp;
use switchboard_store::followups::{self, FollowUpFilter};

use crate::{ApiError, Ctx, Result};

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct FollowupAddParams {
    pub case_id: i64,
    /// When: `2026-12-01`, `"2026-12-01 14:00"`, RFC 3339, `+3d`, `tomorrow` (local time).
    pub due: String,
    #[serde(default)]
    pub note: Option<String>,
}

pub fn followup_add(ctx: &Ctx, p: &FollowupAddParams) -> Result<FollowUp> {
    let due_at = crate::case::parse_when(ctx, &p.due)?;
    let now = ctx.now();
    let note = p.note.clone().unwrap_or_default();
    let mut sb = ctx.store();
    let id = sb.write(|tx| followups::add(tx, p.case_id, due_at, &note, now))?;
    Ok(followups::get(sb.conn(), id, now)?)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct FollowupListParams {
    /// Only overdue ones and those due within a day.
    #[serde(default)]
    pub due_only: bool,
    /// Also done ones (ignored with `due_only`).
    #[serde(default)]
    pub include_done: bool,
    /// Only this case's.
    #[serde(default)]
    pub case_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FollowupListResult {
    /// The time the states were computed at.
    pub now: i64,
    pub follow_ups: Vec<FollowUp>,
    pub overdue: i64,
    pub due: i64,
}

pub fn followup_list(ctx: &Ctx, p: &FollowupListParams) -> Result<FollowupListResult> {
    let now = ctx.now();
    let list = followups::list(
        ctx.store().conn(),
        &FollowUpFilter {
            case_id: p.case_id,
            due_only: p.due_only,
            include_done: p.include_done,
        },
        now,
    )?;
    let count = |s: FollowUpState| list.iter().filter(|f| f.state == s).count() as i64;
    Ok(FollowupListResult {
        now,
        overdue: count(FollowUpState::Overdue),
        due: count(FollowUpState::Due),
        follow_ups: list,
    })
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ts_rs::TS)]
pub struct FollowupIdParams {
    pub id: i64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FollowupDoneResult {
    pub follow_up: FollowUp,
    /// False when it was already done.
    pub changed: bool,
}

pub fn followup_done(ctx: &Ctx, p: &FollowupIdParams) -> Result<FollowupDoneResult> {
    let now = ctx.now();
    let mut sb = ctx.store();
    let changed = sb.write(|tx| followups::done(tx, p.id, now))?;
    Ok(FollowupDoneResult {
        follow_up: followups::get(sb.conn(), p.id, now)?,
        changed,
    })
}

pub fn followup_delete(ctx: &Ctx, p: &FollowupIdParams) -> Result<FollowUp> {
    let now = ctx.now();
    Ok(ctx.store().write(|tx| followups::delete(tx, p.id, now))?)
}

/// For the desktop notifier: reminders whose time has come and that were not notified yet.
/// Call [`followup_mark_notified`] with the ids shown.
pub fn followup_due_unnotified(ctx: &Ctx, _: &crate::rpc::NoParams) -> Result<Vec<FollowUp>> {
    Ok(followups::due_unnotified(ctx.store().conn(), ctx.now())?)
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct FollowupMarkNotifiedParams {
    pub ids: Vec<i64>,
}

#[derive(Debug, Clone, Copy, Serialize, ts_rs::TS)]
pub struct FollowupMarkNotifiedResult {
    pub marked: i64,
}

pub fn followup_mark_notified(
    ctx: &Ctx,
    p: &FollowupMarkNotifiedParams,
) -> Result<FollowupMarkNotifiedResult> {
    if p.ids.is_empty() {
        return Err(ApiError::invalid(
            "cannot mark follow-ups notified: no ids given",
        ));
    }
    let now = ctx.now();
    let marked = ctx
        .store()
        .write(|tx| followups::mark_notified(tx, &p.ids, now))?;
    Ok(FollowupMarkNotifiedResult {
        marked: marked as i64,
    })
}
