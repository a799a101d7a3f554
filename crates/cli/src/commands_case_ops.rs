//! Cases across channels (link, unlink, merge, split, timeline), history and undo, contacts.

use clap::{Args, Subcommand};
use switchboard_api::case::CaseIdParams;
use switchboard_api::case_ops::{self, TimelineItem};
use switchboard_api::contact;
use switchboard_api::history::{self, HistoryEntry, UndoLastParams};
use switchboard_api::{Ctx, plural};

use crate::output::{cut, one_line};
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
// switchboard case link|unlink|merge|split|timeline|history|undo
// ---------------------------------------------------------------------------------------------

#[derive(Subcommand)]
pub enum CaseOps {
    /// Move a conversation onto a case (a case left empty is merged into it).
    Link {
        case_id: i64,
        conversation_id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Take a conversation off a case into a new case of its own.
    Unlink {
        case_id: i64,
        conversation_id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Merge cases into one: conversations, notes, follow-ups, root causes and labels move.
    Merge {
        /// The case that stays.
        into: i64,
        /// The cases merged into it.
        #[arg(required = true)]
        from: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Move some conversations of a case to a new case.
    Split {
        case_id: i64,
        #[arg(required = true, value_name = "CONVERSATION_ID")]
        conversation_ids: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// One chronological list: messages on every channel, logged calls, notes and changes.
    Timeline {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Every change to a case: what, when, who, from which device.
    History {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Undo the last action on this case.
    Undo {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

pub fn run_case(ctx: &Ctx, cmd: CaseOps) -> anyhow::Result<()> {
    match cmd {
        CaseOps::Link {
            case_id,
            conversation_id,
            json,
        } => {
            let r = case_ops::case_link(
                ctx,
                &case_ops::CaseLinkParams {
                    case_id,
                    conversation_id,
                },
            )?;
            if json {
                print_json(&r)?;
            } else {
                match (r.from_case, r.from_case_merged) {
                    (Some(f), true) => say!(
                        "Linked conversation {conversation_id} to case #{case_id}; case #{f} had nothing left and is merged into it"
                    ),
                    (Some(f), false) => say!(
                        "Moved conversation {conversation_id} from case #{f} to case #{case_id}"
                    ),
                    (None, _) => {
                        say!("Linked conversation {conversation_id} to case #{case_id}")
                    }
                }
            }
        }
        CaseOps::Unlink {
            case_id,
            conversation_id,
            json,
        } => {
            let r = case_ops::case_unlink(
                ctx,
                &case_ops::CaseLinkParams {
                    case_id,
                    conversation_id,
                },
            )?;
            if json {
                print_json(&r)?;
            } else {
                say!(
                    "Conversation {conversation_id} is now case #{} (was on case #{case_id})",
                    r.new_case_id
                );
            }
        }
        CaseOps::Merge { into, from, json } => {
            let r = case_ops::case_merge(ctx, &case_ops::CaseMergeParams { into, from })?;
            if json {
                print_json(&r)?;
            } else {
                let ids: Vec<String> = r.merged.iter().map(|i| format!("#{i}")).collect();
                say!(
                    "Merged {} into case #{into}: {}, {}, {} moved",
                    ids.join(", "),
                    plural(r.conversations_moved, "conversation", "conversations"),
                    plural(r.notes_moved, "note", "notes"),
                    plural(r.follow_ups_moved, "follow-up", "follow-ups")
                );
            }
        }
        CaseOps::Split {
            case_id,
            conversation_ids,
            json,
        } => {
            let r = case_ops::case_split(
                ctx,
                &case_ops::CaseSplitParams {
                    case_id,
                    conversation_ids,
                },
            )?;
            if json {
                print_json(&r)?;
            } else {
                let ids: Vec<String> = r.conversation_ids.iter().map(i64::to_string).collect();
                say!(
                    "Split {} {} off case #{case_id} into new case #{}",
                    if ids.len() == 1 {
                        "conversation"
                    } else {
                        "conversations"
                    },
                    ids.join(", "),
                    r.new_case_id
                );
            }
        }
        CaseOps::Timeline { id, json } => {
            let t = case_ops::case_timeline(ctx, &CaseIdParams { case_id: id })?;
            if json {
                print_json(&t)?;
            } else {
                for item in &t.items {
                    print_item(item);
                }
            }
        }
        CaseOps::History { id, json } => {
            let h = history::case_history(ctx, &CaseIdParams { case_id: id })?;
            if json {
                print_json(&h)?;
            } else {
                for e in &h.events {
                    print_event(e);
                }
            }
        }
        CaseOps::Undo { id, json } => run_undo(ctx, Some(id), json)?,
    }
    Ok(())
}

fn print_item(item: &TimelineItem) {
    match item {
        TimelineItem::Message {
            at,
            message: m,
            call_duration_s,
            call_outcome,
        } => {
            let who = m
                .author
                .as_ref()
                .and_then(|a| a.name.as_deref().or(a.address.as_deref()))
                .map_or_else(|| "?".into(), |w| cut(w, 40));
            let call = match (call_duration_s, call_outcome) {
                (Some(d), o) => format!(
                    " [call {}m{:02}s{}]",
                    d / 60,
                    d % 60,
                    o.as_deref().map(|o| format!(", {o}")).unwrap_or_default()
                ),
                (None, Some(o)) => format!(" [{o}]"),
                _ => String::new(),
            };
            say!(
                "{}  {} {} {} (conversation {}) {who}{call}: {}",
                when(*at),
                m.channel,
                m.visibility,
                m.direction,
                m.conversation_id,
                cut(&m.snippet, 70)
            );
        }
        TimelineItem::Note { at, note } => {
            say!("{}  note: {}", when(*at), cut(&note.body, 80));
        }
        TimelineItem::Event { event, .. } => print_event(event),
    }
}

fn print_event(e: &HistoryEntry) {
    let device = e
        .device
        .as_deref()
        .map(|d| format!(" on {d}"))
        .unwrap_or_default();
    let undone = match e.undone_by {
        Some(u) => format!(" [undone by event {u}]"),
        None => String::new(),
    };
    say!(
        "{}  {} — {}{device}{undone}",
        when(e.at),
        e.summary,
        e.actor
    );
}

// ---------------------------------------------------------------------------------------------
// switchboard undo [--case ID]
// ---------------------------------------------------------------------------------------------

#[derive(Args)]
pub struct UndoArgs {
    /// Only the last action on this case (default: the last action anywhere).
    #[arg(long = "case", value_name = "ID")]
    case_id: Option<i64>,
    #[arg(long)]
    json: bool,
}

pub fn run_undo_args(ctx: &Ctx, a: UndoArgs) -> anyhow::Result<()> {
    run_undo(ctx, a.case_id, a.json)
}

fn run_undo(ctx: &Ctx, case_id: Option<i64>, json: bool) -> anyhow::Result<()> {
    let r = history::undo_last(ctx, &UndoLastParams { case_id })?;
    if json {
        print_json(&r)?;
    } else {
        match r.case_id {
            Some(c) => say!("Undid on case #{c}: {} ({})", r.summary, r.restored),
            None => say!("Undid: {} ({})", r.summary, r.restored),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// switchboard contact show|suggest|merge|split|flag
// ---------------------------------------------------------------------------------------------

#[derive(Subcommand)]
pub enum ContactCommand {
    /// A contact's identities on every channel and all their cases.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Contacts that are probably the same person (same email, same handle, similar name).
    Suggest {
        /// Only suggestions involving this contact.
        id: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Merge contacts into one: identities, cases and conversations move; flags are combined.
    Merge {
        /// The contact that stays.
        into: i64,
        #[arg(required = true)]
        from: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Move some identities of a contact (and their cases) to a new contact.
    Split {
        id: i64,
        #[arg(required = true, value_name = "IDENTITY_ID")]
        identity_ids: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Set or clear the VIP and do-not-engage flags.
    Flag {
        id: i64,
        #[arg(long, value_name = "true|false")]
        vip: Option<bool>,
        #[arg(long, value_name = "true|false")]
        do_not_engage: Option<bool>,
        #[arg(long)]
        json: bool,
    },
}

/// `  3  Margaret Dunn: email mdunn@example.com, bluesky maggie.bsky.social`
fn print_suggested_side(c: &contact::SuggestedContact) {
    let handles: Vec<String> = c
        .identities
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                i.channel,
                one_line(i.handle.as_deref().unwrap_or(&i.external_id))
            )
        })
        .collect();
    say!(
        "  {:>5}  {}: {}",
        c.id,
        one_line(c.display_name.as_deref().unwrap_or("(no name)")),
        handles.join(", ")
    );
}

pub fn run_contact(ctx: &Ctx, cmd: ContactCommand) -> anyhow::Result<()> {
    match cmd {
        ContactCommand::Show { id, json } => {
            let c = contact::contact_show(ctx, &contact::ContactIdParams { contact_id: id })?;
            if json {
                print_json(&c)?;
                return Ok(());
            }
            let mut flags = Vec::new();
            if c.vip {
                flags.push("VIP");
            }
            if c.do_not_engage {
                flags.push("do not engage");
            }
            say!(
                "Contact {}: {}{}",
                c.id,
                one_line(c.display_name.as_deref().unwrap_or("(no name)")),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", flags.join(", "))
                }
            );
            if let Some(m) = c.merged_into {
                say!("  merged into contact {m}");
            }
            say!("Identities:");
            for i in &c.identities {
                say!(
                    "  {:>5}  {:<9} {}{}",
                    i.id,
                    i.channel,
                    one_line(i.handle.as_deref().unwrap_or(&i.external_id)),
                    if i.handle.as_deref().is_some_and(|h| h != i.external_id) {
                        format!(" ({})", one_line(&i.external_id))
                    } else {
                        String::new()
                    }
                );
            }
            say!("Cases:");
            for k in &c.cases {
                say!(
                    "  #{:<5} {:<9} {:<16} {}  {}",
                    k.id,
                    k.status,
                    k.channels.join(","),
                    k.last_message_at.map(when).unwrap_or_default(),
                    cut(k.subject.as_deref().unwrap_or(""), 50)
                );
            }
        }
        ContactCommand::Suggest { id, json } => {
            let s = contact::contact_suggestions(
                ctx,
                &contact::ContactSuggestionsParams { contact_id: id },
            )?;
            if json {
                print_json(&s)?;
            } else if s.is_empty() {
                say!("No suggested merges");
            } else {
                for x in &s {
                    let reason = match x.reason {
                        contact::MatchReason::SameEmail => "same email address",
                        contact::MatchReason::SameHandle => "same handle",
                        contact::MatchReason::SimilarName => "similar name",
                        contact::MatchReason::SameSurname => "same surname, similar address",
                    };
                    say!(
                        "contacts {} and {}: {reason}: {}",
                        x.contact_id,
                        x.other_id,
                        one_line(&x.detail)
                    );
                    for side in [&x.contact, &x.other] {
                        print_suggested_side(side);
                    }
                }
            }
        }
        ContactCommand::Merge { into, from, json } => {
            let r = contact::contact_merge(ctx, &contact::ContactMergeParams { into, from })?;
            if json {
                print_json(&r)?;
            } else {
                let ids: Vec<String> = r.merged.iter().map(i64::to_string).collect();
                say!(
                    "Merged {} {} into contact {into}: {}, {} moved",
                    if ids.len() == 1 {
                        "contact"
                    } else {
                        "contacts"
                    },
                    ids.join(", "),
                    plural(r.identities_moved, "identity", "identities"),
                    plural(r.cases_moved, "case", "cases")
                );
            }
        }
        ContactCommand::Split {
            id,
            identity_ids,
            json,
        } => {
            let r = contact::contact_split(
                ctx,
                &contact::ContactSplitParams {
                    contact_id: id,
                    identity_ids,
                },
            )?;
            if json {
                print_json(&r)?;
            } else {
                say!(
                    "Split into new contact {} with {} and {}",
                    r.new_contact_id,
                    plural(r.identity_ids.len(), "identity", "identities"),
                    plural(r.case_ids.len(), "case", "cases")
                );
            }
        }
        ContactCommand::Flag {
            id,
            vip,
            do_not_engage,
            json,
        } => {
            let r = contact::contact_set_flags(
                ctx,
                &contact::ContactSetFlagsParams {
                    contact_id: id,
                    vip,
                    do_not_engage,
                },
            )?;
            if json {
                print_json(&r)?;
            } else {
                say!(
                    "Contact {}: vip {}, do not engage {}",
                    r.contact_id,
                    r.vip,
                    r.do_not_engage
                );
            }
        }
    }
    Ok(())
}
