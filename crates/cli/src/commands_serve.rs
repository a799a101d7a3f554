//! `switchboard serve`: the command table over loopback HTTP (crates/http), for browser
//! end-to-end tests and a look at the UI without the desktop window. Off unless run.
//! `switchboard demo`: writes the sample-data workspace (crates/api demo.rs).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use switchboard_api::app::App;
use switchboard_api::{Keychain, SystemClock};

#[derive(Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0: a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The built UI to serve on the same origin (ui/dist).
    #[arg(long, value_name = "DIR")]
    pub ui: Option<PathBuf>,
    /// Print the address and token as one JSON line (for scripts).
    #[arg(long)]
    pub json: bool,
}

pub fn run_serve(data_dir: &Path, a: ServeArgs) -> anyhow::Result<()> {
    if let Some(ui) = &a.ui
        && !ui.join("index.html").is_file()
    {
        anyhow::bail!(
            "cannot serve the UI from {}: there is no index.html (build it: npm --prefix ui run build)",
            ui.display()
        );
    }
    let app = App::open(data_dir, Arc::new(SystemClock), Arc::new(Keychain))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let server = switchboard_http::start(
            app,
            switchboard_http::ServeOptions {
                port: a.port,
                ui_dir: a.ui.clone(),
                ..Default::default()
            },
        )
        .await?;
        // Our own URL and token, written with `?` so a closed stdout is an error, not a panic.
        #[allow(clippy::disallowed_methods)]
        let mut out = std::io::stdout().lock();
        if a.json {
            writeln!(
                out,
                "{}",
                serde_json::json!({
                    "url": server.base_url(),
                    "token": server.token,
                    "ui_url": a.ui.is_some().then(|| server.ui_url()),
                })
            )?;
        } else {
            writeln!(
                out,
                "Serving {} on {}",
                data_dir.display(),
                server.base_url()
            )?;
            writeln!(out, "Token: {}", server.token)?;
            if a.ui.is_some() {
                writeln!(out, "Open: {}", server.ui_url())?;
            }
            writeln!(out, "Press Ctrl-C to stop.")?;
        }
        out.flush()?;
        drop(out);
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminated() => {}
        }
        server.stop().await;
        anyhow::Ok(())
    })
}

/// SIGTERM, so test harnesses that kill the server stop it cleanly.
async fn terminated() {
    #[cfg(unix)]
    {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await
}

#[derive(Args)]
pub struct DemoArgs {
    /// Number of cases (100000 for the launch benchmark).
    #[arg(long, default_value_t = switchboard_api::demo::DEFAULT_CASES)]
    pub cases: u32,
    /// Folder to write (default: the data folder's demo/, which the app opens as its sample data).
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

pub fn run_demo(data_dir: &Path, a: DemoArgs) -> anyhow::Result<()> {
    let dir = a
        .into
        .clone()
        .unwrap_or_else(|| switchboard_api::demo::default_demo_dir(data_dir));
    let now = switchboard_api::Clock::now(&SystemClock);
    let summary = switchboard_api::demo::write_demo(&dir, a.cases, now)?;
    if a.json {
        say!("{}", serde_json::to_string(&summary)?);
    } else {
        let plural = switchboard_api::plural;
        say!(
            "Wrote a demo workspace to {}: {}, {}, {} (sample data, never synced)",
            summary.data_dir,
            plural(summary.cases, "case", "cases"),
            plural(summary.messages, "message", "messages"),
            plural(summary.accounts, "account", "accounts")
        );
        // Every other command reads the default workspace unless told otherwise.
        let dir = if summary.data_dir.contains(char::is_whitespace) {
            format!("\"{}\"", summary.data_dir)
        } else {
            summary.data_dir.clone()
        };
        say!("Use it with --data-dir: switchboard --data-dir {dir} case list");
    }
    Ok(())
}
