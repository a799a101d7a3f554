//! The root-cause taxonomy.

use switchboard_store::taxonomy;
pub use switchboard_store::taxonomy::{Label, RootCause};

use crate::{Ctx, Result};

pub fn root_cause_add(ctx: &Ctx, name: &str, parent: Option<&str>) -> Result<RootCause> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| taxonomy::add(tx, name, parent, now))?)
}

pub fn root_cause_list(ctx: &Ctx) -> Result<Vec<RootCause>> {
    Ok(taxonomy::list(ctx.store().conn())?)
}

pub fn label_list(ctx: &Ctx) -> Result<Vec<Label>> {
    Ok(taxonomy::labels(ctx.store().conn())?)
}

// ---------------------------------------------------------------------------------------------
// Taxonomy upkeep and the fix lifecycle.
// ---------------------------------------------------------------------------------------------

pub use switchboard_store::taxonomy::MergeOutcome;

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, ts_rs::TS)]
pub struct RootCauseRenameParams {
    /// "Name" or "Parent › Name".
    pub root_cause: String,
    pub new_name: String,
}

pub fn root_cause_rename(ctx: &Ctx, p: &RootCauseRenameParams) -> Result<RootCause> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| taxonomy::rename(tx, &p.root_cause, &p.new_name, now))?)
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct RootCauseMoveParams {
    pub root_cause: String,
    /// The new parent (top-level); absent to make it top-level.
    #[serde(default)]
    pub parent: Option<String>,
}

pub fn root_cause_move(ctx: &Ctx, p: &RootCauseMoveParams) -> Result<RootCause> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| taxonomy::move_to(tx, &p.root_cause, p.parent.as_deref(), now))?)
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, ts_rs::TS)]
pub struct RootCauseMergeParams {
    /// Merged away: its cases move to `into`, and it is archived.
    pub root_cause: String,
    pub into: String,
}

pub fn root_cause_merge(ctx: &Ctx, p: &RootCauseMergeParams) -> Result<MergeOutcome> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| taxonomy::merge(tx, &p.root_cause, &p.into, now))?)
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, ts_rs::TS)]
pub struct RootCauseArchiveParams {
    pub root_cause: String,
    /// False restores an archived one.
    #[serde(default = "yes")]
    pub archived: bool,
}

fn yes() -> bool {
    true
}

pub fn root_cause_archive(ctx: &Ctx, p: &RootCauseArchiveParams) -> Result<RootCause> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| taxonomy::set_archived(tx, &p.root_cause, p.archived, now))?)
}

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct RootCauseSetStatusParams {
    pub root_cause: String,
    /// `open`, `fixing` or `fixed`.
    pub status: String,
    /// What was fixed (kept with `fixed`).
    #[serde(default)]
    pub note: Option<String>,
    /// With `fixed`: the day the fix really happened, `YYYY-MM-DD` (its start in the workspace
    /// time zone) or an RFC 3339 time; default now. Not in the future.
    #[serde(default)]
    pub fixed_on: Option<String>,
}

/// A fix date: a local day in the workspace time zone (its first instant), or an RFC 3339 time.
fn parse_fix_date(ctx: &Ctx, conn: &switchboard_store::Connection, s: &str) -> Result<i64> {
    let s = s.trim();
    let at = if let Ok(day) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let settings = switchboard_store::sla::response_settings(conn)?;
        let tz = settings
            .hours
            .schedule()
            .map_err(|e| {
                crate::ApiError::invalid(format!(
                    "cannot place the fix date in the workspace time zone: the business hours setting is not usable ({e})"
                ))
            })?
            .time_zone();
        switchboard_core::reports::day_start(tz, day)
    } else if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        t.timestamp_millis()
    } else {
        return Err(crate::ApiError::invalid(format!(
            "cannot read the fix date {s:?}: use YYYY-MM-DD (e.g. 2026-03-01) or an RFC 3339 time"
        )));
    };
    if at > ctx.now() {
        return Err(crate::ApiError::invalid(format!(
            "cannot mark a fix on {s}: that is in the future"
        )));
    }
    Ok(at)
}

#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct RootCauseSetStatusResult {
    pub from: String,
    pub root_cause: RootCause,
    pub changed: bool,
}

pub fn root_cause_set_status(
    ctx: &Ctx,
    p: &RootCauseSetStatusParams,
) -> Result<RootCauseSetStatusResult> {
    let now = ctx.now();
    let mut store = ctx.store();
    let fixed_on = match &p.fixed_on {
        Some(s) => Some(parse_fix_date(ctx, store.conn(), s)?),
        None => None,
    };
    let (before, after) = store.write(|tx| {
        taxonomy::set_status(
            tx,
            &p.root_cause,
            &p.status,
            p.note.as_deref(),
            fixed_on,
            now,
        )
    })?;
    Ok(RootCauseSetStatusResult {
        from: before.status.clone(),
        changed: before != after,
        root_cause: after,
    })
}
