//! Email → domain: one parsed RFC 5322 message becomes one [`NewMessage`].

use std::path::Path;

use switchboard_channels::email::{Address, ParsedEmail, normalize_subject};
use switchboard_store::attachments;
use switchboard_store::contacts::IdentityRef;
use switchboard_store::ingest::{NewAttachment, NewMessage, Recipient, Visibility};

pub const CHANNEL: &str = "email";

/// The id a message is deduplicated on: its Message-ID, or the hash of its bytes when it has none.
pub fn external_id(p: &ParsedEmail) -> String {
    match &p.message_id {
        Some(id) if !id.is_empty() => id.clone(),
        _ => format!("sha256:{}", p.raw_sha256),
    }
}

fn identity(a: &Address) -> IdentityRef {
    IdentityRef {
        channel: CHANNEL.into(),
        external_id: a.email.clone(),
        handle: None,
        display_name: a.name.clone().filter(|n| !n.trim().is_empty()),
    }
}

/// Writes attachment files under `data_dir` and builds the message to ingest.
/// `fallback_date` is used when the message has no readable Date header.
pub fn to_new_message(
    p: ParsedEmail,
    account_id: i64,
    data_dir: &Path,
    fallback_date: i64,
    now: i64,
) -> Result<NewMessage, switchboard_store::StoreError> {
    let mut files = Vec::with_capacity(p.attachments.len());
    for a in &p.attachments {
        let sha = attachments::put(data_dir, &a.data)?;
        files.push(NewAttachment {
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            content_id: a.content_id.clone(),
            inline: a.inline,
            size: a.data.len() as i64,
            sha256: sha,
        });
    }
    let recipients =
        p.to.iter()
            .map(|a| ("to", a))
            .chain(p.cc.iter().map(|a| ("cc", a)))
            // Reply-To is kept (last, so it never becomes "the first addressee") because a
            // reply goes there rather than to From; nothing else in the store keeps it.
            .chain(
                p.reply_to
                    .iter()
                    .filter(|r| p.from.as_ref().is_none_or(|f| f.email != r.email))
                    .map(|a| ("reply_to", a)),
            )
            .map(|(kind, a)| Recipient {
                kind: kind.into(),
                name: a.name.clone(),
                address: a.email.clone(),
            })
            .collect();
    let subject_key = p
        .subject
        .as_deref()
        .map(normalize_subject)
        .filter(|k| !k.is_empty());
    let snippet = switchboard_channels::email::snippet(&p.text, 160);
    Ok(NewMessage {
        account_id,
        channel: CHANNEL.into(),
        external_id: external_id(&p),
        direction: None,
        author: p.from.as_ref().map(identity),
        recipients,
        visibility: Visibility::Private,
        subject: p.subject.clone(),
        subject_key,
        conversation_key: None,
        in_reply_to: p.in_reply_to.first().cloned(),
        references: p.references.clone(),
        sent_at: p.date.unwrap_or(fallback_date),
        received_at: now,
        text: p.text,
        html: p.html,
        snippet,
        has_remote_content: p.has_remote_content,
        unread: true,
        raw_sha256: Some(p.raw_sha256),
        raw_size: Some(p.raw_size as i64),
        attachments: files,
        automated: p.automated,
    })
}
