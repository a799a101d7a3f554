//! Replying to a case: the local phase.
//!
//! `reply_create` works with no network at all. In one transaction it queues the reply in the
//! outbox and puts it on the case's timeline (so the case moves to *waiting* at once, as the
//! lifecycle does for every outbound message). The Message-ID generated here is both the
//! outbox's idempotency key and the timeline message's id: when IMAP sync later meets the same
//! message in the Sent folder, it is a duplicate, not a second reply. Sending is the outbox's
//! remote phase (`outbox_flush`).

use serde::{Deserialize, Serialize};
use switchboard_channels::account::EmailConfig;
use switchboard_channels::email::compose::{self, Mailbox, ReplyDraft};
use switchboard_channels::email::normalize_subject;
use switchboard_core::case::Direction;
use switchboard_store::contacts::{self, IdentityRef};
use switchboard_store::ingest::{NewMessage, Recipient, Visibility};
use switchboard_store::{accounts, outbox};
use switchboard_sync::outbox::EmailPayload;

use crate::{ApiError, Code, Ctx, Result};

const CHANNEL: &str = "email";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ReplyParams {
    pub case_id: i64,
    pub text: String,
    /// Send from this account instead of the one the conversation arrived on.
    pub account: Option<String>,
    /// Social channels only: `true` sends a direct message, `false` a public reply; unset
    /// answers the way the customer wrote (a public post publicly, a DM privately).
    #[serde(default)]
    pub private: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ReplyResult {
    pub case_id: i64,
    pub outbox_id: i64,
    /// The timeline message.
    pub message_id: i64,
    /// The reply's Message-ID (without angle brackets), also the outbox idempotency key.
    pub external_id: String,
    pub account: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub case_status: String,
}

/// Queues a reply to the customer's latest email on the case and shows it on the timeline.
pub fn reply_create(ctx: &Ctx, p: &ReplyParams) -> Result<ReplyResult> {
    let text = p.text.trim_end().to_string();
    if text.trim().is_empty() {
        return Err(ApiError::invalid("cannot reply: the reply is empty"));
    }
    // Bluesky/Mastodon cases answer on their own channel (crate::social_reply).
    if let Some(channel) = crate::social_reply::channel_for(ctx, p)? {
        return crate::social_reply::reply_social(ctx, p, &channel, &text);
    }
    if p.private == Some(false) {
        return Err(ApiError::invalid(format!(
            "cannot reply publicly to case #{}: email replies are always private",
            p.case_id
        )));
    }
    let now = ctx.now();
    let mut store = ctx.store();
    let target = outbox::reply_target(store.conn(), p.case_id, CHANNEL)?.ok_or_else(|| {
        ApiError::invalid(format!(
            "cannot reply to case #{}: it has no email from the customer to answer",
            p.case_id
        ))
    })?;
    let account = sending_account(store.conn(), p.account.as_deref(), target.account_id)?;
    if account.kind != "email" {
        let msg = if account.name == accounts::ARCHIVE_ACCOUNT || account.kind == "archive" {
            format!(
                "cannot reply to case #{}: its mail was imported into the {:?} account, which cannot send; pass --account NAME to send from one of your mail accounts",
                p.case_id, account.name
            )
        } else {
            format!(
                "cannot reply from account {:?}: it is a {} account, not an email account",
                account.name, account.kind
            )
        };
        return Err(ApiError::invalid(msg));
    }
    let cfg: EmailConfig = serde_json::from_value(account.config.clone()).map_err(|e| {
        ApiError::invalid(format!(
            "cannot reply from account {:?}: its mail settings are unreadable: {e}",
            account.name
        ))
    })?;

    // Reply-To if the customer set one, else From.
    let to = target
        .recipients
        .iter()
        .find(|r| r.kind == "reply_to")
        .map(|r| Mailbox {
            name: r.name.clone(),
            email: r.address.clone(),
        })
        .or_else(|| {
            target.author_address.clone().map(|email| Mailbox {
                name: target.author_name.clone(),
                email,
            })
        })
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "cannot reply to case #{}: the customer's message has no sender address",
                p.case_id
            ))
        })?;
    // A message stored without a Message-ID is keyed on its hash: nothing to thread on.
    let parent = (!target.external_id.starts_with("sha256:")).then(|| target.external_id.clone());
    let references = compose::reply_references(&target.references, parent.as_deref());
    let subject = compose::reply_subject(target.subject.as_deref());
    let message_id =
        compose::new_message_id(&cfg.email).map_err(|e| ApiError::new(Code::Io, e.to_string()))?;
    let from = Mailbox {
        name: cfg.display_name.clone(),
        email: cfg.email.clone(),
    };
    let draft = ReplyDraft {
        from: from.clone(),
        to: vec![to.clone()],
        subject: subject.clone(),
        message_id: message_id.clone(),
        in_reply_to: parent.clone(),
        references: references.clone(),
        text: text.clone(),
    };
    let payload = serde_json::to_value(EmailPayload::new(draft))
        .map_err(|e| ApiError::new(Code::Storage, format!("cannot queue the reply: {e}")))?;

    let case_id = p.case_id;
    let account_id = account.id;
    let (outbox_id, message_row, status) = store.write(|tx| {
        // Our own address: mail from it counts as outbound everywhere (imports, Sent sync).
        contacts::mark_self(
            tx,
            &IdentityRef {
                channel: CHANNEL.into(),
                external_id: cfg.email.to_lowercase(),
                handle: None,
                display_name: cfg.display_name.clone(),
            },
            now,
        )?;
        // The conversation, under the sending account: the thread's own when it arrived there,
        // else one linked to the same case (an imported thread answered from a live mailbox).
        let root = outbox::conversation_root(tx.conn(), target.conversation_id)?
            .unwrap_or_else(|| target.external_id.clone());
        let conversation_id = if account_id == target.account_id {
            target.conversation_id
        } else {
            outbox::link_conversation(tx, account_id, &root, target.conversation_id, case_id, now)?
        };
        let outbox_id = outbox::insert(
            tx,
            outbox::NewOutboxItem {
                account_id,
                case_id: Some(case_id),
                conversation_id: Some(conversation_id),
                reply_to_message_id: Some(target.message_id),
                kind: "reply",
                visibility: "private",
                body: &text,
                payload: payload.clone(),
                idempotency_key: &message_id,
            },
            now,
        )?;
        let m = NewMessage {
            account_id,
            channel: CHANNEL.into(),
            external_id: message_id.clone(),
            direction: Some(Direction::Outbound),
            author: Some(IdentityRef {
                channel: CHANNEL.into(),
                external_id: cfg.email.to_lowercase(),
                handle: None,
                display_name: cfg.display_name.clone(),
            }),
            recipients: vec![Recipient {
                kind: "to".into(),
                name: to.name.clone(),
                address: to.email.to_lowercase(),
            }],
            visibility: Visibility::Private,
            subject: Some(subject.clone()),
            subject_key: Some(normalize_subject(&subject)).filter(|k| !k.is_empty()),
            conversation_key: Some(root.clone()),
            in_reply_to: parent.clone(),
            references: references.clone(),
            sent_at: now,
            received_at: now,
            snippet: switchboard_channels::email::snippet(&text, 160),
            text: text.clone(),
            html: None,
            has_remote_content: false,
            unread: false,
            raw_sha256: None,
            raw_size: None,
            attachments: vec![],
            automated: None,
        };
        let message_row = switchboard_store::offline::store_on_case(tx, case_id, &m, now)?;
        let status = outbox::case_status(tx.conn(), case_id)?;
        Ok((outbox_id, message_row, status))
    })?;
    tracing::info!(case_id, outbox_id, account_id, "reply queued");
    Ok(ReplyResult {
        case_id,
        outbox_id,
        message_id: message_row,
        external_id: message_id,
        account: account.name,
        from: cfg.email,
        to: to.email,
        subject,
        case_status: status,
    })
}

/// The account a reply goes out from: the one named, else the one the customer wrote to.
pub(crate) fn sending_account(
    conn: &rusqlite::Connection,
    named: Option<&str>,
    default_id: i64,
) -> Result<accounts::Account> {
    Ok(match named {
        Some(name) => accounts::by_name(conn, name)?.ok_or_else(|| {
            ApiError::new(
                Code::NotFound,
                format!("cannot reply: there is no account named {name:?}"),
            )
        })?,
        None => accounts::by_id(conn, default_id)?,
    })
}
