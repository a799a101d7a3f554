//! Business hours, holidays and the settings behind response targets and repeat contact.
//!
//! One value, [`ResponseSettings`], read and written whole: the settings screen edits it as a
//! form, and the CLI changes single fields of the current value before writing it back.

use serde::{Deserialize, Serialize};
pub use switchboard_core::hours::{BusinessHours, OpenRange, WeekSchedule};
pub use switchboard_core::sla::ResponseSettings;
use switchboard_store::settings;
use switchboard_store::sla as store_sla;

use crate::{Ctx, Result};

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
pub struct HoursGetParams {}

pub fn hours_get(ctx: &Ctx, _: &HoursGetParams) -> Result<ResponseSettings> {
    let store = ctx.store();
    Ok(store_sla::response_settings(store.conn())?)
}

/// Validates (time zone, "HH:MM" ranges, holidays, windows) and stores the settings. New
/// targets use them at once; due times already set are not recomputed. The change is one
/// user action: `undo` puts the previous settings back.
pub fn hours_set(ctx: &Ctx, p: &ResponseSettings) -> Result<ResponseSettings> {
    let now = ctx.now();
    let mut store = ctx.store();
    store.write(|tx| {
        let keys = [
            store_sla::BUSINESS_HOURS,
            store_sla::REPEAT_WINDOW_DAYS,
            store_sla::DUE_SOON_MINUTES,
        ];
        let before = settings::snapshot(tx.conn(), &keys)?;
        let previous = store_sla::response_settings(tx.conn())?;
        store_sla::set_response_settings(tx, p)?;
        settings::record_change(
            tx,
            &before,
            "business hours and response settings",
            &format!(
                "business hours and response settings are back to {}",
                describe(&previous)
            ),
            now,
        )?;
        Ok(())
    })?;
    Ok(store_sla::response_settings(store.conn())?)
}

/// The settings in one line: "Mon–Fri 09:00-17:00, Sat–Sun closed (UTC), repeat window 30
/// days, due-soon warning 30 min".
pub fn describe(s: &ResponseSettings) -> String {
    use switchboard_core::hours::WEEKDAYS;
    let hours_of = |d: chrono::Weekday| {
        let r = s.hours.week.day(d);
        if r.is_empty() {
            "closed".to_string()
        } else {
            r.iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    // Consecutive days with the same hours read as one range.
    let mut groups: Vec<(String, String, String)> = Vec::new();
    for d in WEEKDAYS {
        let name = d.to_string();
        let h = hours_of(d);
        match groups.last_mut() {
            Some((_, last, gh)) if *gh == h => *last = name,
            _ => groups.push((name.clone(), name, h)),
        }
    }
    let week = groups
        .iter()
        .map(|(first, last, h)| {
            if first == last {
                format!("{first} {h}")
            } else {
                format!("{first}–{last} {h}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let holidays = match s.hours.holidays.len() {
        0 => String::new(),
        n => format!(", {}", crate::plural(n, "holiday", "holidays")),
    };
    format!(
        "{week} ({}){holidays}, repeat window {}, due-soon warning {} min",
        s.hours.time_zone,
        crate::plural(s.repeat_window_days, "day", "days"),
        s.due_soon_minutes
    )
}
