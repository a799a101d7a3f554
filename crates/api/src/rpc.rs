//! The one command surface: every API function a front end may call, by name, in ONE table.
//!
//! Why a table: the desktop shell (one Tauri `rpc` command), the local HTTP server
//! (`POST /rpc/<name>`) and the TypeScript bindings (ui/src/lib/backend/generated/, written and
//! drift-checked by crates/api/tests/bindings.rs) are all derived from it, so a command exists
//! everywhere or nowhere, and its params/result types cannot differ between Rust and the UI.
//!
//! Adding a command: write `pub fn name(ctx: &Ctx, p: &Params) -> Result<Out>` (Params derives
//! `Deserialize + ts_rs::TS`, Out derives `Serialize + ts_rs::TS`), add one line below in its
//! module's group, then run `UPDATE_BINDINGS=1 cargo test -p switchboard-api --test bindings`.
//! Line kinds:
//! - `blocking`: a plain fn over `&Ctx`; runs on a blocking thread so SQLite never stalls the
//!   async runtime (or the window).
//! - `async`: an `async fn(&Ctx, &P)` (network: sync, sign-in, sending).
//! - `app`: a plain fn over `&Arc<App>` for what switches workspaces (the demo).
//!
//! Params arrive as JSON; `null` or a missing body counts as `{}`. An unknown name is
//! `not_found` naming it; params that do not fit are `invalid_input` with serde's text, which
//! names the field.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::app::App;
use crate::case::{
    self, CaseAddNoteParams, CaseDetail, CaseIdParams, CaseLabelParams, CaseTagRootCauseParams,
    LabelResult, ListCasesParams, ListCasesResult, NoteView, SearchParams, SearchResult,
    SetStatusParams, SetStatusResult, TagResult,
};
use crate::outbox::{self, OutboxEntry, OutboxListParams};
use crate::reply::{self, ReplyParams, ReplyResult};
use crate::root_cause::{self, Label, RootCause};
use crate::{ApiError, Code, Ctx, Result};
use switchboard_sync::outbox::{FlushOptions, FlushReport};

/// Params of commands that take none. Send `{}` (or nothing).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, TS)]
pub struct NoParams {}

#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct AccountNameParams {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct OutboxIdParams {
    pub id: i64,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, TS)]
pub struct OutboxFlushParams {
    /// Send queued items even while they back off (the user pressed "send now").
    #[serde(default)]
    pub ignore_backoff: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[ts(optional_fields = nullable)]
pub struct RootCauseAddParams {
    pub name: String,
    /// The parent's name, for a second-level cause.
    #[serde(default)]
    pub parent: Option<String>,
}

/// Results of commands that return nothing (`null` in JSON).
pub type Done = ();

/// Adapters from the older `fn(ctx, a, b)` signatures to one params struct each. New API
/// functions take their params struct directly and need no adapter.
mod adapt {
    use super::*;

