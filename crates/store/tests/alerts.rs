//! Early-warning alerts in the store: term spikes raised as messages are stored, root-cause
//! spikes raised as cases are tagged, the rescan over history, list, ack and notify-once.

mod common;

use common::{HOUR, archive, email};
use switchboard_core::alerts::DAY_MS;
use switchboard_store::alerts::{self, AlertFilter, AlertKind};
use switchboard_store::ingest::{self, IngestOutcome, NewMessage};
use switchboard_store::{Entity, Store, StoreError, taxonomy};

/// A midnight (UTC), so "day N, hour H" is easy to read.
const D0: i64 = 1_780_000_000_000 - 1_780_000_000_000 % DAY_MS;

const WORDS: &[&str] = &[
    "order", "refund", "invoice", "size", "jacket", "boots", "tent", "return", "exchange",
    "discount", "voucher", "account", "password", "payment", "colour", "stock", "warranty",
    "address", "tracking", "cancel",
];

/// Ordinary mail: `per_day` messages a day for `days` days, each a new case from a new sender,
/// about two everyday words.
fn ordinary(account: i64, days: i64, per_day: i64) -> Vec<NewMessage> {
    let mut out = Vec::new();
    let mut x: u64 = 0x9e37_79b9;
    for d in 0..days {
        for i in 0..per_day {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let a = WORDS[(x % WORDS.len() as u64) as usize];
            let b = WORDS[((x >> 8) % WORDS.len() as u64) as usize];
            let at = D0 + d * DAY_MS + 9 * HOUR + i * HOUR / 2;
            let mut m = email(
                account,
                &format!("<o{d}-{i}@x>"),
                &format!("c{d}-{i}@example.com"),
                &format!("Question about {a} and {b}"),
                at,
            );
            m.text = format!("Hello, about my {a}: the {b} please. Thanks");
            out.push(m);
        }
    }
    out
}

/// `n` complaints about a lost parcel on day `day`, from 10:00, twenty minutes apart.
fn spike(account: i64, day: i64, n: i64) -> Vec<NewMessage> {
    (0..n)
        .map(|i| {
            let mut m = email(
                account,
                &format!("<s{day}-{i}@x>"),
                &format!("s{day}-{i}@example.com"),
                "Where is my order?",
                D0 + day * DAY_MS + 10 * HOUR + i * 20 * 60_000,
            );
            m.text = "The courier says the parcel was delivered, it was not. @shop #123".into();
            m
        })
        .collect()
}

fn case_of(o: IngestOutcome) -> i64 {
    match o {
        IngestOutcome::Stored { case_id, .. } => case_id,
        other => panic!("expected a stored message, got {other:?}"),
    }
}

/// Stores each message in its own transaction, as a sync worker does, with `now` = its date.
fn ingest_each(store: &mut Store, msgs: &[NewMessage]) -> Vec<i64> {
    msgs.iter()
        .map(|m| {
            case_of(
                store
                    .write(|tx| ingest::ingest(tx, m, "sync", m.sent_at))
                    .unwrap(),
            )
        })
        .collect()
}

fn term_alerts(store: &Store) -> Vec<alerts::Alert> {
    alerts::list(
        store.conn(),
        &AlertFilter {
            include_acked: true,
            kind: Some(AlertKind::Term),
            since: None,
        },
    )
    .unwrap()
}

#[test]
fn a_term_spike_is_raised_as_messages_arrive_with_all_its_cases() {
    let (_d, mut store) = common::open();
    let acc = archive(&mut store);
    ingest_each(&mut store, &ordinary(acc, 21, 12));
    assert!(
        term_alerts(&store).is_empty(),
        "three weeks of ordinary mail raise nothing"
    );
    let changes = store.subscribe();
    let spiked = ingest_each(&mut store, &spike(acc, 21, 8));

    let list = term_alerts(&store);
    assert_eq!(list.len(), 1, "one spike, one alert: {list:#?}");
    let a = &list[0];
    assert!(
        a.terms.iter().any(|t| t == "courier") && a.terms.iter().any(|t| t == "parcel"),
        "the spiking words are the alert's terms: {:?}",
        a.terms
    );
    assert!(
        a.terms
            .iter()
            .all(|t| !t.contains("shop") && !t.contains("123")),
        "handles and numbers are never terms: {:?}",
        a.terms
    );
    assert_eq!(a.subject, a.terms.join(", "));
    assert_eq!(
        a.case_ids, spiked,
        "every case of the spike is behind the alert, also those before it fired"
    );
    assert_eq!(a.count, 8, "the lead term's count that day");
    assert!(a.expected < 1.0, "never seen before: {}", a.expected);
    assert!(a.start >= D0 + 21 * DAY_MS + 10 * HOUR);
    let published: Vec<i64> = changes
        .try_iter()
        .flat_map(|c| c.ids(Entity::Alert))
        .collect();
    assert!(
        published.contains(&a.id),
        "the new alert is published for the UI to refresh"
    );
}

