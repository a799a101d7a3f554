//! Case workflow commands: root-cause upkeep and fix status, settings, follow-ups, snooze,
//! templates, take offline, logged calls, channel reason and priority.

use clap::{Args, Subcommand};
use switchboard_api::{self as api, Ctx};

use crate::print_json;

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| ms.to_string())
}

// ---------------------------------------------------------------------------------------------
// switchboard rootcause status|rename|move|merge|archive
// ---------------------------------------------------------------------------------------------

#[derive(Subcommand)]
pub enum RootCauseWorkflow {
    /// Set the fix status: open, fixing or fixed (with a note of what was fixed).
    Status {
        /// "Name" or "Parent › Name".
        name: String,
        /// open, fixing or fixed.
        status: String,
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// With `fixed`: the day the fix really happened (YYYY-MM-DD in the workspace time
        /// zone, or an RFC 3339 time); default now.
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
    },
    /// Rename a root cause (its cases keep it).
    Rename { name: String, new_name: String },
    /// Move a root cause under another top-level one, or to the top with --top.
    Move {
        name: String,
        #[arg(long, value_name = "PARENT", conflicts_with = "top")]
        parent: Option<String>,
        /// Make it top-level.
        #[arg(long)]
        top: bool,
    },
    /// Merge a root cause into another: its cases are re-tagged, it is archived (undoable).
    Merge {
        name: String,
        #[arg(long, value_name = "TARGET")]
        into: String,
    },
    /// Hide a root cause from pickers (kept on cases and in reports); --restore undoes it.
    Archive {
        name: String,
        #[arg(long)]
        restore: bool,
    },
}