    pub fn case_show(ctx: &Ctx, p: &CaseIdParams) -> Result<CaseDetail> {
        case::case_show(ctx, p.case_id)
    }
    pub fn case_add_note(ctx: &Ctx, p: &CaseAddNoteParams) -> Result<NoteView> {
        case::case_add_note(ctx, p.case_id, &p.text)
    }
    pub fn case_tag_root_cause(ctx: &Ctx, p: &CaseTagRootCauseParams) -> Result<TagResult> {
        case::case_tag_root_cause(ctx, p.case_id, &p.root_cause)
    }
    pub fn case_label(ctx: &Ctx, p: &CaseLabelParams) -> Result<LabelResult> {
        case::case_label(ctx, p.case_id, &p.label)
    }
    pub fn root_cause_add(ctx: &Ctx, p: &RootCauseAddParams) -> Result<RootCause> {
        root_cause::root_cause_add(ctx, &p.name, p.parent.as_deref())
    }
    pub fn root_cause_list(ctx: &Ctx, _: &NoParams) -> Result<Vec<RootCause>> {
        root_cause::root_cause_list(ctx)
    }
    pub fn label_list(ctx: &Ctx, _: &NoParams) -> Result<Vec<Label>> {
        root_cause::label_list(ctx)
    }
    pub fn account_list(ctx: &Ctx, _: &NoParams) -> Result<Vec<crate::account::AccountInfo>> {
        crate::account::account_list(ctx)
    }
    pub fn account_remove(ctx: &Ctx, p: &AccountNameParams) -> Result<Done> {
        crate::account::account_remove(ctx, &p.name)
    }
    pub fn outbox_retry(ctx: &Ctx, p: &OutboxIdParams) -> Result<OutboxEntry> {
        outbox::outbox_retry(ctx, p.id)
    }
    pub fn outbox_discard(ctx: &Ctx, p: &OutboxIdParams) -> Result<OutboxEntry> {
        outbox::outbox_discard(ctx, p.id)
    }
    pub async fn outbox_flush(ctx: &Ctx, p: &OutboxFlushParams) -> Result<FlushReport> {
        outbox::outbox_flush_async(
            ctx,
            FlushOptions {
                ignore_backoff: p.ignore_backoff,
            },
        )
        .await
    }
}

/// Receives each command of the table with its types (bindings generation, docs, tests).
pub trait CommandVisitor {
    fn command<P: TS + 'static, R: TS + 'static>(&mut self, name: &'static str);
}

macro_rules! commands {
    ($( $name:ident : $kind:ident $params:ty => $result:ty = $f:path ; )*) => {
        /// Every command name, in table order.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// Runs the command `name` with JSON `params` on the app's active workspace.
        pub async fn call(app: &Arc<App>, name: &str, params: Value) -> Result<Value> {
            match name {
                $(stringify!($name) => {
                    let p: $params = parse(name, params)?;
                    let out: $result = commands!(@run $kind, app, p, $f);
                    encode(name, out)
                })*
                _ => Err(ApiError::new(
                    Code::NotFound,
                    format!("cannot run command `{name}`: no such command"),
                )),
            }
        }

        /// Hands every command's name and types to `v`, in table order.
        pub fn visit_commands(v: &mut impl CommandVisitor) {
            $(v.command::<$params, $result>(stringify!($name));)*
        }
    };
    (@run blocking, $app:ident, $p:ident, $f:path) => {{
        let ctx = $app.ctx();
        blocking(move || $f(&ctx, &$p)).await?
    }};
    (@run async, $app:ident, $p:ident, $f:path) => {{
        let ctx = $app.ctx();
        $f(&ctx, &$p).await?
    }};
    (@run app, $app:ident, $p:ident, $f:path) => {{
        let app = $app.clone();
        blocking(move || $f(&app, &$p)).await?
    }};
}

// One line per command, grouped by module; keep each group sorted.
commands! {
    // account
    account_list: blocking NoParams => Vec<crate::account::AccountInfo> = adapt::account_list;
    account_remove: blocking AccountNameParams => Done = adapt::account_remove;
    account_add_email: blocking crate::account::AddEmailParams => crate::account::AccountInfo = crate::account::account_add_email;
    account_add_oauth: blocking crate::oauth_account::AddOAuthAccountParams => crate::oauth_account::AddOAuthAccountResult = crate::oauth_account::account_add_oauth_in_browser;
    account_self_add: blocking crate::self_address::SelfAddressParams => crate::self_address::SelfAddressChange = crate::self_address::account_self_add;
    account_self_list: blocking NoParams => crate::self_address::SelfAddressList = crate::self_address::account_self_list;
    account_self_remove: blocking crate::self_address::SelfAddressParams => crate::self_address::SelfAddressChange = crate::self_address::account_self_remove;
    // alerts
    alerts_ack: blocking crate::alerts::AlertIdParams => crate::alerts::Alert = crate::alerts::alerts_ack;
    alerts_list: blocking crate::alerts::AlertsListParams => crate::alerts::AlertsListResult = crate::alerts::alerts_list;
    alerts_mark_notified: blocking crate::alerts::AlertsMarkNotifiedParams => crate::alerts::AlertsMarkNotifiedResult = crate::alerts::alerts_mark_notified;
    alerts_scan: blocking crate::alerts::AlertsScanParams => crate::alerts::ScanReport = crate::alerts::alerts_scan;
    alerts_show: blocking crate::alerts::AlertIdParams => crate::alerts::Alert = crate::alerts::alerts_show;
    alerts_unnotified: blocking NoParams => Vec<crate::alerts::Alert> = crate::alerts::alerts_unnotified;
    // case
    case_add_note: blocking CaseAddNoteParams => NoteView = adapt::case_add_note;
    case_label: blocking CaseLabelParams => LabelResult = adapt::case_label;
    case_list: blocking ListCasesParams => ListCasesResult = case::case_list;
    case_search: blocking SearchParams => SearchResult = case::case_search;
    case_set_automated: blocking case::CaseSetAutomatedParams => case::CaseSetAutomatedResult = case::case_set_automated;
    case_set_priority: blocking case::CaseSetPriorityParams => case::CaseSetPriorityResult = case::case_set_priority;
    case_set_reason: blocking case::CaseSetReasonParams => case::CaseSetReasonResult = case::case_set_reason;
    case_set_status: blocking SetStatusParams => SetStatusResult = case::case_set_status;
    case_show: blocking CaseIdParams => CaseDetail = adapt::case_show;
    case_snooze: blocking case::CaseSnoozeParams => case::CaseSnoozeResult = case::case_snooze;
    case_tag_root_cause: blocking CaseTagRootCauseParams => TagResult = adapt::case_tag_root_cause;
    case_wake_due: blocking NoParams => case::CaseWakeDueResult = case::case_wake_due;
    // demo (app-level: switches the active workspace)
    demo_remove: app NoParams => crate::demo::WorkspaceStatus = crate::demo::demo_remove;
    demo_start: app crate::demo::DemoStartParams => crate::demo::WorkspaceStatus = crate::demo::demo_start;
    workspace_status: app NoParams => crate::demo::WorkspaceStatus = crate::demo::workspace_status;
    // followup
    followup_add: blocking crate::followup::FollowupAddParams => crate::followup::FollowUp = crate::followup::followup_add;
    followup_delete: blocking crate::followup::FollowupIdParams => crate::followup::FollowUp = crate::followup::followup_delete;
    followup_done: blocking crate::followup::FollowupIdParams => crate::followup::FollowupDoneResult = crate::followup::followup_done;
    followup_due_unnotified: blocking NoParams => Vec<crate::followup::FollowUp> = crate::followup::followup_due_unnotified;
    followup_list: blocking crate::followup::FollowupListParams => crate::followup::FollowupListResult = crate::followup::followup_list;
    followup_mark_notified: blocking crate::followup::FollowupMarkNotifiedParams => crate::followup::FollowupMarkNotifiedResult = crate::followup::followup_mark_notified;
    // case_ops
    case_link: blocking crate::case_ops::CaseLinkParams => crate::case_ops::LinkOutcome = crate::case_ops::case_link;
    case_merge: blocking crate::case_ops::CaseMergeParams => crate::case_ops::MergeOutcome = crate::case_ops::case_merge;
    case_split: blocking crate::case_ops::CaseSplitParams => crate::case_ops::SplitOutcome = crate::case_ops::case_split;
    case_timeline: blocking CaseIdParams => crate::case_ops::CaseTimeline = crate::case_ops::case_timeline;
    case_unlink: blocking crate::case_ops::CaseLinkParams => crate::case_ops::SplitOutcome = crate::case_ops::case_unlink;
    // contact
    contact_merge: blocking crate::contact::ContactMergeParams => crate::contact::ContactMergeOutcome = crate::contact::contact_merge;
    contact_set_flags: blocking crate::contact::ContactSetFlagsParams => crate::contact::ContactFlags = crate::contact::contact_set_flags;
    contact_show: blocking crate::contact::ContactIdParams => crate::contact::ContactDetail = crate::contact::contact_show;
    contact_split: blocking crate::contact::ContactSplitParams => crate::contact::ContactSplitOutcome = crate::contact::contact_split;
    contact_suggestions: blocking crate::contact::ContactSuggestionsParams => Vec<crate::contact::ContactSuggestion> = crate::contact::contact_suggestions;
    // history
    case_history: blocking CaseIdParams => crate::history::CaseHistory = crate::history::case_history;
    undo_last: blocking crate::history::UndoLastParams => crate::history::UndoOutcome = crate::history::undo_last;
    // hours
    hours_get: blocking crate::hours::HoursGetParams => crate::hours::ResponseSettings = crate::hours::hours_get;
    hours_set: blocking crate::hours::ResponseSettings => crate::hours::ResponseSettings = crate::hours::hours_set;
    // import (app-level: runs in the background, reports through the change feed)
    import_start: app crate::import::ImportStartParams => crate::import::ImportJob = crate::import::import_start;
    import_status: app crate::import::ImportJobParams => crate::import::ImportJob = crate::import::import_status;
    // mastodon_account
    account_add_mastodon: blocking crate::mastodon_account::AddMastodonAccountParams => crate::mastodon_account::MastodonAccountResult = crate::mastodon_account::account_add_mastodon;
    mastodon_sign_in_begin: blocking crate::mastodon_account::MastodonSignInBeginParams => crate::mastodon_account::MastodonSignInBeginResult = crate::mastodon_account::mastodon_sign_in_begin;
    mastodon_sign_in_finish: blocking crate::mastodon_account::MastodonSignInFinishParams => crate::mastodon_account::MastodonAccountResult = crate::mastodon_account::mastodon_sign_in_finish;
    // outbox
    outbox_discard: blocking OutboxIdParams => OutboxEntry = adapt::outbox_discard;
    outbox_flush: async OutboxFlushParams => FlushReport = adapt::outbox_flush;
    outbox_list: blocking OutboxListParams => Vec<OutboxEntry> = outbox::outbox_list;
    outbox_retry: blocking OutboxIdParams => OutboxEntry = adapt::outbox_retry;
    // offline
    case_log_call: blocking crate::offline::CaseLogCallParams => crate::offline::CaseLogCallResult = crate::offline::case_log_call;
    case_offline: blocking crate::offline::CaseOfflineParams => crate::offline::CaseOfflineResult = crate::offline::case_offline;
    // protocol
    case_insights: blocking crate::protocol::CaseInsightsParams => crate::protocol::CaseInsights = crate::protocol::case_insights;
    protocol_delete: blocking crate::protocol::RuleIdParams => crate::protocol::ProtocolDeleteResult = crate::protocol::protocol_delete;
    protocol_export: blocking crate::protocol::ProtocolExportParams => crate::protocol::ProtocolExportResult = crate::protocol::protocol_export;
    protocol_import: blocking crate::protocol::ProtocolImportParams => crate::protocol::ProtocolImportResult = crate::protocol::protocol_import;
    protocol_list: blocking crate::protocol::ProtocolListParams => crate::protocol::ProtocolListResult = crate::protocol::protocol_list;
    protocol_move: blocking crate::protocol::ProtocolMoveParams => crate::protocol::ProtocolListResult = crate::protocol::protocol_move;
    protocol_save: blocking crate::protocol::ProtocolSaveParams => crate::protocol::ProtocolSaveResult = crate::protocol::protocol_save;
    protocol_test: blocking crate::protocol::ProtocolTestParams => crate::protocol::ProtocolTestResult = crate::protocol::protocol_test;
    sla_list: blocking crate::protocol::SlaListParams => crate::protocol::SlaListResult = crate::protocol::sla_list;
    sla_sweep: blocking crate::protocol::SlaSweepParams => crate::protocol::SlaSweepResult = crate::protocol::sla_sweep;
    // reply
    reply_create: blocking ReplyParams => ReplyResult = reply::reply_create;
    // reports
    report_channels: blocking crate::reports::ReportRange => switchboard_core::reports::channels::ChannelReport = crate::reports::report_channels;
    report_customers: blocking crate::reports::ReportRange => switchboard_core::reports::customers::CustomerReport = crate::reports::report_customers;
    report_fix: blocking crate::reports::ReportFixParams => switchboard_core::reports::fix::FixReport = crate::reports::report_fix;
    report_root_causes: blocking crate::reports::ReportRootCausesParams => switchboard_core::reports::trends::RootCauseTrends = crate::reports::report_root_causes;
    // root_cause
    label_list: blocking NoParams => Vec<Label> = adapt::label_list;
    root_cause_add: blocking RootCauseAddParams => RootCause = adapt::root_cause_add;
    root_cause_archive: blocking root_cause::RootCauseArchiveParams => RootCause = root_cause::root_cause_archive;
    root_cause_list: blocking NoParams => Vec<RootCause> = adapt::root_cause_list;
    root_cause_merge: blocking root_cause::RootCauseMergeParams => root_cause::MergeOutcome = root_cause::root_cause_merge;
    root_cause_move: blocking root_cause::RootCauseMoveParams => RootCause = root_cause::root_cause_move;
    root_cause_rename: blocking root_cause::RootCauseRenameParams => RootCause = root_cause::root_cause_rename;
    root_cause_set_status: blocking root_cause::RootCauseSetStatusParams => root_cause::RootCauseSetStatusResult = root_cause::root_cause_set_status;
    // settings
    settings_get: blocking crate::settings::SettingsGetParams => crate::settings::SettingsGetResult = crate::settings::settings_get;
    settings_set: blocking crate::settings::SettingsSetParams => crate::settings::Setting = crate::settings::settings_set;
    // social_account
    account_add_bluesky: async crate::social_account::AddBlueskyParams => crate::account::AccountInfo = crate::social_account::account_add_bluesky;
    channel_limits: blocking crate::social_account::ChannelLimitsParams => crate::social_account::ChannelLimits = crate::social_account::channel_limits;
    // template
    template_delete: blocking crate::template::TemplateDeleteParams => crate::template::Template = crate::template::template_delete;
    template_list: blocking NoParams => crate::template::TemplateListResult = crate::template::template_list;
    template_render: blocking crate::template::TemplateRenderParams => crate::template::TemplateRenderResult = crate::template::template_render;
    template_save: blocking crate::template::TemplateSaveParams => crate::template::Template = crate::template::template_save;
    template_show: blocking crate::template::TemplateNameParams => crate::template::Template = crate::template::template_show;
}

fn parse<P: DeserializeOwned>(name: &str, params: Value) -> Result<P> {
    let params = match params {
        Value::Null => Value::Object(Default::default()),
        other => other,
    };
    serde_json::from_value(params)
        .map_err(|e| ApiError::invalid(format!("invalid params for `{name}`: {e}")))
}

fn encode<R: Serialize>(name: &str, out: R) -> Result<Value> {
    serde_json::to_value(out).map_err(|e| {
        ApiError::new(
            Code::Storage,
            format!("cannot encode the result of `{name}`: {e}"),
        )
    })
}

/// Runs SQLite-bound work off the async workers. A panic inside becomes an error naming it,
/// never a crashed server or window.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError::new(
            Code::Storage,
            format!("cannot finish the command: it stopped unexpectedly ({e})"),
        )
    })?
}