#[test]
fn alert_days_are_the_workspace_s_local_days() {
    // Eight complaints in a Los Angeles afternoon, 14:00 to 19:15 local: they cross midnight
    // UTC, so counted per UTC day they would be two days of four (below the minimum of five)
    // and raise nothing. The owner's day holds all eight.
    let (_d, mut store) = common::open();
    store
        .write(|tx| {
            let mut s = switchboard_core::sla::ResponseSettings::default();
            s.hours.time_zone = "America/Los_Angeles".into();
            switchboard_store::sla::set_response_settings(tx, &s)
        })
        .unwrap();
    let acc = archive(&mut store);
    ingest_each(&mut store, &ordinary(acc, 21, 12));
    let afternoon: Vec<NewMessage> = spike(acc, 21, 8)
        .into_iter()
        .enumerate()
        .map(|(i, mut m)| {
            m.sent_at = D0 + 21 * DAY_MS + 21 * HOUR + i as i64 * 45 * 60_000;
            m
        })
        .collect();
    assert!(
        afternoon.first().unwrap().sent_at % DAY_MS > afternoon.last().unwrap().sent_at % DAY_MS,
        "the afternoon crosses midnight UTC"
    );
    let spiked = ingest_each(&mut store, &afternoon);

    let list = term_alerts(&store);
    assert_eq!(list.len(), 1, "one local day, one alert: {list:#?}");
    assert_eq!(list[0].count, 8);
    assert_eq!(list[0].case_ids, spiked);

    // A rescan over the same history agrees with what was raised live.
    let report = store
        .write(|tx| alerts::scan(tx, None, None, D0 + 23 * DAY_MS))
        .unwrap();
    assert!(report.raised.is_empty(), "nothing new: {report:?}");
    assert_eq!(
        report.to % DAY_MS,
        7 * HOUR,
        "days begin at Los Angeles midnight (07:00 UTC in summer)"
    );
}

#[test]
fn a_rolled_back_message_is_not_counted() {
    let (_d, mut store) = common::open();
    let acc = archive(&mut store);
    let m = &spike(acc, 0, 1)[0];
    store
        .write(|tx| {
            let r = tx.savepoint(|tx| {
                ingest::ingest(tx, m, "sync", m.sent_at)?;
                Err::<(), _>(StoreError::Invalid("simulated failure".into()))
            });
            assert!(r.is_err());
            Ok(())
        })
        .unwrap();
    let rows: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM alert_terms", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        rows, 0,
        "the counters hold nothing of a message that was rolled back"
    );
}

#[test]
fn a_rescan_finds_a_spike_that_arrived_out_of_order_and_does_not_repeat_it() {
    let (_d, mut store) = common::open();
    let acc = archive(&mut store);
    // Newest first (an IMAP sync of an old mailbox): the live detector sees the history as late.
    let spiked = ingest_each(&mut store, &spike(acc, 21, 8));
    ingest_each(&mut store, &ordinary(acc, 21, 12));
    assert!(
        term_alerts(&store).is_empty(),
        "late history is left to a rescan"
    );

    let now = D0 + 30 * DAY_MS;
    let r = store.write(|tx| alerts::scan(tx, None, None, now)).unwrap();
    assert_eq!(r.messages, 21 * 12 + 8, "every inbound message replayed");
    assert_eq!(r.raised.len(), 1, "{r:?}");
    let a = alerts::get(store.conn(), r.raised[0]).unwrap();
    assert_eq!(a.kind, AlertKind::Term);
    assert_eq!(a.case_ids, spiked);

    let again = store.write(|tx| alerts::scan(tx, None, None, now)).unwrap();
    assert!(
        again.raised.is_empty(),
        "a second scan extends, never repeats"
    );
    assert_eq!(term_alerts(&store).len(), 1);

    let earlier = store
        .write(|tx| alerts::scan(tx, Some(D0), Some(D0 + 20 * DAY_MS), now))
        .unwrap();
    assert!(earlier.raised.is_empty(), "nothing before the spike day");
    let bad = store.write(|tx| alerts::scan(tx, Some(D0 + 5 * DAY_MS), Some(D0), now));
    assert!(
        matches!(&bad, Err(StoreError::Invalid(m)) if m.contains("after the end")),
        "{bad:?}"
    );
}

