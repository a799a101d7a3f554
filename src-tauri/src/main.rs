//! Switchboard's desktop shell.
//!
//! It only wires things together: plugins (single instance first, window state, logs in the
//! app's log folder), the window (configured in the root tauri.conf.json), the app's workspace
//! holder in managed state, the one `rpc` command, change-event forwarding and background work
//! (sync, outbox, notifications). Every user action is a plain function in crates/api, so the
//! CLI, the HTTP server and the tests use the same code.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod background;
mod commands;
mod events;
#[cfg(test)]
mod tests;

use std::process::ExitCode;
use std::sync::Arc;

use switchboard_api::app::App;
use switchboard_api::workspace::resolve_data_dir;
use switchboard_api::{ApiError, Keychain, SystemClock};
use tauri::Manager;

fn main() -> ExitCode {
    disable_dmabuf_renderer();
    let app = match open_app() {
        Ok(app) => app,
        Err(e) => {
            eprintln!("switchboard: cannot open the workspace: {e}");
            return ExitCode::FAILURE;
        }
    };
    limit_sqlite_cache(&app);

    let builder = tauri::Builder::default()
        // First, so a second launch hands over to the running window before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|handle, _argv, _cwd| {
            if let Some(w) = handle.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        // The Import panel's file and folder picker.
        .plugin(tauri_plugin_dialog::init())
        .plugin(log_plugin());
    let run = shell(builder, app, true).run(tauri::generate_context!("../tauri.conf.json"));
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard: cannot run the window: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The shell minus plugins, runtime and config, so tests can build it on Tauri's mock runtime:
/// managed state, the command, the change feed and (unless a test) background work. Both start
/// in `setup`, after the plugins: a second launch has already handed over to the first window
/// and exited by then, so it never syncs or notifies.
fn shell<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    app: Arc<App>,
    background: bool,
) -> tauri::Builder<R> {
    let feed = app.clone();
    builder
        .manage(app)
        .setup(move |tauri_app| {
            tracing::info!(data_dir = %feed.ctx().data_dir().display(), "workspace open");
            events::forward_store_changes(tauri_app.handle().clone(), &feed);
            if background {
                background::start(&feed);
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::rpc])
}

/// Logs go to the app's log folder (rotated, a few files kept) and to stderr. tracing events
/// reach it as `log` records (tracing's `log` feature; no tracing subscriber is installed).
fn log_plugin<R: tauri::Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_log::{RotationStrategy, Target, TargetKind};
    let level = match std::env::var("SWITCHBOARD_LOG").as_deref() {
        Ok("debug") => log::LevelFilter::Debug,
        Ok("trace") => log::LevelFilter::Trace,
        Ok("warn") => log::LevelFilter::Warn,
        _ => log::LevelFilter::Info,
    };
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets([
            Target::new(TargetKind::LogDir { file_name: None }),
            Target::new(TargetKind::Stderr),
        ])
        .level(level)
        .max_file_size(5 * 1024 * 1024)
        .rotation_strategy(RotationStrategy::KeepSome(5))
        .build()
}

/// `$SWITCHBOARD_DATA_DIR`, else the platform's data folder; created and migrated on first
/// start, then opened (or the demo inside it, while the user is trying sample data).
fn open_app() -> Result<Arc<App>, ApiError> {
    let data_dir = resolve_data_dir(None)?;
    App::open(&data_dir, Arc::new(SystemClock), Arc::new(Keychain))
}

/// SQLite page cache of the window's connection, in KiB (`PRAGMA cache_size` takes it negated).
/// The store asks for 32 MB, which suits bulk imports in the CLI; in the window, what runs at
/// start (inbox count and first page, background wake-up and notice passes) fills all of it on a
/// 100k-case database (measured: the app process held ~34 MB more than with one case; see the
/// desktop section of docs/benchmarks.md). The pages stay in the kernel's page cache anyway, so
/// a small private cache costs a few reads, not disk I/O. Applies to the workspace opened at
/// start; a switch to or from the demo opens a store with the default.
const WINDOW_CACHE_KIB: i64 = 4000;

fn limit_sqlite_cache(app: &App) {
    let ctx = app.ctx();
    let store = ctx.store();
    let sql = format!("PRAGMA cache_size = -{WINDOW_CACHE_KIB}");
    if let Err(e) = store.conn().execute_batch(&sql) {
        eprintln!("switchboard: cannot set the SQLite cache size: {e}");
    }
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
