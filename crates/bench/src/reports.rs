//! `reports`: a workspace of `--cases` cases (default 100k) spread over a year, written with
//! plain SQL in one transaction (building it through ingest would time ingest, not reports),
//! then each report is timed through its API function, warm, median of several runs.
//!
//! The history is shaped like a small shop's: ~60% email, ~30% Bluesky, ~10% Mastodon; most
//! cases answered within hours and resolved; public ones often taken to email; a root cause on
//! most; a channel reason on some; a tenth of them repeat contacts; a few reopened.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rusqlite::params;
use switchboard_api::reports::{self, ReportFixParams, ReportRange, ReportRootCausesParams};
use switchboard_api::root_cause::{RootCauseSetStatusParams, root_cause_set_status};
use switchboard_api::{Ctx, FixedClock};

use crate::report::{Table, percentile, thousands};
use crate::rng::Rng;
use crate::sys;

/// Issue budget: each report in < 150 ms on a 100k-case workspace.
const BUDGET_MS: f64 = 150.0;
const DAY: i64 = 24 * 3_600_000;
/// 2026-01-01T00:00:00Z: the year of history starts here; "now" is a year later.
const START: i64 = 1_767_225_600_000;
const RUNS: usize = 7;

pub struct ReportsArgs {
    pub cases: usize,
    pub seed: u64,
    pub work_dir: Option<PathBuf>,
    pub small: bool,
}

const PARENTS: [&str; 6] = [
    "Shipping",
    "Packaging",
    "Billing",
    "Product",
    "Website",
    "Returns",
];
const CHILDREN: [&str; 3] = ["Late", "Damaged", "Wrong item"];
const REASONS: [&str; 5] = [
    "phone_tree",
    "earlier_channel_failed",
    "faster",
    "prefers_channel",
    "other",
];

