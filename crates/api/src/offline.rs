//! Take offline, and logged calls.
//!
//! *Take offline* (DESIGN §1) is one user action with three effects, written in ONE
//! transaction so that either all of them happen or none does:
//! 1. a short public acknowledgement, rendered from a template, queued as a `public_reply` on
//!    the case's public conversation (skipped, with the reason in the result, when the case has
//!    none, or when an earlier take-offline already acknowledged it and `ack_again` is not
//!    set). Its `{offline_route}` says what really happens next, by route: "we've emailed you",
//!    "we've sent you a direct message", "we'll call you" — never a message that was not sent;
//! 2. the private follow-up: an email in a new thread (`reply` outbox item + timeline message),
//!    a direct message on the same social account (`direct` outbox item), or a logged phone call;
//! 3. an event on the case naming all of it.
//!
//! Sending is the outbox's remote phase, as for every reply: this works offline.

use serde::{Deserialize, Serialize};
use switchboard_channels::account::EmailConfig;
use switchboard_channels::email::compose::{self, Mailbox, ReplyDraft};
use switchboard_channels::email::normalize_subject;
use switchboard_channels::social::{self, Author, ReplyTo, bluesky, mastodon};
use switchboard_core::case::Direction;
use switchboard_store::contacts::{self, IdentityRef};
use switchboard_store::events::{self, NewEvent};
use switchboard_store::ingest::{NewMessage, Recipient, Visibility};
use switchboard_store::offline::{self, LoggedCall, PublicTarget};
use switchboard_store::undo::{self, UndoOp};
use switchboard_store::{StoreError, accounts, outbox, templates};
use switchboard_sync::outbox::EmailPayload;
use switchboard_sync::social::{SocialPayload, extra_of};

use crate::{ApiError, Code, Ctx, Result};

