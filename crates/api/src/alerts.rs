//! Early warning: list, acknowledge and rescan spike alerts (docs/alerts.md).
//!
//! Alerts are raised by the store as inbound messages are stored and cases are tagged; these
//! commands show them, mark them dealt with, and rescan history (after an import of old mail,
//! or to see what a past period would have raised).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use switchboard_core::reports::day_start;
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
    /// Only alerts that started on or after this local day (the workspace's time zone) (`YYYY-MM-DD`).
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
    let store = ctx.store();
    // Alert days are the workspace's local days (its business-hours time zone).
    let tz = alerts::workspace_params(store.conn())?.tz;
    let since = p
        .since
        .as_deref()
        .map(|s| parse_day(s, "since").map(|d| day_start(tz, d)))
        .transpose()?;
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
    /// First local day (the workspace's time zone) to raise alerts for (`YYYY-MM-DD`); default: the first inbound message.
    #[serde(default)]
    pub from: Option<String>,
    /// Last local day (the workspace's time zone) (`YYYY-MM-DD`, inclusive); default: today.
    #[serde(default)]
    pub to: Option<String>,
}

pub fn alerts_scan(ctx: &Ctx, p: &AlertsScanParams) -> Result<ScanReport> {
    let mut store = ctx.store();
    // Alert days are the workspace's local days (its business-hours time zone).
    let tz = alerts::workspace_params(store.conn())?.tz;
    let from = p
        .from
        .as_deref()
        .map(|s| parse_day(s, "from").map(|d| day_start(tz, d)))
        .transpose()?;
    let to =
        p.to.as_deref()
            .map(|s| parse_day(s, "to").map(|d| day_start(tz, d + chrono::Duration::days(1)) - 1))
            .transpose()?;
    let now = ctx.now();
    Ok(store.write(|tx| alerts::scan(tx, from, to, now))?)
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

/// A local day (the workspace's time zone) `YYYY-MM-DD` as the ms of its midnight. Alert days are local day (the workspace's time zone)s.
fn parse_day(s: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(format!(
            "cannot read the {what} date {s:?}: expected a day as YYYY-MM-DD"
        ))
    })
}
