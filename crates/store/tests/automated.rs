//! Automated mail on ingest: newsletters, notifications and auto-replies become automated cases
//! that stay out of the inbox, repeat contact, the protocol's priorities, response clocks,
//! reports and alerts; a person writing makes the case normal again; the user's marking is
//! undoable.

mod common;

use common::{HOUR, T0, archive, email, open};
use switchboard_core::case::CaseStatus;
use switchboard_store::cases::{self, CaseFilter, CaseSummary};
use switchboard_store::ingest::{IngestOutcome, NewMessage, ingest};
use switchboard_store::reports::{Selection, case_facts};
use switchboard_store::{Store, history, triage};

fn put(store: &mut Store, m: &NewMessage, now: i64) -> i64 {
    match store.write(|tx| ingest(tx, m, "sync", now)).unwrap() {
        IngestOutcome::Stored { case_id, .. } => case_id,
        other => panic!("not stored: {other:?}"),
    }
}

fn newsletter(acc: i64, id: &str, subject: &str, at: i64) -> NewMessage {
    let mut m = email(acc, id, "news@shop.example", subject, at);
    m.automated = Some("List-Id: news.shop.example".into());
    // Words that make a complaint: the newsletter must not count as one.
    m.text = format!("{subject}: refund week! broken prices, urgent deals");
    m
}

fn listed(store: &Store, automated: Option<bool>) -> Vec<i64> {
    cases::list(
        store.conn(),
        &CaseFilter {
            automated,
            ..Default::default()
        },
    )
    .unwrap()
    .iter()
    .map(|c| c.id)
    .collect()
}

fn case(store: &Store, id: i64) -> CaseSummary {
    cases::summary(store.conn(), id).unwrap()
}

#[test]
fn a_newsletter_twice_is_no_repeat_not_high_and_only_under_the_automated_filter() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let first = put(&mut store, &newsletter(acc, "<n1@x>", "May offers", T0), T0);
    let second = put(
        &mut store,
        &newsletter(acc, "<n2@x>", "June offers", T0 + HOUR),
        T0 + HOUR,
    );
    assert_ne!(first, second, "two newsletters are two threads");
    let c = case(&store, second);
    assert_eq!(c.automated.as_deref(), Some("List-Id: news.shop.example"));
    assert!(
        !c.repeat,
        "the same sender every month is not a customer coming back"
    );
    assert_eq!(c.priority, "normal", "no rule raised the newsletter");
    assert_eq!(
        c.response_due_at, None,
        "no response clock for mail nobody answers"
    );

    // A person from the same address book writes: not a repeat of the newsletters either.
    let mut human = email(
        acc,
        "<h1@x>",
        "news@shop.example",
        "Wrong invoice",
        T0 + 2 * HOUR,
    );
    human.automated = None;
    let third = put(&mut store, &human, T0 + 2 * HOUR);
    let h = case(&store, third);
    assert_eq!(h.automated, None);
    assert!(
        !h.repeat,
        "automated cases do not make a later human case a repeat"
    );
    assert!(
        h.response_due_at.is_some(),
        "a person's mail gets its clock"
    );

    assert_eq!(
        listed(&store, Some(false)),
        vec![third],
        "the inbox leaves automated mail out"
    );
    assert_eq!(listed(&store, Some(true)), vec![second, first]);
    assert_eq!(listed(&store, None).len(), 3, "export sees everything");
    assert_eq!(cases::count(store.conn(), None, Some(false)).unwrap(), 1);
    assert_eq!(cases::count(store.conn(), None, Some(true)).unwrap(), 2);

    let facts = case_facts(store.conn(), &Selection::Began(0, i64::MAX)).unwrap();
    assert_eq!(
        facts.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![third],
        "reports count the customer's case only"
    );
    let facts = case_facts(store.conn(), &Selection::Ids(vec![first, third])).unwrap();
    assert_eq!(facts.len(), 1, "also when asked for by id");
}

#[test]
fn a_person_answering_a_notification_makes_the_case_normal() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let mut shipped = email(
        acc,
        "<ship1@x>",
        "noreply@shop.example",
        "Your order shipped",
        T0,
    );
    shipped.automated = Some("From: noreply@shop.example".into());
    let id = put(&mut store, &shipped, T0);
    assert_eq!(
        case(&store, id).automated.as_deref(),
        Some("From: noreply@shop.example")
    );

    // Another automated message in the thread changes nothing.
    let mut update = email(
        acc,
        "<ship2@x>",
        "noreply@shop.example",
        "Re: Your order shipped",
        T0 + HOUR,
    );
    update.automated = Some("From: noreply@shop.example".into());
    update.in_reply_to = Some("<ship1@x>".into());
    assert_eq!(put(&mut store, &update, T0 + HOUR), id);
    assert!(case(&store, id).automated.is_some());
    assert!(listed(&store, Some(false)).is_empty());

    let mut answer = email(
        acc,
        "<a1@x>",
        "ann@example.com",
        "Re: Your order shipped",
        T0 + 2 * HOUR,
    );
    answer.in_reply_to = Some("<ship1@x>".into());
    answer.text = "It never arrived, this is urgent".into();
    assert_eq!(
        put(&mut store, &answer, T0 + 2 * HOUR),
        id,
        "threads into the case"
    );
    let c = case(&store, id);
    assert_eq!(
        c.automated, None,
        "a person wrote: the case is the owner's now"
    );
    assert!(
        c.response_due_at.is_some(),
        "and her message starts the clock"
    );
    assert_eq!(listed(&store, Some(false)), vec![id]);
    let said = history::case_history(store.conn(), id).unwrap();
    assert!(
        said.iter().any(|e| e
            .summary
            .contains("no longer automated mail: a person wrote")),
        "the history says why: {:?}",
        said.iter().map(|e| &e.summary).collect::<Vec<_>>()
    );
}

