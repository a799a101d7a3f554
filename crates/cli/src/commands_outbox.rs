//! `switchboard reply`, `switchboard outbox …` and `switchboard account add gmail|microsoft`.

use std::io::Read;

use clap::{Args, Subcommand};
use switchboard_api::{self as api, Ctx};

use crate::print_json;

#[derive(Args)]
pub struct ReplyArgs {
    /// The case to answer.
    pub case_id: i64,
    /// The reply's text ("-" reads it from standard input).
    pub text: String,
    /// Send from this account (needed when the case's mail was imported into the archive).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// Bluesky/Mastodon: send a direct message instead of a public reply.
    #[arg(long)]
    pub private: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum OutboxCommand {
    /// Replies not sent yet: queued, failed, or of unknown fate.
    List {
        /// Include sent replies.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Send every queued reply now (also done by `switchboard sync`).
    Flush {
        #[arg(long)]
        json: bool,
    },
    /// Queue a failed reply, or one that may or may not have been sent, again.
    Retry { id: i64 },
    /// Give up on a reply that was not sent (it stays on the case, marked not sent).
    Discard { id: i64 },
}

#[derive(Args)]
pub struct OAuthAddArgs {
    /// The account's name in Switchboard.
    #[arg(long)]
    pub name: String,
    /// The mailbox address.
    #[arg(long, value_name = "ADDRESS")]
    pub email: Option<String>,
    /// Only print the sign-in URL; do not try to open a browser.
    #[arg(long)]
    pub no_browser: bool,
}

pub fn run_reply(ctx: &Ctx, a: ReplyArgs) -> anyhow::Result<()> {
    let text = if a.text == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        a.text
    };
    let r = api::reply::reply_create(
        ctx,
        &api::reply::ReplyParams {
            case_id: a.case_id,
            text,
            account: a.account,
            private: a.private.then_some(true),
        },
    )?;
    if a.json {
        print_json(&r)?;
    } else {
        say!(
            "Queued reply {} to {} on case #{} (case is now {}); `switchboard outbox flush` or `switchboard sync` sends it",
            r.outbox_id,
            r.to,
            r.case_id,
            r.case_status
        );
    }
    Ok(())
}

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

pub fn run_outbox(ctx: &Ctx, cmd: OutboxCommand) -> anyhow::Result<()> {
    match cmd {
        OutboxCommand::List { all, json } => {
            let list = api::outbox::outbox_list(
                ctx,
                &api::outbox::OutboxListParams { include_sent: all },
            )?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                say!("The outbox is empty.");
            }
            for e in &list {
                let case = e.case_id.map(|c| format!("case #{c}")).unwrap_or_default();
                say!(
                    "{:>5}  {:<8} {}  {} → {}  {}",
                    e.id,
                    if e.discarded {
                        "discarded"
                    } else {
                        e.state.as_str()
                    },
                    when(e.created_at),
                    e.account,
                    e.to.join(", "),
                    case
                );
                if let Some(s) = &e.subject {
                    say!("       {s}");
                }
                if let Some(err) = &e.last_error {
                    let class = e.error_class.as_deref().unwrap_or("-");
                    say!("       last error ({class}): {err}");
                }
                if let (Some(next), "queued") = (e.next_attempt_at, e.state.as_str()) {
                    say!("       next attempt: {}", when(next));
                }
                if let Some(h) = &e.hint {
                    say!("       {h}");
                }
            }
        }
        OutboxCommand::Flush { json } => {
            let r = api::outbox::outbox_flush(
                ctx,
                api::outbox::FlushOptions {
                    ignore_backoff: true,
                },
            )?;
            if json {
                return print_json(&r);
            }
            print_flush(&r);
        }
        OutboxCommand::Retry { id } => {
            let e = api::outbox::outbox_retry(ctx, id)?;
            say!(
                "Outbox item {} is queued again; `switchboard outbox flush` sends it",
                e.id
            );
        }
        OutboxCommand::Discard { id } => {
            let e = api::outbox::outbox_discard(ctx, id)?;
            say!(
                "Discarded outbox item {}; it stays on case {} marked as not sent",
                e.id,
                e.case_id
                    .map(|c| format!("#{c}"))
                    .unwrap_or_else(|| "-".into())
            );
        }
    }
    Ok(())
}

/// The one-paragraph summary of a flush.
pub fn print_flush(r: &api::outbox::FlushReport) {
    if r.busy {
        say!("Another Switchboard process is sending the outbox right now; nothing done.");
        return;
    }
    let n = r.sent.len() + r.reconciled.len();
    if n == 0 && r.unknown.is_empty() && r.deferred.is_empty() && r.failed.is_empty() {
        say!("Nothing to send.");
        return;
    }
    say!("Sent {n} repl{}.", if n == 1 { "y" } else { "ies" });
    for o in &r.deferred {
        say!(
            "Not sent yet ({}), will retry: #{}: {}",
            o.class,
            o.id,
            o.error
        );
    }
    for o in &r.failed {
        say!("Failed: #{}: {}", o.id, o.error);
    }
    for o in &r.unknown {
        say!(
            "Unknown: #{}: {}",
            o.id,
            o.error.replace("ID", &o.id.to_string())
        );
    }
    for o in &r.warnings {
        say!("Warning: #{}: {}", o.id, o.error);
    }
}

pub fn run_account_oauth(ctx: &Ctx, provider: &str, a: OAuthAddArgs) -> anyhow::Result<()> {
    let no_browser = a.no_browser;
    let open = move |url: &str| {
        say_err!("Sign in in your browser. If it does not open, visit:\n\n  {url}\n");
        if !no_browser && let Err(e) = api::oauth_account::open_browser(url) {
            say_err!("(could not open a browser: {e})");
        }
    };
    let r = api::oauth_account::account_add_oauth(
        ctx,
        &api::oauth_account::AddOAuthAccountParams {
            provider: provider.into(),
            name: a.name,
            email: a.email,
            skip_imap_check: false,
        },
        &open,
    )?;
    say!(
        "Added {} account {:?} ({}){}",
        r.provider,
        r.name,
        r.email,
        if r.imap_verified {
            ", IMAP sign-in checked"
        } else {
            ""
        }
    );
    Ok(())
}
