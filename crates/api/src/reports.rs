//! Reports: root-cause trends, "did the fix work", channels, customers. Each reads its rows
//! from `store::reports` and computes in `core::reports` with the clock from [`Ctx`]; each has
//! a CSV form for spreadsheets. Dates are local calendar days in the workspace time zone (the
//! business-hours setting). Definitions of every figure: docs/reports.md.

use std::io::Write;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use switchboard_core::hours::Schedule;
use switchboard_core::reports::channels::{self, ChannelReport};
use switchboard_core::reports::customers::{self, CustomerReport};
use switchboard_core::reports::fix::{self, FixReport};
use switchboard_core::reports::trends::{self, Bucket, RootCauseTrends};
use switchboard_core::reports::{DayRange, Filter, local_date};
use switchboard_store::reports::{self as rows, Selection};
use switchboard_store::{Connection, sla as store_sla, taxonomy};

use crate::{ApiError, Code, Ctx, Result};

/// The default range: the last 28 days, today included.
pub const DEFAULT_DAYS: i64 = 28;

/// What every report over a date range takes.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ReportRange {
    /// First day, `YYYY-MM-DD` in the workspace time zone (default: 27 days before `to`).
    #[serde(default)]
    pub from: Option<String>,
    /// Last day, included (default: today).
    #[serde(default)]
    pub to: Option<String>,
    /// Only cases that began on these channels (`email`, `bluesky`, …); empty for all.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Only cases with these root causes ("Name" or "Parent › Name"; a parent includes its
    /// children); empty for all.
    #[serde(default)]
    pub root_causes: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ReportRootCausesParams {
    #[serde(flatten)]
    pub range: ReportRange,
    /// `day` or `week` (default).
    #[serde(default)]
    pub by: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ReportFixParams {
    /// "Name" or "Parent › Name"; must be marked fixed.
    pub root_cause: String,
    /// Weeks on each side of the fix (default 4).
    #[serde(default)]
    pub weeks: Option<u32>,
    /// Only cases that began on these channels.
    #[serde(default)]
    pub channels: Vec<String>,
}

fn parse_day(what: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(format!(
            "cannot read the {what} date {s:?}: use YYYY-MM-DD, e.g. 2026-03-01"
        ))
    })
}

fn schedule(conn: &Connection) -> Result<Schedule> {
    let settings = store_sla::response_settings(conn)?;
    settings.hours.schedule().map_err(|e| {
        ApiError::invalid(format!(
            "cannot report: the business hours setting is not usable ({e}); fix it with `switchboard hours`"
        ))
    })
}

/// The range and filter a report runs over, checked.
struct Scope {
    range: DayRange,
    filter: Filter,
}

fn scope(ctx: &Ctx, conn: &Connection, schedule: &Schedule, p: &ReportRange) -> Result<Scope> {
    let tz = schedule.time_zone();
    let to = match &p.to {
        Some(s) => parse_day("to", s)?,
        None => local_date(tz, ctx.now()),
    };
    let from = match &p.from {
        Some(s) => parse_day("from", s)?,
        None => to - Duration::days(DEFAULT_DAYS - 1),
    };
    let range = DayRange::new(from, to, tz).map_err(|e| ApiError::invalid(e.to_string()))?;
    let mut root_causes = Vec::new();
    for name in &p.root_causes {
        root_causes.push(taxonomy::find_id(conn, name)?);
    }
    let channels = p
        .channels
        .iter()
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    Ok(Scope {
        range,
        filter: Filter {
            channels,
            root_causes,
        },
    })
}

/// Cases per root cause per day or week, stacked by channel of origin, with risers and fallers.
pub fn report_root_causes(ctx: &Ctx, p: &ReportRootCausesParams) -> Result<RootCauseTrends> {
    let by = match &p.by {
        None => Bucket::Week,
        Some(s) => Bucket::parse(s)
            .ok_or_else(|| ApiError::invalid(format!("cannot group by {s:?}: use day or week")))?,
    };
    let store = ctx.store();
    let conn = store.conn();
    let schedule = schedule(conn)?;
    let s = scope(ctx, conn, &schedule, &p.range)?;
    let (start, _) = s.range.previous().bounds();
    let (_, end) = s.range.bounds();
    let facts = rows::case_facts(conn, &Selection::Began(start, end))?;
    let causes = rows::causes(conn)?;
    Ok(trends::root_cause_trends(
        &facts, &causes, &s.filter, s.range, by,
    ))
}

