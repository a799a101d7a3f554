//! `switchboard account add bluesky`: sign in with a handle and an app password (read from
//! standard input, so it never shows in the shell history or the process list).

use std::io::Read;

use clap::Args;
use switchboard_api::Ctx;
use switchboard_api::social_account::{AddBlueskyParams, account_add_bluesky};

use crate::print_json;

#[derive(Args)]
pub struct BlueskyAddArgs {
    /// Your handle: alice.bsky.social (or a DID).
    #[arg(long)]
    pub handle: String,
    /// Read the app password from standard input (create one under Settings → App passwords;
    /// tick "Allow access to your direct messages" to answer DMs).
    #[arg(long)]
    pub app_password_stdin: bool,
    /// Your PDS URL; skips finding it from the handle.
    #[arg(long, value_name = "URL")]
    pub service: Option<String>,
    /// PLC directory for did:plc lookups (default https://plc.directory).
    #[arg(long, value_name = "URL")]
    pub plc: Option<String>,
    /// The account's name in Switchboard (default: the handle).
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run_add(ctx: &Ctx, a: BlueskyAddArgs) -> anyhow::Result<()> {
    if !a.app_password_stdin {
        anyhow::bail!(
            "cannot add a Bluesky account: pass --app-password-stdin and the app password on standard input"
        );
    }
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let info = rt.block_on(account_add_bluesky(
        ctx,
        &AddBlueskyParams {
            handle: a.handle,
            app_password: password.trim().to_owned(),
            name: a.name,
            service: a.service,
            plc_url: a.plc,
            resolver: None,
        },
    ))?;
    if a.json {
        print_json(&info)?;
    } else {
        say!(
            "Added Bluesky account {:?} ({}). `switchboard sync --once` fetches its mentions and replies.",
            info.name,
            info.address.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
