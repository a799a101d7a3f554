//! `switchboard report rootcauses|fix|channels|customers`: the reports as text tables, JSON
//! (`--json`, every number with the ids of its cases) or CSV (`--csv`).

use clap::{Args, Subcommand};
use switchboard_api::reports::{self, ReportFixParams, ReportRange, ReportRootCausesParams};
use switchboard_api::{self as api, Ctx};
use switchboard_core::reports::Count;
use switchboard_core::reports::trends::Bucket;

use crate::print_json;

#[derive(Args)]
pub struct RangeArgs {
    /// First day, YYYY-MM-DD in the workspace time zone (default: 27 days before --to).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last day, included (default: today).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Only cases that began on this channel (repeatable).
    #[arg(long = "channel", value_name = "CHANNEL")]
    channels: Vec<String>,
    /// Only cases with this root cause; a parent includes its children (repeatable).
    #[arg(long = "root-cause", value_name = "NAME")]
    root_causes: Vec<String>,
    #[command(flatten)]
    format: FormatArgs,
}

#[derive(Args)]
pub struct FormatArgs {
    /// JSON, with the case ids behind every number.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// CSV for spreadsheets.
    #[arg(long)]
    csv: bool,
}

impl RangeArgs {
    fn range(&self) -> ReportRange {
        ReportRange {
            from: self.from.clone(),
            to: self.to.clone(),
            channels: self.channels.clone(),
            root_causes: self.root_causes.clone(),
        }
    }
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Cases per root cause per day or week, by channel of origin; risers and fallers.
    Rootcauses {
        #[command(flatten)]
        range: RangeArgs,
        /// Bucket size: day or week.
        #[arg(long, default_value = "week", value_name = "day|week")]
        by: String,
    },
    /// Did the fix work: cases per week before and after the fix date, with an exact interval.
    Fix {
        /// "Name" or "Parent › Name" (marked fixed).
        name: String,
        /// Weeks on each side of the fix.
        #[arg(long, default_value_t = 4)]
        weeks: u32,
        /// Only cases that began on this channel (repeatable).
        #[arg(long = "channel", value_name = "CHANNEL")]
        channels: Vec<String>,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Per channel of origin: found, resolved where, response times, targets, repeats, reasons.
    Channels {
        #[command(flatten)]
        range: RangeArgs,
    },
    /// Unique customers, cases, reopened cases; the repeat contacts with their cases.
    Customers {
        #[command(flatten)]
        range: RangeArgs,
    },
}

/// A report as CSV is data for a file or a pipe: written byte for byte.
fn csv_out(f: impl FnOnce(&mut dyn std::io::Write) -> api::Result<()>) -> anyhow::Result<()> {
    #[allow(clippy::disallowed_methods)]
    let mut out = std::io::stdout().lock();
    f(&mut out)?;
    Ok(())
}

fn count(c: &Count) -> String {
    c.count.to_string()
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.0}%", 100.0 * x))
        .unwrap_or_else(|| "–".into())
}

fn mins(v: Option<i64>) -> String {
    match v {
        None => "–".into(),
        Some(m) if m < 60 => format!("{m}m"),
        Some(m) => format!("{}h{:02}m", m / 60, m % 60),
    }
}