/// Did the fix of a root cause work: rates before and after its fix date, the exact interval
/// on their ratio, and the verdict.
pub fn report_fix(ctx: &Ctx, p: &ReportFixParams) -> Result<FixReport> {
    let store = ctx.store();
    let conn = store.conn();
    let id = taxonomy::find_id(conn, &p.root_cause)?;
    let causes = rows::causes(conn)?;
    let rc = causes.iter().find(|c| c.id == id).ok_or_else(|| {
        ApiError::new(
            Code::NotFound,
            format!("root cause {:?} not found", p.root_cause),
        )
    })?;
    let fixed_at = match (rc.status.as_str(), rc.fixed_at) {
        ("fixed", Some(at)) => at,
        _ => {
            return Err(ApiError::new(
                Code::Conflict,
                format!(
                    "cannot report on the fix of {}: it is not marked fixed (status {}); mark it with `switchboard rootcause status \"{}\" fixed --on DATE`",
                    rc.path, rc.status, rc.path
                ),
            ));
        }
    };
    let weeks = p.weeks.unwrap_or(fix::DEFAULT_WEEKS);
    if weeks == 0 || weeks > 520 {
        return Err(ApiError::invalid(format!(
            "cannot compare {weeks} weeks: use 1 to 520"
        )));
    }
    let now = ctx.now();
    let span = weeks as i64 * fix::WEEK_MS;
    let facts = rows::case_facts(
        conn,
        &Selection::Began(fixed_at - span, (fixed_at + span).min(now).max(fixed_at)),
    )?;
    let filter = Filter {
        channels: p
            .channels
            .iter()
            .map(|c| c.trim().to_ascii_lowercase())
            .collect(),
        root_causes: Vec::new(),
    };
    Ok(fix::fix_report(
        &facts, &causes, rc, fixed_at, weeks, &filter, now,
    ))
}

/// Per channel of origin: found, resolved where, response and resolution times, targets,
/// repeats, reasons; and the origin → resolution matrix.
pub fn report_channels(ctx: &Ctx, p: &ReportRange) -> Result<ChannelReport> {
    let store = ctx.store();
    let conn = store.conn();
    let schedule = schedule(conn)?;
    let s = scope(ctx, conn, &schedule, p)?;
    let bounds = s.range.bounds();
    let facts = rows::case_facts(conn, &Selection::Began(bounds.0, bounds.1))?;
    let clocks = rows::clocks(conn, bounds.0, bounds.1)?;
    let causes = rows::causes(conn)?;
    let (from, to) = (s.range.from.to_string(), s.range.to.to_string());
    Ok(channels::channel_report(
        &facts,
        &clocks,
        &causes,
        &s.filter,
        &schedule,
        bounds,
        (&from, &to),
        ctx.now(),
    ))
}

/// Unique customers, cases, reopened cases, and the repeat contacts with their cases.
pub fn report_customers(ctx: &Ctx, p: &ReportRange) -> Result<CustomerReport> {
    let store = ctx.store();
    let conn = store.conn();
    let schedule = schedule(conn)?;
    let s = scope(ctx, conn, &schedule, p)?;
    let bounds = s.range.bounds();
    let mut facts = rows::case_facts(conn, &Selection::Began(bounds.0, bounds.1))?;
    let reopens = rows::reopens(conn, bounds.0, bounds.1)?;
    let mut older: Vec<i64> = reopens
        .iter()
        .map(|r| r.0)
        .filter(|id| facts.binary_search_by_key(id, |f| f.id).is_err())
        .collect();
    older.sort_unstable();
    older.dedup();
    facts.extend(rows::case_facts(conn, &Selection::Ids(older))?);
    let mut contact_ids: Vec<i64> = facts
        .iter()
        .filter(|f| f.repeat && f.created_at >= bounds.0 && f.created_at < bounds.1)
        .filter_map(|f| f.contact_id)
        .collect();
    contact_ids.sort_unstable();
    contact_ids.dedup();
    let contacts = rows::contacts(conn, &contact_ids)?;
    let causes = rows::causes(conn)?;
    let (from, to) = (s.range.from.to_string(), s.range.to.to_string());
    Ok(customers::customer_report(
        &facts,
        &contacts,
        &reopens,
        &causes,
        &s.filter,
        bounds,
        (&from, &to, schedule.time_zone().name()),
    ))
}

// ---------------------------------------------------------------------------------------------
// CSV: one table per report, ids of the cases behind each row joined with ';'.
// ---------------------------------------------------------------------------------------------

fn csv_err(e: csv::Error) -> ApiError {
    ApiError::new(Code::Io, format!("cannot write the report as CSV: {e}"))
}

