//! Human-readable output: tables, summaries, the progress bar.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use switchboard_api::case::{CaseDetail, ListCasesResult, SearchResult};
use switchboard_api::export::iso;
use switchboard_api::import::{ImportProgress, ImportResult};
use switchboard_api::plural;
use switchboard_api::root_cause::RootCause;

/// A time as "2026-12-07 14:05" (UTC).
fn when(ms: i64) -> String {
    iso(ms).get(..16).unwrap_or_default().replace('T', " ")
}

pub fn progress_bar(visible: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(0),
        if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}%  {msg}",
        )
        .expect("valid template"),
    );
    bar
}

pub fn update_import_bar(bar: &ProgressBar, p: &ImportProgress) {
    bar.set_length(p.total.max(1));
    bar.set_position(p.done.min(p.total));
    bar.set_message(format!(
        "{} imported, {} duplicates, {} not mail, {} failed",
        p.imported, p.duplicates, p.skipped, p.failed
    ));
}

/// Skipped files listed by name in the summary; the rest are counted (all are in `--json`).
const SKIPPED_LISTED: usize = 20;

pub fn print_import_summary(r: &ImportResult) {
    // Files without mail are counted only when there are some, listed below the line.
    let not_mail = match r.skipped.len() {
        0 => String::new(),
        1 => "; 1 file not imported (no mail in it)".to_string(),
        n => format!("; {n} files not imported (no mail in them)"),
    };
    println!(
        "Imported {} messages ({} new cases, {} reopened); {} duplicates skipped{not_mail}; {} failed.",
        r.imported,
        r.cases_created,
        r.cases_reopened,
        r.duplicates,
        r.failed.len()
    );
    for s in r.skipped.iter().take(SKIPPED_LISTED) {
        println!("  not imported: {}: {}", s.origin, s.reason);
    }
    if r.skipped.len() > SKIPPED_LISTED {
        println!(
            "  … and {} more not imported (all are listed with --json)",
            r.skipped.len() - SKIPPED_LISTED
        );
    }
    for f in &r.failed {
        println!("  failed: {}: {}", f.origin, f.reason);
    }
}

