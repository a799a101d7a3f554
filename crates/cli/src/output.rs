//! Human-readable output: tables, summaries, the progress bar — and the one gate every line of it
//! goes through on its way to the terminal.
//!
//! Why the gate: subjects, names, bodies and file names are written by strangers. Printed as they
//! are, `ESC]0;…BEL` retitles the terminal, `ESC[2J` clears it, `ESC[2K` + `\r` erases a line
//! and prints a fake one in its place, and bidi overrides make text read differently from what it
//! is. [`say!`] and [`say_err!`] (the only ways this crate prints; `clippy.toml` forbids
//! `println!` and friends) pass the whole line through [`terminal_safe`], so no command can forget
//! it. Fields that the layout wants on one line also go through [`one_line`]. `--json` keeps serde's
//! escaping of C0 controls and adds `\uXXXX` escapes for the C1 and bidi characters serde leaves
//! raw ([`json_safe`]), so the value a script reads is unchanged.

use std::borrow::Cow;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use switchboard_api::case::HitKind;
use switchboard_api::case::{CaseDetail, ListCasesResult, SearchResult};
use switchboard_api::export::iso;
use switchboard_api::import::{ImportProgress, ImportResult};
use switchboard_api::plural;
use switchboard_api::root_cause::RootCause;

/// A time as "2026-12-07 14:05" (UTC).
fn when(ms: i64) -> String {
    iso(ms).get(..16).unwrap_or_default().replace('T', " ")
}

/// Prints one line of human-readable output on stdout, made safe for a terminal.
macro_rules! say {
    () => {
        $crate::output::emit("")
    };
    ($($arg:tt)*) => {
        $crate::output::emit(&format!($($arg)*))
    };
}

/// Prints one line on stderr (errors, progress notes), made safe for a terminal.
macro_rules! say_err {
    ($($arg:tt)*) => {
        $crate::output::emit_err(&format!($($arg)*))
    };
}

/// Writes `text` and a newline to stdout after [`terminal_safe`]. `println!` keeps its
/// "failed printing to stdout" panic on a closed pipe, which `main` turns into a quiet exit.
#[allow(clippy::disallowed_macros)]
pub fn emit(text: &str) {
    println!("{}", terminal_safe(text, true));
}

/// Like [`emit`], without the trailing newline (for text that ends in its own).
#[allow(clippy::disallowed_macros)]
pub fn emit_block(text: &str) {
    print!("{}", terminal_safe(text, true));
}

/// Writes data meant for a file or a pipe (`--json`, an export to stdout) exactly as it is.
/// Human-readable text never goes here.
#[allow(clippy::disallowed_methods)]
pub fn emit_data(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::io::stdout().lock().write_all(text.as_bytes())
}

/// Writes `text` and a newline to stderr after [`terminal_safe`].
#[allow(clippy::disallowed_macros)]
pub fn emit_err(text: &str) {
    eprintln!("{}", terminal_safe(text, true));
}

