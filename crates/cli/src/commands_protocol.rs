//! `switchboard protocol …`, `switchboard hours …` and `switchboard sla …`: the response
//! protocol, business hours, and response-time targets (see docs/protocol.md).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use switchboard_api::export::iso;
use switchboard_api::hours::{self, HoursGetParams, OpenRange, ResponseSettings};
use switchboard_api::protocol::{
    self as proto, CaseInsightsParams, ProtocolExportParams, ProtocolImportParams,
    ProtocolListParams, ProtocolMoveParams, ProtocolSaveParams, ProtocolTestParams, RuleIdParams,
    SlaListParams, SlaSweepParams,
};
use switchboard_api::{ApiError, Ctx, plural};
use switchboard_core::Priority;
use switchboard_core::hours::{WEEKDAYS, parse_weekday, weekday_name};
use switchboard_core::protocol::{Evaluation, HoursCondition, Rule, Visibility};
use switchboard_core::sla::{Basis, Target};

use crate::print_json;

#[derive(Subcommand)]
pub enum ProtocolCommand {
    /// The rules in order.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One rule, as it would appear in an exported file.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Add a rule at the end (or at --position).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        position: Option<i64>,
        #[command(flatten)]
        rule: RuleArgs,
    },
    /// Change a rule: given flags replace those fields; --clear-conditions/--clear-actions first.
    Edit {
        id: i64,
        #[arg(long)]
        name: Option<String>,
        /// Start from no conditions, then apply the given ones.
        #[arg(long)]
        clear_conditions: bool,
        /// Start from no actions, then apply the given ones.
        #[arg(long)]
        clear_actions: bool,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[command(flatten)]
        rule: RuleArgs,
    },
    /// Move a rule to a 1-based position.
    Move { id: i64, position: i64 },
    /// Delete a rule.
    Rm { id: i64 },
    /// Write the rules as a TOML file (default: standard output).
    Export {
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Read rules from a TOML file: appended, or replacing all with --replace.
    Import {
        file: PathBuf,
        #[arg(long)]
        replace: bool,
    },
    /// Dry run: which rules would fire on a case's newest inbound message.
    Test {
        case_id: i64,
        /// Test the rules in this file instead of the stored ones.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

/// Conditions and actions of a rule, as flags.
#[derive(Args, Default)]
pub struct RuleArgs {
    /// Condition: the channel is one of these (repeatable).
    #[arg(long = "channel", value_name = "CHANNEL")]
    channels: Vec<String>,
    /// Condition: public or private.
    #[arg(long, value_name = "public|private")]
    visibility: Option<String>,
    /// Condition: any of these words/phrases, whole words; `word*` for a prefix (repeatable).
    #[arg(long = "keyword", value_name = "WORD")]
    keywords: Vec<String>,
    /// Condition: contact is VIP (true) or not (false).
    #[arg(long, value_name = "true|false")]
    vip: Option<bool>,
    /// Condition: contact is marked do-not-engage (true) or not (false).
    #[arg(long, value_name = "true|false")]
    do_not_engage: Option<bool>,
    /// Condition: the case carries this root cause ("Parent › Name"; repeatable).
    #[arg(long = "root-cause", value_name = "NAME")]
    root_causes: Vec<String>,
    /// Condition: the message arrived inside or outside business hours.
    #[arg(long, value_name = "inside|outside")]
    hours: Option<String>,
    /// Condition: repeat contact (true) or first contact (false).
    #[arg(long, value_name = "true|false")]
    repeat: Option<bool>,
    /// Action: set priority (rules only raise it).
    #[arg(long, value_name = "low|normal|high|urgent")]
    priority: Option<String>,
    /// Action: response-time target in minutes.
    #[arg(long, value_name = "MINUTES")]
    target: Option<u32>,
    /// With --target: count business minutes (default: calendar minutes).
    #[arg(long)]
    business: bool,
    /// Action: suggest this template.
    #[arg(long, value_name = "NAME")]
    template: Option<String>,
    /// Action: suggest answering on this channel.
    #[arg(long, value_name = "CHANNEL")]
    suggest_channel: Option<String>,
    /// Action: owner, when the case has none.
    #[arg(long)]
    owner: Option<String>,
    /// Action: no reply needed.
    #[arg(long)]
    no_reply_needed: bool,
    /// Stop evaluating rules below this one when it matches.
    #[arg(long)]
    stop: bool,
    /// Save the rule disabled.
    #[arg(long)]
    disable: bool,
}

impl RuleArgs {
    /// Applies the given flags onto `r` (only fields whose flag was given).
    fn apply(&self, r: &mut Rule) -> anyhow::Result<()> {
        let c = &mut r.conditions;
        if !self.channels.is_empty() {
            c.channels = self
                .channels
                .iter()
                .map(|s| s.trim().to_lowercase())
                .collect();
        }
        if let Some(v) = &self.visibility {
            c.visibility = Some(match v.trim().to_lowercase().as_str() {
                "public" => Visibility::Public,
                "private" => Visibility::Private,
                other => bail!("--visibility {other:?}: expected public or private"),
            });
        }
        if !self.keywords.is_empty() {
            c.keywords = self.keywords.clone();
        }
        if self.vip.is_some() {
            c.vip = self.vip;
        }
        if self.do_not_engage.is_some() {
            c.do_not_engage = self.do_not_engage;
        }
        if !self.root_causes.is_empty() {
            c.root_causes = self.root_causes.clone();
        }
        if let Some(h) = &self.hours {
            c.business_hours = Some(match h.trim().to_lowercase().as_str() {
                "inside" => HoursCondition::Inside,
                "outside" => HoursCondition::Outside,
                other => bail!("--hours {other:?}: expected inside or outside"),
            });
        }
        if self.repeat.is_some() {
            c.repeat_contact = self.repeat;
        }
        let a = &mut r.actions;
        if let Some(p) = &self.priority {
            a.priority = Some(
                p.parse::<Priority>()
                    .map_err(|e| anyhow::anyhow!("--priority: {e}"))?,
            );
        }
        match (self.target, self.business) {
            (Some(minutes), business) => {
                a.target = Some(Target {
                    minutes,
                    basis: if business {
                        Basis::Business
                    } else {
                        Basis::Calendar
                    },
                })
            }
            (None, true) => bail!("--business needs --target MINUTES"),
            (None, false) => {}
        }
        if self.template.is_some() {
            a.template.clone_from(&self.template);
        }
        if self.suggest_channel.is_some() {
            a.channel.clone_from(&self.suggest_channel);
        }
        if self.owner.is_some() {
            a.owner.clone_from(&self.owner);
        }
        if self.no_reply_needed {
            a.no_reply_needed = Some(true);
        }
        if self.stop {
            a.stop = true;
        }
        if self.disable {
            r.enabled = false;
        }
        Ok(())
    }
}

fn describe(r: &Rule) -> String {
    let mut when = Vec::new();
    let c = &r.conditions;
    if !c.channels.is_empty() {
        when.push(format!("channel {}", c.channels.join("|")));
    }
    if let Some(v) = c.visibility {
        when.push(format!("{v:?}").to_lowercase());
    }
    if !c.keywords.is_empty() {
        when.push(format!("keywords {}", c.keywords.len()));
    }
    if let Some(v) = c.vip {
        when.push(if v { "VIP" } else { "not VIP" }.into());
    }
    if let Some(v) = c.do_not_engage {
        when.push(
            if v {
                "do-not-engage"
            } else {
                "not do-not-engage"
            }
            .into(),
        );
    }
    if !c.root_causes.is_empty() {
        when.push(format!("root cause {}", c.root_causes.join("|")));
    }
    if let Some(h) = c.business_hours {
        when.push(format!("{h:?} hours").to_lowercase());
    }
    if let Some(v) = c.repeat_contact {
        when.push(if v { "repeat contact" } else { "first contact" }.into());
    }
    let mut then = Vec::new();
    let a = &r.actions;
    if let Some(p) = a.priority {
        then.push(format!("priority {}", p.as_str()));
    }
    if let Some(t) = a.target {
        then.push(format!("target {} {} min", t.minutes, t.basis.as_str()));
    }
    if let Some(t) = &a.template {
        then.push(format!("template {t:?}"));
    }
    if let Some(ch) = &a.channel {
        then.push(format!("suggest {ch}"));
    }
    if let Some(o) = &a.owner {
        then.push(format!("owner {o}"));
    }
    if a.no_reply_needed == Some(true) {
        then.push("no reply needed".into());
    }
    if a.stop {
        then.push("stop".into());
    }
    format!(
        "{} → {}",
        if when.is_empty() {
            "always".to_string()
        } else {
            when.join(", ")
        },
        if then.is_empty() {
            "nothing".to_string()
        } else {
            then.join(", ")
        }
    )
}

fn print_rules(rules: &[Rule]) {
    if rules.is_empty() {
        say!("No protocol rules.");
    }
    for (i, r) in rules.iter().enumerate() {
        say!(
            "{:>2}. [{}] {}{}  {}",
            i + 1,
            r.id.unwrap_or_default(),
            r.name,
            if r.enabled { "" } else { " (disabled)" },
            describe(r)
        );
    }
}

fn print_evaluation(ev: &Evaluation) {
    if ev.fired.is_empty() {
        say!("No rule fires.");
        return;
    }
    for f in &ev.fired {
        say!("Fires: {} — because {}", f.name, f.reasons.join(", "));
    }
    let a = &ev.actions;
    let tmp = Rule {
        id: None,
        name: String::new(),
        enabled: true,
        conditions: Default::default(),
        actions: a.clone(),
    };
    let d = describe(&tmp);
    say!("Result: {}", d.split_once("→ ").map(|x| x.1).unwrap_or(&d));
}

fn find_rule(ctx: &Ctx, id: i64) -> anyhow::Result<Rule> {
    proto::protocol_list(ctx, &ProtocolListParams {})?
        .rules
        .into_iter()
        .find(|r| r.id == Some(id))
        .ok_or_else(|| {
            ApiError::new(
                switchboard_api::Code::NotFound,
                format!("protocol rule {id} not found"),
            )
            .into()
        })
}

pub fn run_protocol(ctx: &Ctx, cmd: ProtocolCommand) -> anyhow::Result<()> {
    match cmd {
        ProtocolCommand::List { json } => {
            let r = proto::protocol_list(ctx, &ProtocolListParams {})?;
            if json {
                print_json(&r)?;
            } else {
                print_rules(&r.rules);
            }
        }
        ProtocolCommand::Show { id, json } => {
            let r = find_rule(ctx, id)?;
            if json {
                print_json(&r)?;
            } else {
                crate::output::emit_block(&proto::render_rules(std::slice::from_ref(&r))?);
            }
        }
        ProtocolCommand::Add {
            name,
            position,
            rule,
        } => {
            let mut r = Rule {
                id: None,
                name,
                enabled: true,
                conditions: Default::default(),
                actions: Default::default(),
            };
            rule.apply(&mut r)?;
            let out = proto::protocol_save(ctx, &ProtocolSaveParams { rule: r, position })?;
            say!(
                "Added rule {} {:?} at position {}",
                out.rule.id.unwrap_or_default(),
                out.rule.name,
                out.position
            );
        }
        ProtocolCommand::Edit {
            id,
            name,
            clear_conditions,
            clear_actions,
            enable,
            rule,
        } => {
            let mut r = find_rule(ctx, id)?;
            if let Some(n) = name {
                r.name = n;
            }
            if clear_conditions {
                r.conditions = Default::default();
            }
            if clear_actions {
                r.actions = Default::default();
            }
            if enable {
                r.enabled = true;
            }
            rule.apply(&mut r)?;
            let out = proto::protocol_save(
                ctx,
                &ProtocolSaveParams {
                    rule: r,
                    position: None,
                },
            )?;
            say!("Saved rule {id}: {}", describe(&out.rule));
        }
        ProtocolCommand::Move { id, position } => {
            let r = proto::protocol_move(
                ctx,
                &ProtocolMoveParams {
                    rule_id: id,
                    position,
                },
            )?;
            print_rules(&r.rules);
        }
        ProtocolCommand::Rm { id } => {
            let r = proto::protocol_delete(ctx, &RuleIdParams { rule_id: id })?;
            say!("Deleted rule {id} {:?}", r.deleted.name);
        }
        ProtocolCommand::Export { out } => {
            let r = proto::protocol_export(ctx, &ProtocolExportParams {})?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &r.text)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    say!(
                        "Exported {} to {}",
                        plural(r.rules, "rule", "rules"),
                        path.display()
                    );
                }
                // The rules file is data for a file or a pipe, written as it is.
                None => crate::output::emit_data(&r.text)?,
            }
        }
        ProtocolCommand::Import { file, replace } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let r = proto::protocol_import(ctx, &ProtocolImportParams { text, replace })?;
            say!(
                "Imported {} ({}); the protocol now has {}.",
                plural(r.imported, "rule", "rules"),
                if replace { "replaced" } else { "appended" },
                plural(r.rules.len(), "rule", "rules")
            );
        }
        ProtocolCommand::Test {
            case_id,
            rules,
            json,
        } => {
            let rules = match rules {
                Some(path) => Some(proto::parse_rules(
                    &std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?,
                )?),
                None => None,
            };
            let r = proto::protocol_test(ctx, &ProtocolTestParams { case_id, rules })?;
            if json {
                print_json(&r)?;
            } else {
                say!("Case {case_id}, message {}:", r.message_id);
                print_evaluation(&r.evaluation);
            }
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum HoursCommand {
    /// Business hours, holidays and the target settings.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change them; flags not given keep their value.
    Set(HoursSetArgs),
}

#[derive(Args)]
pub struct HoursSetArgs {
    /// Days the ranges below apply to: "mon-fri", "sat", "mon,wed,fri". Other days close.
    #[arg(long, value_name = "DAYS")]
    weekdays: Option<String>,
    #[arg(long, value_name = "HH:MM", requires = "close")]
    open: Option<String>,
    #[arg(long, value_name = "HH:MM", requires = "open")]
    close: Option<String>,
    /// Several ranges per day instead of --open/--close: "09:00-12:00,13:00-17:00".
    #[arg(long, value_name = "RANGES", conflicts_with_all = ["open", "close"])]
    ranges: Option<String>,
    /// IANA time zone, e.g. Europe/Berlin.
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
    /// Add a holiday, YYYY-MM-DD (repeatable).
    #[arg(long, value_name = "DATE")]
    holiday: Vec<String>,
    /// Remove all holidays first.
    #[arg(long)]
    clear_holidays: bool,
    /// Days after resolution during which a new message still counts as a repeat contact.
    #[arg(long, value_name = "DAYS")]
    repeat_window_days: Option<u32>,
    /// Warn this many minutes before a response falls due.
    #[arg(long, value_name = "MINUTES")]
    due_soon_minutes: Option<u32>,
    #[arg(long)]
    json: bool,
}

fn parse_days(s: &str) -> anyhow::Result<Vec<chrono::Weekday>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let day = |d: &str| {
            parse_weekday(d).ok_or_else(|| {
                anyhow::anyhow!("--weekdays: {d:?} is not a weekday (mon, tue, … sun)")
            })
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                let (i, j) = (a.num_days_from_monday(), b.num_days_from_monday());
                if j < i {
                    bail!("--weekdays: {part:?} runs backwards (write mon-fri, not fri-mon)");
                }
                out.extend(WEEKDAYS[i as usize..=j as usize].iter().copied());
            }
            None => out.push(day(part)?),
        }
    }
    if out.is_empty() {
        bail!("--weekdays: name at least one day");
    }
    Ok(out)
}