/// Writes the synthetic history into the workspace at `dir`.
fn build(dir: &std::path::Path, n: usize, seed: u64) -> anyhow::Result<()> {
    let mut conn = rusqlite::Connection::open(dir.join(switchboard_store::DB_FILE))?;
    let tx = conn.transaction()?;
    let mut rng = Rng::new(seed);
    tx.execute(
        "INSERT INTO accounts (id, kind, name, address, config, created_at) VALUES
           (1, 'email', 'mail', 'help@shop.example', '{}', ?1),
           (2, 'bluesky', 'bsky', 'shop.example', '{}', ?1),
           (3, 'mastodon', 'masto', 'shop@masto.example', '{}', ?1)",
        [START],
    )?;
    let mut cause_ids = Vec::new();
    for (i, p) in PARENTS.iter().enumerate() {
        let pid = 1 + i as i64 * 10;
        tx.execute(
            "INSERT INTO root_causes (id, name, created_at) VALUES (?1, ?2, ?3)",
            params![pid, p, START],
        )?;
        cause_ids.push(pid);
        for (j, c) in CHILDREN.iter().enumerate() {
            let cid = pid + 1 + j as i64;
            tx.execute(
                "INSERT INTO root_causes (id, name, parent_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![cid, c, pid, START],
            )?;
            cause_ids.push(cid);
        }
    }
    let contacts = (n * 3 / 5).max(1);
    {
        let mut ins =
            tx.prepare("INSERT INTO contacts (id, display_name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)")?;
        for k in 1..=contacts {
            ins.execute(params![k as i64, format!("Customer {k}"), START])?;
        }
    }
    let mut case_ins = tx.prepare(
        "INSERT INTO cases (id, status, subject, contact_id, channel_reason, first_response_at,
                            resolved_at, last_message_at, created_at, updated_at)
         VALUES (?1, ?2, 'Order question', ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?;
    let mut conv_ins = tx.prepare(
        "INSERT INTO conversations (id, account_id, channel, external_id, visibility, contact_id,
                                    last_message_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    )?;
    let mut link = tx.prepare(
        "INSERT INTO case_conversations (case_id, conversation_id, linked_at) VALUES (?1, ?2, ?3)",
    )?;
    let mut msg = tx.prepare(
        "INSERT INTO messages (account_id, conversation_id, external_id, channel, direction,
                               sent_at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?;
    let mut tag = tx.prepare(
        "INSERT INTO case_root_causes (case_id, root_cause_id, tagged_at) VALUES (?1, ?2, ?3)",
    )?;
    let mut clock = tx.prepare(
        "INSERT INTO response_clocks (case_id, started_at, due_at, minutes, basis, source,
                                      visibility, channel, responded_at, created_at)
         VALUES (?1, ?2, ?3, ?4, 'calendar', 'bench', ?5, ?6, ?7, ?2)",
    )?;
    let mut repeat = tx.prepare(
        "UPDATE cases SET repeat_of = ?2, repeat_count = 1, updated_at = ?3 WHERE id = ?1",
    )?;
    let mut event = tx.prepare(
        "INSERT INTO events (case_id, at, actor, kind, data) VALUES (?1, ?2, 'sync', 'status', ?3)",
    )?;
    let mut conv_id = 0i64;
    // Cases in time order, so ids ascend with time as they would in real life.
    let mut times: Vec<i64> = (0..n)
        .map(|_| START + rng.below(365 * DAY as u64) as i64)
        .collect();
    times.sort_unstable();
    for (i, &at) in times.iter().enumerate() {
        let id = i as i64 + 1;
        let roll = rng.below(10);
        let (account, channel, public) = match roll {
            0..=5 => (1, "email", false),
            6..=8 => (2, "bluesky", true),
            _ => (3, "mastodon", true),
        };
        let contact = 1 + rng.below(contacts as u64) as i64;
        let reply_after = (5 + rng.below(600)) as i64 * 60_000;
        let answered = rng.below(20) != 0;
        let resolved = rng.below(5) != 0;
        let offline = public && rng.below(2) == 0;
        let resolved_at =
            resolved.then(|| at + reply_after + (1 + rng.below(72)) as i64 * 3_600_000);
        let reason = (rng.below(5) == 0).then(|| REASONS[rng.below(5) as usize]);
        let last = resolved_at.unwrap_or(at + reply_after);
        case_ins.execute(params![
            id,
            if resolved { "resolved" } else { "open" },
            contact,
            reason,
            answered.then_some(at + reply_after),
            resolved_at,
            last,
            at
        ])?;
        conv_id += 1;
        conv_ins.execute(params![
            conv_id,
            account,
            channel,
            format!("c{conv_id}"),
            if public { "public" } else { "private" },
            contact,
            at
        ])?;
        link.execute(params![id, conv_id, at])?;
        msg.execute(params![
            account,
            conv_id,
            format!("m{id}-in"),
            channel,
            "inbound",
            at
        ])?;
        if answered {
            msg.execute(params![
                account,
                conv_id,
                format!("m{id}-out"),
                channel,
                "outbound",
                at + reply_after
            ])?;
        }
        if offline {
            conv_id += 1;
            conv_ins.execute(params![
                conv_id,
                1,
                "email",
                format!("c{conv_id}"),
                "private",
                contact,
                at + reply_after + 60_000
            ])?;
            link.execute(params![id, conv_id, at])?;
            msg.execute(params![
                1,
                conv_id,
                format!("m{id}-off"),
                "email",
                "outbound",
                at + reply_after + 60_000
            ])?;
        }
        if rng.below(100) < 85 {
            tag.execute(params![
                id,
                cause_ids[rng.below(cause_ids.len() as u64) as usize],
                at
            ])?;
        }
        let target = if public { 120 } else { 480 };
        clock.execute(params![
            id,
            at,
            at + target * 60_000,
            target,
            if public { "public" } else { "private" },
            channel,
            answered.then_some(at + reply_after)
        ])?;
        if i > 0 && rng.below(10) == 0 {
            repeat.execute(params![id, id - 1, at])?;
        }
        if let Some(r) = resolved_at
            && rng.below(50) == 0
        {
            event.execute(params![id, r + DAY, r#"{"from":"resolved","to":"open"}"#])?;
        }
    }
    drop((case_ins, conv_ins, link, msg, tag, clock, repeat, event));
    tx.commit()?;
    conn.execute_batch("ANALYZE")?;
    Ok(())
}

fn time<T>(runs: usize, mut f: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<(f64, T)> {
    let mut ms = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f()?);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 50.0), last.expect("at least one run")))
}