pub fn run_report(ctx: &Ctx, cmd: ReportCommand) -> anyhow::Result<()> {
    match cmd {
        ReportCommand::Rootcauses { range, by } => {
            let r = reports::report_root_causes(
                ctx,
                &ReportRootCausesParams {
                    range: range.range(),
                    by: Some(by),
                },
            )?;
            if range.format.json {
                return print_json(&r);
            }
            if range.format.csv {
                return csv_out(|w| reports::root_causes_csv(&r, w));
            }
            say!(
                "Root causes {} to {} ({}), by {}; previous period {} to {}",
                r.from,
                r.to,
                r.time_zone,
                match r.by {
                    Bucket::Day => "day",
                    Bucket::Week => "week",
                },
                r.previous_from,
                r.previous_to
            );
            if r.causes.is_empty() {
                say!("No root causes yet.");
                return Ok(());
            }
            let mut header = format!(
                "{:<36}  {:>5}  {:>5}  {:>6}",
                "ROOT CAUSE", "CASES", "PREV", "CHANGE"
            );
            for p in &r.periods {
                header.push_str(&format!("  {:>5}", p.start.get(5..).unwrap_or(&p.start)));
            }
            say!("{header}");
            for c in &r.causes {
                let mut row = format!(
                    "{:<36}  {:>5}  {:>5}  {:>+6}",
                    c.path, c.total.count, c.previous.count, c.change
                );
                for b in &c.buckets {
                    row.push_str(&format!("  {:>5}", b.count));
                }
                say!("{row}");
            }
            if r.untagged.count > 0 {
                say!("{:<36}  {:>5}", "(no root cause)", r.untagged.count);
            }
            for (title, list) in [("Rising", &r.risers), ("Falling", &r.fallers)] {
                if !list.is_empty() {
                    let items: Vec<String> = list
                        .iter()
                        .map(|c| format!("{} {}→{}", c.path, c.previous, c.current))
                        .collect();
                    say!("{title}: {}", items.join(", "));
                }
            }
        }
        ReportCommand::Fix {
            name,
            weeks,
            channels,
            format,
        } => {
            let r = reports::report_fix(
                ctx,
                &ReportFixParams {
                    root_cause: name,
                    weeks: Some(weeks),
                    channels,
                },
            )?;
            if format.json {
                return print_json(&r);
            }
            if format.csv {
                return csv_out(|w| reports::fix_csv(&r, w));
            }
            say!(
                "{} — fixed {}{}",
                r.root_cause,
                api::export::iso(r.fixed_at).get(..10).unwrap_or_default(),
                r.fix_note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            );
            say!(
                "Before: {} in {:.1} weeks ({:.2}/week)",
                api::plural(r.before.cases, "case", "cases"),
                r.before.weeks,
                r.before.rate_per_week
            );
            say!(
                "After:  {} in {:.1} weeks ({:.2}/week)",
                api::plural(r.after.cases, "case", "cases"),
                r.after.weeks,
                r.after.rate_per_week
            );
            if let (Some(ratio), Some([lo, hi])) = (r.rate_ratio, r.ci95) {
                say!("Rate ratio {ratio:.2}, 95% interval {lo:.2}–{hi:.2}");
            }
            say!("{}", r.verdict_text);
            if !r.case_ids_after.is_empty() {
                let ids: Vec<String> = r.case_ids_after.iter().map(|i| format!("#{i}")).collect();
                say!("Cases after the fix: {}", ids.join(" "));
            }
        }
        ReportCommand::Channels { range } => {
            let r = reports::report_channels(ctx, &range.range())?;
            if range.format.json {
                return print_json(&r);
            }
            if range.format.csv {
                return csv_out(|w| reports::channels_csv(&r, w));
            }
            say!("Channels {} to {} ({})", r.from, r.to, r.time_zone);
            if r.channels.is_empty() {
                say!("No cases began in this range.");
                return Ok(());
            }
            say!(
                "{:<14}  {:>5}  {:>8}  {:>5}  {:>7}  {:>8}  {:>8}  {:>8}  {:>8}  {:>6}  {:>7}  {:>6}",
                "CHANNEL",
                "FOUND",
                "RESOLVED",
                "SAME",
                "OFFLINE",
                "1ST p50",
                "1ST p90",
                "RES p50",
                "RES p90",
                "PUBLIC",
                "PRIVATE",
                "REPEAT"
            );
            for c in &r.channels {
                say!(
                    "{:<14}  {:>5}  {:>8}  {:>5}  {:>7}  {:>8}  {:>8}  {:>8}  {:>8}  {:>6}  {:>7}  {:>6}",
                    c.channel,
                    count(&c.identified),
                    count(&c.resolved),
                    count(&c.resolved_same_channel),
                    count(&c.taken_offline),
                    mins(c.first_response.p50_minutes),
                    mins(c.first_response.p90_minutes),
                    mins(c.resolution.p50_minutes),
                    mins(c.resolution.p90_minutes),
                    pct(c.within_target.public.share),
                    pct(c.within_target.private.share),
                    pct(c.repeat_rate),
                );
            }
            say!("(times in business hours; PUBLIC/PRIVATE: share of responses within target)");
            say!();
            say!("Found on → resolved on:");
            for m in &r.matrix {
                say!("  {:<14} → {:<14} {:>5}", m.origin, m.resolved_on, m.count);
            }
            say!();
            say!("Why customers chose the channel:");
            for c in &r.channels {
                let reasons: Vec<String> = c
                    .reasons
                    .iter()
                    .map(|x| format!("{} {}", x.reason, x.count))
                    .collect();
                say!(
                    "  {:<14} {} (not asked: {})",
                    c.channel,
                    if reasons.is_empty() {
                        "–".into()
                    } else {
                        reasons.join(", ")
                    },
                    c.reason_unknown.count
                );
            }
        }
        ReportCommand::Customers { range } => {
            let r = reports::report_customers(ctx, &range.range())?;
            if range.format.json {
                return print_json(&r);
            }
            if range.format.csv {
                return csv_out(|w| reports::customers_csv(&r, w));
            }
            say!("Customers {} to {} ({})", r.from, r.to, r.time_zone);
            say!(
                "{}, {} ({}), {} reopened",
                api::plural(r.unique_customers, "unique customer", "unique customers"),
                api::plural(r.cases.count, "case", "cases"),
                api::plural(r.repeat_cases.count, "repeat contact", "repeat contacts"),
                r.reopened.count
            );
            if r.repeat_contacts.is_empty() {
                say!("No repeat contacts.");
                return Ok(());
            }
            say!();
            say!(
                "{:<32}  {:>5}  {:>6}  {:<20}  CASES",
                "CUSTOMER",
                "CASES",
                "REPEAT",
                "CHANNELS"
            );
            for c in &r.repeat_contacts {
                let who = c
                    .name
                    .clone()
                    .or_else(|| c.address.clone())
                    .unwrap_or_else(|| format!("contact {}", c.contact_id));
                let ids: Vec<String> = c.case_ids.iter().map(|i| format!("#{i}")).collect();
                say!(
                    "{:<32}  {:>5}  {:>6}  {:<20}  {}",
                    who,
                    c.case_ids.len(),
                    c.repeat_case_ids.len(),
                    c.channels.join(","),
                    ids.join(" ")
                );
            }
        }
    }
    Ok(())
}