fn cut(s: &str, n: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        let mut t: String = one_line.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn print_case_list(r: &ListCasesResult) {
    if r.cases.is_empty() {
        println!("No cases.");
        return;
    }
    println!(
        "{:>6}  {:<8}  {:<10}  {:<28}  {:<44}  {:>4}  {:<16}  {:<6}  {:<22}",
        "ID", "STATUS", "CHANNEL", "CUSTOMER", "SUBJECT", "MSGS", "LAST", "REPEAT", "REASON"
    );
    for c in &r.cases {
        let who = c
            .contact
            .as_ref()
            .and_then(|k| k.name.clone().or_else(|| k.address.clone()))
            .unwrap_or_default();
        let mut subject = c.subject.clone().unwrap_or_else(|| c.snippet.clone());
        if !c.root_causes.is_empty() {
            subject = format!("{subject} [{}]", c.root_causes.join(", "));
        }
        println!(
            "{:>6}  {:<8}  {:<10}  {:<28}  {:<44}  {:>4}  {:<16}  {:<6}  {:<22}",
            format!("#{}", c.id),
            c.status.as_str(),
            cut(&c.channels.join(","), 10),
            cut(&who, 28),
            cut(&subject, 44),
            c.message_count,
            c.last_message_at
                .map(|t| iso(t).get(..16).unwrap_or_default().replace('T', " "))
                .unwrap_or_default(),
            if c.repeat { "repeat" } else { "" },
            cut(
                c.channel_reason
                    .as_deref()
                    .map(|r| r.split(':').next().unwrap_or(r))
                    .unwrap_or(""),
                22
            )
        );
    }
    if (r.cases.len() as i64) < r.total {
        println!(
            "({} of {}; use --limit and --offset for more)",
            r.cases.len(),
            plural(r.total, "case", "cases")
        );
    }
}

pub fn print_case(c: &CaseDetail) {
    let s = &c.case;
    println!(
        "Case #{} — {}",
        s.id,
        s.subject.as_deref().unwrap_or("(no subject)")
    );
    println!("Status:   {}   Priority: {}", s.status.as_str(), s.priority);
    if let Some(due) = s.response_due_at {
        println!("Response due: {}", when(due));
    }
    match (s.snoozed_until, c.triage.snooze_until_reply) {
        (Some(until), _) => println!("Snoozed until {}", when(until)),
        (None, true) => println!("Snoozed until the customer replies"),
        (None, false) => {}
    }
    if s.no_reply_needed {
        println!("No reply needed");
    }
    if let Some(k) = &s.contact {
        println!(
            "Customer: {} {}",
            k.name.as_deref().unwrap_or(""),
            k.address
                .as_deref()
                .map(|a| format!("<{a}>"))
                .unwrap_or_default()
        );
    }
    println!("Channels: {}", s.channels.join(", "));
    println!(
        "Channel reason: {}",
        s.channel_reason.as_deref().unwrap_or("(not asked)")
    );
    println!(
        "Repeat contact: {}",
        if s.repeat {
            "yes (this customer had another case open or recently resolved)"
        } else {
            "no"
        }
    );
    if !s.root_causes.is_empty() {
        println!("Root causes: {}", s.root_causes.join(", "));
    }
    if !s.labels.is_empty() {
        println!("Labels:   {}", s.labels.join(", "));
    }
    if !c.follow_ups.is_empty() {
        println!("Follow-ups:");
        for f in &c.follow_ups {
            let state = match f.done_at {
                Some(done) => format!("done {}", when(done)),
                None => format!("due {}", when(f.due_at)),
            };
            println!("  #{} {state}: {}", f.id, f.note);
        }
    }
    if !c.calls.is_empty() {
        println!("Logged calls:");
        for k in &c.calls {
            println!(
                "  {} {} {} {}m{:02}s{}{}",
                when(k.at),
                k.direction,
                if k.channel == "in_person" {
                    "visit"
                } else {
                    "call"
                },
                k.duration_s / 60,
                k.duration_s % 60,
                k.outcome
                    .as_deref()
                    .map(|o| format!(", {}", o.replace('_', " ")))
                    .unwrap_or_default(),
                k.note
                    .lines()
                    .next()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| format!(": {}", cut(l, 60)))
                    .unwrap_or_default()
            );
        }
    }
    if !c.earlier_cases.is_empty() {
        println!("Earlier cases:");
        for e in &c.earlier_cases {
            println!(
                "  #{} {} ({}, {})",
                e.id,
                cut(e.subject.as_deref().unwrap_or("(no subject)"), 60),
                e.status,
                when(e.created_at)
            );
        }
    }
    for m in &c.messages {
        println!();
        let who = m
            .author
            .as_ref()
            .map(|a| {
                format!(
                    "{} <{}>",
                    a.name.as_deref().unwrap_or(""),
                    a.address.as_deref().unwrap_or("")
                )
            })
            .unwrap_or_else(|| "(unknown sender)".into());
        let arrow = if m.direction == "outbound" {
            "→"
        } else {
            "←"
        };
        println!(
            "{arrow} {}  {}  [{}]",
            iso(m.sent_at),
            who.trim(),
            m.channel
        );
        if let Some(sub) = &m.subject {
            println!("  Subject: {sub}");
        }
        for line in m.text.lines().take(40) {
            println!("  {line}");
        }
        for a in &m.attachments {
            println!(
                "  📎 {} ({}, {} bytes)",
                a.filename.as_deref().unwrap_or("unnamed"),
                a.content_type,
                a.size
            );
        }
    }
    for n in &c.notes {
        println!();
        println!("✎ note {}: {}", iso(n.created_at), n.body);
    }
}

pub fn print_search(r: &SearchResult) {
    if r.hits.is_empty() {
        println!("No matches for {:?}.", r.query);
        return;
    }
    for h in &r.hits {
        println!(
            "case #{:<6} {}  {}  {}",
            h.case_id,
            iso(h.sent_at).get(..10).unwrap_or_default(),
            cut(h.author.as_deref().unwrap_or(""), 24),
            cut(h.subject.as_deref().unwrap_or(""), 60)
        );
        println!("    {}", cut(&h.snippet, 110));
    }
}

pub fn print_root_causes(list: &[RootCause]) {
    if list.is_empty() {
        println!("No root causes yet. Add one: switchboard rootcause add NAME [--parent NAME]");
        return;
    }
    println!(
        "{:<44}  {:<7}  {:>5}  {:>5}",
        "ROOT CAUSE", "STATUS", "CASES", "OPEN"
    );
    for rc in list {
        // Indent after cutting: `cut` collapses whitespace, which would eat the indent.
        let name = match rc.parent_id {
            Some(_) => format!("  {}", cut(&rc.name, 42)),
            None => cut(&rc.name, 44),
        };
        println!(
            "{:<44}  {:<7}  {:>5}  {:>5}",
            name, rc.status, rc.case_count, rc.open_case_count
        );
    }
}