/// Characters that change what a terminal shows instead of being shown: C0 controls (ESC, BEL,
/// CR, backspace, …), DEL, C1 controls (U+0080–U+009F, which include the 8-bit CSI and OSC), the
/// bidi embeddings, overrides, isolates and marks, and the Unicode line and paragraph separators.
fn is_terminal_control(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// `text` with every terminal control replaced by a visible escape such as `\u{1b}`, so a
/// stranger's text can neither drive the terminal nor fake output. With `keep_newlines`, `\n` and
/// `\r\n` end lines and tabs stay; a lone `\r` (which would let the rest of the line overwrite
/// what came before) is shown as `\r`. Without it the text is one line: newlines show as `\n`
/// and tabs become spaces.
pub fn terminal_safe(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !text.chars().any(is_terminal_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\r' if keep_newlines && chars.peek() == Some(&'\n') => {}
            '\t' if keep_newlines => out.push('\t'),
            '\t' => out.push(' '),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_terminal_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A stranger-written field (subject, name, address, file name) for a place where the layout
/// wants one line.
pub fn one_line(text: &str) -> Cow<'_, str> {
    terminal_safe(text, false)
}

/// Serialized JSON with the terminal controls serde leaves raw (C1, bidi, separators) escaped as
/// `\uXXXX`. serde already escapes C0 controls inside strings, and every remaining control can only sit inside
/// a string, where `\uXXXX` means the same character: the value a script parses is unchanged.
pub fn json_safe(json: &str) -> Cow<'_, str> {
    // Pretty-printed JSON's own line breaks are layout; inside strings serde writes `\n`.
    let escaped = |c: char| c != '\n' && is_terminal_control(c);
    if !json.chars().any(escaped) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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
    say!("{}", switchboard_api::import::summary(r));
    for s in r.skipped.iter().take(SKIPPED_LISTED) {
        say!("  not imported: {}: {}", s.origin, s.reason);
    }
    if r.skipped.len() > SKIPPED_LISTED {
        say!(
            "  … and {} more not imported (all are listed with --json)",
            r.skipped.len() - SKIPPED_LISTED
        );
    }
    for f in &r.failed {
        say!("  failed: {}: {}", one_line(&f.origin), one_line(&f.reason));
    }
}

/// `s` on one line (whitespace runs collapsed, controls escaped), at most `n` characters.
pub fn cut(s: &str, n: usize) -> String {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = one_line(&collapsed);
    if line.chars().count() <= n {
        line.into_owned()
    } else {
        let mut t: String = line.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn print_case_list(r: &ListCasesResult) {
    if r.cases.is_empty() {
        say!("No cases.");
        return;
    }
    say!(
        "{:>6}  {:<8}  {:<10}  {:<28}  {:<44}  {:>4}  {:<16}  {:<6}  {:<22}",
        "ID",
        "STATUS",
        "CHANNEL",
        "CUSTOMER",
        "SUBJECT",
        "MSGS",
        "LAST",
        "REPEAT",
        "REASON"
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
        say!(
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
                    .or(c.automated.as_deref())
                    .unwrap_or(""),
                22
            )
        );
    }
    if (r.cases.len() as i64) < r.total {
        say!(
            "({} of {}; use --limit and --offset for more)",
            r.cases.len(),
            plural(r.total, "case", "cases")
        );
    }
}

pub fn print_case(c: &CaseDetail) {
    let s = &c.case;
    say!(
        "Case #{} — {}",
        s.id,
        one_line(s.subject.as_deref().unwrap_or("(no subject)"))
    );
    say!("Status:   {}   Priority: {}", s.status.as_str(), s.priority);
    if let Some(due) = s.response_due_at {
        say!("Response due: {}", when(due));
    }
    match (s.snoozed_until, c.snooze_until_reply) {
        (Some(until), _) => say!("Snoozed until {}", when(until)),
        (None, true) => say!("Snoozed until the customer replies"),
        (None, false) => {}
    }
    if s.no_reply_needed {
        say!("No reply needed");
    }
    if let Some(reason) = &s.automated {
        say!(
            "Automated: {} (kept out of the inbox and reports; `case automated {} --off` if this \
             is a real customer)",
            one_line(reason),
            s.id
        );
    }
    if let Some(k) = &s.contact {
        say!(
            "Customer: {} {}",
            one_line(k.name.as_deref().unwrap_or("")),
            k.address
                .as_deref()
                .map(|a| format!("<{}>", one_line(a)))
                .unwrap_or_default()
        );
    }
    say!("Channels: {}", s.channels.join(", "));
    say!(
        "Channel reason: {}",
        s.channel_reason.as_deref().unwrap_or("(not asked)")
    );
    say!(
        "Repeat contact: {}",
        if s.repeat {
            "yes (this customer had another case open or recently resolved)"
        } else {
            "no"
        }
    );
    if !s.root_causes.is_empty() {
        say!("Root causes: {}", s.root_causes.join(", "));
    }
    if !s.labels.is_empty() {
        say!("Labels:   {}", s.labels.join(", "));
    }
    if !c.follow_ups.is_empty() {
        say!("Follow-ups:");
        for f in &c.follow_ups {
            let state = match f.done_at {
                Some(done) => format!("done {}", when(done)),
                None => format!("due {}", when(f.due_at)),
            };
            say!("  #{} {state}: {}", f.id, f.note);
        }
    }
    if !c.calls.is_empty() {
        say!("Logged calls:");
        for k in &c.calls {
            say!(
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
        say!("Earlier cases:");
        for e in &c.earlier_cases {
            say!(
                "  #{} {} ({}, {})",
                e.id,
                cut(e.subject.as_deref().unwrap_or("(no subject)"), 60),
                e.status,
                when(e.created_at)
            );
        }
    }
    for m in &c.messages {
        say!();
        let who = m
            .author
            .as_ref()
            .map(|a| {
                format!(
                    "{} <{}>",
                    one_line(a.name.as_deref().unwrap_or("")),
                    one_line(a.address.as_deref().unwrap_or(""))
                )
            })
            .unwrap_or_else(|| "(unknown sender)".into());
        let arrow = if m.direction == "outbound" {
            "→"
        } else {
            "←"
        };
        say!(
            "{arrow} {}  {}  [{}]",
            iso(m.sent_at),
            who.trim(),
            m.channel
        );
        if let Some(sub) = &m.subject {
            say!("  Subject: {}", one_line(sub));
        }
        for line in m.text.lines().take(40) {
            say!("  {line}");
        }
        for a in &m.attachments {
            say!(
                "  📎 {} ({}, {} bytes)",
                one_line(a.filename.as_deref().unwrap_or("unnamed")),
                a.content_type,
                a.size
            );
        }
    }
    for n in &c.notes {
        say!();
        say!("✎ note {}: {}", iso(n.created_at), n.body);
    }
}

pub fn print_search(r: &SearchResult) {
    if r.hits.is_empty() {
        say!("No matches for {:?}.", r.query);
        return;
    }
    for h in &r.hits {
        let kind = match h.kind {
            HitKind::Message => "",
            HitKind::Note => "✎ note  ",
        };
        say!(
            "case #{:<6} {}  {kind}{}  {}",
            h.case_id,
            iso(h.sent_at).get(..10).unwrap_or_default(),
            cut(h.author.as_deref().unwrap_or(""), 24),
            cut(h.subject.as_deref().unwrap_or(""), 60)
        );
        say!("    {}", cut(&h.snippet, 110));
    }
}

pub fn print_root_causes(list: &[RootCause]) {
    if list.is_empty() {
        say!("No root causes yet. Add one: switchboard rootcause add NAME [--parent NAME]");
        return;
    }
    say!(
        "{:<44}  {:<7}  {:>5}  {:>5}",
        "ROOT CAUSE",
        "STATUS",
        "CASES",
        "OPEN"
    );
    for rc in list {
        // Indent after cutting: `cut` collapses whitespace, which would eat the indent.
        let name = match rc.parent_id {
            Some(_) => format!("  {}", cut(&rc.name, 42)),
            None => cut(&rc.name, 44),
        };
        say!(
            "{:<44}  {:<7}  {:>5}  {:>5}",
            name,
            rc.status,
            rc.case_count,
            rc.open_case_count
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_become_visible_escapes() {
        assert_eq!(
            terminal_safe("a\u{1b}]0;title\u{7}b\u{1b}[2J", true),
            "a\\u{1b}]0;title\\u{7}b\\u{1b}[2J",
            "OSC title, BEL and clear screen are shown, not obeyed"
        );
        assert_eq!(
            terminal_safe("ok\u{1b}[2K\rfake", true),
            "ok\\u{1b}[2K\\rfake",
            "a lone CR cannot return to the start of the line"
        );
        assert_eq!(
            terminal_safe("x\u{9b}31m\u{7f}\u{202e}gnp.exe\u{2066}\u{200f}", true),
            "x\\u{9b}31m\\u{7f}\\u{202e}gnp.exe\\u{2066}\\u{200f}",
            "8-bit CSI, DEL, bidi override, isolate and mark"
        );
        assert_eq!(
            terminal_safe("line 1\r\nline 2\n\tindented", true),
            "line 1\nline 2\n\tindented",
            "with layout: CRLF and LF end lines, tabs stay"
        );
        assert_eq!(
            one_line("Subject\r\nInjected: yes\tx"),
            "Subject\\r\\nInjected: yes x",
            "one line: a stranger's newline cannot start a fake line"
        );
        assert!(
            matches!(
                terminal_safe("Grüße, 日本 👋🏽 — fine", true),
                Cow::Borrowed(_)
            ),
            "ordinary text is passed through untouched"
        );
    }

    #[test]
    fn json_escapes_keep_the_value_and_the_layout() {
        let value = serde_json::json!({
            "subject": "a\u{1b}[2Jb\u{9b}c\u{202e}d\u{2028}e\r\n",
            "n": 1
        });
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let safe = json_safe(&pretty);
        assert!(
            !safe.chars().any(|c| c != '\n' && is_terminal_control(c)),
            "{safe}"
        );
        assert_eq!(safe.lines().count(), pretty.lines().count(), "layout kept");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value, "a script reads exactly the stored value");
    }

    #[test]
    fn cut_fields_are_one_line_and_safe() {
        assert_eq!(
            cut("Re:\n  late\u{1b}[2J   parcel", 40),
            "Re: late\\u{1b}[2J parcel"
        );
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
