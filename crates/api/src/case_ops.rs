//! Cases across channels: link and unlink conversations, merge and split cases, one timeline.
//! The rules (what moves, what an emptied case becomes) are in `switchboard_store::case_ops`.

use serde::{Deserialize, Serialize};
pub use switchboard_store::case_ops::{LinkOutcome, MergeOutcome, SplitOutcome};
pub use switchboard_store::history::TimelineItem;
use switchboard_store::{case_ops, history};

use crate::{Ctx, Result};

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseLinkParams {
    pub case_id: i64,
    pub conversation_id: i64,
}

/// Moves a conversation onto a case. A case left without conversations is marked merged into
/// this one.
pub fn case_link(ctx: &Ctx, p: &CaseLinkParams) -> Result<LinkOutcome> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| case_ops::link(tx, p.case_id, p.conversation_id, "user", now))?)
}

/// Takes a conversation off a case into a new case of its own (returned).
pub fn case_unlink(ctx: &Ctx, p: &CaseLinkParams) -> Result<SplitOutcome> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| case_ops::split(tx, p.case_id, &[p.conversation_id], "user", now))?)
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseMergeParams {
    /// The case that stays.
    pub into: i64,
    /// The cases merged into it.
    pub from: Vec<i64>,
}

pub fn case_merge(ctx: &Ctx, p: &CaseMergeParams) -> Result<MergeOutcome> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| case_ops::merge(tx, p.into, &p.from, "user", now))?)
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseSplitParams {
    pub case_id: i64,
    /// Conversations that move to the new case; at least one must stay.
    pub conversation_ids: Vec<i64>,
}

pub fn case_split(ctx: &Ctx, p: &CaseSplitParams) -> Result<SplitOutcome> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| case_ops::split(tx, p.case_id, &p.conversation_ids, "user", now))?)
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CaseTimeline {
    pub case_id: i64,
    /// Oldest first.
    pub items: Vec<TimelineItem>,
}

/// One chronological list: messages of every channel, logged calls, notes and case events.
pub fn case_timeline(ctx: &Ctx, p: &crate::case::CaseIdParams) -> Result<CaseTimeline> {
    let store = ctx.store();
    Ok(CaseTimeline {
        case_id: p.case_id,
        items: history::timeline(store.conn(), p.case_id)?,
    })
}