#[test]
fn social_and_outbound_messages_are_never_automated() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let mut post = email(acc, "at://x/1", "did:plc:kay", "", T0);
    post.channel = "bluesky".into();
    if let Some(a) = post.author.as_mut() {
        a.channel = "bluesky".into();
    }
    post.conversation_key = Some("at://x/1".into());
    post.automated = Some("From: noreply@bsky.example".into());
    let id = put(&mut store, &post, T0);
    assert_eq!(case(&store, id).automated, None, "Bluesky is people");

    let mut ours = email(acc, "<o1@x>", "ann@example.com", "Your refund", T0 + HOUR);
    ours.direction = Some(switchboard_core::case::Direction::Outbound);
    ours.automated = Some("Auto-Submitted: auto-generated".into());
    let id = put(&mut store, &ours, T0 + HOUR);
    assert_eq!(case(&store, id).automated, None, "our own mail is ours");
}

#[test]
fn marking_a_case_as_a_real_customer_is_undoable() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let id = put(&mut store, &newsletter(acc, "<n1@x>", "May offers", T0), T0);

    let (before, after) = store
        .write(|tx| triage::set_automated(tx, id, false, T0 + HOUR))
        .unwrap();
    assert_eq!(before.as_deref(), Some("List-Id: news.shop.example"));
    assert_eq!(after, None);
    assert_eq!(listed(&store, Some(false)), vec![id], "back in the inbox");

    // A later newsletter in the same thread leaves the user's choice alone.
    let mut more = newsletter(acc, "<n2@x>", "Re: May offers", T0 + 2 * HOUR);
    more.in_reply_to = Some("<n1@x>".into());
    assert_eq!(put(&mut store, &more, T0 + 2 * HOUR), id);
    assert_eq!(case(&store, id).automated, None);

    store
        .write(|tx| history::undo_last(tx, Some(id), "user", T0 + 3 * HOUR))
        .unwrap();
    assert_eq!(
        case(&store, id).automated.as_deref(),
        Some("List-Id: news.shop.example"),
        "undo puts the case back among automated mail"
    );
    assert!(listed(&store, Some(false)).is_empty());

    // Marked automated by hand, a customer's case takes its first automated reason, or says
    // the user marked it.
    let mut human = email(acc, "<h1@x>", "bob@example.com", "Hello", T0 + 4 * HOUR);
    human.automated = None;
    let bob = put(&mut store, &human, T0 + 4 * HOUR);
    let (_, after) = store
        .write(|tx| triage::set_automated(tx, bob, true, T0 + 5 * HOUR))
        .unwrap();
    assert_eq!(after.as_deref(), Some(triage::MARKED_AUTOMATED));
    assert_eq!(case(&store, bob).status, CaseStatus::New);
    assert_eq!(listed(&store, Some(true)), vec![bob, id]);
}

#[test]
fn a_customers_case_merged_into_automated_mail_makes_it_a_customers_case() {
    let (_d, mut store) = open();
    let acc = archive(&mut store);
    let news = put(&mut store, &newsletter(acc, "<n1@x>", "May offers", T0), T0);
    let more = put(
        &mut store,
        &newsletter(acc, "<n2@x>", "June offers", T0 + HOUR),
        T0 + HOUR,
    );
    store
        .write(|tx| switchboard_store::case_ops::merge(tx, news, &[more], "user", T0 + HOUR))
        .unwrap();
    assert!(
        case(&store, news).automated.is_some(),
        "automated mail merged with automated mail stays out of the inbox"
    );

    let ann = put(
        &mut store,
        &email(
            acc,
            "<a1@x>",
            "ann@example.com",
            "About the offer",
            T0 + 2 * HOUR,
        ),
        T0 + 2 * HOUR,
    );
    store
        .write(|tx| switchboard_store::case_ops::merge(tx, news, &[ann], "user", T0 + 3 * HOUR))
        .unwrap();
    assert_eq!(
        case(&store, news).automated,
        None,
        "Ann's message makes the case hers"
    );
    store
        .write(|tx| history::undo_last(tx, Some(news), "user", T0 + 4 * HOUR))
        .unwrap();
    assert!(
        case(&store, news).automated.is_some(),
        "undoing the merge restores the newsletter case as it was"
    );
    assert_eq!(listed(&store, Some(false)), vec![ann]);
}