#[test]
fn ack_hides_an_alert_and_notification_happens_once() {
    let (_d, mut store) = common::open();
    let acc = archive(&mut store);
    ingest_each(&mut store, &ordinary(acc, 21, 12));
    ingest_each(&mut store, &spike(acc, 21, 8));
    let id = term_alerts(&store)[0].id;

    let due = alerts::unnotified(store.conn()).unwrap();
    assert_eq!(due.iter().map(|a| a.id).collect::<Vec<_>>(), vec![id]);
    let now = D0 + 22 * DAY_MS;
    assert_eq!(
        store
            .write(|tx| alerts::mark_notified(tx, &[id], now))
            .unwrap(),
        1
    );
    assert!(
        alerts::unnotified(store.conn()).unwrap().is_empty(),
        "notified once"
    );

    let acked = store.write(|tx| alerts::ack(tx, id, now)).unwrap();
    assert_eq!(acked.acked_at, Some(now));
    let later = store.write(|tx| alerts::ack(tx, id, now + 1)).unwrap();
    assert_eq!(
        later.acked_at,
        Some(now),
        "acknowledging twice keeps the first time"
    );
    assert!(
        alerts::list(store.conn(), &AlertFilter::default())
            .unwrap()
            .is_empty(),
        "acknowledged alerts leave the default list"
    );
    let missing = store.write(|tx| alerts::ack(tx, 9_999, now));
    assert!(
        matches!(
            missing,
            Err(StoreError::NotFound {
                entity: "alert",
                ..
            })
        ),
        "{missing:?}"
    );
}

#[test]
fn a_root_cause_spike_is_raised_when_cases_are_tagged_and_rolls_up() {
    let (_d, mut store) = common::open();
    let acc = archive(&mut store);
    let cause = store
        .write(|tx| {
            taxonomy::add(tx, "Shipping", None, D0)?;
            taxonomy::add(tx, "Courier", Some("Shipping"), D0)
        })
        .unwrap();
    let msgs = ordinary(acc, 22, 12);
    let cases = ingest_each(&mut store, &msgs);
    // One case a day tagged with the cause for three weeks: its usual share.
    for d in 0..21 {
        let case_id = cases[d * 12];
        let at = msgs[d * 12].sent_at;
        store
            .write(|tx| taxonomy::tag_case(tx, case_id, cause.id, "test", at))
            .unwrap();
    }
    let roots = alerts::list(store.conn(), &AlertFilter::default()).unwrap();
    assert!(
        roots.is_empty(),
        "the usual one a day is no spike: {roots:#?}"
    );
    // Day 21: eight of the day's twelve cases.
    let today: Vec<i64> = cases[21 * 12..21 * 12 + 8].to_vec();
    for &case_id in &today {
        store
            .write(|tx| {
                taxonomy::tag_case(tx, case_id, cause.id, "test", D0 + 21 * DAY_MS + 20 * HOUR)
            })
            .unwrap();
    }
    let list = alerts::list(
        store.conn(),
        &AlertFilter {
            kind: Some(AlertKind::RootCause),
            ..Default::default()
        },
    )
    .unwrap();
    let subjects: Vec<&str> = list.iter().map(|a| a.subject.as_str()).collect();
    assert!(
        subjects.contains(&"Shipping › Courier") && subjects.contains(&"Shipping"),
        "the cause and its parent (children roll up): {subjects:?}"
    );
    assert_eq!(
        list.len(),
        2,
        "one alert each, extended by later tags: {list:#?}"
    );
    for a in &list {
        assert_eq!(a.case_ids, today, "{}", a.subject);
        assert_eq!(a.count, 8);
    }
}
