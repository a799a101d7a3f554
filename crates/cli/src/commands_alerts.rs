//! `switchboard alerts scan|list|ack`: early-warning spikes (docs/alerts.md).

use clap::Subcommand;
use switchboard_api::alerts::{self as a, Alert, AlertKind};
use switchboard_api::{self as api, Ctx};

use crate::print_json;

#[derive(Subcommand)]
pub enum AlertsCommand {
    /// Rescan history for spikes (root causes and terms) between two days (local to the workspace).
    Scan {
        /// First day to raise alerts for (YYYY-MM-DD; default: the first inbound message).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day, inclusive (YYYY-MM-DD; default: today).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Alerts not yet acknowledged, newest first (--all: acknowledged ones too).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge an alert: seen and dealt with.
    Ack { id: i64 },
}

pub fn run_alerts(ctx: &Ctx, cmd: AlertsCommand) -> anyhow::Result<()> {
    match cmd {
        AlertsCommand::Scan { from, to, json } => {
            let r = a::alerts_scan(ctx, &a::AlertsScanParams { from, to })?;
            if json {
                print_json(&r)?;
            } else {
                say!(
                    "Scanned {} to {} ({} inbound messages): {} new alert{}",
                    day(r.from),
                    day(r.to),
                    r.messages,
                    r.raised.len(),
                    if r.raised.len() == 1 { "" } else { "s" }
                );
                for id in &r.raised {
                    print_row(&api::alerts::alerts_show(
                        ctx,
                        &a::AlertIdParams { id: *id },
                    )?);
                }
            }
        }
        AlertsCommand::List { all, json } => {
            let r = a::alerts_list(
                ctx,
                &a::AlertsListParams {
                    include_acked: all,
                    ..Default::default()
                },
            )?;
            if json {
                print_json(&r)?;
            } else if r.alerts.is_empty() {
                say!("No alerts");
            } else {
                say!(
                    "{:<5} {:<10} {:<10} {:>5} {:>8}  {:<8} SUBJECT",
                    "ID",
                    "DAY",
                    "KIND",
                    "COUNT",
                    "EXPECTED",
                    "CASES"
                );
                for x in &r.alerts {
                    print_row(x);
                }
            }
        }
        AlertsCommand::Ack { id } => {
            let x = a::alerts_ack(ctx, &a::AlertIdParams { id })?;
            say!("Alert {} acknowledged: {}", x.id, x.subject);
        }
    }
    Ok(())
}

fn print_row(x: &Alert) {
    say!(
        "{:<5} {:<10} {:<10} {:>5} {:>8.1}  {:<8} {}{}",
        x.id,
        day(x.start),
        match x.kind {
            AlertKind::Term => "term",
            AlertKind::RootCause => "root_cause",
        },
        x.count,
        x.expected,
        x.case_ids.len(),
        x.subject,
        if x.acked_at.is_some() { " (acked)" } else { "" }
    );
}

fn day(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| ms.to_string())
}
