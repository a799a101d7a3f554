//! What deserves a desktop notification, decided here so it is tested without a desktop.
//!
//! Four things interrupt the user (DESIGN.md §1): a new public complaint that a rule marked
//! high or urgent (the hyper-public forum demands a response right away), a response-time
//! target about to be missed, a follow-up whose time has come, and an early-warning alert (a
//! root cause or a term spiking, docs/alerts.md). Everything else waits in the inbox. The desktop shell calls [`Notifier::collect`] on a timer and shows what it returns;
//! a notice is returned once (follow-ups and alerts are marked notified in the store, so even a
//! restart does not repeat them; the others are remembered for the life of the process).

use std::collections::HashSet;

use serde::Serialize;

use crate::rpc::NoParams;
use crate::{Ctx, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    PublicComplaint,
    ResponseDue,
    FollowUpDue,
    Alert,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Notice {
    pub kind: NoticeKind,
    /// The case to open (for an alert: its first case; 0 when it has none).
    pub case_id: i64,
    pub title: String,
    pub body: String,
}

/// Remembers what was already shown.
#[derive(Debug, Default)]
pub struct Notifier {
    /// Public messages are notified only when they arrived after this (ms); set on the first
    /// call so a fresh start does not replay history.
    since: Option<i64>,
    shown: HashSet<(i64, i64, u8)>,
}

impl Notifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything new since the last call.
    pub fn collect(&mut self, ctx: &Ctx) -> Result<Vec<Notice>> {
        let now = ctx.now();
        let since = *self.since.get_or_insert(now);
        let mut out = Vec::new();

        for (message_id, case_id, channel, subject, snippet) in public_complaints(ctx, since)? {
            if self.shown.insert((message_id, 0, 0)) {
                out.push(Notice {
                    kind: NoticeKind::PublicComplaint,
                    case_id,
                    title: format!("Public complaint on {channel}"),
                    body: subject
                        .filter(|s| !s.is_empty())
                        .unwrap_or(snippet)
                        .chars()
                        .take(140)
                        .collect(),
                });
            }
        }
        self.since = Some(now);

        let sweep = crate::protocol::sla_sweep(ctx, &Default::default())?;
        for due in sweep.due_soon {
            if self.shown.insert((due.case_id, due.due_at, 1)) {
                let minutes = ((due.due_at - now).max(0) + 59_999) / 60_000;
                out.push(Notice {
                    kind: NoticeKind::ResponseDue,
                    case_id: due.case_id,
                    title: format!("Reply due in {minutes} min"),
                    body: due
                        .subject
                        .unwrap_or_else(|| format!("case {}", due.case_id)),
                });
            }
        }

        let follow_ups = crate::followup::followup_due_unnotified(ctx, &NoParams {})?;
        if !follow_ups.is_empty() {
            let ids: Vec<i64> = follow_ups.iter().map(|f| f.id).collect();
            crate::followup::followup_mark_notified(
                ctx,
                &crate::followup::FollowupMarkNotifiedParams { ids },
            )?;
        }
        for f in follow_ups {
            out.push(Notice {
                kind: NoticeKind::FollowUpDue,
                case_id: f.case_id,
                title: "Follow-up due".into(),
                body: if f.note.is_empty() {
                    f.case_subject
                        .unwrap_or_else(|| format!("case {}", f.case_id))
                } else {
                    f.note
                },
            });
        }
        let alerts = crate::alerts::alerts_unnotified(ctx, &NoParams {})?;
        if !alerts.is_empty() {
            let ids: Vec<i64> = alerts.iter().map(|a| a.id).collect();
            crate::alerts::alerts_mark_notified(
                ctx,
                &crate::alerts::AlertsMarkNotifiedParams { ids },
            )?;
        }
        for a in alerts {
            out.push(alert_notice(&a));
        }
        Ok(out)
    }
}

/// "Spike: courier parcel" / "12 messages today where about 2 are usual".
fn alert_notice(a: &crate::alerts::Alert) -> Notice {
    let what = match a.kind {
        crate::alerts::AlertKind::Term => "messages",
        crate::alerts::AlertKind::RootCause => "new cases",
    };
    Notice {
        kind: NoticeKind::Alert,
        case_id: a.case_ids.first().copied().unwrap_or(0),
        title: format!("Spike: {}", a.subject.chars().take(80).collect::<String>()),
        body: format!(
            "{} {what} that day where about {:.1} are usual",
            a.count, a.expected
        ),
    }
}

type Complaint = (i64, i64, String, Option<String>, String);

/// Inbound public messages received after `since` on open high/urgent cases.
fn public_complaints(ctx: &Ctx, since: i64) -> Result<Vec<Complaint>> {
    let store = ctx.store();
    let mut stmt = store
        .conn()
        .prepare_cached(
            "SELECT m.id, c.id, m.channel, c.subject, m.snippet
             FROM messages m
             JOIN conversations v ON v.id = m.conversation_id
             JOIN case_conversations cc ON cc.conversation_id = m.conversation_id
             JOIN cases c ON c.id = cc.case_id
             WHERE m.received_at > ?1 AND m.direction = 'inbound' AND v.visibility = 'public'
               AND c.priority IN ('high', 'urgent') AND c.status IN ('new', 'open')
               AND c.merged_into IS NULL
             ORDER BY m.received_at",
        )
        .map_err(switchboard_store::StoreError::from)?;
    let rows = stmt
        .query_map([since], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .map_err(switchboard_store::StoreError::from)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row.map_err(switchboard_store::StoreError::from)?);
    }
    Ok(out)
}
