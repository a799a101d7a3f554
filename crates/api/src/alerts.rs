//! Early warning: list, acknowledge and rescan spike alerts (docs/alerts.md).
//!
//! Alerts are raised by the store as inbound messages are stored and cases are tagged; these
//! commands show them, mark them dealt with, and rescan history (after an import of old mail,
//! or to see what a past period would have raised).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use switchboard_store::alerts::{self, AlertFilter};
pub use switchboard_store::alerts::{Alert, AlertKind, ScanReport};

use crate::{ApiError, Ctx, Result};

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct AlertsListParams {
    /// Also acknowledged alerts.
    #[serde(default)]
    pub include_acked: bool,
    /// Only `root_cause` or only `term` alerts.
    #[serde(default)]
    pub kind: Option<AlertKind>,
    /// Only alerts that started on or after this UTC day (`YYYY-MM-DD`).
    #[serde(default)]
    pub since: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AlertsListResult {
    pub alerts: Vec<Alert>,
    /// Alerts not yet acknowledged (of all, not only those listed).
    pub unacked: i64,
}

pub fn alerts_list(ctx: &Ctx, p: &AlertsListParams) -> Result<AlertsListResult> {
    let since = p
        .since
        .as_deref()
        .map(|s| parse_day(s, "since"))
        .transpose()?;
    let store = ctx.store();
    let list = alerts::list(
        store.conn(),
        &AlertFilter {
            include_acked: p.include_acked,
            kind: p.kind,
            since,
        },
    )?;
    let unacked = alerts::list(store.conn(), &AlertFilter::default())?.len() as i64;
    Ok(AlertsListResult {
        alerts: list,
        unacked,
    })
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ts_rs::TS)]
pub struct AlertIdParams {
    pub id: i64,
}

/// Marks an alert as seen and dealt with; it leaves the default list.
pub fn alerts_ack(ctx: &Ctx, p: &AlertIdParams) -> Result<Alert> {
    let now = ctx.now();
    Ok(ctx.store().write(|tx| alerts::ack(tx, p.id, now))?)
}

pub fn alerts_show(ctx: &Ctx, p: &AlertIdParams) -> Result<Alert> {
    Ok(alerts::get(ctx.store().conn(), p.id)?)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct AlertsScanParams {
    /// First UTC day to raise alerts for (`YYYY-MM-DD`); default: the first inbound message.
    #[serde(default)]
    pub from: Option<String>,
    /// Last UTC day (`YYYY-MM-DD`, inclusive); default: today.
    #[serde(default)]
    pub to: Option<String>,
}

pub fn alerts_scan(ctx: &Ctx, p: &AlertsScanParams) -> Result<ScanReport> {
    let from = p
        .from
        .as_deref()
        .map(|s| parse_day(s, "from"))
        .transpose()?;
    let to =
        p.to.as_deref()
            .map(|s| parse_day(s, "to").map(|d| d + switchboard_core::alerts::DAY_MS - 1))
            .transpose()?;
    let now = ctx.now();
    Ok(ctx.store().write(|tx| alerts::scan(tx, from, to, now))?)
}

/// Alerts not yet shown as a desktop notification (oldest first).
pub fn alerts_unnotified(ctx: &Ctx, _: &crate::rpc::NoParams) -> Result<Vec<Alert>> {
    Ok(alerts::unnotified(ctx.store().conn())?)
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct AlertsMarkNotifiedParams {
    pub ids: Vec<i64>,
}

#[derive(Debug, Clone, Copy, Serialize, ts_rs::TS)]
pub struct AlertsMarkNotifiedResult {
    pub marked: i64,
}

pub fn alerts_mark_notified(
    ctx: &Ctx,
    p: &AlertsMarkNotifiedParams,
) -> Result<AlertsMarkNotifiedResult> {
    let now = ctx.now();
    let marked = ctx
        .store()
        .write(|tx| alerts::mark_notified(tx, &p.ids, now))?;
    Ok(AlertsMarkNotifiedResult {
        marked: marked as i64,
    })
}

/// A UTC day `YYYY-MM-DD` as the ms of its midnight. Alert days are UTC days.
fn parse_day(s: &str, what: &str) -> Result<i64> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(format!(
            "cannot read the {what} date {s:?}: expected a day as YYYY-MM-DD"
        ))
    })?;
    Ok(d.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_millis())
}