pub fn run_rootcause(ctx: &Ctx, cmd: RootCauseWorkflow) -> anyhow::Result<()> {
    use api::root_cause as rc;
    match cmd {
        RootCauseWorkflow::Status {
            name,
            status,
            note,
            on,
        } => {
            let r = rc::root_cause_set_status(
                ctx,
                &rc::RootCauseSetStatusParams {
                    root_cause: name,
                    status,
                    note,
                    fixed_on: on,
                },
            )?;
            let c = &r.root_cause;
            if !r.changed {
                say!("{} is already {}", c.path, c.status);
            } else if let (Some(at), "fixed") = (c.fixed_at, c.status.as_str()) {
                say!(
                    "{}: {} → fixed on {}{}",
                    c.path,
                    r.from,
                    when(at),
                    c.fix_note
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                );
            } else {
                say!("{}: {} → {}", c.path, r.from, c.status);
            }
        }
        RootCauseWorkflow::Rename { name, new_name } => {
            let r = rc::root_cause_rename(
                ctx,
                &rc::RootCauseRenameParams {
                    root_cause: name.clone(),
                    new_name,
                },
            )?;
            say!("Renamed {name} to {}", r.path);
        }
        RootCauseWorkflow::Move { name, parent, top } => {
            if parent.is_none() && !top {
                anyhow::bail!("cannot move {name:?}: say where, with --parent PARENT or --top");
            }
            let r = rc::root_cause_move(
                ctx,
                &rc::RootCauseMoveParams {
                    root_cause: name,
                    parent,
                },
            )?;
            say!("Moved to {}", r.path);
        }
        RootCauseWorkflow::Merge { name, into } => {
            let r = rc::root_cause_merge(
                ctx,
                &rc::RootCauseMergeParams {
                    root_cause: name,
                    into,
                },
            )?;
            say!(
                "Merged {} into {}: {} re-tagged; {} is archived",
                r.source.path,
                r.target.path,
                api::plural(r.cases_retagged.len(), "case", "cases"),
                r.source.path
            );
        }
        RootCauseWorkflow::Archive { name, restore } => {
            let r = rc::root_cause_archive(
                ctx,
                &rc::RootCauseArchiveParams {
                    root_cause: name,
                    archived: !restore,
                },
            )?;
            if r.archived {
                say!("Archived {}", r.path);
            } else {
                say!("Restored {}", r.path);
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// switchboard settings get|set
// ---------------------------------------------------------------------------------------------

#[derive(Subcommand)]
pub enum SettingsCommand {
    /// Show one setting, or all of them.
    Get {
        key: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change a setting (require_root_cause true|false, business_name, agent_name).
    Set { key: String, value: String },
}

pub fn run_settings(ctx: &Ctx, cmd: SettingsCommand) -> anyhow::Result<()> {
    use api::settings as s;
    match cmd {
        SettingsCommand::Get { key, json } => {
            let r = s::settings_get(ctx, &s::SettingsGetParams { key })?;
            if json {
                print_json(&r)?;
            } else {
                for st in &r.settings {
                    let shown = if st.is_set {
                        st.value.clone()
                    } else if st.value.is_empty() {
                        "(not set)".into()
                    } else {
                        format!("{} (default)", st.value)
                    };
                    say!("{:<20} {shown}", st.key);
                }
            }
        }
        SettingsCommand::Set { key, value } => {
            let st = s::settings_set(ctx, &s::SettingsSetParams { key, value })?;
            say!("{} = {}", st.key, st.value);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// switchboard followup add|list|done|rm
// ---------------------------------------------------------------------------------------------

#[derive(Subcommand)]
pub enum FollowupCommand {
    /// Add a dated reminder to a case.
    Add {
        case_id: i64,
        /// 2026-12-01, "2026-12-01 14:00", +3d, +4h, tomorrow.
        #[arg(long, value_name = "WHEN")]
        due: String,
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Open reminders, soonest first.
    List {
        /// Only overdue ones and those due within a day.
        #[arg(long)]
        due: bool,
        /// Include done ones.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Mark a reminder done.
    Done { id: i64 },
    /// Delete a reminder.
    Rm { id: i64 },
}

pub fn run_followup(ctx: &Ctx, cmd: FollowupCommand) -> anyhow::Result<()> {
    use api::followup as f;
    match cmd {
        FollowupCommand::Add { case_id, due, note } => {
            let r = f::followup_add(ctx, &f::FollowupAddParams { case_id, due, note })?;
            say!(
                "Follow-up {} on case #{} due {}",
                r.id,
                r.case_id,
                when(r.due_at)
            );
        }
        FollowupCommand::List { due, all, json } => {
            let r = f::followup_list(
                ctx,
                &f::FollowupListParams {
                    due_only: due,
                    include_done: all,
                    case_id: None,
                },
            )?;
            if json {
                print_json(&r)?;
            } else if r.follow_ups.is_empty() {
                say!("No follow-ups{}", if due { " due" } else { "" });
            } else {
                say!(
                    "{:<5} {:<8} {:<9} {:<17} NOTE",
                    "ID",
                    "CASE",
                    "STATE",
                    "DUE"
                );
                for x in &r.follow_ups {
                    say!(
                        "{:<5} {:<8} {:<9} {:<17} {}",
                        x.id,
                        format!("#{}", x.case_id),
                        x.state.as_str(),
                        when(x.due_at),
                        x.note
                    );
                }
            }
        }
        FollowupCommand::Done { id } => {
            let r = f::followup_done(ctx, &f::FollowupIdParams { id })?;
            if r.changed {
                say!("Follow-up {id} done");
            } else {
                say!("Follow-up {id} was already done");
            }
        }
        FollowupCommand::Rm { id } => {
            let r = f::followup_delete(ctx, &f::FollowupIdParams { id })?;
            say!("Deleted follow-up {id} on case #{}", r.case_id);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// switchboard template list|show|add|rm|render
// ---------------------------------------------------------------------------------------------

#[derive(Subcommand)]
pub enum TemplateCommand {
    /// Every template with its variants.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One template's variants in full.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a template or set one of its variants.
    Add {
        name: String,
        /// default, public, private, or a channel name (email, bluesky, …).
        #[arg(long, default_value = "default")]
        variant: String,
        #[arg(long, value_name = "TEXT")]
        body: String,
    },
    /// Delete a template, or one variant with --variant.
    Rm {
        name: String,
        #[arg(long)]
        variant: Option<String>,
    },
    /// Render a template for a case.
    Render {
        name: String,
        case_id: i64,
        #[arg(long)]
        channel: Option<String>,
        /// public or private (default: as the customer wrote on that channel).
        #[arg(long)]
        visibility: Option<String>,
        /// Preview a take-offline acknowledgement going on by email, dm or phone.
        #[arg(long, value_name = "ROUTE")]
        offline_via: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run_template(ctx: &Ctx, cmd: TemplateCommand) -> anyhow::Result<()> {
    use api::template as t;
    match cmd {
        TemplateCommand::List { json } => {
            let r = t::template_list(ctx, &Default::default())?;
            if json {
                print_json(&r)?;
            } else {
                for x in &r.templates {
                    let vs: Vec<&str> = x.variants.iter().map(|v| v.variant.as_str()).collect();
                    say!("{:<36} {}", x.name, vs.join(", "));
                }
            }
        }
        TemplateCommand::Show { name, json } => {
            let x = t::template_show(ctx, &t::TemplateNameParams { name })?;
            if json {
                print_json(&x)?;
            } else {
                say!("{}", x.name);
                for v in &x.variants {
                    say!("\n[{}]\n{}", v.variant, v.body);
                }
            }
        }
        TemplateCommand::Add {
            name,
            variant,
            body,
        } => {
            let x = t::template_save(
                ctx,
                &t::TemplateSaveParams {
                    name,
                    variants: vec![t::TemplateVariant {
                        variant: variant.clone(),
                        body,
                    }],
                },
            )?;
            say!("Saved template {} (variant {variant})", x.name);
        }
        TemplateCommand::Rm { name, variant } => {
            let x = t::template_delete(
                ctx,
                &t::TemplateDeleteParams {
                    name,
                    variant: variant.clone(),
                },
            )?;
            match variant {
                Some(v) => say!("Deleted variant {v} of template {}", x.name),
                None => say!("Deleted template {}", x.name),
            }
        }
        TemplateCommand::Render {
            name,
            case_id,
            channel,
            visibility,
            offline_via,
            json,
        } => {
            let r = t::template_render(
                ctx,
                &t::TemplateRenderParams {
                    name,
                    case_id,
                    channel,
                    visibility,
                    offline_via,
                    call_duration: None,
                    call_outcome: None,
                },
            )?;
            if json {
                print_json(&r)?;
            } else {
                say!("{}", r.text);
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// switchboard case snooze|offline|log-call|reason|priority
// ---------------------------------------------------------------------------------------------

#[derive(Subcommand)]
pub enum CaseWorkflow {
    /// Snooze a case until a time or until the customer replies.
    Snooze {
        id: i64,
        /// 2026-12-01, "2026-12-01 14:00", +3d, tomorrow.
        #[arg(long, value_name = "WHEN", conflicts_with = "until_reply")]
        until: Option<String>,
        #[arg(long)]
        until_reply: bool,
    },
    /// Take a case offline: public acknowledgement + private email, DM or phone call.
    Offline(OfflineArgs),
    /// Log a phone call or visit on a case.
    LogCall(LogCallArgs),
    /// Why the customer chose this channel: phone_tree, earlier_channel_failed, faster,
    /// prefers_channel, other (none clears it).
    Reason {
        id: i64,
        reason: String,
        #[arg(long, value_name = "TEXT")]
        text: Option<String>,
    },
    /// Set a case's priority: low, normal, high, urgent.
    Priority { id: i64, priority: String },
    /// Automated mail (newsletters, notifications, auto-replies) is kept out of the inbox,
    /// repeat contact, rules and reports. `--off`: this is a real customer; `--on`: mark the
    /// case automated. Undo with `switchboard undo`.
    Automated {
        id: i64,
        /// The case is a real customer's.
        #[arg(long, conflicts_with = "on", required_unless_present = "on")]
        off: bool,
        /// The case is automated mail.
        #[arg(long)]
        on: bool,
    },
}

#[derive(Args)]
pub struct OfflineArgs {
    pub id: i64,
    /// email, dm or phone.
    #[arg(long)]
    pub via: String,
    /// Template of the public acknowledgement.
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// Post no public acknowledgement.
    #[arg(long, conflicts_with = "ack_again")]
    pub no_ack: bool,
    /// Post a public acknowledgement even if an earlier take-offline of the case already did
    /// (by default the second one is skipped, with a notice).
    #[arg(long)]
    pub ack_again: bool,
    /// The private message (email, dm) or the call note (phone).
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// Email subject (default: the case's subject for an email case, else "Your message about
    /// “first words…”", with the case reference).
    #[arg(long, value_name = "TEXT")]
    pub subject: Option<String>,
    /// Email address to write to (added to the customer's contact).
    #[arg(long, value_name = "ADDRESS")]
    pub to: Option<String>,
    /// Email account to send from.
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// Phone: call length (12m, 1h30m, 90s).
    #[arg(long)]
    pub duration: Option<String>,
    /// Phone: resolved, callback, no_answer, voicemail, other.
    #[arg(long)]
    pub outcome: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct LogCallArgs {
    pub id: i64,
    /// 5m, 1h30m, 90s, or minutes.
    #[arg(long)]
    pub duration: String,
    /// resolved, callback, no_answer, voicemail, other.
    #[arg(long)]
    pub outcome: String,
    /// Free text about the outcome.
    #[arg(long, value_name = "TEXT")]
    pub outcome_text: Option<String>,
    /// inbound or outbound (default).
    #[arg(long)]
    pub direction: Option<String>,
    /// A visit, not a call.
    #[arg(long)]
    pub in_person: bool,
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// When it happened (default: now).
    #[arg(long, value_name = "WHEN")]
    pub at: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run_case(ctx: &Ctx, cmd: CaseWorkflow) -> anyhow::Result<()> {
    use api::case as c;
    match cmd {
        CaseWorkflow::Snooze {
            id,
            until,
            until_reply,
        } => {
            let r = c::case_snooze(
                ctx,
                &c::CaseSnoozeParams {
                    case_id: id,
                    until,
                    until_reply,
                },
            )?;
            match r.snoozed_until {
                Some(at) => say!("Case #{id} snoozed until {}", when(at)),
                None => say!("Case #{id} snoozed until the customer replies"),
            }
        }
        CaseWorkflow::Offline(a) => {
            let r = api::offline::case_offline(
                ctx,
                &api::offline::CaseOfflineParams {
                    case_id: a.id,
                    via: a.via,
                    template: a.template,
                    no_ack: a.no_ack,
                    ack_again: a.ack_again,
                    text: a.text,
                    subject: a.subject,
                    to: a.to,
                    account: a.account,
                    duration: a.duration,
                    outcome: a.outcome,
                },
            )?;
            if a.json {
                print_json(&r)?;
            } else {
                match (&r.ack, &r.ack_skipped) {
                    (Some(ack), _) => say!(
                        "Queued public acknowledgement on {} (outbox {}): {}",
                        ack.channel,
                        ack.outbox_id,
                        ack.text
                    ),
                    (None, Some(why)) => say!("No public acknowledgement: {why}"),
                    (None, None) => {}
                }
                match (&r.private, r.via.as_str()) {
                    (Some(p), "email") => say!(
                        "Queued email to {} (outbox {}): {}",
                        r.to.as_deref().unwrap_or_default(),
                        p.outbox_id,
                        r.subject.as_deref().unwrap_or_default()
                    ),
                    (Some(p), _) => say!(
                        "Queued direct message to {} on {} (outbox {})",
                        r.to.as_deref().unwrap_or_default(),
                        p.channel,
                        p.outbox_id
                    ),
                    (None, _) => say!("Logged the phone call on case #{}", r.case_id),
                }
                say!("Case #{} is {}", r.case_id, r.case_status);
            }
        }
        CaseWorkflow::LogCall(a) => {
            let r = api::offline::case_log_call(
                ctx,
                &api::offline::CaseLogCallParams {
                    case_id: a.id,
                    duration: a.duration,
                    outcome: a.outcome,
                    outcome_text: a.outcome_text,
                    direction: a.direction,
                    in_person: a.in_person,
                    note: a.note,
                    at: a.at,
                },
            )?;
            if a.json {
                print_json(&r)?;
            } else {
                say!(
                    "Logged {} {} ({} min, {}) on case #{}; case is {}",
                    r.direction,
                    if r.channel == "phone" {
                        "call"
                    } else {
                        "visit"
                    },
                    (r.duration_s + 59) / 60,
                    r.outcome,
                    r.case_id,
                    r.case_status
                );
            }
        }
        CaseWorkflow::Reason { id, reason, text } => {
            let r = c::case_set_reason(
                ctx,
                &c::CaseSetReasonParams {
                    case_id: id,
                    reason,
                    text,
                },
            )?;
            match &r.channel_reason {
                Some(v) => say!("Case #{id} channel reason: {v}"),
                None => say!("Case #{id} has no channel reason"),
            }
        }
        CaseWorkflow::Automated { id, off: _, on } => {
            let r = c::case_set_automated(
                ctx,
                &c::CaseSetAutomatedParams {
                    case_id: id,
                    automated: on,
                },
            )?;
            match (&r.automated, r.changed) {
                (Some(why), true) => say!("Case #{id} is automated mail now ({why})"),
                (Some(why), false) => say!("Case #{id} is already automated mail ({why})"),
                (None, true) => say!("Case #{id} is a real customer's case now"),
                (None, false) => say!("Case #{id} is already a real customer's case"),
            }
        }
        CaseWorkflow::Priority { id, priority } => {
            let r = c::case_set_priority(
                ctx,
                &c::CaseSetPriorityParams {
                    case_id: id,
                    priority,
                },
            )?;
            if r.changed {
                say!("Case #{id} priority: {} → {}", r.from, r.priority);
            } else {
                say!("Case #{id} is already {}", r.priority);
            }
        }
    }
    Ok(())
}
