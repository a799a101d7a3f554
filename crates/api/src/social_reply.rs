//! Replying on a social channel: the local phase (`reply_create` for a Bluesky case).
//!
//! Like an email reply, it works offline: one transaction queues the outbox item and puts the
//! reply on the case timeline. The idempotency key is chosen here; for a Bluesky post it is
//! the record key, so the timeline message already carries the post's final at:// URI and the
//! post read back later (in the thread, or by reconciliation) is a duplicate, not a second
//! message. The length is checked against the channel's real limit before anything is queued.

use switchboard_channels::social::{
    self, Author, ReplyTo, TextLimit, Visibility, bluesky, mastodon,
};
use switchboard_core::case::Direction;
use switchboard_store::contacts::{self, IdentityRef};
use switchboard_store::ingest::{self, NewMessage};
use switchboard_store::{StoreError, accounts, outbox};
use switchboard_sync::social::{SocialPayload, extra_of, is_social};

use crate::reply::{ReplyParams, ReplyResult};
use crate::{ApiError, Code, Ctx, Result};

/// The social channel a reply on this case goes out on, if any: the sending account's kind
/// when one is named, else the channel of the customer's newest message on the case.
pub(crate) fn channel_for(ctx: &Ctx, p: &ReplyParams) -> Result<Option<String>> {
    let store = ctx.store();
    if let Some(name) = &p.account {
        let a = accounts::by_name(store.conn(), name)?.ok_or_else(|| {
            ApiError::new(
                Code::NotFound,
                format!("cannot reply: there is no account named {name:?}"),
            )
        })?;
        return Ok(is_social(&a.kind).then_some(a.kind));
    }
    switchboard_store::cases::ensure_case(store.conn(), p.case_id)?;
    let channel: Option<String> = {
        use rusqlite::OptionalExtension;
        store
            .conn()
            .prepare_cached(
                "SELECT m.channel FROM case_conversations cc
                   JOIN messages m ON m.conversation_id = cc.conversation_id
                  WHERE cc.case_id = ?1 AND m.direction = 'inbound' AND m.deleted_at IS NULL
                  ORDER BY m.sent_at DESC, m.id DESC LIMIT 1",
            )
            .map_err(StoreError::from)?
            .query_row([p.case_id], |r| r.get(0))
            .optional()
            .map_err(StoreError::from)?
    };
    Ok(channel.filter(|c| is_social(c)))
}

fn check_length(text: &str, limit: TextLimit, channel: &str, visibility: Visibility) -> Result<()> {
    let max = match limit {
        TextLimit::Graphemes(n) | TextLimit::Chars(n) => n,
        TextLimit::Unlimited => return Ok(()),
    };
    let n = social::measure(text, limit);
    if n > max {
        let what = match visibility {
            Visibility::Public => "a public reply",
            Visibility::Private => "a direct message",
        };
        return Err(ApiError::invalid(format!(
            "cannot reply: the text is {n} characters and {channel} allows {max} in {what} — shorten it, or take the conversation offline"
        )));
    }
    Ok(())
}

