//! Email seen through the same capability traits as the social channels.
//!
//! Why it exists: the composer, the outbox and "take offline" ask one question of every
//! channel — what can you do, how long may a message be — and email must answer it like the
//! others: it sends private messages only (a typed `Unsupported` for a public reply), with no
//! length limit. It is deliberately thin: fetching stays with the IMAP engine
//! (`switchboard-sync::imap`, cursors per folder), and the crash-safe outbox keeps sending the
//! exact bytes it stored; this adapter is for callers that hold an [`Outgoing`].

use super::{
    Capability, ChannelError, Outgoing, PrivateMessage, Provider, PublicReply, Result, SentRef,
    TextLimit, Visibility,
};
use crate::account::EmailConfig;
use crate::email::compose::{self, Mailbox, ReplyDraft};
use crate::email::smtp::{self, SmtpAuth};

pub const CHANNEL: &str = "email";

/// One mailbox able to send through SMTP.
pub struct EmailChannel {
    config: EmailConfig,
    auth: SmtpAuth,
    /// The Date header, ms since the epoch (the injected clock's value).
    now_ms: i64,
}

impl EmailChannel {
    pub fn new(config: EmailConfig, auth: SmtpAuth, now_ms: i64) -> Self {
        EmailChannel {
            config,
            auth,
            now_ms,
        }
    }

    /// The draft for `out`: to the recipient's address, threaded under the message answered
    /// (`reply_to.external_id` is its Message-ID; `extra.subject`/`extra.references` when known).
    /// The idempotency key is the Message-ID, as for replies written through `reply_create`.
    pub fn draft(&self, out: &Outgoing) -> Result<ReplyDraft> {
        let to = out
            .recipient
            .as_ref()
            .map(|r| Mailbox {
                name: r.display_name.clone(),
                email: r.external_id.clone(),
            })
            .ok_or_else(|| ChannelError::Permanent {
                channel: CHANNEL.into(),
                reason: "cannot send an email: it names no recipient".into(),
            })?;
        let parent = out.reply_to.as_ref().map(|r| r.external_id.clone());
        let extra = out.reply_to.as_ref().map(|r| &r.extra);
        let subject = compose::reply_subject(
            extra
                .and_then(|e| e.get("subject"))
                .and_then(|s| s.as_str()),
        );
        let parent_refs: Vec<String> = extra
            .and_then(|e| e.get("references"))
            .and_then(|r| r.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(ReplyDraft {
            from: Mailbox {
                name: self.config.display_name.clone(),
                email: self.config.email.clone(),
            },
            to: vec![to],
            subject,
            message_id: out.idempotency_key.clone(),
            in_reply_to: parent.clone(),
            references: compose::reply_references(&parent_refs, parent.as_deref()),
            text: out.text.clone(),
        })
    }
}

impl Provider for EmailChannel {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn capabilities(&self) -> &'static [Capability] {
        &[Capability::PrivateMessage]
    }

    fn text_limit(&self, _: Visibility) -> TextLimit {
        TextLimit::Unlimited
    }
}

impl PublicReply for EmailChannel {
    async fn send_public_reply(&mut self, _: &Outgoing) -> Result<SentRef> {
        Err(self.unsupported(Capability::PublicReply))
    }
}

impl PrivateMessage for EmailChannel {
    async fn send_private(&mut self, out: &Outgoing) -> Result<SentRef> {
        let draft = self.draft(out)?;
        let raw =
            compose::build_reply(&draft, self.now_ms).map_err(|e| ChannelError::Permanent {
                channel: CHANNEL.into(),
                reason: e.to_string(),
            })?;
        let to: Vec<String> = draft.to.iter().map(|m| m.email.clone()).collect();
        smtp::send(&self.config, &self.auth, &self.config.email, &to, &raw)
            .await
            .map_err(|e| {
                let reason = e.to_string();
                let channel = CHANNEL.to_owned();
                match e.class.as_str() {
                    "offline" => ChannelError::Offline { channel, reason },
                    "auth" => ChannelError::Auth { channel, reason },
                    "rate_limited" => ChannelError::RateLimited {
                        channel,
                        retry_at: None,
                        reason,
                    },
                    // Handed over without a final answer: may be delivered, reconcile first.
                    _ if e.maybe_sent => ChannelError::Retryable { channel, reason },
                    "retryable" => ChannelError::Retryable { channel, reason },
                    _ => ChannelError::Permanent { channel, reason },
                }
            })?;
        let root = draft
            .references
            .first()
            .cloned()
            .unwrap_or_else(|| draft.message_id.clone());
        Ok(SentRef {
            external_id: draft.message_id,
            conversation_key: root,
            url: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{EmailAuth, ServerConfig};
    use crate::social::{Author, ReplyTo};

    fn channel() -> EmailChannel {
        let server = |host: &str, port| ServerConfig {
            host: host.into(),
            port,
            security: crate::account::Security::Tls,
        };
        EmailChannel::new(
            EmailConfig {
                email: "shop@example.com".into(),
                display_name: Some("Shop".into()),
                username: "shop".into(),
                imap: server("imap.example.com", 993),
                smtp: server("smtp.example.com", 465),
                auth: EmailAuth::Password,
                ca_file: None,
                extra_folders: vec![],
            },
            SmtpAuth::Password {
                user: "shop".into(),
                password: crate::secrets::Secret::new("x"),
            },
            0,
        )
    }

    fn out() -> Outgoing {
        Outgoing {
            idempotency_key: "reply-1@example.com".into(),
            text: "We are on it.".into(),
            visibility: Visibility::Private,
            reply_to: Some(ReplyTo {
                external_id: "q-2@example.net".into(),
                conversation_key: "q-1@example.net".into(),
                extra: serde_json::json!({ "subject": "Order 77", "references": ["q-1@example.net"] }),
            }),
            recipient: Some(Author {
                channel: "email".into(),
                external_id: "carol@example.net".into(),
                handle: None,
                display_name: Some("Carol".into()),
            }),
        }
    }

    #[test]
    fn email_fits_the_capability_traits() {
        let mut c = channel();
        assert_eq!(c.capabilities(), &[Capability::PrivateMessage]);
        assert_eq!(c.text_limit(Visibility::Private), TextLimit::Unlimited);
        let err = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(c.send_public_reply(&out()))
            .unwrap_err();
        assert_eq!(err.to_string(), "email cannot send a public reply");
        let d = c.draft(&out()).unwrap();
        assert_eq!(d.subject, "Re: Order 77");
        assert_eq!(d.in_reply_to.as_deref(), Some("q-2@example.net"));
        assert_eq!(d.references, ["q-1@example.net", "q-2@example.net"]);
        assert_eq!(
            d.message_id, "reply-1@example.com",
            "the key is the Message-ID"
        );
    }
}
