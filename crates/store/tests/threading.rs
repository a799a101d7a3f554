//! Threading gives the same conversations in every arrival order: placeholders for referenced
//! ids, joins of conversations (and their cases) when a message links them, undo of a join, the
//! subject fallback only for header-less mail, and a property test over generated reply trees.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::*;
use proptest::prelude::*;
use switchboard_core::case::Direction;
use switchboard_store::ingest::{IngestOutcome, NewMessage, Recipient, ingest};
use switchboard_store::{Store, cases, history};

fn put(store: &mut Store, m: &NewMessage) -> (i64, i64) {
    match store.write(|tx| ingest(tx, m, "import", T0)).unwrap() {
        IngestOutcome::Stored {
            conversation_id,
            case_id,
            ..
        } => (conversation_id, case_id),
        other => panic!("expected Stored, got {other:?}"),
    }
}

fn reply(acc: i64, id: &str, from: &str, irt: Option<&str>, refs: &[&str], at: i64) -> NewMessage {
    let mut m = email(acc, id, from, "Re: Kettle broken", at);
    m.in_reply_to = irt.map(str::to_owned);
    m.references = refs.iter().map(|r| r.to_string()).collect();
    m
}

/// Each stored message's conversation, by external id.
fn conversation_by_id(store: &Store) -> BTreeMap<String, i64> {
    store
        .conn()
        .prepare("SELECT external_id, conversation_id FROM messages")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The messages grouped by conversation, as sets of external ids (comparable across stores).
fn partition(store: &Store) -> BTreeSet<BTreeSet<String>> {
    let mut groups: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for (id, conv) in conversation_by_id(store) {
        groups.entry(conv).or_default().insert(id);
    }
    groups.into_values().collect()
}

/// The messages grouped by live case.
fn case_partition(store: &Store) -> BTreeSet<BTreeSet<String>> {
    let mut groups: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let rows: Vec<(String, i64, Option<i64>)> = store
        .conn()
        .prepare(
            "SELECT m.external_id, cc.case_id, c.merged_into FROM messages m
               JOIN case_conversations cc ON cc.conversation_id = m.conversation_id
               JOIN cases c ON c.id = cc.case_id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (id, case, merged_into) in rows {
        assert_eq!(merged_into, None, "{id} sits on a merged-away case {case}");
        groups.entry(case).or_default().insert(id);
    }
    groups.into_values().collect()
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn truncated_references_newest_first_make_one_conversation() {
    // The truncated-refs reproduction: d and b reply to a, c replies to b naming only b.
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let a = email(acc, "a@x", "ann@example.org", "Kettle broken", T0);
    let b = reply(
        acc,
        "b@x",
        "bob@example.org",
        Some("a@x"),
        &["a@x"],
        T0 + HOUR,
    );
    let c = reply(
        acc,
        "c@x",
        "cat@example.org",
        Some("b@x"),
        &["b@x"],
        T0 + 2 * HOUR,
    );
    let d = reply(
        acc,
        "d@x",
        "dan@example.org",
        Some("a@x"),
        &["a@x"],
        T0 + 3 * HOUR,
    );
    let (conv_d, _) = put(&mut s, &d);
    let (conv_c, _) = put(&mut s, &c);
    assert_ne!(conv_d, conv_c, "nothing links c to d yet");
    put(&mut s, &b);
    put(&mut s, &a);
    assert_eq!(
        partition(&s).len(),
        1,
        "b names a and is named by c: one thread"
    );
    assert_eq!(case_partition(&s).len(), 1, "and one case");
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM cases WHERE merged_into IS NOT NULL"
        ),
        1,
        "c's case was merged into d's"
    );
}

#[test]
fn replies_that_share_a_ghost_ancestor_are_one_conversation() {
    // The ghost-parent reproduction: a ticket system's messages all name ticket-77, which no
    // file carries; the customer's first mail names nobody.
    let acc = 1; // the archive account of a fresh store
    let resolved = reply(
        acc,
        "resolved@x",
        "rt@shop.example",
        None,
        &["ticket-77@x"],
        T0 + 24 * HOUR,
    );
    let auto = reply(
        acc,
        "auto@x",
        "rt@shop.example",
        Some("orig@x"),
        &["ticket-77@x", "orig@x"],
        T0 + 60_000,
    );
    let orig = email(acc, "orig@x", "ann@example.org", "Order 77 late", T0);
    for order in [
        [&resolved, &orig, &auto],
        [&orig, &resolved, &auto],
        [&auto, &orig, &resolved],
        [&resolved, &auto, &orig],
    ] {
        let (_d, mut s) = open();
        assert_eq!(archive(&mut s), acc);
        for m in order {
            put(&mut s, m);
        }
        assert_eq!(partition(&s).len(), 1);
        assert_eq!(case_partition(&s).len(), 1);
    }
}

#[test]
fn the_subject_never_overrides_an_explicit_reference() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let (first, _) = put(
        &mut s,
        &email(acc, "q1@x", "ann@example.com", "Order 77 late", T0),
    );
    // Ann answers another thread whose message has not arrived yet: same subject, same
    // customer, but it names its parent, so it is not pulled into the first thread.
    let mut answer = email(
        acc,
        "q2-reply@x",
        "ann@example.com",
        "Re: Order 77 late",
        T0 + HOUR,
    );
    answer.in_reply_to = Some("q2@x".into());
    let (other, _) = put(&mut s, &answer);
    assert_ne!(other, first);
    // A header-less message with that subject is linked by its subject to header-less q1.
    let phone = email(
        acc,
        "phone@x",
        "ann@example.com",
        "Re: Order 77 late",
        T0 + 2 * HOUR,
    );
    assert_eq!(put(&mut s, &phone).0, first);
    // q2 arrives: it names nobody, but its placeholder is in the answer's conversation; and
    // as a header-less message with the same subject it links to q1's too: the customer's two
    // mails about the same order within a month are one thread, as they would be in any order.
    let q2 = email(
        acc,
        "q2@x",
        "ann@example.com",
        "Order 77 late",
        T0 + 30 * 60_000,
    );
    let (joined, _) = put(&mut s, &q2);
    assert_eq!(joined, first.min(other));
    assert_eq!(partition(&s).len(), 1);
}

