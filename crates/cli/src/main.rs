//! `switchboard`: the headless face of the app, over the same API functions as the desktop.
//!
//! Output for people by default; `--json` for scripts (shapes documented in docs/cli.md).
//! On failure: one line on stderr naming what and why, and a non-zero exit.

// First, so `say!` and `say_err!` are in scope in every module below.
#[macro_use]
mod output;
mod commands_account;
mod commands_alerts;
mod commands_case_ops;
mod commands_mastodon;
mod commands_outbox;
mod commands_protocol;
mod commands_report;
mod commands_serve;
mod commands_social;
mod commands_workflow;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use switchboard_api::{self as api, ApiError, Ctx, SystemClock};

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Every customer conversation in one local inbox"
)]
struct Cli {
    /// Where the data lives (default: $SWITCHBOARD_DATA_DIR, else ~/.local/share/switchboard).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the data folder and database (safe to run again).
    Init,
    /// Import .eml files, Maildir folders and mbox files.
    Import {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// An address of your own: mail from it counts as your reply (repeatable).
        #[arg(long = "self", value_name = "ADDRESS")]
        self_addresses: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Work with cases.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Full-text search over messages (subject, sender, recipients, text) and internal notes.
    ///
    /// Whole words, case and accents ignored, no stemming: `refund*` finds refunds, refunded.
    /// `from:` the sender, `to:` the recipients, `subject:`, `body:`, "a phrase", `a OR b`.
    /// At most 1,000 characters and 32 words.
    Search {
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// Newest first instead of most relevant first.
        #[arg(long)]
        newest: bool,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// The root-cause taxonomy.
    #[command(subcommand)]
    Rootcause(RootCauseCommand),
    /// Reports: root-cause trends, did the fix work, channels, customers (--json, --csv).
    #[command(subcommand)]
    Report(commands_report::ReportCommand),
    /// Write every case to JSON or CSV.
    Export {
        #[arg(long, value_name = "json|csv")]
        format: String,
        /// File to write (default: standard output).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Write a consistent copy of the database (safe while the app is running).
    Backup { path: PathBuf },
    /// Answer a case by email: queued at once (works offline), sent by `outbox flush` / `sync`.
    Reply(commands_outbox::ReplyArgs),
    /// Replies waiting to be sent, failed, or of unknown fate.
    #[command(subcommand)]
    Outbox(commands_outbox::OutboxCommand),
    /// Connected accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Fetch mail: one pass with --once, else keep watching (IDLE) until Ctrl-C.
    Sync(commands_account::SyncArgs),
    /// The response protocol: ordered rules run on every inbound message.
    #[command(subcommand)]
    Protocol(commands_protocol::ProtocolCommand),
    /// Business hours, holidays, and the response-target settings.
    #[command(subcommand)]
    Hours(commands_protocol::HoursCommand),
    /// Response-time targets: pending responses, breaches, the sweep, one case's clock.
    #[command(subcommand)]
    Sla(commands_protocol::SlaCommand),
    /// Dated reminders on cases: add, list (due / overdue), done.
    #[command(subcommand)]
    Followup(commands_workflow::FollowupCommand),
    /// Reply templates with {variables} and per-channel variants.
    #[command(subcommand)]
    Template(commands_workflow::TemplateCommand),
    /// Workspace settings (require_root_cause, business_name, agent_name).
    #[command(subcommand)]
    Settings(commands_workflow::SettingsCommand),
    /// Customers across channels: show, suggested merges, merge, split, flags.
    #[command(subcommand)]
    Contact(commands_case_ops::ContactCommand),
    /// Undo the last action (anywhere, or on one case with --case).
    Undo(commands_case_ops::UndoArgs),
    /// Serve the app over HTTP on 127.0.0.1 (for browser tests); prints the address and token.
    Serve(commands_serve::ServeArgs),
    /// Write the sample-data workspace (a small shop's complaints) into a folder.
    Demo(commands_serve::DemoArgs),
    /// Early warning: spikes in root causes and in what customers write (scan, list, ack).
    #[command(subcommand)]
    Alerts(commands_alerts::AlertsCommand),
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum AccountCommand {
    /// Connect an account.
    #[command(subcommand)]
    Add(AccountAddCommand),
    /// Every account with its sync health.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disconnect an account: its secrets are deleted; its messages and cases stay.
    Remove { name: String },
    /// Your own email addresses: mail from them is yours (sent), all other mail a customer's.
    #[command(subcommand, name = "self")]
    Own(commands_account::SelfCommand),
}

#[derive(Subcommand)]
enum AccountAddCommand {
    /// Any IMAP/SMTP mailbox with a password (or app password); signs in before saving.
    Imap(commands_account::ImapAddArgs),
    /// A Gmail / Google Workspace mailbox: sign in with Google (OAuth2) in your browser.
    Gmail(commands_outbox::OAuthAddArgs),
    /// An Outlook / Microsoft 365 mailbox: sign in with Microsoft (OAuth2) in your browser.
    Microsoft(commands_outbox::OAuthAddArgs),
    /// A Mastodon account: sign in on your server in the browser (or --token-stdin).
    Mastodon(commands_mastodon::MastodonAddArgs),
    /// A Bluesky account: handle + app password (read from stdin); signs in before saving.
    Bluesky(commands_social::BlueskyAddArgs),
}

#[derive(Subcommand)]
enum CaseCommand {
    /// List cases, newest activity first.
    List(ListArgs),
    /// One case with its messages in order.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Change a case's status: new, open, waiting, snoozed, resolved.
    Status {
        id: i64,
        status: String,
        /// With `snoozed`: when to wake (2026-12-01, "2026-12-01 14:00", +3d, tomorrow).
        #[arg(long, value_name = "WHEN")]
        until: Option<String>,
        /// With `snoozed`: wake when the customer writes.
        #[arg(long)]
        until_reply: bool,
    },
    /// Add an internal note (never sent).
    Note { id: i64, text: String },
    /// Tag a case with a root cause ("Name" or "Parent › Name").
    Tag { id: i64, root_cause: String },
    /// Put a label on a case (created on first use).
    Label { id: i64, label: String },
    #[command(flatten)]
    Workflow(commands_workflow::CaseWorkflow),
    #[command(flatten)]
    Ops(commands_case_ops::CaseOps),
}

#[derive(Args)]
struct ListArgs {
    #[arg(long)]
    status: Option<String>,
    #[arg(long, value_name = "NAME")]
    root_cause: Option<String>,
    #[arg(long)]
    label: Option<String>,
    #[arg(long)]
    channel: Option<String>,
    /// Only repeat contacts (the customer had another case open or recently resolved).
    #[arg(long)]
    repeat: bool,
    /// Only cases with this channel reason: phone_tree, earlier_channel_failed, faster,
    /// prefers_channel, other.
    #[arg(long, value_name = "REASON")]
    reason: Option<String>,
    /// Only these cases, e.g. the `case_ids` of a report figure (comma-separated).
    #[arg(long, value_name = "ID,…", value_delimiter = ',')]
    ids: Vec<i64>,
    /// Only automated mail (newsletters, notifications, auto-replies), which the list otherwise
    /// leaves out.
    #[arg(long)]
    automated: bool,
    /// At most this many (0: all).
    #[arg(long, default_value_t = 50)]
    limit: i64,
    #[arg(long, default_value_t = 0)]
    offset: i64,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum RootCauseCommand {
    /// Add a root cause, optionally under a parent (two levels).
    Add {
        name: String,
        #[arg(long)]
        parent: Option<String>,
    },
    /// List the taxonomy with case counts.
    List {
        #[arg(long)]
        json: bool,
    },
    #[command(flatten)]
    Workflow(commands_workflow::RootCauseWorkflow),
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => exit_usage(e),
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    quiet_on_closed_stdout();
    if let Err(e) = run(cli) {
        if is_broken_pipe(&e) {
            std::process::exit(0);
        }
        let (msg, code) = if let Some(api) = e.downcast_ref::<ApiError>() {
            (api.message.clone(), 1)
        } else if let Some(partial) = e.downcast_ref::<PartialImport>() {
            (partial.to_string(), EXIT_PARTIAL)
        } else {
            (format!("{e:#}"), 1)
        };
        say_err!("switchboard: error: {}", msg.replace('\n', " "));
        std::process::exit(code);
    }
}

/// `switchboard case list | head` closes our stdout early. That is the reader's choice, not an
/// error: stop quietly instead of `println!` panicking with "failed printing to stdout".
fn quiet_on_closed_stdout() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Exit code of a usage error (unknown flag, missing argument, an id that is not a number).
const EXIT_USAGE: i32 = 2;
/// Exit code of an import that stored what it could but had items it could not import.
const EXIT_PARTIAL: i32 = 3;

/// Help and version go out as clap prints them; a usage error becomes the one-line
/// `switchboard: error: …` every other failure uses.
fn exit_usage(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let rendered = e.render().to_string();
    let first_paragraph = rendered.split("\n\n").next().unwrap_or_default();
    let msg = first_paragraph
        .trim()
        .trim_start_matches("error:")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    say_err!("switchboard: error: {msg} (see switchboard --help)");
    std::process::exit(EXIT_USAGE);
}

/// An import that finished but could not import some items (they are listed in its summary).
#[derive(Debug)]
struct PartialImport {
    failed: usize,
    seen: u64,
    first: api::import::ImportFailure,
}

impl std::fmt::Display for PartialImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} items could not be imported (the others were stored or already there); first: {}: {}",
            self.failed, self.seen, self.first.origin, self.first.reason
        )
    }
}

impl std::error::Error for PartialImport {}

fn open(data_dir: &Option<PathBuf>) -> anyhow::Result<Ctx> {
    let dir = switchboard_store_dir(data_dir)?;
    Ok(Ctx::open(&dir, Arc::new(SystemClock))?)
}

fn switchboard_store_dir(data_dir: &Option<PathBuf>) -> anyhow::Result<PathBuf> {
    Ok(api::workspace::resolve_data_dir(data_dir.as_deref())?)
}

/// `--json` output: serde's escaping plus [`output::json_safe`], so a terminal shows it inertly.
fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(v)?;
    output::emit_data(&output::json_safe(&text))?;
    Ok(output::emit_data("\n")?)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Init => {
            let dir = switchboard_store_dir(&cli.data_dir)?;
            let r = api::workspace::workspace_init(&dir)?;
            say!(
                "{} workspace in {} (schema version {})",
                if r.created {
                    "Created"
                } else {
                    "Found existing"
                },
                r.data_dir.display(),
                r.schema_version
            );
        }
        Command::Import {
            paths,
            self_addresses,
            json,
        } => {
            let ctx = open(&cli.data_dir)?;
            let bar = output::progress_bar(!json && std::io::stderr().is_terminal());
            let r = api::import::import_files(
                &ctx,
                &api::import::ImportParams {
                    paths,
                    self_addresses,
                },
                &mut |p| output::update_import_bar(&bar, &p),
            )?;
            bar.finish_and_clear();
            if json {
                print_json(&r)?;
            } else {
                output::print_import_summary(&r);
            }
            if let Some(first) = r.failed.first() {
                return Err(PartialImport {
                    failed: r.failed.len(),
                    seen: r.imported + r.duplicates + r.failed.len() as u64,
                    first: first.clone(),
                }
                .into());
            }
        }
        Command::Case(cmd) => run_case(&cli.data_dir, cmd)?,
        Command::Search {
            query,
            newest,
            limit,
            json,
        } => {
            let ctx = open(&cli.data_dir)?;
            let r = api::case::case_search(
                &ctx,
                &api::case::SearchParams {
                    query: query.join(" "),
                    order: if newest {
                        api::case::SearchOrder::Newest
                    } else {
                        api::case::SearchOrder::Relevance
                    },
                    limit,
                },
            )?;
            if json {
                print_json(&r)?;
            } else {
                output::print_search(&r);
            }
        }
        Command::Rootcause(RootCauseCommand::Add { name, parent }) => {
            let ctx = open(&cli.data_dir)?;
            let rc = api::root_cause::root_cause_add(&ctx, &name, parent.as_deref())?;
            say!("Added root cause {} (id {})", rc.path, rc.id);
        }
        Command::Rootcause(RootCauseCommand::List { json }) => {
            let ctx = open(&cli.data_dir)?;
            let list = api::root_cause::root_cause_list(&ctx)?;
            if json {
                print_json(&list)?;
            } else {
                output::print_root_causes(&list);
            }
        }
        Command::Export { format, out } => {
            let format: api::export::ExportFormat = format.parse()?;
            let ctx = open(&cli.data_dir)?;
            let r = match &out {
                Some(path) => api::export::export_to_file(&ctx, format, path)?,
                None => {
                    // An export is data for a file or a pipe: written byte for byte.
                    #[allow(clippy::disallowed_methods)]
                    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                    let r = api::export::export_cases(&ctx, format, &mut w)?;
                    w.flush()?;
                    r
                }
            };
            if let Some(path) = out {
                say_err!(
                    "Exported {} ({}) to {}",
                    api::plural(r.cases, "case", "cases"),
                    api::plural(r.messages, "message", "messages"),
                    path.display()
                );
            }
        }
        Command::Reply(a) => commands_outbox::run_reply(&open(&cli.data_dir)?, a)?,
        Command::Outbox(cmd) => commands_outbox::run_outbox(&open(&cli.data_dir)?, cmd)?,
        Command::Account(AccountCommand::Add(AccountAddCommand::Gmail(a))) => {
            commands_outbox::run_account_oauth(&open(&cli.data_dir)?, "google", a)?
        }
        Command::Account(AccountCommand::Add(AccountAddCommand::Bluesky(a))) => {
            commands_social::run_add(&open(&cli.data_dir)?, a)?
        }
        Command::Account(AccountCommand::Add(AccountAddCommand::Mastodon(a))) => {
            commands_mastodon::run_add(&open(&cli.data_dir)?, a)?
        }
        Command::Account(AccountCommand::Add(AccountAddCommand::Microsoft(a))) => {
            commands_outbox::run_account_oauth(&open(&cli.data_dir)?, "microsoft", a)?
        }
        Command::Account(AccountCommand::Add(AccountAddCommand::Imap(a))) => {
            commands_account::run_add_imap(&open(&cli.data_dir)?, a)?
        }
        Command::Account(AccountCommand::List { json }) => {
            commands_account::run_list(&open(&cli.data_dir)?, json)?
        }
        Command::Account(AccountCommand::Remove { name }) => {
            commands_account::run_remove(&open(&cli.data_dir)?, &name)?
        }
        Command::Account(AccountCommand::Own(c)) => {
            commands_account::run_self(&open(&cli.data_dir)?, c)?
        }
        Command::Sync(a) => commands_account::run_sync(&open(&cli.data_dir)?, a)?,
        Command::Protocol(c) => commands_protocol::run_protocol(&open(&cli.data_dir)?, c)?,
        Command::Hours(c) => commands_protocol::run_hours(&open(&cli.data_dir)?, c)?,
        Command::Sla(c) => commands_protocol::run_sla(&open(&cli.data_dir)?, c)?,
        Command::Rootcause(RootCauseCommand::Workflow(c)) => {
            commands_workflow::run_rootcause(&open(&cli.data_dir)?, c)?
        }
        Command::Report(c) => commands_report::run_report(&open(&cli.data_dir)?, c)?,
        Command::Followup(c) => commands_workflow::run_followup(&open(&cli.data_dir)?, c)?,
        Command::Alerts(c) => commands_alerts::run_alerts(&open(&cli.data_dir)?, c)?,
        Command::Template(c) => commands_workflow::run_template(&open(&cli.data_dir)?, c)?,
        Command::Settings(c) => commands_workflow::run_settings(&open(&cli.data_dir)?, c)?,
        Command::Contact(c) => commands_case_ops::run_contact(&open(&cli.data_dir)?, c)?,
        Command::Undo(a) => commands_case_ops::run_undo_args(&open(&cli.data_dir)?, a)?,
        Command::Serve(a) => commands_serve::run_serve(&switchboard_store_dir(&cli.data_dir)?, a)?,
        Command::Demo(a) => commands_serve::run_demo(&switchboard_store_dir(&cli.data_dir)?, a)?,
        Command::Backup { path } => {
            let ctx = open(&cli.data_dir)?;
            let r = api::backup::backup_create(&ctx, &path)?;
            say!("Backed up to {} ({} bytes)", r.path.display(), r.bytes);
        }
    }
    Ok(())
}

