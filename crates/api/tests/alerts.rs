//! Early-warning alerts through the API: rescan with date bounds, list, ack, and the desktop
//! notification raised once per alert. Time comes from a `FixedClock`.

use std::sync::Arc;

use switchboard_api::alerts::{self, AlertIdParams, AlertKind, AlertsListParams, AlertsScanParams};
use switchboard_api::notice::{NoticeKind, Notifier};
use switchboard_api::{Code, Ctx, FixedClock};
use switchboard_core::alerts::DAY_MS;
use switchboard_store::contacts::IdentityRef;
use switchboard_store::ingest::{self, NewMessage, Visibility};
use switchboard_store::{Store, accounts};

/// 2026-06-01T00:00:00Z, a Monday.
const D0: i64 = 1_780_272_000_000;
const HOUR: i64 = 3_600_000;

fn message(account_id: i64, id: &str, subject: &str, text: &str, at: i64) -> NewMessage {
    NewMessage {
        account_id,
        channel: "email".into(),
        external_id: id.into(),
        direction: None,
        author: Some(IdentityRef {
            channel: "email".into(),
            external_id: format!("{id}@example.com"),
            handle: None,
            display_name: None,
        }),
        recipients: vec![],
        visibility: Visibility::Private,
        subject: Some(subject.into()),
        subject_key: None,
        conversation_key: None,
        in_reply_to: None,
        references: vec![],
        sent_at: at,
        received_at: at,
        text: text.into(),
        html: None,
        snippet: String::new(),
        has_remote_content: false,
        unread: true,
        raw_sha256: None,
        raw_size: None,
        attachments: vec![],
        automated: None,
    }
}

/// Three weeks of everyday mail, then a lost-parcel spike on day 21 — all stored newest first,
/// so only a rescan can see the spike.
fn workspace() -> (tempfile::TempDir, Arc<FixedClock>, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    switchboard_api::workspace::workspace_init(dir.path()).unwrap();
    let clock = Arc::new(FixedClock::new(D0 + 25 * DAY_MS));
    let ctx = Ctx::open(dir.path(), clock.clone()).unwrap();
    let words = [
        "order", "refund", "invoice", "jacket", "boots", "tent", "voucher", "payment",
    ];
    let mut msgs = Vec::new();
    for i in 0..8 {
        msgs.push(message(
            0,
            &format!("s{i}"),
            "Delivery",
            "The courier left the parcel in the rain",
            D0 + 21 * DAY_MS + 9 * HOUR + i * HOUR / 2,
        ));
    }
    for d in (0..21).rev() {
        for i in 0..10i64 {
            let w = words[((d * 7 + i * 3) % 8) as usize];
            let v = words[((d + i * 5) % 8) as usize];
            msgs.push(message(
                0,
                &format!("o{d}-{i}"),
                &format!("About {w}"),
                &format!("A question on {w} and {v}"),
                D0 + d * DAY_MS + 8 * HOUR + i * HOUR,
            ));
        }
    }
    {
        let mut store = ctx.store();
        let account = Store::write(&mut store, |tx| accounts::ensure_archive(tx, D0)).unwrap();
        for mut m in msgs {
            m.account_id = account;
            Store::write(&mut store, |tx| {
                ingest::ingest(tx, &m, "sync", D0 + 25 * DAY_MS)
            })
            .unwrap();
        }
    }
    (dir, clock, ctx)
}

#[test]
fn scan_list_ack_and_the_date_bounds() {
    let (_d, _clock, ctx) = workspace();
    let none = alerts::alerts_list(&ctx, &AlertsListParams::default()).unwrap();
    assert!(
        none.alerts.is_empty(),
        "history stored newest first raised nothing live"
    );

    let early = alerts::alerts_scan(
        &ctx,
        &AlertsScanParams {
            from: Some("2026-06-01".into()),
            to: Some("2026-06-21".into()),
        },
    )
    .unwrap();
    assert!(
        early.raised.is_empty(),
        "the spike is on 2026-06-22, outside: {early:?}"
    );
    assert_eq!(
        early.to,
        D0 + 20 * DAY_MS,
        "`to` names the last day scanned"
    );

    let r = alerts::alerts_scan(
        &ctx,
        &AlertsScanParams {
            from: Some("2026-06-22".into()),
            to: None,
        },
    )
    .unwrap();
    assert_eq!(r.raised.len(), 1, "{r:?}");
    let listed = alerts::alerts_list(&ctx, &AlertsListParams::default()).unwrap();
    assert_eq!(listed.unacked, 1);
    let a = &listed.alerts[0];
    assert_eq!(a.kind, AlertKind::Term);
    assert!(
        a.subject.contains("courier") && a.subject.contains("parcel"),
        "{}",
        a.subject
    );
    assert_eq!(a.case_ids.len(), 8, "the eight complaints");
    let json = serde_json::to_value(a).unwrap();
    for field in [
        "id", "kind", "subject", "start", "count", "expected", "case_ids", "acked_at",
    ] {
        assert!(
            json.get(field).is_some(),
            "alert JSON has `{field}`: {json}"
        );
    }
    assert_eq!(json["kind"], "term");

    let acked = alerts::alerts_ack(&ctx, &AlertIdParams { id: a.id }).unwrap();
    assert_eq!(acked.acked_at, Some(D0 + 25 * DAY_MS));
    let after = alerts::alerts_list(&ctx, &AlertsListParams::default()).unwrap();
    assert!(after.alerts.is_empty() && after.unacked == 0);
    let all = alerts::alerts_list(
        &ctx,
        &AlertsListParams {
            include_acked: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(all.alerts.len(), 1, "acknowledged alerts stay listable");

    let bad = alerts::alerts_scan(
        &ctx,
        &AlertsScanParams {
            from: Some("22/06/2026".into()),
            to: None,
        },
    )
    .unwrap_err();
    assert_eq!(bad.code, Code::InvalidInput);
    assert!(
        bad.message.contains("from") && bad.message.contains("YYYY-MM-DD"),
        "{}",
        bad.message
    );
    let missing = alerts::alerts_ack(&ctx, &AlertIdParams { id: 424242 }).unwrap_err();
    assert_eq!(missing.code, Code::NotFound);
}

#[test]
fn each_alert_is_notified_once_even_across_restarts() {
    let (_d, _clock, ctx) = workspace();
    alerts::alerts_scan(&ctx, &AlertsScanParams::default()).unwrap();
    let mut n = Notifier::new();
    let first: Vec<_> = n
        .collect(&ctx)
        .unwrap()
        .into_iter()
        .filter(|x| x.kind == NoticeKind::Alert)
        .collect();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].title.contains("courier"), "{:?}", first[0]);
    assert!(
        first[0].case_id > 0,
        "the notice opens one of the alert's cases"
    );
    assert!(
        n.collect(&ctx)
            .unwrap()
            .iter()
            .all(|x| x.kind != NoticeKind::Alert),
        "not again"
    );
    assert!(
        Notifier::new()
            .collect(&ctx)
            .unwrap()
            .iter()
            .all(|x| x.kind != NoticeKind::Alert),
        "not after a restart either (marked in the store)"
    );
}
