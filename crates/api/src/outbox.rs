//! The outbox as the user sees it: what is waiting, what failed, what may or may not have been
//! sent; sending now; and the two decisions only the user makes (retry, discard).

use std::sync::OnceLock;

use serde::Serialize;
use switchboard_channels::oauth::AccessTokens;
use switchboard_store::outbox::{self as store_outbox, OutboxState};
use switchboard_sync::outbox::{self as sync_outbox, EmailPayload, Env, UNKNOWN_HINT};

pub use switchboard_sync::outbox::{FlushOptions, FlushReport, ItemOutcome};

use crate::{ApiError, Code, Ctx, Result};

/// OAuth access tokens live in memory for the life of the process.
pub(crate) fn tokens() -> &'static AccessTokens {
    static TOKENS: OnceLock<AccessTokens> = OnceLock::new();
    TOKENS.get_or_init(AccessTokens::new)
}

/// What the sync engine needs to flush, borrowed from `ctx`.
pub fn flush_env(ctx: &Ctx) -> Env<'_> {
    Env {
        store: &ctx.store,
        secrets: &*ctx.secrets,
        clock: &*ctx.clock,
        tokens: tokens(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct OutboxEntry {
    pub id: i64,
    pub state: String,
    pub case_id: Option<i64>,
    pub account: String,
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub message_id: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub error_class: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub discarded: bool,
    /// What the user should do, when something is needed.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
pub struct OutboxListParams {
    /// Include sent items (default: only what still needs attention).
    #[serde(default)]
    pub include_sent: bool,
}

pub fn outbox_list(ctx: &Ctx, p: &OutboxListParams) -> Result<Vec<OutboxEntry>> {
    let store = ctx.store();
    let accounts = switchboard_store::accounts::list(store.conn())?;
    let items = store_outbox::list(store.conn(), &[])?;
    Ok(items
        .into_iter()
        .filter(|i| p.include_sent || i.state != OutboxState::Sent)
        .map(|i| {
            let payload: Option<EmailPayload> = serde_json::from_value(i.payload.clone()).ok();
            let account = accounts
                .iter()
                .find(|a| a.id == i.account_id)
                .map(|a| a.name.clone())
                .unwrap_or_else(|| format!("#{}", i.account_id));
            // Any channel's payload may carry `discarded_at` (store::outbox::discard sets it).
            let discarded = i.payload.get("discarded_at").is_some_and(|v| !v.is_null());
            // Social items: who the post answers or the DM goes to.
            let social_to: Vec<String> = serde_json::from_value::<
                switchboard_sync::social::SocialPayload,
            >(i.payload.clone())
            .ok()
            .and_then(|p| {
                p.recipient
                    .map(|r| r.handle.unwrap_or(r.external_id))
                    .or_else(|| p.reply_to.map(|r| r.external_id))
            })
            .into_iter()
            .collect();
            let hint = match i.state {
                OutboxState::Unknown => Some(UNKNOWN_HINT.replace("ID", &i.id.to_string())),
                OutboxState::Failed if !discarded => Some(format!(
                    "not sent — fix the cause, then `switchboard outbox retry {}` or `switchboard outbox discard {}`",
                    i.id, i.id
                )),
                OutboxState::Queued if i.error_class.as_deref() == Some("auth") => Some(
                    "the server refused the sign-in — check the account's password or sign in again, then `switchboard outbox flush`".into(),
                ),
                _ => None,
            };
            OutboxEntry {
                id: i.id,
                state: i.state.as_str().into(),
                case_id: i.case_id,
                account,
                to: payload
                    .as_ref()
                    .map(|p| p.draft.to.iter().map(|m| m.email.clone()).collect())
                    .unwrap_or(social_to),
                subject: payload.as_ref().map(|p| p.draft.subject.clone()),
                message_id: i.idempotency_key,
                attempts: i.attempts,
                next_attempt_at: i.next_attempt_at,
                error_class: i.error_class,
                last_error: i.last_error,
                created_at: i.created_at,
                sent_at: i.sent_at,
                discarded,
                hint,
            }
        })
        .collect())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(Code::Io, format!("cannot start the network runtime: {e}")))
}

/// Sends every due item now (blocking). From async code use [`outbox_flush_async`].
pub fn outbox_flush(ctx: &Ctx, opts: FlushOptions) -> Result<FlushReport> {
    runtime()?.block_on(outbox_flush_async(ctx, opts))
}

/// Sends every due item now. `switchboard sync` calls this after fetching.
pub async fn outbox_flush_async(ctx: &Ctx, opts: FlushOptions) -> Result<FlushReport> {
    sync_outbox::flush(&flush_env(ctx), opts)
        .await
        .map_err(|e| match e {
            sync_outbox::OutboxError::Store(s) => ApiError::from(s),
            other => ApiError::new(Code::Io, other.to_string()),
        })
}

/// Puts a failed or unknown item back in the queue (the user decided to send it).
pub fn outbox_retry(ctx: &Ctx, id: i64) -> Result<OutboxEntry> {
    let now = ctx.now();
    ctx.store().write(|tx| store_outbox::retry(tx, id, now))?;
    entry(ctx, id)
}

/// Gives up on an item that was not sent. It stays on the case timeline, and the outbox keeps
/// it as `failed` with "discarded by user", which is what marks it as never sent.
pub fn outbox_discard(ctx: &Ctx, id: i64) -> Result<OutboxEntry> {
    let now = ctx.now();
    ctx.store().write(|tx| store_outbox::discard(tx, id, now))?;
    entry(ctx, id)
}

fn entry(ctx: &Ctx, id: i64) -> Result<OutboxEntry> {
    outbox_list(ctx, &OutboxListParams { include_sent: true })?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("outbox item {id} not found")))
}
