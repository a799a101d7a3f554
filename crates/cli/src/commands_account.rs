//! `account add imap`, `account list`, `account remove` and `sync`.
//!
//! The password is read from standard input only (`--password-stdin`), never from a flag, so it
//! does not end up in shell history or `ps`. Sync prints a progress bar when stderr is a
//! terminal, a summary at the end, and one line per new message while watching.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use switchboard_api::account::{self, AccountInfo, Secret, Security, SyncStatus};
use switchboard_api::export::iso;
use switchboard_api::sync::{self as apisync, PassReport, Phase, SyncEvent, WatchParams};
use switchboard_api::{ApiError, Code, Ctx, plural};

use crate::output::progress_bar;

#[derive(Args)]
pub struct ImapAddArgs {
    /// A short name for the account (e.g. "support").
    #[arg(long)]
    pub name: String,
    /// The address replies are sent from.
    #[arg(long)]
    pub email: String,
    /// Fill in the servers of a known provider: gmail, microsoft, fastmail, icloud, yahoo.
    #[arg(long)]
    pub preset: Option<String>,
    #[arg(long, value_name = "HOST")]
    pub imap_host: Option<String>,
    #[arg(long, value_name = "PORT")]
    pub imap_port: Option<u16>,
    #[arg(long, value_name = "HOST")]
    pub smtp_host: Option<String>,
    #[arg(long, value_name = "PORT")]
    pub smtp_port: Option<u16>,
    /// IMAP connection security: tls (port 993) or starttls (port 143).
    #[arg(long, value_name = "tls|starttls")]
    pub security: Option<Security>,
    /// SMTP connection security (default: tls for port 465, else starttls).
    #[arg(long, value_name = "tls|starttls")]
    pub smtp_security: Option<Security>,
    /// Login name (default: the email address).
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// An extra CA certificate (PEM) to trust, for a server with a private CA.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Also sync this folder (repeatable); INBOX and Sent always are.
    #[arg(long = "folder", value_name = "NAME")]
    pub folders: Vec<String>,
    /// Your name, shown on mail you send.
    #[arg(long)]
    pub display_name: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SyncArgs {
    /// Only this account (default: every enabled email account).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// One full pass, a summary, then exit (default: keep watching with IDLE until Ctrl-C).
    #[arg(long)]
    pub once: bool,
    /// Print the summary (--once) or events (watching, one JSON object per line) as JSON.
    #[arg(long)]
    pub json: bool,
}

fn read_password() -> anyhow::Result<Secret> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.is_empty() {
        bail!("cannot add account: the password on standard input is empty");
    }
    Ok(Secret::new(pw))
}