fn ids(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(";")
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn ratio(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_default()
}

/// One row per root cause and period: total, one column per channel of origin, case ids.
pub fn root_causes_csv(r: &RootCauseTrends, out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["root_cause", "period_start", "period_end", "cases"];
    header.extend(r.channels.iter().map(String::as_str));
    header.push("case_ids");
    w.write_record(&header).map_err(csv_err)?;
    for c in &r.causes {
        for (b, p) in c.buckets.iter().zip(&r.periods) {
            let mut row = vec![
                c.path.clone(),
                p.start.clone(),
                p.end.clone(),
                b.count.to_string(),
            ];
            for ch in &r.channels {
                let n = b
                    .by_channel
                    .iter()
                    .find(|x| x.channel == *ch)
                    .map_or(0, |x| x.count);
                row.push(n.to_string());
            }
            row.push(ids(&b.case_ids));
            w.write_record(&row).map_err(csv_err)?;
        }
    }
    w.flush()
        .map_err(|e| ApiError::new(Code::Io, format!("cannot write the report: {e}")))
}

/// One row: the fix report.
pub fn fix_csv(r: &FixReport, out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "root_cause",
        "fixed_at",
        "weeks_before",
        "cases_before",
        "weeks_after",
        "cases_after",
        "rate_before_per_week",
        "rate_after_per_week",
        "rate_ratio",
        "ci95_low",
        "ci95_high",
        "verdict",
        "case_ids_before",
        "case_ids_after",
    ])
    .map_err(csv_err)?;
    let verdict = serde_json::to_value(r.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    w.write_record([
        r.root_cause.clone(),
        crate::export::iso(r.fixed_at),
        format!("{:.4}", r.before.weeks),
        r.before.cases.to_string(),
        format!("{:.4}", r.after.weeks),
        r.after.cases.to_string(),
        format!("{:.4}", r.before.rate_per_week),
        format!("{:.4}", r.after.rate_per_week),
        ratio(r.rate_ratio),
        ratio(r.ci95.map(|c| c[0])),
        ratio(r.ci95.map(|c| c[1])),
        verdict,
        ids(&r.before.case_ids),
        ids(&r.case_ids_after),
    ])
    .map_err(csv_err)?;
    w.flush()
        .map_err(|e| ApiError::new(Code::Io, format!("cannot write the report: {e}")))
}

/// One row per channel of origin.
pub fn channels_csv(r: &ChannelReport, out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "channel",
        "identified",
        "resolved",
        "resolved_same_channel",
        "resolved_elsewhere",
        "taken_offline",
        "taken_offline_to",
        "first_response_p50_min",
        "first_response_p90_min",
        "resolution_p50_min",
        "resolution_p90_min",
        "public_within_target",
        "private_within_target",
        "repeat_cases",
        "repeat_rate",
        "reasons",
        "case_ids",
    ])
    .map_err(csv_err)?;
    let list = |l: &[trends::ChannelCount]| {
        l.iter()
            .map(|x| format!("{}={}", x.channel, x.count))
            .collect::<Vec<_>>()
            .join(";")
    };
    for c in &r.channels {
        w.write_record([
            c.channel.clone(),
            c.identified.count.to_string(),
            c.resolved.count.to_string(),
            c.resolved_same_channel.count.to_string(),
            list(&c.resolved_elsewhere),
            c.taken_offline.count.to_string(),
            list(&c.taken_offline_to),
            opt(c.first_response.p50_minutes),
            opt(c.first_response.p90_minutes),
            opt(c.resolution.p50_minutes),
            opt(c.resolution.p90_minutes),
            ratio(c.within_target.public.share),
            ratio(c.within_target.private.share),
            c.repeat.count.to_string(),
            ratio(c.repeat_rate),
            c.reasons
                .iter()
                .map(|x| format!("{}={}", x.reason, x.count))
                .collect::<Vec<_>>()
                .join(";"),
            ids(&c.identified.case_ids),
        ])
        .map_err(csv_err)?;
    }
    w.flush()
        .map_err(|e| ApiError::new(Code::Io, format!("cannot write the report: {e}")))
}

/// One row per repeat contact.
pub fn customers_csv(r: &CustomerReport, out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "contact_id",
        "name",
        "address",
        "cases",
        "repeat_cases",
        "channels",
        "case_ids",
        "repeat_case_ids",
    ])
    .map_err(csv_err)?;
    for c in &r.repeat_contacts {
        w.write_record([
            c.contact_id.to_string(),
            c.name.clone().unwrap_or_default(),
            c.address.clone().unwrap_or_default(),
            c.case_ids.len().to_string(),
            c.repeat_case_ids.len().to_string(),
            c.channels.join(";"),
            ids(&c.case_ids),
            ids(&c.repeat_case_ids),
        ])
        .map_err(csv_err)?;
    }
    w.flush()
        .map_err(|e| ApiError::new(Code::Io, format!("cannot write the report: {e}")))
}