fn run_case(data_dir: &Option<PathBuf>, cmd: CaseCommand) -> anyhow::Result<()> {
    let ctx = open(data_dir)?;
    match cmd {
        CaseCommand::Workflow(c) => commands_workflow::run_case(&ctx, c)?,
        CaseCommand::Ops(c) => commands_case_ops::run_case(&ctx, c)?,
        CaseCommand::List(a) => {
            // Snoozes that ended wake before the list is read.
            api::case::case_wake_due(&ctx, &Default::default())?;
            let r = api::case::case_list(
                &ctx,
                &api::case::ListCasesParams {
                    status: a.status,
                    root_cause: a.root_cause,
                    label: a.label,
                    channel: a.channel,
                    repeat: Some(a.repeat),
                    reason: a.reason,
                    ids: (!a.ids.is_empty()).then_some(a.ids),
                    automated: Some(a.automated),
                    limit: a.limit,
                    offset: a.offset,
                },
            )?;
            if a.json {
                print_json(&r)?;
            } else {
                output::print_case_list(&r);
            }
        }
        CaseCommand::Show { id, json } => {
            let c = api::case::case_show(&ctx, id)?;
            if json {
                print_json(&c)?;
            } else {
                output::print_case(&c);
            }
        }
        CaseCommand::Status {
            id,
            status,
            until,
            until_reply,
        } => {
            let snooze_until = until.map(|w| api::case::parse_when(&ctx, &w)).transpose()?;
            let r = api::case::case_set_status(
                &ctx,
                &api::case::SetStatusParams {
                    case_id: id,
                    status,
                    snooze_until,
                    until_reply,
                },
            )?;
            if r.changed {
                say!("Case #{}: {} → {}", r.case_id, r.from, r.to);
            } else {
                say!("Case #{} is already {}", r.case_id, r.to);
            }
        }
        CaseCommand::Note { id, text } => {
            let n = api::case::case_add_note(&ctx, id, &text)?;
            say!("Added note {} to case #{id}", n.id);
        }
        CaseCommand::Tag { id, root_cause } => {
            let r = api::case::case_tag_root_cause(&ctx, id, &root_cause)?;
            if r.added {
                say!("Tagged case #{id} with {}", r.root_cause);
            } else {
                say!("Case #{id} already has {}", r.root_cause);
            }
        }
        CaseCommand::Label { id, label } => {
            let r = api::case::case_label(&ctx, id, &label)?;
            if r.added {
                say!("Labelled case #{id} {}", r.label);
            } else {
                say!("Case #{id} already has label {}", r.label);
            }
        }
    }
    Ok(())
}
