//! Change events, pushed to the webview so it never polls.
//!
//! The app publishes a `ChangeSet` (entity → ids) after each commit of whichever workspace is
//! active, and a "reload everything" set when the workspace is switched or another process
//! (the CLI) wrote. A background thread forwards every one as the `store-changed` event,
//! serialized as e.g. `{"case":[3],"note":[9]}`; a second one checks SQLite's data_version for
//! other processes' commits twice a second (one cheap pragma, no table reads).

use std::sync::{Arc, Weak};
use std::time::Duration;

use switchboard_api::app::App;
use tauri::{AppHandle, Emitter, Runtime};

/// The event name the UI listens to (ui/src/lib/backend/tauri.ts).
pub const STORE_CHANGED: &str = "store-changed";

pub fn forward_store_changes<R: Runtime>(handle: AppHandle<R>, app: &Arc<App>) {
    let changes = app.subscribe();
    spawn("store-changed", move || {
        for change in changes {
            if let Err(e) = handle.emit(STORE_CHANGED, &change) {
                tracing::warn!(error = %e, "cannot emit store-changed");
            }
        }
    });
    let weak: Weak<App> = Arc::downgrade(app);
    spawn("data-version", move || {
        while let Some(app) = weak.upgrade() {
            if let Err(e) = app.poll_external_writes() {
                tracing::warn!(error = %e, "cannot check for other processes' writes");
            }
            drop(app);
            std::thread::sleep(Duration::from_millis(500));
        }
    });
}

pub(crate) fn spawn(name: &str, f: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new().name(name.into()).spawn(f) {
        tracing::error!(thread = name, error = %e, "cannot start a background thread");
    }
}
