//! Change events, pushed to the webview so it never polls.
//!
//! The store publishes a `ChangeSet` (entity → ids) after each commit. A background thread
//! forwards every one as the `store-changed` event, serialized as e.g. `{"case":[3],"note":[9]}`.
//! The thread ends when the store drops its sender, i.e. when the app's `Ctx` goes away.

use std::sync::mpsc::Receiver;

use switchboard_api::ChangeSet;
use tauri::{AppHandle, Emitter, Runtime};

/// The event name the UI listens to (ui/src/lib/backend/tauri.ts).
pub const STORE_CHANGED: &str = "store-changed";

pub fn forward_store_changes<R: Runtime>(app: AppHandle<R>, changes: Receiver<ChangeSet>) {
    let spawned = std::thread::Builder::new()
        .name("store-changed".into())
        .spawn(move || {
            for change in changes {
                if let Err(e) = app.emit(STORE_CHANGED, &change) {
                    tracing::warn!(error = %e, "cannot emit store-changed");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the store-changed thread; the UI will not refresh live");
    }
}