fn parse_ranges(s: &str) -> anyhow::Result<Vec<OpenRange>> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (o, c) = p
                .split_once('-')
                .ok_or_else(|| anyhow::anyhow!("--ranges: {p:?} is not HH:MM-HH:MM"))?;
            Ok(OpenRange::new(o.trim(), c.trim()))
        })
        .collect()
}

fn print_settings(s: &ResponseSettings) {
    say!("Time zone: {}", s.hours.time_zone);
    for d in WEEKDAYS {
        let ranges = s.hours.week.day(d);
        say!(
            "  {}  {}",
            weekday_name(d),
            if ranges.is_empty() {
                "closed".to_string()
            } else {
                ranges
                    .iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
    }
    say!(
        "Holidays: {}",
        if s.hours.holidays.is_empty() {
            "none".to_string()
        } else {
            s.hours.holidays.join(", ")
        }
    );
    say!(
        "Repeat-contact window: {}",
        plural(s.repeat_window_days, "day", "days")
    );
    say!(
        "Due-soon warning: {}",
        plural(s.due_soon_minutes, "minute", "minutes")
    );
}

pub fn run_hours(ctx: &Ctx, cmd: HoursCommand) -> anyhow::Result<()> {
    match cmd {
        HoursCommand::Show { json } => {
            let s = hours::hours_get(ctx, &HoursGetParams {})?;
            if json {
                print_json(&s)?;
            } else {
                print_settings(&s);
            }
        }
        HoursCommand::Set(a) => {
            let mut s = hours::hours_get(ctx, &HoursGetParams {})?;
            let ranges = match (&a.ranges, &a.open, &a.close) {
                (Some(r), _, _) => Some(parse_ranges(r)?),
                (None, Some(o), Some(c)) => Some(vec![OpenRange::new(o, c)]),
                _ => None,
            };
            match (a.weekdays.as_deref(), ranges) {
                (Some(days), Some(ranges)) => {
                    let days = parse_days(days)?;
                    for d in WEEKDAYS {
                        *s.hours.week.day_mut(d) = if days.contains(&d) {
                            ranges.clone()
                        } else {
                            Vec::new()
                        };
                    }
                }
                (None, Some(ranges)) => {
                    // Same ranges on every day that is open now.
                    for d in WEEKDAYS {
                        if !s.hours.week.day(d).is_empty() {
                            *s.hours.week.day_mut(d) = ranges.clone();
                        }
                    }
                }
                (Some(_), None) => bail!("--weekdays needs --open/--close or --ranges"),
                (None, None) => {}
            }
            if let Some(tz) = a.tz {
                s.hours.time_zone = tz;
            }
            if a.clear_holidays {
                s.hours.holidays.clear();
            }
            for h in a.holiday {
                if !s.hours.holidays.contains(&h) {
                    s.hours.holidays.push(h);
                }
            }
            s.hours.holidays.sort();
            if let Some(n) = a.repeat_window_days {
                s.repeat_window_days = n;
            }
            if let Some(n) = a.due_soon_minutes {
                s.due_soon_minutes = n;
            }
            let s = hours::hours_set(ctx, &s)?;
            if a.json {
                print_json(&s)?;
            } else {
                print_settings(&s);
            }
        }
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum SlaCommand {
    /// Record breaches whose due time passed; list responses due soon.
    Sweep {
        /// "Due soon" window in minutes (default: the due-soon setting).
        #[arg(long, value_name = "MINUTES")]
        within: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Pending responses (soonest due first) and recorded breaches.
    List {
        /// Only breaches.
        #[arg(long)]
        breached: bool,
        #[arg(long)]
        json: bool,
    },
    /// One case: the rules that fired and why, its response clock, repeat contact.
    Show {
        case_id: i64,
        #[arg(long)]
        json: bool,
    },
}

pub fn run_sla(ctx: &Ctx, cmd: SlaCommand) -> anyhow::Result<()> {
    match cmd {
        SlaCommand::Sweep { within, json } => {
            let r = proto::sla_sweep(
                ctx,
                &SlaSweepParams {
                    due_within_minutes: within,
                },
            )?;
            if json {
                return print_json(&r);
            }
            say!(
                "{}.",
                plural(r.breached.len(), "new breach", "new breaches")
            );
            for b in &r.breached {
                say!("  case {}  due {}  {}", b.case_id, iso(b.due_at), b.channel);
            }
            say!(
                "{} due soon.",
                plural(r.due_soon.len(), "response", "responses")
            );
            for p in &r.due_soon {
                say!(
                    "  case {}  due {}  {}  {}",
                    p.case_id,
                    iso(p.due_at),
                    p.priority,
                    p.subject.as_deref().unwrap_or("")
                );
            }
        }
        SlaCommand::List { breached, json } => {
            let r = proto::sla_list(ctx, &SlaListParams { breached })?;
            if json {
                return print_json(&r);
            }
            if !breached {
                say!("Pending responses: {}", r.pending.len());
                for p in &r.pending {
                    say!(
                        "  case {}  due {}  {} {}  {}",
                        p.case_id,
                        iso(p.due_at),
                        p.visibility,
                        p.channel,
                        p.subject.as_deref().unwrap_or("")
                    );
                }
            }
            say!("Breaches: {}", r.breaches.len());
            for b in &r.breaches {
                say!(
                    "  case {}  due {}  {}  {} {}",
                    b.case_id,
                    iso(b.due_at),
                    match b.responded_at {
                        Some(t) => format!("answered {}", iso(t)),
                        None => "unanswered".into(),
                    },
                    b.visibility,
                    b.channel
                );
            }
        }
        SlaCommand::Show { case_id, json } => {
            let r = proto::case_insights(ctx, &CaseInsightsParams { case_id })?;
            if json {
                return print_json(&r);
            }
            let c = &r.response;
            say!(
                "Response: {}{}{}",
                serde_json::to_value(c.state)?.as_str().unwrap_or_default(),
                c.due_at
                    .map(|d| format!(", due {}", iso(d)))
                    .unwrap_or_default(),
                c.remaining_ms
                    .map(|ms| format!(", {} min left", ms / 60_000))
                    .unwrap_or_default()
            );
            for ev in &r.protocol {
                for f in &ev.fired {
                    say!("Rule {:?} fired because {}", f.name, f.reasons.join(", "));
                }
            }
            if r.repeat.repeat {
                say!("Repeat contact; earlier cases:");
                for e in &r.repeat.earlier {
                    say!(
                        "  case {}  {}  {}  {}",
                        e.case_id,
                        e.status,
                        e.channels.join(","),
                        e.subject.as_deref().unwrap_or("")
                    );
                }
            }
            say!("Breaches: {}", r.breaches.len());
        }
    }
    Ok(())
}