pub(crate) fn reply_social(
    ctx: &Ctx,
    p: &ReplyParams,
    channel: &str,
    text: &str,
) -> Result<ReplyResult> {
    let now = ctx.now();
    let mut store = ctx.store();
    let target = outbox::reply_target(store.conn(), p.case_id, channel)?.ok_or_else(|| {
        ApiError::invalid(format!(
            "cannot reply to case #{}: it has no {channel} message from the customer to answer",
            p.case_id
        ))
    })?;
    let account =
        crate::reply::sending_account(store.conn(), p.account.as_deref(), target.account_id)?;
    if account.kind != channel {
        return Err(ApiError::invalid(format!(
            "cannot reply from account {:?}: it is a {} account and the customer wrote on {channel}",
            account.name, account.kind
        )));
    }
    let conversation_visibility: String = store
        .conn()
        .prepare_cached("SELECT visibility FROM conversations WHERE id = ?1")
        .map_err(StoreError::from)?
        .query_row([target.conversation_id], |r| r.get(0))
        .map_err(StoreError::from)?;
    let visibility = match p.private {
        Some(true) => Visibility::Private,
        Some(false) => Visibility::Public,
        None if conversation_visibility == "private" => Visibility::Private,
        None => Visibility::Public,
    };
    let extra = extra_of(store.conn(), target.message_id)?;
    let root = outbox::conversation_root(store.conn(), target.conversation_id)?
        .unwrap_or_else(|| target.external_id.clone());

    // Channel specifics: the limit, the key, and what the timeline message is called until sent.
    let (limit, key, timeline_id, own, from) = match channel {
        bluesky::CHANNEL => {
            let cfg: bluesky::Config =
                serde_json::from_value(account.config.clone()).map_err(|e| {
                    ApiError::invalid(format!(
                        "cannot reply from account {:?}: its Bluesky settings are unreadable: {e}",
                        account.name
                    ))
                })?;
            if visibility == Visibility::Private && !cfg.chat {
                return Err(ApiError::invalid(format!(
                    "cannot send a direct message from {:?}: its app password does not allow direct messages (create one with \"Allow access to your direct messages\" and add the account again)",
                    account.name
                )));
            }
            let key = bluesky::new_idempotency_key(now);
            let timeline_id = match visibility {
                Visibility::Public => bluesky::post_uri(&cfg.did, &key),
                Visibility::Private => format!("outbox:{key}"),
            };
            let own = IdentityRef {
                channel: channel.into(),
                external_id: cfg.did.clone(),
                handle: Some(cfg.handle.clone()),
                display_name: None,
            };
            (
                bluesky::text_limit(visibility),
                key,
                timeline_id,
                own,
                cfg.handle,
            )
        }
        // Mastodon: the key is the Idempotency-Key; the limit is the server's,
        // counted the server's way (URLs 23, remote mentions by local part) on the exact text
        // that will go out, mention included — so it is checked here and not by `measure`.
        mastodon::CHANNEL => {
            let cfg: mastodon::Config =
                serde_json::from_value(account.config.clone()).map_err(|e| {
                    ApiError::invalid(format!(
                        "cannot reply from account {:?}: its Mastodon settings are unreadable: {e}",
                        account.name
                    ))
                })?;
            let key = mastodon::new_idempotency_key()
                .map_err(|e| ApiError::new(Code::Io, format!("cannot queue the reply: {e}")))?;
            let probe = social::Outgoing {
                idempotency_key: key.clone(),
                text: text.to_owned(),
                visibility,
                reply_to: Some(ReplyTo {
                    external_id: target.external_id.clone(),
                    conversation_key: root.clone(),
                    extra: extra.clone(),
                }),
                recipient: None,
            };
            let n = mastodon::text::count_chars(
                &mastodon::status_text(&probe, &cfg.acct),
                cfg.limits.chars_per_url,
            );
            let max = cfg.limits.max_characters;
            if n > max {
                return Err(ApiError::invalid(format!(
                    "cannot reply: the text is {n} characters with the mention and {channel} ({}) allows {max} — shorten it, or take the conversation offline",
                    cfg.server
                )));
            }
            let own = IdentityRef {
                channel: channel.into(),
                external_id: cfg.account_uri.clone(),
                handle: Some(cfg.acct.clone()),
                display_name: None,
            };
            let timeline_id = format!("outbox:{key}");
            (TextLimit::Unlimited, key, timeline_id, own, cfg.acct)
        }
        other => {
            return Err(ApiError::invalid(format!(
                "cannot reply on {other}: replies on this channel are not supported yet"
            )));
        }
    };
    check_length(text, limit, channel, visibility)?;

    let reply_to = ReplyTo {
        external_id: target.external_id.clone(),
        conversation_key: root.clone(),
        extra,
    };
    let recipient = target.author_address.clone().map(|did| Author {
        channel: channel.into(),
        external_id: did,
        handle: None,
        display_name: target.author_name.clone(),
    });
    // Shown to the user: the customer's current handle, else their DID.
    let to = match &recipient {
        Some(r) => {
            use rusqlite::OptionalExtension;
            store
                .conn()
                .prepare_cached(
                    "SELECT handle FROM identities WHERE channel = ?1 AND external_id = ?2",
                )
                .map_err(StoreError::from)?
                .query_row([channel, r.external_id.as_str()], |row| {
                    row.get::<_, Option<String>>(0)
                })
                .optional()
                .map_err(StoreError::from)?
                .flatten()
                .unwrap_or_else(|| r.external_id.clone())
        }
        None => String::new(),
    };
    let payload = SocialPayload {
        channel: channel.into(),
        reply_to: Some(reply_to),
        recipient: if visibility == Visibility::Private {
            recipient
        } else {
            None
        },
        timeline_id: Some(timeline_id.clone()),
        discarded_at: None,
    };
    let payload = serde_json::to_value(&payload)
        .map_err(|e| ApiError::new(Code::Storage, format!("cannot queue the reply: {e}")))?;
    let (kind, vis_str, store_vis) = match visibility {
        Visibility::Public => ("public_reply", "public", ingest::Visibility::Public),
        Visibility::Private => ("direct", "private", ingest::Visibility::Private),
    };

    let case_id = p.case_id;
    let account_id = account.id;
    let (outbox_id, message_row, status) = store.write(|tx| {
        contacts::mark_self(tx, &own, now)?;
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
                kind,
                visibility: vis_str,
                body: text,
                payload: payload.clone(),
                idempotency_key: &key,
            },
            now,
        )?;
        let m = NewMessage {
            account_id,
            channel: channel.into(),
            external_id: timeline_id.clone(),
            direction: Some(Direction::Outbound),
            author: Some(own.clone()),
            recipients: vec![],
            visibility: store_vis,
            subject: None,
            subject_key: None,
            conversation_key: Some(root.clone()),
            in_reply_to: Some(target.external_id.clone()),
            references: vec![],
            sent_at: now,
            received_at: now,
            snippet: switchboard_channels::email::snippet(text, 160),
            text: text.to_owned(),
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
    tracing::info!(
        case_id,
        outbox_id,
        account_id,
        channel,
        "social reply queued"
    );
    Ok(ReplyResult {
        case_id,
        outbox_id,
        message_id: message_row,
        external_id: timeline_id,
        account: account.name,
        from,
        to,
        subject: String::new(),
        case_status: status,
    })
}
