//! Work the shell does on its own, on background threads so the window never waits: wake
//! snoozed cases, sync every account (email and social), flush the outbox, and show desktop
//! notifications for what [`switchboard_api::notice`] says deserves one.
//!
//! Each step is a plain api call; a failure is logged and the loop goes on (the account's health
//! already records sync errors for the accounts screen). The demo workspace is never synced: its
//! accounts are samples with no server behind them.

use std::sync::{Arc, Weak};
use std::time::Duration;

use switchboard_api::app::App;
use switchboard_api::notice::{Notice, Notifier};
use switchboard_api::rpc::NoParams;

/// How often the loop runs. Sync itself is incremental, so a pass with nothing new is cheap.
const PERIOD: Duration = Duration::from_secs(60);
/// How often notifications are checked (response-time targets are minutes apart).
const NOTICE_PERIOD: Duration = Duration::from_secs(20);

pub fn start(app: &Arc<App>) {
    let weak = Arc::downgrade(app);
    crate::events::spawn("sync-loop", move || sync_loop(weak));
    let weak = Arc::downgrade(app);
    crate::events::spawn("notifier", move || notify_loop(weak));
}

fn sync_loop(app: Weak<App>) {
    std::thread::sleep(Duration::from_secs(3));
    while let Some(app) = app.upgrade() {
        let ctx = app.ctx();
        if let Err(e) = switchboard_api::case::case_wake_due(&ctx, &NoParams {}) {
            tracing::warn!(error = %e, "cannot wake snoozed cases");
        }
        let sample = app.demo_active()
            || switchboard_api::demo::is_demo_workspace(&ctx).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot tell whether this is sample data");
                false
            });
        if !sample {
            match switchboard_api::sync::sync_all_once(&ctx, None, &mut |_| {}) {
                Ok(r) if r.failed() > 0 => {
                    tracing::info!(failed = r.failed(), "email sync pass had failures")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "email sync pass failed"),
            }
            if let Err(e) = switchboard_api::sync::sync_social_once(&ctx, None) {
                tracing::warn!(error = %e, "social sync pass failed");
            }
            if let Err(e) = switchboard_api::outbox::outbox_flush(&ctx, Default::default()) {
                tracing::warn!(error = %e, "cannot flush the outbox");
            }
        }
        drop((ctx, app));
        std::thread::sleep(PERIOD);
    }
}

fn notify_loop(app: Weak<App>) {
    let mut notifier = Notifier::new();
    let mut desktop = true;
    let mut workspace = None;
    while let Some(app) = app.upgrade() {
        let ctx = app.ctx();
        // A switched workspace starts from "now", not from the other one's history.
        let dir = ctx.data_dir().to_path_buf();
        if workspace.as_ref() != Some(&dir) {
            notifier = Notifier::new();
            workspace = Some(dir);
        }
        match notifier.collect(&ctx) {
            Ok(notices) => {
                for n in notices {
                    desktop = show(&n, desktop);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot check for notifications"),
        }
        drop((ctx, app));
        std::thread::sleep(NOTICE_PERIOD);
    }
}

/// Shows one notice; returns whether a notification service answered. Without one (no D-Bus
/// session, no notification daemon) the notice is logged and later ones are only logged.
fn show(n: &Notice, desktop: bool) -> bool {
    tracing::info!(kind = ?n.kind, case_id = n.case_id, title = %n.title, "notification");
    if !desktop {
        return false;
    }
    let shown = notify_rust::Notification::new()
        .appname("Switchboard")
        .summary(&n.title)
        .body(&n.body)
        .show();
    match shown {
        Ok(_) => true,
        Err(e) => {
            tracing::info!(error = %e, "no desktop notification service; notifications go to the log only");
            false
        }
    }
}
