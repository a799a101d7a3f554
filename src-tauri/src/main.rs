//! Switchboard's desktop shell.
//!
//! It only wires things together: the window (configured in the root tauri.conf.json), the
//! workspace context in managed state, the command list and change-event forwarding. Every
//! user action is a plain function in crates/api, so the CLI and the tests use the same code.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod events;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use switchboard_api::workspace::{resolve_data_dir, workspace_init};
use switchboard_api::{ApiError, Ctx, SystemClock};

fn main() -> ExitCode {
    disable_dmabuf_renderer();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SWITCHBOARD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let (ctx, data_dir) = match open_workspace() {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("switchboard: cannot open the workspace: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(data_dir = %data_dir.display(), "workspace open");

    let run =
        app(tauri::Builder::default(), ctx).run(tauri::generate_context!("../tauri.conf.json"));
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard: cannot run the window: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The app minus its runtime and config, so tests can build it on Tauri's mock runtime.
fn app<R: tauri::Runtime>(builder: tauri::Builder<R>, ctx: Ctx) -> tauri::Builder<R> {
    let changes = ctx.subscribe();
    builder
        .manage(ctx)
        .setup(move |app| {
            events::forward_store_changes(app.handle().clone(), changes);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::case_list,
            commands::case_show,
            commands::case_search,
            commands::case_set_status,
            commands::case_add_note,
            commands::case_tag_root_cause,
            commands::root_cause_list,
            commands::root_cause_add,
        ])
}

/// `$SWITCHBOARD_DATA_DIR`, else the platform's data folder; created and migrated on first
/// start (`workspace_init` is idempotent), then opened.
fn open_workspace() -> Result<(Ctx, PathBuf), ApiError> {
    let data_dir = resolve_data_dir(None)?;
    workspace_init(&data_dir)?;
    let ctx = Ctx::open(&data_dir, Arc::new(SystemClock))?;
    Ok((ctx, data_dir))
}

/// WebKitGTK's DMA-BUF renderer shows a blank window on some GPUs/Wayland setups and under
/// Xvfb. Turn it off unless the user chose otherwise.
fn disable_dmabuf_renderer() {
    const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    if cfg!(target_os = "linux") && std::env::var_os(VAR).is_none() {
        // SAFETY: called first thing in main(), before any other thread exists, so nothing
        // can be reading the environment concurrently.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(VAR, "1");
        }
    }
}