#[test]
fn the_subject_fallback_links_header_less_mail_in_either_order() {
    for flip in [false, true] {
        let (_d, mut s) = open();
        let acc = archive(&mut s);
        let mut msgs = vec![
            email(acc, "1@x", "ann@example.com", "Late parcel", T0),
            email(
                acc,
                "2@x",
                "ann@example.com",
                "RE: late parcel",
                T0 + 20 * 24 * HOUR,
            ),
        ];
        if flip {
            msgs.reverse();
        }
        for m in &msgs {
            put(&mut s, m);
        }
        assert_eq!(partition(&s).len(), 1, "flip {flip}");
    }
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    put(
        &mut s,
        &email(acc, "1@x", "ann@example.com", "Late parcel", T0),
    );
    put(
        &mut s,
        &email(
            acc,
            "2@x",
            "ann@example.com",
            "Late parcel",
            T0 + 31 * 24 * HOUR,
        ),
    );
    assert_eq!(partition(&s).len(), 2, "31 days apart is a new problem");
}

#[test]
fn a_join_merges_the_cases_and_undo_takes_it_back() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let (conv_a, case_a) = put(
        &mut s,
        &reply(acc, "a@x", "ann@example.com", None, &["gone-1@x"], T0),
    );
    let (conv_b, case_b) = put(
        &mut s,
        &reply(
            acc,
            "b@x",
            "bob@example.com",
            None,
            &["gone-2@x"],
            T0 + HOUR,
        ),
    );
    assert_ne!(case_a, case_b);
    s.write(|tx| cases::add_note(tx, case_b, "called Bob back", "user", T0))
        .unwrap();

    let linking = reply(
        acc,
        "c@x",
        "cat@example.com",
        Some("b@x"),
        &["gone-1@x", "a@x", "b@x"],
        T0 + 2 * HOUR,
    );
    let (conv, case) = put(&mut s, &linking);
    assert_eq!(
        (conv, case),
        (conv_a, case_a),
        "the later joins the earlier"
    );
    assert_eq!(partition(&s).len(), 1);
    let merged: Option<i64> = s
        .conn()
        .query_row(
            "SELECT merged_into FROM cases WHERE id = ?1",
            [case_b],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(merged, Some(case_a));
    assert_eq!(
        cases::notes(s.conn(), case_a).unwrap().len(),
        1,
        "the note moved with the merge"
    );
    let joined: Option<i64> = s
        .conn()
        .query_row(
            "SELECT joined_into FROM conversations WHERE id = ?1",
            [conv_b],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(joined, Some(conv_a));
    let story: Vec<String> = history::case_history(s.conn(), case_a)
        .unwrap()
        .into_iter()
        .map(|e| e.summary)
        .collect();
    assert!(
        story.iter().any(|line| line
            == &format!(
                "conversation(s) {conv_b} joined into conversation {conv_a}: message c@x links them; case(s) {case_b} merged into this one"
            )),
        "the join is in the case history: {story:?}"
    );

    // A later message for the old second thread goes to the joined conversation.
    let (late, _) = put(
        &mut s,
        &reply(
            acc,
            "d@x",
            "bob@example.com",
            None,
            &["gone-2@x"],
            T0 + 3 * HOUR,
        ),
    );
    assert_eq!(late, conv_a);

    let undone = s
        .write(|tx| history::undo_last(tx, Some(case_a), "user", T0 + 4 * HOUR))
        .unwrap();
    assert_eq!(undone.kind, "thread_join");
    let by_id = conversation_by_id(&s);
    assert_eq!(by_id["b@x"], conv_b, "b is back in its conversation");
    assert_eq!(by_id["a@x"], conv_a);
    assert_eq!(
        by_id["c@x"], conv_a,
        "the linking message stays where it was stored"
    );
    let merged: Option<i64> = s
        .conn()
        .query_row(
            "SELECT merged_into FROM cases WHERE id = ?1",
            [case_b],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(merged, None, "Bob's case is back");
    assert_eq!(cases::notes(s.conn(), case_b).unwrap().len(), 1);
    let joined: Option<i64> = s
        .conn()
        .query_row(
            "SELECT joined_into FROM conversations WHERE id = ?1",
            [conv_b],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(joined, None);
}

#[test]
fn joins_never_chain() {
    // Three threads joined one after the other: every old conversation points at the live one.
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let (c1, _) = put(
        &mut s,
        &reply(acc, "a@x", "ann@example.com", None, &["g1@x"], T0),
    );
    let (c2, _) = put(
        &mut s,
        &reply(acc, "b@x", "ann@example.com", None, &["g2@x"], T0),
    );
    let (c3, _) = put(
        &mut s,
        &reply(acc, "c@x", "ann@example.com", None, &["g3@x"], T0),
    );
    put(
        &mut s,
        &reply(acc, "l1@x", "ann@example.com", None, &["g2@x", "g3@x"], T0),
    );
    put(
        &mut s,
        &reply(acc, "l2@x", "ann@example.com", None, &["g1@x", "g2@x"], T0),
    );
    let joined: Vec<(i64, Option<i64>)> = s
        .conn()
        .prepare("SELECT id, joined_into FROM conversations ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(joined, [(c1, None), (c2, Some(c1)), (c3, Some(c1))]);
    assert_eq!(partition(&s).len(), 1);
}

#[test]
fn channels_with_their_own_thread_key_are_never_joined() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let social = |id: &str, key: &str, parent: Option<&str>| {
        let mut m = email(acc, id, "ann@example.com", "", T0);
        m.channel = "bluesky".into();
        m.subject = None;
        m.subject_key = None;
        m.conversation_key = Some(key.into());
        m.in_reply_to = parent.map(str::to_owned);
        m
    };
    let (k1, _) = put(&mut s, &social("at://1", "at://1", None));
    let (k2, _) = put(&mut s, &social("at://2", "at://2", None));
    assert_ne!(k1, k2);
    // A post in thread 2 that (oddly) names a post of thread 1 as parent stays in thread 2.
    assert_eq!(
        put(&mut s, &social("at://3", "at://2", Some("at://1"))).0,
        k2
    );
    // A reply whose root is unknown threads under its parent, as before.
    assert_eq!(
        put(&mut s, &social("at://4", "at://9", Some("at://1"))).0,
        k1
    );
    assert_eq!(partition(&s).len(), 2);
}

#[test]
fn our_reply_keyed_on_the_root_of_a_joined_conversation_lands_in_the_live_one() {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    let (c1, case) = put(
        &mut s,
        &reply(acc, "a@x", "ann@example.com", None, &["r1@x"], T0),
    );
    let (c2, _) = put(
        &mut s,
        &reply(acc, "b@x", "ann@example.com", None, &["r2@x"], T0),
    );
    put(
        &mut s,
        &reply(acc, "c@x", "ann@example.com", None, &["r1@x", "r2@x"], T0),
    );
    let root_2: String = s
        .conn()
        .query_row(
            "SELECT external_id FROM conversations WHERE id = ?1",
            [c2],
            |r| r.get(0),
        )
        .unwrap();
    let mut ours = email(acc, "ours@x", "help@shop.example", "Re: x", T0 + HOUR);
    ours.direction = Some(Direction::Outbound);
    ours.recipients = vec![Recipient {
        kind: "to".into(),
        name: None,
        address: "ann@example.com".into(),
    }];
    ours.conversation_key = Some(root_2);
    ours.in_reply_to = Some("b@x".into());
    assert_eq!(put(&mut s, &ours), (c1, case));
}

#[test]
fn an_existing_database_gets_its_thread_ids_when_it_migrates() {
    use rusqlite::Connection;
    use switchboard_store::{DB_FILE, migrate};
    let dir = tempfile::tempdir().unwrap();
    {
        let mut conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        let before = migrate::MIGRATIONS
            .iter()
            .position(|(name, _)| *name == "0009_threading")
            .unwrap() as i64;
        migrate::migrate_to(&mut conn, before).unwrap();
        conn.execute_batch(
            "INSERT INTO accounts (id, kind, name, created_at) VALUES (1, 'archive', 'archive', 1);
             INSERT INTO contacts (id, display_name, created_at, updated_at) VALUES (1, 'Ann', 1, 1);
             INSERT INTO identities (id, contact_id, channel, external_id, created_at) VALUES (1, 1, 'email', 'ann@example.com', 1);
             INSERT INTO conversations (id, account_id, channel, external_id, visibility, subject_key, contact_id, created_at)
                  VALUES (1, 1, 'email', 'root@x', 'private', 'late parcel', 1, 1);
             INSERT INTO messages (id, account_id, conversation_id, external_id, channel, direction, author_identity_id, sent_at, received_at)
                  VALUES (1, 1, 1, 'root@x', 'email', 'inbound', 1, 1, 1);
             INSERT INTO messages (id, account_id, conversation_id, external_id, channel, direction, author_identity_id, in_reply_to, refs, sent_at, received_at)
                  VALUES (2, 1, 1, 'r@x', 'email', 'inbound', 1, 'root@x', 'ghost@x root@x', 2, 2);
             INSERT INTO cases (id, subject, contact_id, created_at, updated_at) VALUES (1, 'Late parcel', 1, 1, 1);
             INSERT INTO case_conversations VALUES (1, 1, 1);",
        )
        .unwrap();
    }
    let mut s = Store::open(dir.path()).unwrap();
    let ids: Vec<(String, i64)> = s
        .conn()
        .prepare("SELECT message_id, conversation_id FROM thread_ids ORDER BY message_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        ids,
        [
            ("ghost@x".to_string(), 1),
            ("r@x".to_string(), 1),
            ("root@x".to_string(), 1)
        ]
    );
    // A reply that names only the ghost threads into the old conversation.
    let (conv, _) = put(
        &mut s,
        &reply(1, "late@x", "ann@example.com", None, &["ghost@x"], 3),
    );
    assert_eq!(conv, 1);
    // And the old header-less root is found by its subject.
    let (conv, _) = put(
        &mut s,
        &email(1, "phone@x", "ann@example.com", "Re: Late parcel", 4),
    );
    assert_eq!(conv, 1);
}

// ---- property: one partition whatever the arrival order ----

/// One generated message: tree, node, parent node, whether it was stored, how its headers were
/// damaged, and whether the shop sent it.
#[derive(Debug, Clone)]
struct Node {
    tree: usize,
    index: usize,
    parent: Option<usize>,
    stored: bool,
    /// 0: full headers; 1: References cut to the last entry; 2: References cut to the first
    /// and last; 3: In-Reply-To only; 4: References only; 5: no headers at all.
    damage: u8,
    ours: bool,
}

fn id_of(tree: usize, index: usize) -> String {
    format!("t{tree}-n{index}@x")
}

fn customer_of(tree: usize) -> String {
    // Two trees share a customer: the subject (per tree) keeps them apart.
    format!("c{}@example.com", tree / 2)
}

/// The chain of ancestor ids from the root down to the parent.
fn ancestors(nodes: &[Node], tree: usize, mut parent: Option<usize>) -> Vec<String> {
    let mut chain = Vec::new();
    while let Some(p) = parent {
        chain.push(id_of(tree, p));
        parent = nodes
            .iter()
            .find(|n| n.tree == tree && n.index == p)
            .and_then(|n| n.parent);
    }
    chain.reverse();
    chain
}

fn message_of(acc: i64, nodes: &[Node], n: &Node) -> NewMessage {
    let at = T0 + (n.tree as i64) * 3 * HOUR + (n.index as i64) * 60_000;
    let customer = customer_of(n.tree);
    let subject = if n.parent.is_some() {
        format!("Re: topic {}", n.tree)
    } else {
        format!("Topic {}", n.tree)
    };
    let from = if n.ours {
        "help@shop.example"
    } else {
        customer.as_str()
    };
    let mut m = email(acc, &id_of(n.tree, n.index), from, &subject, at);
    m.subject_key = Some(format!("topic {}", n.tree));
    if n.ours {
        m.direction = Some(Direction::Outbound);
        m.recipients[0].address = customer.clone();
    }
    let chain = ancestors(nodes, n.tree, n.parent);
    if let Some(parent) = chain.last() {
        let (irt, refs) = match n.damage {
            0 => (Some(parent.clone()), chain.clone()),
            1 => (Some(parent.clone()), vec![parent.clone()]),
            2 => {
                let mut r = vec![chain[0].clone()];
                if chain.len() > 1 {
                    r.push(parent.clone());
                }
                (Some(parent.clone()), r)
            }
            3 => (Some(parent.clone()), vec![]),
            4 => (None, chain.clone()),
            _ => (None, vec![]),
        };
        m.in_reply_to = irt;
        m.references = refs;
    }
    m
}

/// The expected conversations, computed without the store: connected components of "message
/// — id it names", plus header-less messages of one tree (same customer and subject, all
/// within the fallback window) linked to each other.
fn expected(acc: i64, nodes: &[Node]) -> BTreeSet<BTreeSet<String>> {
    let mut parent: HashMap<String, String> = HashMap::new();
    fn find(parent: &mut HashMap<String, String>, x: &str) -> String {
        let p = parent.get(x).cloned().unwrap_or_else(|| x.to_string());
        if p == x {
            return p;
        }
        let root = find(parent, &p);
        parent.insert(x.to_string(), root.clone());
        root
    }
    let union = |parent: &mut HashMap<String, String>, a: &str, b: &str| {
        let (ra, rb) = (find(parent, a), find(parent, b));
        if ra != rb {
            parent.insert(ra, rb);
        }
    };
    let stored: Vec<NewMessage> = nodes
        .iter()
        .filter(|n| n.stored)
        .map(|n| message_of(acc, nodes, n))
        .collect();
    let mut headerless_by_tree: HashMap<String, String> = HashMap::new();
    for m in &stored {
        for p in m.in_reply_to.iter().chain(&m.references) {
            union(&mut parent, &m.external_id, p);
        }
        if m.in_reply_to.is_none() && m.references.is_empty() {
            let key = m.subject_key.clone().unwrap();
            match headerless_by_tree.get(&key) {
                Some(first) => union(&mut parent, &m.external_id, &first.clone()),
                None => {
                    headerless_by_tree.insert(key, m.external_id.clone());
                }
            }
        }
    }
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in &stored {
        let root = find(&mut parent, &m.external_id);
        groups
            .entry(root)
            .or_default()
            .insert(m.external_id.clone());
    }
    groups.into_values().collect()
}

fn mailbox() -> impl Strategy<Value = Vec<Node>> {
    proptest::collection::vec(2usize..8, 1..4).prop_flat_map(|sizes| {
        let total: usize = sizes.iter().sum();
        (
            Just(sizes),
            proptest::collection::vec((any::<u16>(), 0u8..10, 0u8..6, any::<bool>()), total),
        )
            .prop_map(|(sizes, draws)| {
                let mut nodes = Vec::new();
                let mut k = 0;
                for (tree, size) in sizes.iter().enumerate() {
                    for index in 0..*size {
                        let (pick, stored, damage, ours) = draws[k];
                        k += 1;
                        nodes.push(Node {
                            tree,
                            index,
                            parent: (index > 0).then(|| pick as usize % index),
                            // One in five messages is never seen (a ghost ancestor or a gap).
                            stored: stored >= 2,
                            damage,
                            ours,
                        });
                    }
                }
                nodes
            })
    })
}

fn import_in(order: &[&NewMessage]) -> (BTreeSet<BTreeSet<String>>, BTreeSet<BTreeSet<String>>) {
    let (_d, mut s) = open();
    let acc = archive(&mut s);
    s.write(|tx| switchboard_store::contacts::mark_self(tx, &who("help@shop.example", "Shop"), T0))
        .unwrap();
    for m in order {
        assert_eq!(m.account_id, acc);
        put(&mut s, m);
    }
    (partition(&s), case_partition(&s))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn every_arrival_order_gives_the_same_conversations(
        nodes in mailbox(),
        shuffle in proptest::collection::vec(any::<u32>(), 32),
    ) {
        let acc = 1; // the archive account of a fresh store
        let msgs: Vec<NewMessage> = nodes
            .iter()
            .filter(|n| n.stored)
            .map(|n| message_of(acc, &nodes, n))
            .collect();
        prop_assume!(!msgs.is_empty());
        let want = expected(acc, &nodes);

        let mut sorted: Vec<&NewMessage> = msgs.iter().collect();
        sorted.sort_by(|a, b| a.external_id.cmp(&b.external_id));
        let mut oldest_first = sorted.clone();
        oldest_first.sort_by_key(|m| (m.sent_at, m.external_id.clone()));
        let mut newest_first = oldest_first.clone();
        newest_first.reverse();
        let mut random = sorted.clone();
        for i in (1..random.len()).rev() {
            random.swap(i, shuffle[i % shuffle.len()] as usize % (i + 1));
        }
        for (name, order) in [
            ("sorted", &sorted),
            ("oldest first", &oldest_first),
            ("newest first", &newest_first),
            ("random", &random),
        ] {
            let (conversations, cases) = import_in(order);
            prop_assert_eq!(&conversations, &want, "conversations, {} order", name);
            prop_assert_eq!(&cases, &want, "cases, {} order", name);
        }
    }
}