/// The template used for the public acknowledgement unless another is named.
pub const DEFAULT_ACK_TEMPLATE: &str = "Take offline acknowledgement";

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct CaseOfflineParams {
    pub case_id: i64,
    /// `email`, `dm` or `phone`.
    pub via: String,
    /// The acknowledgement template (default "Take offline acknowledgement").
    #[serde(default)]
    pub template: Option<String>,
    /// Post no public acknowledgement.
    #[serde(default)]
    pub no_ack: bool,
    /// Post a public acknowledgement even though an earlier take-offline of this case already
    /// queued one (by default the second is skipped, with a notice in `ack_skipped`).
    #[serde(default)]
    pub ack_again: bool,
    /// The private message (email, dm) or the call note (phone).
    #[serde(default)]
    pub text: Option<String>,
    /// Email subject (default: the case's subject when the customer wrote by email, else
    /// "Your message about “first words…”"; with the case reference).
    #[serde(default)]
    pub subject: Option<String>,
    /// Email address to write to; added to the customer's contact when new.
    #[serde(default)]
    pub to: Option<String>,
    /// Email account to send from (default: the case's own, else the only email account).
    #[serde(default)]
    pub account: Option<String>,
    /// Phone: how long, e.g. `12m`, `1h30m`, `90s`.
    #[serde(default)]
    pub duration: Option<String>,
    /// Phone: resolved, callback, no_answer, voicemail or other; default `other`.
    #[serde(default)]
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct QueuedItem {
    pub outbox_id: i64,
    pub account: String,
    pub channel: String,
    /// `public_reply`, `reply` (email) or `direct`.
    pub kind: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CaseOfflineResult {
    pub case_id: i64,
    pub via: String,
    /// The public acknowledgement, when one was queued.
    pub ack: Option<QueuedItem>,
    /// Why no acknowledgement was queued (no public conversation, `no_ack`, or one was already
    /// queued by an earlier take-offline).
    pub ack_skipped: Option<String>,
    /// The private email or DM (none for phone).
    pub private: Option<QueuedItem>,
    /// The timeline message: the email, or the logged call.
    pub message_id: Option<i64>,
    /// Email: the address written to; dm: the handle.
    pub to: Option<String>,
    pub subject: Option<String>,
    pub case_status: String,
    pub event_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    Email,
    Dm,
    Phone,
}

pub(crate) fn parse_via(via: &str, case_id: i64) -> Result<Via> {
    match via.trim().to_ascii_lowercase().as_str() {
        "email" => Ok(Via::Email),
        "dm" => Ok(Via::Dm),
        "phone" => Ok(Via::Phone),
        other => Err(ApiError::invalid(format!(
            "cannot take case #{case_id} offline via {other:?}: use email, dm or phone"
        ))),
    }
}

/// The call a take-offline by phone logs: (duration in seconds, outcome).
pub(crate) fn call_of(duration: Option<&str>, outcome: Option<&str>) -> Result<(i64, String)> {
    Ok((
        match duration {
            Some(d) => parse_duration(d)?,
            None => 0,
        },
        outcome
            .map(|o| o.trim().to_ascii_lowercase().replace('-', "_"))
            .filter(|o| !o.is_empty())
            .unwrap_or_else(|| "other".into()),
    ))
}

pub fn case_offline(ctx: &Ctx, p: &CaseOfflineParams) -> Result<CaseOfflineResult> {
    let via = parse_via(&p.via, p.case_id)?;
    let what = |why: &str| format!("cannot take case #{} offline: {why}", p.case_id);
    let text = p
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    if via != Via::Phone && text.is_none() {
        return Err(ApiError::invalid(what(
            "write the private message (text) the customer will get",
        )));
    }
    let call = if via == Via::Phone {
        Some(call_of(p.duration.as_deref(), p.outcome.as_deref())?)
    } else {
        None
    };
    let now = ctx.now();
    let mut sb = ctx.store();
    let conn = sb.conn();
    let facts = offline::case_facts(conn, p.case_id)?;

    // 1. The public acknowledgement.
    let public = offline::public_target(conn, p.case_id)?;
    let earlier = if p.ack_again {
        None
    } else {
        offline::earlier_ack(conn, p.case_id)?
    };
    let ack_plan = match (&public, p.no_ack, earlier) {
        (_, true, _) => Err("no acknowledgement was asked for".to_string()),
        (None, false, _) => {
            Err("the case has no public conversation to acknowledge on".to_string())
        }
        (Some(_), false, Some(e)) => Err(format!(
            "a public acknowledgement is already {} for this case (outbox item {}, when it was taken offline at {}); \
             ask for another with --ack-again",
            if e.state == "sent" {
                "posted"
            } else {
                "queued"
            },
            e.outbox_id,
            crate::export::iso(e.at),
        )),
        (Some(target), false, None) => {
            let name = p.template.as_deref().unwrap_or(DEFAULT_ACK_TEMPLATE);
            let t = templates::by_name(conn, name)?.ok_or_else(|| {
                ApiError::new(
                    Code::NotFound,
                    what(&format!("there is no template named {name:?}")),
                )
            })?;
            let (_, body) = crate::template::render_with(
                conn,
                &t,
                &facts,
                Some(&target.channel),
                Some("public"),
                Some(offline_route(via, call.as_ref())),
            )?;
            Ok(plan_social(
                conn,
                target,
                &body,
                social::Visibility::Public,
                None,
                now,
            )?)
        }
    };

    // 2. The private side, planned before the transaction so every refusal changes nothing.
    enum Private {
        Email {
            account: accounts::Account,
            cfg: EmailConfig,
            to: String,
            to_is_new: bool,
            subject: String,
            message_id: String,
            payload: serde_json::Value,
        },
        Dm(SocialPlan),
        Phone,
    }
    let private = match via {
        Via::Email => {
            let contact_id = facts.contact_id.ok_or_else(|| {
                ApiError::invalid(what("the case has no customer contact to write to"))
            })?;
            let _ = contact_id;
            let known = facts
                .identities
                .iter()
                .rev()
                .find(|i| i.channel == "email")
                .map(|i| i.external_id.clone());
            let (to, to_is_new) = match (&p.to, known) {
                (Some(addr), known) => {
                    let addr = addr.trim().to_lowercase();
                    if !looks_like_email(&addr) {
                        return Err(ApiError::invalid(what(&format!(
                            "{addr:?} is not an email address"
                        ))));
                    }
                    let is_new = !facts
                        .identities
                        .iter()
                        .any(|i| i.channel == "email" && i.external_id == addr);
                    let _ = known;
                    (addr, is_new)
                }
                (None, Some(addr)) => (addr, false),
                (None, None) => {
                    return Err(ApiError::invalid(what(
                        "the customer has no email address on record; give one with --to ADDRESS (it is added to their contact)",
                    )));
                }
            };
            let account = pick_email_account(conn, p.case_id, p.account.as_deref())?;
            let cfg: EmailConfig = serde_json::from_value(account.config.clone()).map_err(|e| {
                ApiError::invalid(format!(
                    "cannot send from account {:?}: its mail settings are unreadable: {e}",
                    account.name
                ))
            })?;
            let subject = match p
                .subject
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                Some(s) => format!("{s} [#{}]", p.case_id),
                None => offline_subject(
                    facts.subject.as_deref(),
                    offline::first_channel(conn, p.case_id)?.as_deref() == Some("email"),
                    p.case_id,
                ),
            };
            let message_id = compose::new_message_id(&cfg.email)
                .map_err(|e| ApiError::new(Code::Io, e.to_string()))?;
            let draft = ReplyDraft {
                from: Mailbox {
                    name: cfg.display_name.clone(),
                    email: cfg.email.clone(),
                },
                to: vec![Mailbox {
                    name: facts.contact_name.clone(),
                    email: to.clone(),
                }],
                subject: subject.clone(),
                message_id: message_id.clone(),
                in_reply_to: None,
                references: vec![],
                text: text.clone().unwrap_or_default(),
            };
            let payload = serde_json::to_value(EmailPayload::new(draft))
                .map_err(|e| ApiError::new(Code::Storage, e.to_string()))?;
            Private::Email {
                account,
                cfg,
                to,
                to_is_new,
                subject,
                message_id,
                payload,
            }
        }
        Via::Dm => {
            let source = offline::social_source(conn, p.case_id)?.ok_or_else(|| {
                ApiError::invalid(what(
                    "the case has no social conversation whose account could send a direct message; use --via email or phone",
                ))
            })?;
            let who = facts
                .identities
                .iter()
                .rev()
                .find(|i| i.channel == source.channel)
                .ok_or_else(|| {
                    ApiError::invalid(what(&format!(
                        "the customer has no {} identity to message",
                        source.channel
                    )))
                })?;
            let recipient = Author {
                channel: who.channel.clone(),
                external_id: who.external_id.clone(),
                handle: who.handle.clone(),
                display_name: who.display_name.clone(),
            };
            Private::Dm(plan_social(
                conn,
                &source,
                text.as_deref().unwrap_or_default(),
                social::Visibility::Private,
                Some(recipient),
                now,
            )?)
        }
        Via::Phone => Private::Phone,
    };
    let case_id = p.case_id;
    let via_name = p.via.trim().to_ascii_lowercase();
    let result = sb.write(|tx| {
        // What the action creates, for its inverse.
        let fields_before = undo::case_fields(tx.conn(), case_id, LIFECYCLE_FIELDS)?;
        let mut created = Created::default();
        let mut ack = None;
        let mut ack_skipped = None;
        match &ack_plan {
            Ok(plan) => {
                let (outbox_id, mid) = queue_social(tx, case_id, plan, now)?;
                created.outbox.push(outbox_id);
                created.messages.push(mid);
                ack = Some(QueuedItem {
                    outbox_id,
                    account: plan.account.name.clone(),
                    channel: plan.channel.clone(),
                    kind: plan.kind.into(),
                    text: plan.text.clone(),
                });
            }
            Err(why) => ack_skipped = Some(why.clone()),
        }
        let (private_item, message_id, to, subject) = match &private {
            Private::Email {
                account,
                cfg,
                to,
                to_is_new,
                subject,
                message_id,
                payload,
            } => {
                let who = IdentityRef {
                    channel: "email".into(),
                    external_id: to.clone(),
                    handle: None,
                    display_name: facts.contact_name.clone(),
                };
                if *to_is_new {
                    let contact_id = facts.contact_id.expect("checked above");
                    created
                        .identities
                        .push(offline::add_identity(tx, contact_id, &who, now)?);
                }
                let own = IdentityRef {
                    channel: "email".into(),
                    external_id: cfg.email.to_lowercase(),
                    handle: None,
                    display_name: cfg.display_name.clone(),
                };
                contacts::mark_self(tx, &own, now)?;
                let conversation_id = offline::open_conversation(
                    tx,
                    case_id,
                    account.id,
                    "email",
                    message_id,
                    Visibility::Private,
                    Some(subject),
                    facts.contact_id,
                    now,
                )?;
                created.conversations.push(conversation_id);
                let body = text.clone().unwrap_or_default();
                let outbox_id = outbox::insert(
                    tx,
                    outbox::NewOutboxItem {
                        account_id: account.id,
                        case_id: Some(case_id),
                        conversation_id: Some(conversation_id),
                        reply_to_message_id: None,
                        kind: "reply",
                        visibility: "private",
                        body: &body,
                        payload: payload.clone(),
                        idempotency_key: message_id,
                    },
                    now,
                )?;
                let m = NewMessage {
                    account_id: account.id,
                    channel: "email".into(),
                    external_id: message_id.clone(),
                    direction: Some(Direction::Outbound),
                    author: Some(own),
                    recipients: vec![Recipient {
                        kind: "to".into(),
                        name: facts.contact_name.clone(),
                        address: to.clone(),
                    }],
                    visibility: Visibility::Private,
                    subject: Some(subject.clone()),
                    subject_key: Some(normalize_subject(subject)).filter(|k| !k.is_empty()),
                    conversation_key: Some(message_id.clone()),
                    in_reply_to: None,
                    references: vec![],
                    sent_at: now,
                    received_at: now,
                    snippet: switchboard_channels::email::snippet(&body, 160),
                    text: body.clone(),
                    html: None,
                    has_remote_content: false,
                    unread: false,
                    raw_sha256: None,
                    raw_size: None,
                    attachments: vec![],
                    automated: None,
                };
                let mid = offline::store_on_case(tx, case_id, &m, now)?;
                created.outbox.push(outbox_id);
                created.messages.push(mid);
                (
                    Some(QueuedItem {
                        outbox_id,
                        account: account.name.clone(),
                        channel: "email".into(),
                        kind: "reply".into(),
                        text: body,
                    }),
                    Some(mid),
                    Some(to.clone()),
                    Some(subject.clone()),
                )
            }
            Private::Dm(plan) => {
                let (outbox_id, mid) = queue_social(tx, case_id, plan, now)?;
                created.outbox.push(outbox_id);
                created.messages.push(mid);
                let to = plan
                    .recipient
                    .as_ref()
                    .map(|r| r.handle.clone().unwrap_or_else(|| r.external_id.clone()));
                (
                    Some(QueuedItem {
                        outbox_id,
                        account: plan.account.name.clone(),
                        channel: plan.channel.clone(),
                        kind: plan.kind.into(),
                        text: plan.text.clone(),
                    }),
                    None,
                    to,
                    None,
                )
            }
            Private::Phone => {
                let (duration_s, outcome) = call.clone().expect("phone has call fields");
                let ids = offline::log_call(
                    tx,
                    case_id,
                    &LoggedCall {
                        channel: "phone".into(),
                        direction: Direction::Outbound,
                        duration_s,
                        outcome,
                        outcome_text: None,
                        note: text.clone().unwrap_or_default(),
                        at: now,
                    },
                    now,
                )?;
                created.messages.push(ids.message_id);
                created.conversations.push(ids.conversation_id);
                (None, Some(ids.message_id), None, None)
            }
        };
        let fields_after = undo::case_fields(tx.conn(), case_id, LIFECYCLE_FIELDS)?;
        let inverse = created.inverse(case_id, fields_before, fields_after);
        let event_id = events::record_undoable(
            tx,
            NewEvent {
                case_id: Some(case_id),
                at: now,
                actor: "user",
                kind: "taken_offline",
                data: serde_json::json!({
                    "via": via_name,
                    "ack_outbox_id": ack.as_ref().map(|a| a.outbox_id),
                    "ack_skipped": ack_skipped,
                    "private_outbox_id": private_item.as_ref().map(|i| i.outbox_id),
                    "message_id": message_id,
                    "to": to,
                }),
            },
            &inverse,
        )?;
        let case_status = outbox::case_status(tx.conn(), case_id)?;
        Ok::<_, StoreError>(CaseOfflineResult {
            case_id,
            via: via_name.clone(),
            ack,
            ack_skipped,
            private: private_item,
            message_id,
            to,
            subject,
            case_status,
            event_id,
        })
    })?;
    tracing::info!(case_id, via = %result.via, "case taken offline");
    Ok(result)
}

/// A public reply or direct message on a social channel, prepared outside the transaction in
/// the same shape `reply_create` gives one (see `social_reply.rs`): the provider's own kind of
/// idempotency key, the sync engine's `SocialPayload`, and a timeline message whose id the
/// sender replaces with the provider's once sent.
struct SocialPlan {
    account: accounts::Account,
    channel: String,
    /// `public_reply` or `direct`.
    kind: &'static str,
    visibility: social::Visibility,
    text: String,
    target: PublicTarget,
    root: String,
    key: String,
    timeline_id: String,
    own: IdentityRef,
    recipient: Option<Author>,
    payload: serde_json::Value,
}

fn plan_social(
    conn: &switchboard_store::Connection,
    target: &PublicTarget,
    text: &str,
    visibility: social::Visibility,
    recipient: Option<Author>,
    now: i64,
) -> Result<SocialPlan> {
    let account = accounts::by_id(conn, target.account_id)?;
    let channel = target.channel.as_str();
    let what = match visibility {
        social::Visibility::Public => "a public acknowledgement",
        social::Visibility::Private => "a direct message",
    };
    if account.kind != channel {
        return Err(ApiError::invalid(format!(
            "cannot send {what} from account {:?}: it is a {} account and the customer wrote on {channel}",
            account.name, account.kind
        )));
    }
    let extra = extra_of(conn, target.message_id)?;
    let root = outbox::conversation_root(conn, target.conversation_id)?
        .unwrap_or_else(|| target.external_id.clone());
    let reply_to = ReplyTo {
        external_id: target.external_id.clone(),
        conversation_key: root.clone(),
        extra,
    };
    let too_long = |n: usize, max: usize| {
        ApiError::invalid(format!(
            "cannot send {what} on {channel}: the text is {n} characters and {channel} allows {max}; shorten it or choose another template"
        ))
    };
    let unreadable = |e: serde_json::Error| {
        ApiError::invalid(format!(
            "cannot send from account {:?}: its {channel} settings are unreadable: {e}",
            account.name
        ))
    };
    let (key, timeline_id, own) = match channel {
        bluesky::CHANNEL => {
            let cfg: bluesky::Config =
                serde_json::from_value(account.config.clone()).map_err(unreadable)?;
            if visibility == social::Visibility::Private && !cfg.chat {
                return Err(ApiError::invalid(format!(
                    "cannot send a direct message from {:?}: its app password does not allow direct messages; use --via email or phone",
                    account.name
                )));
            }
            let limit = bluesky::text_limit(visibility);
            let n = social::measure(text, limit);
            if let social::TextLimit::Graphemes(max) | social::TextLimit::Chars(max) = limit
                && n > max
            {
                return Err(too_long(n, max));
            }
            let key = bluesky::new_idempotency_key(now);
            let timeline_id = match visibility {
                social::Visibility::Public => bluesky::post_uri(&cfg.did, &key),
                social::Visibility::Private => format!("outbox:{key}"),
            };
            let own = IdentityRef {
                channel: channel.into(),
                external_id: cfg.did.clone(),
                handle: Some(cfg.handle.clone()),
                display_name: None,
            };
            (key, timeline_id, own)
        }
        mastodon::CHANNEL => {
            let cfg: mastodon::Config =
                serde_json::from_value(account.config.clone()).map_err(unreadable)?;
            let key = mastodon::new_idempotency_key()
                .map_err(|e| ApiError::new(Code::Io, format!("cannot queue {what}: {e}")))?;
            let probe = social::Outgoing {
                idempotency_key: key.clone(),
                text: text.to_owned(),
                visibility,
                reply_to: Some(reply_to.clone()),
                recipient: recipient.clone(),
            };
            let n = mastodon::text::count_chars(
                &mastodon::status_text(&probe, &cfg.acct),
                cfg.limits.chars_per_url,
            );
            if n > cfg.limits.max_characters {
                return Err(too_long(n, cfg.limits.max_characters));
            }
            let own = IdentityRef {
                channel: channel.into(),
                external_id: cfg.account_uri.clone(),
                handle: Some(cfg.acct.clone()),
                display_name: None,
            };
            let timeline_id = format!("outbox:{key}");
            (key, timeline_id, own)
        }
        other => {
            return Err(ApiError::invalid(format!(
                "cannot send {what} on {other}: this channel cannot send yet; use --no-ack or another --via"
            )));
        }
    };
    let payload = serde_json::to_value(SocialPayload {
        channel: channel.into(),
        reply_to: Some(reply_to),
        recipient: recipient.clone(),
        timeline_id: Some(timeline_id.clone()),
        discarded_at: None,
    })
    .map_err(|e| ApiError::new(Code::Storage, format!("cannot queue {what}: {e}")))?;
    Ok(SocialPlan {
        kind: match visibility {
            social::Visibility::Public => "public_reply",
            social::Visibility::Private => "direct",
        },
        channel: channel.into(),
        account,
        visibility,
        text: text.to_owned(),
        target: target.clone(),
        root,
        key,
        timeline_id,
        own,
        recipient,
        payload,
    })
}

/// Queues a planned social item and puts it on the case timeline. Returns (outbox id,
/// timeline message id).
fn queue_social(
    tx: &mut switchboard_store::Tx<'_>,
    case_id: i64,
    plan: &SocialPlan,
    now: i64,
) -> switchboard_store::Result<(i64, i64)> {
    contacts::mark_self(tx, &plan.own, now)?;
    let visibility = match plan.visibility {
        social::Visibility::Public => ("public", Visibility::Public),
        social::Visibility::Private => ("private", Visibility::Private),
    };
    let outbox_id = outbox::insert(
        tx,
        outbox::NewOutboxItem {
            account_id: plan.account.id,
            case_id: Some(case_id),
            conversation_id: Some(plan.target.conversation_id),
            reply_to_message_id: Some(plan.target.message_id),
            kind: plan.kind,
            visibility: visibility.0,
            body: &plan.text,
            payload: plan.payload.clone(),
            idempotency_key: &plan.key,
        },
        now,
    )?;
    let m = NewMessage {
        account_id: plan.account.id,
        channel: plan.channel.clone(),
        external_id: plan.timeline_id.clone(),
        direction: Some(Direction::Outbound),
        author: Some(plan.own.clone()),
        recipients: vec![],
        visibility: visibility.1,
        subject: None,
        subject_key: None,
        conversation_key: Some(plan.root.clone()),
        in_reply_to: Some(plan.target.external_id.clone()),
        references: vec![],
        sent_at: now,
        received_at: now,
        snippet: switchboard_channels::email::snippet(&plan.text, 160),
        text: plan.text.clone(),
        html: None,
        has_remote_content: false,
        unread: false,
        raw_sha256: None,
        raw_size: None,
        attachments: vec![],
        automated: None,
    };
    let message_id = offline::store_on_case(tx, case_id, &m, now)?;
    Ok((outbox_id, message_id))
}

/// Rows a take-offline created, and how to take them back.
#[derive(Default)]
struct Created {
    outbox: Vec<i64>,
    messages: Vec<i64>,
    conversations: Vec<i64>,
    identities: Vec<i64>,
}

impl Created {
    /// Refuses once an outbox item has left `queued` (it may be out already: discard or
    /// reconcile it instead), then removes the items, the timeline messages, the conversations
    /// opened for the case, an address added to the contact, and restores the case fields.
    fn inverse(&self, case_id: i64, before: undo::Row, after: undo::Row) -> UndoOp {
        let mut ops: Vec<UndoOp> = self
            .outbox
            .iter()
            .map(|&id| UndoOp::UpdateRows {
                table: "outbox".into(),
                id,
                fields: undo::Row::new(),
                expect: Some(undo::row([("state", "queued".into())])),
            })
            .collect();
        ops.push(UndoOp::DeleteRows {
            table: "outbox".into(),
            ids: self.outbox.clone(),
        });
        ops.push(UndoOp::DeleteRows {
            table: "messages".into(),
            ids: self.messages.clone(),
        });
        if !self.conversations.is_empty() {
            ops.push(UndoOp::DeleteKeys {
                table: "case_conversations".into(),
                keys: self
                    .conversations
                    .iter()
                    .map(|&c| {
                        undo::row([("case_id", case_id.into()), ("conversation_id", c.into())])
                    })
                    .collect(),
            });
            ops.push(UndoOp::DeleteRows {
                table: "conversations".into(),
                ids: self.conversations.clone(),
            });
        }
        if !self.identities.is_empty() {
            ops.push(UndoOp::DeleteRows {
                table: "identities".into(),
                ids: self.identities.clone(),
            });
        }
        ops.push(UndoOp::SetCaseFields {
            case_id,
            fields: before,
            expect: Some(after),
        });
        UndoOp::many(ops)
    }
}

/// What `{offline_route}` says in the public acknowledgement: only what really happens next.
pub(crate) fn offline_route(via: Via, call: Option<&(i64, String)>) -> &'static str {
    match via {
        Via::Email => "we've emailed you",
        Via::Dm => "we've sent you a direct message",
        Via::Phone => match call {
            Some((_, outcome)) if outcome == "no_answer" || outcome == "voicemail" => {
                "we tried to call you — please call us back"
            }
            Some((duration_s, _)) if *duration_s > 0 => "we've called you",
            _ => "we'll call you",
        },
    }
}

