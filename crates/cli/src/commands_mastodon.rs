//! `switchboard account add mastodon`: browser sign-in by default (the URL is printed, and
//! opened unless `--no-browser`), or an access token read from standard input.

use std::io::Read;

use clap::Args;
use switchboard_api::mastodon_account::{
    self as mastodon, AddMastodonAccountParams, MastodonAccountResult, MastodonSignInBeginParams,
    MastodonSignInFinishParams,
};
use switchboard_api::{Ctx, oauth_account};

use crate::print_json;

#[derive(Args)]
pub struct MastodonAddArgs {
    /// The server: mastodon.social or https://mastodon.social.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The account's name in Switchboard (default: its handle, user@domain).
    #[arg(long)]
    pub name: Option<String>,
    /// Read an access token from standard input instead of signing in with the browser.
    #[arg(long)]
    pub token_stdin: bool,
    /// How public replies are posted: public (default) or unlisted.
    #[arg(long, value_name = "public|unlisted")]
    pub visibility: Option<String>,
    /// Only print the sign-in URL; do not try to open a browser.
    #[arg(long)]
    pub no_browser: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run_add(ctx: &Ctx, a: MastodonAddArgs) -> anyhow::Result<()> {
    let r: MastodonAccountResult = if a.token_stdin {
        let mut token = String::new();
        std::io::stdin().read_to_string(&mut token)?;
        mastodon::account_add_mastodon(
            ctx,
            &AddMastodonAccountParams {
                server: a.server,
                name: a.name,
                token: token.trim().to_string(),
                public_visibility: a.visibility,
            },
        )?
    } else {
        let begin = mastodon::mastodon_sign_in_begin(
            ctx,
            &MastodonSignInBeginParams {
                server: a.server,
                name: a.name,
                public_visibility: a.visibility,
                open_browser: None,
            },
        )?;
        say_err!(
            "Sign in in your browser. If it does not open, visit:\n\n  {}\n",
            begin.authorize_url
        );
        if !a.no_browser
            && let Err(e) = oauth_account::open_browser(&begin.authorize_url)
        {
            say_err!("(could not open a browser: {e})");
        }
        mastodon::mastodon_sign_in_finish(
            ctx,
            &MastodonSignInFinishParams {
                sign_in_id: begin.sign_in_id,
                timeout_secs: None,
            },
        )?
    };
    if a.json {
        return print_json(&r);
    }
    say!(
        "Added Mastodon account {:?} ({} on {}; posts up to {} characters)",
        r.name,
        r.acct,
        r.server,
        r.max_characters
    );
    Ok(())
}