pub fn run(args: &ReportsArgs) -> anyhow::Result<()> {
    sys::Machine::detect().print();
    let base = args.work_dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&base)?;
    let work = tempfile::Builder::new()
        .prefix("switchboard-bench-reports-")
        .tempdir_in(&base)?;
    switchboard_api::workspace::workspace_init(work.path())?;
    let t = Instant::now();
    build(work.path(), args.cases, args.seed)?;
    println!(
        "reports: {} cases over a year built in {:.1} s in {}",
        thousands(args.cases as f64),
        t.elapsed().as_secs_f64(),
        work.path().display()
    );
    let now = START + 365 * DAY;
    let ctx = Ctx::open(work.path(), Arc::new(FixedClock::new(now)))?;
    // The fix of one cause, dated through the API the way a user sets it.
    root_cause_set_status(
        &ctx,
        &RootCauseSetStatusParams {
            root_cause: "Packaging".into(),
            status: "fixed".into(),
            note: None,
            fixed_on: Some("2026-10-01".into()),
        },
    )?;
    let range = |from: &str, to: &str| ReportRange {
        from: Some(from.into()),
        to: Some(to.into()),
        ..Default::default()
    };
    let runs = if args.small { 2 } else { RUNS };
    let judge = |ms: f64| (!args.small).then_some(ms < BUDGET_MS);
    let budget = format!("< {BUDGET_MS} ms");
    let mut table = Table::new(format!(
        "reports over {} cases (median of {runs} warm runs)",
        thousands(args.cases as f64)
    ));
    let (ms, r) = time(runs, || {
        Ok(reports::report_root_causes(
            &ctx,
            &ReportRootCausesParams {
                range: range("2026-10-05", "2026-12-27"),
                by: Some("week".into()),
            },
        )?)
    })?;
    table.budget(
        format!("rootcauses, 12 weeks by week ({} causes)", r.causes.len()),
        format!("{ms:.1} ms"),
        &budget,
        judge(ms),
    );
    let (ms, r) = time(runs, || {
        Ok(reports::report_root_causes(
            &ctx,
            &ReportRootCausesParams {
                range: range("2026-01-01", "2026-12-31"),
                by: Some("day".into()),
            },
        )?)
    })?;
    table.budget(
        format!(
            "rootcauses, whole year by day ({} periods)",
            r.periods.len()
        ),
        format!("{ms:.1} ms"),
        &budget,
        judge(ms),
    );
    let (ms, r) = time(runs, || {
        Ok(reports::report_fix(
            &ctx,
            &ReportFixParams {
                root_cause: "Packaging".into(),
                weeks: Some(4),
                channels: Vec::new(),
            },
        )?)
    })?;
    table.budget(
        format!(
            "fix, 4 weeks each side ({} + {} cases)",
            r.before.cases, r.after.cases
        ),
        format!("{ms:.1} ms"),
        &budget,
        judge(ms),
    );
    for (label, from) in [("28 days", "2026-12-04"), ("whole year", "2026-01-01")] {
        let (ms, r) = time(runs, || {
            Ok(reports::report_channels(&ctx, &range(from, "2026-12-31"))?)
        })?;
        let n: usize = r.channels.iter().map(|c| c.identified.count).sum();
        table.budget(
            format!("channels, {label} ({} cases)", thousands(n as f64)),
            format!("{ms:.1} ms"),
            &budget,
            judge(ms),
        );
        let (ms, r) = time(runs, || {
            Ok(reports::report_customers(&ctx, &range(from, "2026-12-31"))?)
        })?;
        table.budget(
            format!(
                "customers, {label} ({} cases)",
                thousands(r.cases.count as f64)
            ),
            format!("{ms:.1} ms"),
            &budget,
            judge(ms),
        );
    }
    table.print();
    Ok(())
}