pub fn run_add_imap(ctx: &Ctx, a: ImapAddArgs) -> anyhow::Result<()> {
    if !a.password_stdin {
        return Err(ApiError::invalid(
            "cannot add account: give the password on standard input with --password-stdin",
        )
        .into());
    }
    let password = read_password()?;
    let params = account::AddEmailParams {
        name: a.name,
        email: a.email,
        display_name: a.display_name,
        preset: a.preset,
        imap_host: a.imap_host,
        imap_port: a.imap_port,
        imap_security: a.security,
        smtp_host: a.smtp_host,
        smtp_port: a.smtp_port,
        smtp_security: a.smtp_security,
        username: a.username,
        password: password.expose().to_string(),
        extra_folders: a.folders,
    }
    .resolve(a.ca_file)?;
    let info = account::account_add_imap(ctx, params)?;
    if a.json {
        crate::print_json(&info)?;
    } else {
        say!(
            "Added account {} ({}, {}): signed in; password saved in the OS keychain. Run `switchboard sync` to fetch mail.",
            info.name,
            info.address.as_deref().unwrap_or("-"),
            info.server.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

fn when(t: Option<i64>) -> String {
    t.map(iso).unwrap_or_else(|| "never".into())
}

pub fn print_accounts(list: &[AccountInfo]) {
    if list.is_empty() {
        say!("No accounts. Add one with `switchboard account add imap`.");
        return;
    }
    for a in list {
        let h = &a.health;
        let sync = match h.status {
            SyncStatus::Local => "internal, nothing to sync, cannot be removed".to_string(),
            SyncStatus::Demo => "sample data, never synced".to_string(),
            _ => format!(
                "{} quarantined  last sync {}",
                h.quarantined,
                when(h.last_success_at)
            ),
        };
        say!(
            "{}  {}  {}  {:?}  {}  {sync}",
            a.name,
            a.kind,
            a.address.as_deref().unwrap_or("-"),
            h.status,
            plural(h.messages, "message", "messages"),
        );
        for s in &h.streams {
            let mut line = format!(
                "    {:<20} last ok {}  {} stored",
                s.stream,
                when(s.last_success_at),
                s.messages
            );
            if s.quarantined > 0 {
                line.push_str(&format!(", {} quarantined", s.quarantined));
            }
            if let Some(act) = &s.activity {
                line.push_str(&format!("  now: {act}"));
            }
            if let Some(err) = &s.last_error {
                line.push_str(&format!(
                    "  ERROR ({}): {err}",
                    s.error_class.as_deref().unwrap_or("?")
                ));
                if let Some(b) = s.backoff_until {
                    line.push_str(&format!("; next try {}", iso(b)));
                }
            }
            say!("{line}");
        }
    }
}

pub fn run_list(ctx: &Ctx, json: bool) -> anyhow::Result<()> {
    let list = account::account_list(ctx)?;
    if json {
        crate::print_json(&list)?;
    } else {
        print_accounts(&list);
    }
    Ok(())
}

pub fn run_remove(ctx: &Ctx, name: &str) -> anyhow::Result<()> {
    account::account_remove(ctx, name)?;
    say!(
        "Removed account {name}: its password is deleted from the keychain; its messages and cases stay."
    );
    Ok(())
}

fn folder_summary(r: &PassReport) -> String {
    r.folders
        .iter()
        .map(|f| {
            let mut s = format!("{} {} new", f.folder, f.stored);
            for (n, what) in [
                (f.quarantined, "quarantined"),
                (f.flags_changed, "flag changes"),
                (f.expunged, "deleted on server"),
            ] {
                if n > 0 {
                    s.push_str(&format!(", {n} {what}"));
                }
            }
            if f.rebaselined {
                s.push_str(", re-baselined (UIDVALIDITY changed)");
            }
            if !f.complete {
                s.push_str(", initial sync not finished");
            }
            if let Some(e) = &f.error {
                s.push_str(&format!(", ERROR: {e}"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn run_sync(ctx: &Ctx, a: SyncArgs) -> anyhow::Result<()> {
    let bar = progress_bar(!a.json && std::io::stderr().is_terminal());
    let json = a.json;
    let mut on_event = |e: &SyncEvent| match e {
        SyncEvent::Progress(p) => {
            if p.total > 0 {
                bar.set_length(p.total);
                bar.set_position(p.done.min(p.total));
            }
            let phase = match p.phase {
                Phase::Connecting => "connecting",
                Phase::Flags => "flags",
                Phase::NewMail => "new mail",
                Phase::Initial => "initial sync",
                Phase::Expunges => "deletions",
            };
            bar.set_message(format!("{} {}: {phase}", p.account, p.folder));
        }
        SyncEvent::NewMail { account, mail } if !a.once => {
            if json {
                bar.suspend(|| say!("{}", serde_json::to_string(e).unwrap_or_default()));
            } else {
                bar.suspend(|| {
                    say!(
                        "{account}: new mail in {}: {} — {} (case #{}{})",
                        mail.folder,
                        mail.from.as_deref().unwrap_or("(no sender)"),
                        mail.subject.as_deref().unwrap_or("(no subject)"),
                        mail.case_id,
                        if mail.reopened { ", reopened" } else { "" }
                    )
                });
            }
        }
        SyncEvent::Error {
            account,
            message,
            class,
            retry_in_ms,
        } if !a.once => {
            if json {
                bar.suspend(|| say!("{}", serde_json::to_string(e).unwrap_or_default()));
            } else {
                bar.suspend(|| {
                    say_err!(
                        "{account}: sync failed ({class}): {message}{}",
                        retry_in_ms
                            .map(|ms| format!("; retrying in {} s", ms / 1000))
                            .unwrap_or_default()
                    )
                });
            }
        }
        SyncEvent::PassDone(r) if !a.once => {
            bar.set_position(0);
            bar.set_length(0);
            bar.set_message(format!("{}: up to date, waiting for new mail", r.account));
        }
        _ => {}
    };

    if a.once {
        let result = apisync::sync_all_once(ctx, a.account.as_deref(), &mut on_event)?;
        bar.finish_and_clear();
        if result.accounts.is_empty() {
            return Err(ApiError::new(
                Code::NotFound,
                "cannot sync: there is no enabled email account (add one with `switchboard account add imap`)",
            )
            .into());
        }
        if json {
            crate::print_json(&result)?;
        } else {
            for r in &result.accounts {
                match (&r.report, &r.error) {
                    (Some(rep), _) => say!(
                        "{}: synced in {:.1} s: {}",
                        r.account,
                        rep.elapsed_ms as f64 / 1000.0,
                        folder_summary(rep)
                    ),
                    (None, Some(err)) => say!(
                        "{}: FAILED ({}): {err}",
                        r.account,
                        r.error_class.map(|c| c.to_string()).unwrap_or_default()
                    ),
                    // Bluesky/Mastodon: stored items per stream.
                    (None, None) => {
                        if let Some(s) = &r.social {
                            let parts: Vec<String> = s
                                .streams
                                .iter()
                                .map(|st| {
                                    format!(
                                        "{} {} new, {} quarantined",
                                        st.stream, st.stored, st.quarantined
                                    )
                                })
                                .collect();
                            say!("{}: synced: {}", r.account, parts.join("; "));
                        }
                    }
                }
            }
        }
        // Replies written offline go out on the same pass.
        let flush = switchboard_api::outbox::outbox_flush(
            ctx,
            switchboard_api::outbox::FlushOptions::default(),
        )?;
        let outbox_idle = flush.sent.is_empty()
            && flush.reconciled.is_empty()
            && flush.unknown.is_empty()
            && flush.deferred.is_empty()
            && flush.failed.is_empty();
        if !json && !outbox_idle {
            crate::commands_outbox::print_flush(&flush);
        }
        let failed = result.failed();
        if failed > 0 {
            return Err(ApiError::new(
                Code::Unavailable,
                format!(
                    "{failed} of {} could not be synced (see above; `switchboard account list` shows their health)",
                    plural(result.accounts.len(), "account", "accounts")
                ),
            )
            .into());
        }
        return Ok(());
    }

    let (_handle, stop) = apisync::stop_handle();
    if !json {
        say_err!("Watching for new mail (Ctrl-C to stop)…");
    }
    // While watching, the outbox is flushed every half minute on a second thread, so a reply
    // written offline goes out soon after the network is back.
    let watching = std::sync::atomic::AtomicBool::new(true);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                match switchboard_api::outbox::outbox_flush(
                    ctx,
                    switchboard_api::outbox::FlushOptions::default(),
                ) {
                    Ok(r) => {
                        let news =
                            !r.sent.is_empty() || !r.reconciled.is_empty() || !r.failed.is_empty();
                        if news && !json {
                            crate::commands_outbox::print_flush(&r);
                        }
                    }
                    Err(e) => say_err!("outbox: {}", e.message),
                }
                for _ in 0..30 {
                    if !watching.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_secs(1));
                }
            }
        });
        let r = apisync::sync_watch(
            ctx,
            &WatchParams {
                account: a.account.clone(),
                stop_on_ctrl_c: true,
            },
            stop,
            &mut on_event,
        );
        watching.store(false, std::sync::atomic::Ordering::Relaxed);
        r
    })?;
    bar.finish_and_clear();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// switchboard account self add|remove|list
// ---------------------------------------------------------------------------------------------

#[derive(Subcommand)]
pub enum SelfCommand {
    /// Make addresses your own: stored mail from them becomes sent by you (undo takes it back).
    Add {
        #[arg(required = true, value_name = "ADDRESS")]
        addresses: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Stop treating addresses as your own: stored mail from them becomes a customer's.
    Remove {
        #[arg(required = true, value_name = "ADDRESS")]
        addresses: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Your own addresses, one a line.
    List {
        #[arg(long)]
        json: bool,
    },
}

pub fn run_self(ctx: &Ctx, cmd: SelfCommand) -> anyhow::Result<()> {
    use switchboard_api::self_address::{self as own, SelfAddressParams};
    let (r, json) = match cmd {
        SelfCommand::List { json } => {
            let r = own::account_self_list(ctx, &Default::default())?;
            if json {
                crate::print_json(&r)?;
            } else if r.addresses.is_empty() {
                say!("No addresses of your own yet (add one with `account self add ADDRESS`).");
            } else {
                for a in &r.addresses {
                    say!("{a}");
                }
            }
            return Ok(());
        }
        SelfCommand::Add { addresses, json } => (
            own::account_self_add(ctx, &SelfAddressParams { addresses })?,
            json,
        ),
        SelfCommand::Remove { addresses, json } => (
            own::account_self_remove(ctx, &SelfAddressParams { addresses })?,
            json,
        ),
    };
    if json {
        crate::print_json(&r)?;
    } else {
        say!("{}", r.summary);
    }
    Ok(())
}
