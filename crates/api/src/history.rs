//! The event history of a case in words, and undo of the last action.

use serde::{Deserialize, Serialize};
use switchboard_store::history;
pub use switchboard_store::history::{HistoryEntry, UndoOutcome};

use crate::{Ctx, Result};

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CaseHistory {
    pub case_id: i64,
    /// Oldest first; includes the events of cases merged into this one.
    pub events: Vec<HistoryEntry>,
}

pub fn case_history(ctx: &Ctx, p: &crate::case::CaseIdParams) -> Result<CaseHistory> {
    let store = ctx.store();
    Ok(CaseHistory {
        case_id: p.case_id,
        events: history::case_history(store.conn(), p.case_id)?,
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct UndoLastParams {
    /// Undo the last action on this case; without it, the last action anywhere.
    #[serde(default)]
    pub case_id: Option<i64>,
}

/// Reverts the last user action (on one case, or anywhere). Refuses with `conflict` when
/// there is nothing to undo, when that action cannot be undone, or when something changed
/// since that the undo would overwrite.
pub fn undo_last(ctx: &Ctx, p: &UndoLastParams) -> Result<UndoOutcome> {
    let now = ctx.now();
    Ok(ctx
        .store()
        .write(|tx| history::undo_last(tx, p.case_id, "user", now))?)
}