/// Longest subject text kept before the case reference.
const SUBJECT_MAX: usize = 60;

/// The default subject of the email that takes a case offline: the case's own subject when the
/// customer wrote by email, else "Your message about “first words…”" from the post (a social
/// case's subject is its whole text); clipped at a word to about 60 characters, with the case
/// reference.
fn offline_subject(case_subject: Option<&str>, from_email: bool, case_id: i64) -> String {
    let text = case_subject.map(str::trim).unwrap_or_default();
    let words: Vec<&str> = text
        .split_whitespace()
        // A post usually starts by naming the business: "@shop.example my order…".
        .skip_while(|w| !from_email && w.starts_with('@'))
        .collect();
    if words.is_empty() {
        return format!("About your message [#{case_id}]");
    }
    if from_email {
        return format!("{} [#{case_id}]", clip_words(&words, SUBJECT_MAX));
    }
    let prefix = "Your message about “”";
    let room = SUBJECT_MAX - prefix.chars().count();
    format!(
        "Your message about “{}” [#{case_id}]",
        clip_words(&words, room)
    )
}

/// `words` joined by spaces, cut after the last whole word that fits in `max` characters
/// (marked with "…"); a first word longer than `max` is cut inside.
fn clip_words(words: &[&str], max: usize) -> String {
    let whole = words.join(" ");
    if whole.chars().count() <= max {
        return whole;
    }
    let mut out = String::new();
    for w in words {
        let len = out.chars().count() + usize::from(!out.is_empty()) + w.chars().count();
        if len >= max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.is_empty() {
        out = whole.chars().take(max - 1).collect();
    }
    let out = out
        .trim_end_matches([',', ';', ':', '.', '-', '—'])
        .to_string();
    format!("{out}…")
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// The account to send a new email from: the one named, else the account of the case's email
/// conversation, else the only email account.
fn pick_email_account(
    conn: &switchboard_store::Connection,
    case_id: i64,
    name: Option<&str>,
) -> Result<accounts::Account> {
    let all = accounts::list(conn)?;
    if let Some(name) = name {
        let a = all
            .into_iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                ApiError::new(
                    Code::NotFound,
                    format!("there is no account named {name:?}"),
                )
            })?;
        if a.kind != "email" {
            return Err(ApiError::invalid(format!(
                "cannot send email from account {:?}: it is a {} account",
                a.name, a.kind
            )));
        }
        return Ok(a);
    }
    if let Some(t) = outbox::reply_target(conn, case_id, "email")?
        && let Some(a) = all
            .iter()
            .find(|a| a.id == t.account_id && a.kind == "email")
    {
        return Ok(a.clone());
    }
    let email: Vec<&accounts::Account> = all.iter().filter(|a| a.kind == "email").collect();
    match email.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(ApiError::invalid(format!(
            "cannot take case #{case_id} offline by email: there is no email account to send from; add one with `switchboard account add imap`"
        ))),
        several => Err(ApiError::invalid(format!(
            "cannot take case #{case_id} offline by email: choose the account to send from ({})",
            several
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// `12m`, `1h30m`, `90s`, `1h`, or a bare number of minutes.
pub fn parse_duration(input: &str) -> Result<i64> {
    let s = input.trim().to_ascii_lowercase();
    let bad = || {
        ApiError::invalid(format!(
            "cannot read duration {input:?}: use e.g. 12m, 1h30m, 90s or a number of minutes"
        ))
    };
    if s.is_empty() {
        return Err(bad());
    }
    if let Ok(mins) = s.parse::<i64>() {
        return if mins >= 0 { Ok(mins * 60) } else { Err(bad()) };
    }
    let mut total = 0i64;
    let mut num = String::new();
    let mut seen_unit = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        seen_unit = true;
    }
    if !num.is_empty() || !seen_unit {
        return Err(bad());
    }
    Ok(total)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct CaseLogCallParams {
    pub case_id: i64,
    /// `12m`, `1h30m`, `90s`, or minutes.
    pub duration: String,
    /// resolved, callback, no_answer, voicemail or other.
    pub outcome: String,
    /// Free text about the outcome.
    #[serde(default)]
    pub outcome_text: Option<String>,
    /// `inbound` (the customer called or came by) or `outbound` (default).
    #[serde(default)]
    pub direction: Option<String>,
    /// A visit rather than a call.
    #[serde(default)]
    pub in_person: bool,
    #[serde(default)]
    pub note: Option<String>,
    /// When it happened (default: now).
    #[serde(default)]
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CaseLogCallResult {
    pub case_id: i64,
    pub message_id: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub direction: String,
    pub duration_s: i64,
    pub outcome: String,
    pub case_status: String,
}

/// Case columns a logged call can change through the lifecycle (restored by its undo).
const LIFECYCLE_FIELDS: &[&str] = &[
    "status",
    "snoozed_until",
    "snooze_until_reply",
    "resolved_at",
    "last_message_at",
    "last_inbound_at",
    "first_response_at",
    "updated_at",
];

pub fn case_log_call(ctx: &Ctx, p: &CaseLogCallParams) -> Result<CaseLogCallResult> {
    let duration_s = parse_duration(&p.duration)?;
    let direction = match p
        .direction
        .as_deref()
        .map(|d| d.trim().to_ascii_lowercase())
    {
        None => Direction::Outbound,
        Some(d) if d == "outbound" => Direction::Outbound,
        Some(d) if d == "inbound" => Direction::Inbound,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "bad direction {other:?}: use inbound or outbound"
            )));
        }
    };
    let now = ctx.now();
    let at = match &p.at {
        Some(w) => crate::case::parse_when(ctx, w)?,
        None => now,
    };
    let outcome = p.outcome.trim().to_ascii_lowercase().replace('-', "_");
    let channel = if p.in_person { "in_person" } else { "phone" };
    let call = LoggedCall {
        channel: channel.into(),
        direction,
        duration_s,
        outcome: outcome.clone(),
        outcome_text: p.outcome_text.clone(),
        note: p.note.clone().unwrap_or_default(),
        at,
    };
    let case_id = p.case_id;
    let (ids, status) = ctx.store().write(|tx| {
        let before = undo::case_fields(tx.conn(), case_id, LIFECYCLE_FIELDS)?;
        let ids = offline::log_call(tx, case_id, &call, now)?;
        let after = undo::case_fields(tx.conn(), case_id, LIFECYCLE_FIELDS)?;
        // The inverse: the message (its body and search entry go with it), its conversation
        // and link, and the case fields the lifecycle changed — refused if the case moved on.
        let inverse = UndoOp::many(vec![
            UndoOp::DeleteRows {
                table: "messages".into(),
                ids: vec![ids.message_id],
            },
            UndoOp::DeleteKeys {
                table: "case_conversations".into(),
                keys: vec![undo::row([
                    ("case_id", case_id.into()),
                    ("conversation_id", ids.conversation_id.into()),
                ])],
            },
            UndoOp::DeleteRows {
                table: "conversations".into(),
                ids: vec![ids.conversation_id],
            },
            UndoOp::SetCaseFields {
                case_id,
                fields: before,
                expect: Some(after),
            },
        ]);
        events::record_undoable(
            tx,
            NewEvent {
                case_id: Some(case_id),
                at: now,
                actor: "user",
                kind: "call_logged",
                data: serde_json::json!({
                    "message_id": ids.message_id, "channel": channel,
                    "direction": direction.as_str(), "duration_s": duration_s, "outcome": outcome,
                }),
            },
            &inverse,
        )?;
        Ok((ids, outbox::case_status(tx.conn(), case_id)?))
    })?;
    Ok(CaseLogCallResult {
        case_id,
        message_id: ids.message_id,
        conversation_id: ids.conversation_id,
        channel: channel.into(),
        direction: direction.as_str().into(),
        duration_s,
        outcome,
        case_status: status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("12m").unwrap(), 720);
        assert_eq!(parse_duration("1h30m").unwrap(), 5400);
        assert_eq!(parse_duration("90s").unwrap(), 90);
        assert_eq!(
            parse_duration("5").unwrap(),
            300,
            "a bare number is minutes"
        );
        assert_eq!(parse_duration("0").unwrap(), 0);
        for bad in ["", "12x", "m", "1h30", "-3", "ten"] {
            let e = parse_duration(bad).unwrap_err();
            assert_eq!(e.code, Code::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn the_acknowledgement_says_only_what_happens() {
        assert_eq!(offline_route(Via::Email, None), "we've emailed you");
        assert_eq!(
            offline_route(Via::Dm, None),
            "we've sent you a direct message"
        );
        assert_eq!(
            offline_route(Via::Phone, Some(&(0, "other".into()))),
            "we'll call you",
            "no call yet: a promise, not a claim"
        );
        assert_eq!(
            offline_route(Via::Phone, Some(&(720, "resolved".into()))),
            "we've called you"
        );
        assert_eq!(
            offline_route(Via::Phone, Some(&(0, "no_answer".into()))),
            "we tried to call you — please call us back"
        );
        for via in [Via::Email, Via::Dm, Via::Phone] {
            assert!(
                !offline_route(via, Some(&(60, "other".into()))).contains("private message"),
                "{via:?}"
            );
        }
    }

    #[test]
    fn offline_subjects_are_short() {
        let post = "@shop.example my order #1234 arrived broken and nobody answers my emails, \
                    this is the third time I write about it and I am really fed up now";
        let s = offline_subject(Some(post), false, 7);
        assert_eq!(
            s,
            "Your message about “my order #1234 arrived broken and…” [#7]"
        );
        assert!(s.chars().count() <= SUBJECT_MAX + " [#7]".len(), "{s}");
        assert_eq!(
            offline_subject(Some("Where is my order?"), true, 3),
            "Where is my order? [#3]",
            "an email keeps its own subject"
        );
        assert_eq!(
            offline_subject(Some("short post"), false, 3),
            "Your message about “short post” [#3]"
        );
        assert_eq!(offline_subject(None, false, 4), "About your message [#4]");
        assert_eq!(
            offline_subject(Some("  "), true, 4),
            "About your message [#4]"
        );
        let long_word = "x".repeat(200);
        let s = offline_subject(Some(&long_word), true, 5);
        assert_eq!(s.chars().count(), SUBJECT_MAX + " [#5]".len(), "{s}");
    }

    #[test]
    fn email_addresses_are_checked_loosely() {
        assert!(looks_like_email("a@b.example"));
        for bad in ["a@b", "@b.c", "a b@c.d", "plain"] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
