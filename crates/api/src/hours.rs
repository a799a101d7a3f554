//! Business hours, holidays and the settings behind response targets and repeat contact.
//!
//! One value, [`ResponseSettings`], read and written whole: the settings screen edits it as a
//! form, and the CLI changes single fields of the current value before writing it back.

use serde::{Deserialize, Serialize};
pub use switchboard_core::hours::{BusinessHours, OpenRange, WeekSchedule};
pub use switchboard_core::sla::ResponseSettings;
use switchboard_store::sla as store_sla;

use crate::{Ctx, Result};

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
pub struct HoursGetParams {}

pub fn hours_get(ctx: &Ctx, _: &HoursGetParams) -> Result<ResponseSettings> {
    let store = ctx.store();
    Ok(store_sla::response_settings(store.conn())?)
}

/// Validates (time zone, "HH:MM" ranges, holidays, windows) and stores the settings. New
/// targets use them at once; due times already set are not recomputed.
pub fn hours_set(ctx: &Ctx, p: &ResponseSettings) -> Result<ResponseSettings> {
    let mut store = ctx.store();
    store.write(|tx| store_sla::set_response_settings(tx, p))?;
    Ok(store_sla::response_settings(store.conn())?)
}
