//! The reports over a generated workspace whose answers are known.
//!
//! [`Generator`] plants cases through the real pipeline (ingest, response clocks, repeat
//! detection, tagging, resolving), following a plan: per-week counts per root cause, a fix
//! date, channel moves (public Bluesky complaints taken to email) and channel reasons. A seeded
//! random stream picks the weekday and the customer's wording, so the history is irregular but
//! reproducible. It keeps a ledger of what it planted; every report number is checked exactly
//! against the plan.

use std::sync::Arc;

use switchboard_api::reports::{self, ReportFixParams, ReportRange, ReportRootCausesParams};
use switchboard_api::root_cause::{
    RootCauseSetStatusParams, root_cause_add, root_cause_set_status,
};
use switchboard_api::{Ctx, FixedClock, case};
use switchboard_core::case::Direction;
use switchboard_core::reports::fix::Verdict;
use switchboard_store::contacts::IdentityRef;
use switchboard_store::ingest::{self, IngestOutcome, NewMessage, Visibility};
use switchboard_store::{Store, accounts, offline};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;
/// Monday 2026-02-02 00:00 UTC: the first week of the plan.
const W0: i64 = 1_769_990_400_000;
/// "Now": Monday 2026-03-30 12:00 UTC, the day after the plan's last week.
const NOW: i64 = W0 + 8 * WEEK + 12 * HOUR;

/// Cases planted per week (W0 .. W0+7) for each cause. Weeks 0–3 are the previous period of
/// the report range 2026-03-02 .. 2026-03-29 (weeks 4–7).
const LATE: [usize; 8] = [1, 1, 2, 2, 3, 4, 6, 8]; // Bluesky, rising
const PACKAGING: [usize; 8] = [3, 3, 3, 3, 1, 0, 1, 0]; // email; fixed at the start of week 4
const BILLING: [usize; 8] = [2, 2, 2, 2, 1, 1, 0, 0]; // email, falling

/// A small deterministic random stream (xorshift64*), so the history is the same every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the generator planted for one case.
#[derive(Debug, Clone)]
struct Planted {
    case_id: i64,
    cause: &'static str,
    began: i64,
    origin: &'static str,
    offline: bool,
    reason: Option<&'static str>,
}

struct Generator {
    _dir: tempfile::TempDir,
    clock: Arc<FixedClock>,
    ctx: Ctx,
    rng: Rng,
    email: i64,
    bluesky: i64,
    n: usize,
    ledger: Vec<Planted>,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let dir = tempfile::tempdir().unwrap();
        switchboard_api::workspace::workspace_init(dir.path()).unwrap();
        let clock = Arc::new(FixedClock::new(W0));
        let ctx = Ctx::open(dir.path(), clock.clone()).unwrap();
        let mut g = Generator {
            _dir: dir,
            clock,
            ctx,
            rng: Rng(seed),
            email: 0,
            bluesky: 0,
            n: 0,
            ledger: Vec::new(),
        };
        let email_config = serde_json::json!({
            "email": "help@shop.example", "display_name": "Shop", "username": "help@shop.example",
            "imap": {"host": "127.0.0.1", "port": 993, "security": "tls"},
            "smtp": {"host": "127.0.0.1", "port": 465, "security": "tls"},
            "auth": {"kind": "password"}, "ca_file": null,
        });
        let bsky_config = serde_json::json!({
            "handle": "shop.example", "did": "did:plc:shop",
            "service": "https://pds.invalid", "chat": true,
        });
        g.email = g.write(|tx| {
            accounts::insert(
                tx,
                accounts::NewAccount {
                    kind: "email",
                    name: "mail",
                    address: Some("help@shop.example"),
                    config: email_config,
                },
                W0,
            )
        });
        g.bluesky = g.write(|tx| {
            accounts::insert(
                tx,
                accounts::NewAccount {
                    kind: "bluesky",
                    name: "bsky",
                    address: Some("shop.example"),
                    config: bsky_config,
                },
                W0,
            )
        });
        root_cause_add(&g.ctx, "Shipping", None).unwrap();
        root_cause_add(&g.ctx, "Late delivery", Some("Shipping")).unwrap();
        root_cause_add(&g.ctx, "Packaging", None).unwrap();
        root_cause_add(&g.ctx, "Billing", None).unwrap();
        g
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&mut switchboard_store::Tx<'_>) -> switchboard_store::Result<T>,
    ) -> T {
        let mut s = self.ctx.store();
        Store::write(&mut s, f).unwrap()
    }

    fn message(
        &self,
        account: i64,
        channel: &str,
        id: String,
        visibility: Visibility,
        at: i64,
    ) -> NewMessage {
        NewMessage {
            account_id: account,
            channel: channel.into(),
            external_id: id,
            direction: Some(Direction::Inbound),
            author: None,
            recipients: vec![],
            visibility,
            subject: None,
            subject_key: None,
            conversation_key: None,
            in_reply_to: None,
            references: vec![],
            sent_at: at,
            received_at: at,
            text: "text".into(),
            html: None,
            snippet: "text".into(),
            has_remote_content: false,
            unread: true,
            raw_sha256: None,
            raw_size: None,
            attachments: vec![],
            automated: None,
        }
    }

    fn ingest(&self, m: &NewMessage) -> i64 {
        match self.write(|tx| ingest::ingest(tx, m, "sync", m.sent_at)) {
            IngestOutcome::Stored { case_id, .. } => case_id,
            other => panic!("expected a stored message, got {other:?}"),
        }
    }

    fn at(&self, t: i64) {
        self.clock.set(t);
    }

    /// A weekday 10:00 UTC in week `w`, picked by the random stream.
    fn weekday(&mut self, w: usize) -> i64 {
        W0 + w as i64 * WEEK + self.rng.below(5) as i64 * DAY + 10 * HOUR
    }

    /// An email from a new customer (or `who`), answered two business hours later, resolved
    /// at 15:00 unless `keep_open`.
    fn email_case(
        &mut self,
        cause: &'static str,
        at: i64,
        who: Option<&str>,
        keep_open: bool,
    ) -> i64 {
        self.n += 1;
        let addr = who
            .map(str::to_string)
            .unwrap_or_else(|| format!("c{}@example.org", self.n));
        let mut m = self.message(
            self.email,
            "email",
            format!("<in{}@example.org>", self.n),
            Visibility::Private,
            at,
        );
        m.author = Some(IdentityRef {
            channel: "email".into(),
            external_id: addr,
            handle: None,
            display_name: None,
        });
        let case_id = self.ingest(&m);
        let mut reply = self.message(
            self.email,
            "email",
            format!("<out{}@shop.example>", self.n),
            Visibility::Private,
            at + 2 * HOUR,
        );
        reply.direction = Some(Direction::Outbound);
        reply.in_reply_to = Some(m.external_id.clone());
        assert_eq!(
            self.ingest(&reply),
            case_id,
            "the reply threads into the case"
        );
        if !cause.is_empty() {
            case::case_tag_root_cause(&self.ctx, case_id, cause).unwrap();
        }
        if !keep_open {
            self.resolve(case_id, at + 5 * HOUR);
        }
        self.ledger.push(Planted {
            case_id,
            cause,
            began: at,
            origin: "email",
            offline: false,
            reason: None,
        });
        case_id
    }

    fn resolve(&self, case_id: i64, at: i64) {
        self.at(at);
        case::case_set_status(
            &self.ctx,
            &case::SetStatusParams {
                case_id,
                status: "resolved".into(),
                snooze_until: None,
                until_reply: false,
            },
        )
        .unwrap();
    }

    /// A public Bluesky complaint, answered in public 30 minutes later. Every second one is
    /// taken to email an hour after it began and resolved there at 16:00; the others are
    /// resolved on Bluesky at 11:00. Reasons rotate: phone tree, earlier channel failed, none.
    fn bluesky_case(&mut self, cause: &'static str, at: i64) -> i64 {
        self.n += 1;
        let k = self.ledger.iter().filter(|p| p.origin == "bluesky").count();
        let uri = format!("at://did:plc:c{}/app.bsky.feed.post/{}", self.n, self.n);
        let mut m = self.message(self.bluesky, "bluesky", uri.clone(), Visibility::Public, at);
        m.conversation_key = Some(uri.clone());
        m.author = Some(IdentityRef {
            channel: "bluesky".into(),
            external_id: format!("did:plc:c{}", self.n),
            handle: Some(format!("c{}.bsky.social", self.n)),
            display_name: None,
        });
        let case_id = self.ingest(&m);
        let mut reply = self.message(
            self.bluesky,
            "bluesky",
            format!("{uri}/reply"),
            Visibility::Public,
            at + HOUR / 2,
        );
        reply.direction = Some(Direction::Outbound);
        reply.conversation_key = Some(uri);
        reply.in_reply_to = Some(m.external_id.clone());
        assert_eq!(self.ingest(&reply), case_id);
        case::case_tag_root_cause(&self.ctx, case_id, cause).unwrap();
        let offline = k % 2 == 0;
        if offline {
            let root = format!("<off{}@shop.example>", self.n);
            let mut mail = self.message(
                self.email,
                "email",
                root.clone(),
                Visibility::Private,
                at + HOUR,
            );
            mail.direction = Some(Direction::Outbound);
            mail.conversation_key = Some(root.clone());
            self.write(|tx| {
                offline::open_conversation(
                    tx,
                    case_id,
                    self.email,
                    "email",
                    &root,
                    Visibility::Private,
                    None,
                    None,
                    at + HOUR,
                )?;
                offline::store_on_case(tx, case_id, &mail, at + HOUR)
            });
            self.resolve(case_id, at + 6 * HOUR);
        } else {
            self.resolve(case_id, at + HOUR);
        }
        let reason = match k % 3 {
            0 => Some("phone_tree"),
            1 => Some("earlier_channel_failed"),
            _ => None,
        };
        if let Some(r) = reason {
            case::case_set_reason(
                &self.ctx,
                &case::CaseSetReasonParams {
                    case_id,
                    reason: r.into(),
                    text: Some("said so".into()),
                },
            )
            .unwrap();
        }
        self.ledger.push(Planted {
            case_id,
            cause,
            began: at,
            origin: "bluesky",
            offline,
            reason,
        });
        case_id
    }

    /// The planned history, then Rita (three email cases while the first is open: two repeats)
    /// and one billing case reopened by the customer.
    fn plant(&mut self) {
        for w in 0..8 {
            for _ in 0..LATE[w] {
                let at = self.weekday(w);
                self.bluesky_case("Shipping › Late delivery", at);
            }
            for _ in 0..PACKAGING[w] {
                let at = self.weekday(w);
                self.email_case("Packaging", at, None, false);
            }
            for _ in 0..BILLING[w] {
                let at = self.weekday(w);
                self.email_case("Billing", at, None, false);
            }
        }
        for w in [4, 5, 6] {
            let at = W0 + w * WEEK + DAY + 9 * HOUR; // Tuesdays 09:00
            self.email_case("", at, Some("rita@example.org"), true);
        }
        // Billing case of week 4, reopened by the customer on Wednesday of week 6.
        let billing = self
            .ledger
            .iter()
            .find(|p| p.cause == "Billing" && p.began >= W0 + 4 * WEEK)
            .unwrap()
            .clone();
        let addr = {
            let store = self.ctx.store();
            store
                .conn()
                .query_row(
                    "SELECT i.external_id FROM cases c JOIN identities i ON i.contact_id = c.contact_id WHERE c.id = ?1",
                    [billing.case_id],
                    |r| r.get::<_, String>(0),
                )
                .unwrap()
        };
        let again_at = W0 + 6 * WEEK + 2 * DAY + 10 * HOUR;
        let first_id: String = {
            let store = self.ctx.store();
            store
                .conn()
                .query_row(
                    "SELECT m.external_id FROM case_conversations cc JOIN messages m ON m.conversation_id = cc.conversation_id
                      WHERE cc.case_id = ?1 AND m.direction = 'inbound'",
                    [billing.case_id],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let mut again = self.message(
            self.email,
            "email",
            "<again@example.org>".into(),
            Visibility::Private,
            again_at,
        );
        again.author = Some(IdentityRef {
            channel: "email".into(),
            external_id: addr,
            handle: None,
            display_name: None,
        });
        again.in_reply_to = Some(first_id);
        assert_eq!(
            self.ingest(&again),
            billing.case_id,
            "the customer writes again on the same thread"
        );
        self.at(NOW);
    }

    /// Planted cases of `cause` (or all with "") in weeks `weeks`.
    fn planted(&self, cause: &str, weeks: std::ops::Range<i64>) -> Vec<&Planted> {
        self.ledger
            .iter()
            .filter(|p| cause.is_empty() || p.cause == cause)
            .filter(|p| p.began >= W0 + weeks.start * WEEK && p.began < W0 + weeks.end * WEEK)
            .collect()
    }
}

fn ids(list: &[&Planted]) -> Vec<i64> {
    let mut v: Vec<i64> = list.iter().map(|p| p.case_id).collect();
    v.sort_unstable();
    v
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

fn range(from: &str, to: &str) -> ReportRange {
    ReportRange {
        from: Some(from.into()),
        to: Some(to.into()),
        ..Default::default()
    }
}

fn generated() -> Generator {
    let mut g = Generator::new(0x5EED_1234);
    g.plant();
    g
}

#[test]
fn root_cause_trends_count_every_planted_week_and_find_risers_and_fallers() {
    let g = generated();
    let r = reports::report_root_causes(
        &g.ctx,
        &ReportRootCausesParams {
            range: range("2026-03-02", "2026-03-29"),
            by: Some("week".into()),
        },
    )
    .unwrap();
    assert_eq!(r.periods.len(), 4, "four weeks");
    assert_eq!(
        (r.previous_from.as_str(), r.previous_to.as_str()),
        ("2026-02-02", "2026-03-01")
    );
    for (name, plan) in [
        ("Shipping", LATE),
        ("Packaging", PACKAGING),
        ("Billing", BILLING),
    ] {
        let c = r
            .causes
            .iter()
            .find(|c| c.path == name)
            .unwrap_or_else(|| panic!("{name} is a row"));
        let planted_cause = if name == "Shipping" {
            "Shipping › Late delivery"
        } else {
            name
        };
        for w in 0..4 {
            assert_eq!(
                c.buckets[w].count,
                plan[w + 4],
                "{name}, week {w}: the planted count"
            );
            assert_eq!(
                sorted(c.buckets[w].case_ids.clone()),
                ids(&g.planted(planted_cause, (w as i64 + 4)..(w as i64 + 5))),
                "{name}, week {w}: exactly the planted cases"
            );
        }
        assert_eq!(
            c.previous.count,
            plan[..4].iter().sum::<usize>(),
            "{name}: previous period"
        );
        assert_eq!(
            c.total.count,
            plan[4..].iter().sum::<usize>(),
            "{name}: this period"
        );
    }
    let late_week3 = &r
        .causes
        .iter()
        .find(|c| c.path == "Shipping")
        .unwrap()
        .buckets[3];
    assert_eq!(late_week3.by_channel.len(), 1);
    assert_eq!(
        (
            late_week3.by_channel[0].channel.as_str(),
            late_week3.by_channel[0].count
        ),
        ("bluesky", 8)
    );
    assert_eq!(r.risers[0].path, "Shipping", "6 before → 21 now");
    assert_eq!((r.risers[0].previous, r.risers[0].current), (6, 21));
    let fallers: Vec<(&str, i64)> = r
        .fallers
        .iter()
        .map(|f| (f.path.as_str(), f.change))
        .collect();
    assert_eq!(
        fallers,
        vec![("Packaging", -10), ("Billing", -6)],
        "largest fall first"
    );
    assert_eq!(
        r.untagged.count, 3,
        "Rita's three cases carry no root cause"
    );

    // Filters: a child named, only Bluesky; and day buckets.
    let mut p = range("2026-03-23", "2026-03-29");
    p.root_causes = vec!["Late delivery".into()];
    p.channels = vec!["email".into()];
    let none = reports::report_root_causes(
        &g.ctx,
        &ReportRootCausesParams {
            range: p.clone(),
            by: Some("day".into()),
        },
    )
    .unwrap();
    assert_eq!(none.periods.len(), 7, "seven days");
    assert_eq!(
        none.causes[0].total.count, 0,
        "no Late delivery case came by email"
    );
    p.channels = vec!["bluesky".into()];
    let some = reports::report_root_causes(
        &g.ctx,
        &ReportRootCausesParams {
            range: p,
            by: Some("day".into()),
        },
    )
    .unwrap();
    assert_eq!(some.causes[0].path, "Shipping › Late delivery");
    assert_eq!(some.causes[0].total.count, 8);
    let per_day: usize = some.causes[0].buckets.iter().map(|b| b.count).sum();
    assert_eq!(per_day, 8, "day buckets add up");
}

#[test]
fn the_packaging_fix_is_judged_on_its_planted_weeks() {
    let g = generated();
    let not_fixed = reports::report_fix(
        &g.ctx,
        &ReportFixParams {
            root_cause: "Packaging".into(),
            ..Default::default()
        },
    );
    assert!(
        not_fixed.unwrap_err().message.contains("not marked fixed"),
        "a cause that is not fixed has no fix report"
    );
    let r = root_cause_set_status(
        &g.ctx,
        &RootCauseSetStatusParams {
            root_cause: "Packaging".into(),
            status: "fixed".into(),
            note: Some("stronger boxes".into()),
            fixed_on: Some("2026-03-02".into()),
        },
    )
    .unwrap();
    assert_eq!(
        r.root_cause.fixed_at,
        Some(W0 + 4 * WEEK),
        "the fix date is the day given, not now"
    );
    let future = root_cause_set_status(
        &g.ctx,
        &RootCauseSetStatusParams {
            root_cause: "Billing".into(),
            status: "fixed".into(),
            note: None,
            fixed_on: Some("2026-04-02".into()),
        },
    );
    assert!(future.unwrap_err().message.contains("in the future"));

    let f = reports::report_fix(
        &g.ctx,
        &ReportFixParams {
            root_cause: "Packaging".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((f.before.cases, f.before.weeks), (12, 4.0));
    assert_eq!(
        (f.after.cases, f.after.weeks),
        (2, 4.0),
        "the after-window ends before now"
    );
    assert_eq!(
        sorted(f.case_ids_after.clone()),
        ids(&g.planted("Packaging", 4..8))
    );
    assert_eq!(f.rate_ratio, Some(2.0 / 12.0));
    let [low, high] = f.ci95.unwrap();
    // SciPy: beta.ppf on 2 of 14, mapped to the ratio (see core::reports::stats tests).
    assert!((low - 0.01811689688532481).abs() < 1e-9, "low {low}");
    assert!((high - 0.7486466027726506).abs() < 1e-9, "high {high}");
    assert_eq!(f.verdict, Verdict::Fewer);
    assert!(
        f.verdict_text.contains("2 cases since the fix"),
        "{}",
        f.verdict_text
    );

    // Two weeks each side: before 3+3, after 1+0.
    let two = reports::report_fix(
        &g.ctx,
        &ReportFixParams {
            root_cause: "Packaging".into(),
            weeks: Some(2),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((two.before.cases, two.after.cases), (6, 1));
    assert_eq!(
        two.verdict,
        Verdict::NoClearChange,
        "6 vs 1 in two weeks cannot tell"
    );

    // A fix three days ago is too early.
    g.at(NOW);
    root_cause_set_status(
        &g.ctx,
        &RootCauseSetStatusParams {
            root_cause: "Billing".into(),
            status: "fixed".into(),
            note: None,
            fixed_on: Some("2026-03-27".into()),
        },
    )
    .unwrap();
    let early = reports::report_fix(
        &g.ctx,
        &ReportFixParams {
            root_cause: "Billing".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(early.verdict, Verdict::TooEarly);
}

#[test]
fn channels_show_what_bluesky_finds_and_where_it_is_resolved() {
    let g = generated();
    let r = reports::report_channels(&g.ctx, &range("2026-03-02", "2026-03-29")).unwrap();
    let in_range = g.planted("", 4..8);
    let bsky: Vec<&Planted> = in_range
        .iter()
        .copied()
        .filter(|p| p.origin == "bluesky")
        .collect();
    let email: Vec<&Planted> = in_range
        .iter()
        .copied()
        .filter(|p| p.origin == "email")
        .collect();
    assert_eq!(
        r.channels[0].channel,
        "bluesky",
        "most cases first: 21 vs {}",
        email.len()
    );
    let b = &r.channels[0];
    assert_eq!(sorted(b.identified.case_ids.clone()), ids(&bsky));
    let offline: Vec<&Planted> = bsky.iter().copied().filter(|p| p.offline).collect();
    let stayed: Vec<&Planted> = bsky.iter().copied().filter(|p| !p.offline).collect();
    assert_eq!(sorted(b.taken_offline.case_ids.clone()), ids(&offline));
    assert_eq!(b.taken_offline_to.len(), 1);
    assert_eq!(b.taken_offline_to[0].channel, "email");
    assert_eq!(
        sorted(b.resolved_same_channel.case_ids.clone()),
        ids(&stayed)
    );
    assert_eq!(
        sorted(b.resolved_elsewhere[0].case_ids.clone()),
        ids(&offline)
    );
    assert_eq!(
        (b.first_response.p50_minutes, b.first_response.p90_minutes),
        (Some(30), Some(30))
    );
    // Resolution: 60 business minutes for those resolved on Bluesky, 360 for those taken to
    // email; nearest-rank percentiles over the sorted values.
    let mut res: Vec<i64> = stayed
        .iter()
        .map(|_| 60)
        .chain(offline.iter().map(|_| 360))
        .collect();
    res.sort_unstable();
    let rank = |q: f64| res[((q * res.len() as f64).ceil() as usize).max(1) - 1];
    assert_eq!(b.resolution.p50_minutes, Some(rank(0.5)));
    assert_eq!(b.resolution.p90_minutes, Some(rank(0.9)));
    assert_eq!(
        b.within_target.public.share,
        Some(1.0),
        "every public reply came within 120 minutes"
    );
    assert_eq!(b.within_target.public.met.count, 21);
    assert_eq!(b.repeat.count, 0, "every Bluesky customer wrote once");
    let phone: Vec<&Planted> = bsky
        .iter()
        .copied()
        .filter(|p| p.reason == Some("phone_tree"))
        .collect();
    let failed: Vec<&Planted> = bsky
        .iter()
        .copied()
        .filter(|p| p.reason == Some("earlier_channel_failed"))
        .collect();
    let reason = |name: &str| b.reasons.iter().find(|x| x.reason == name).unwrap();
    assert_eq!(sorted(reason("phone_tree").case_ids.clone()), ids(&phone));
    assert_eq!(
        sorted(reason("earlier_channel_failed").case_ids.clone()),
        ids(&failed)
    );
    assert_eq!(
        b.reason_unknown.count,
        bsky.len() - phone.len() - failed.len()
    );

    let e = &r.channels[1];
    assert_eq!(e.channel, "email");
    assert_eq!(sorted(e.identified.case_ids.clone()), ids(&email));
    assert_eq!(
        e.first_response.p50_minutes,
        Some(120),
        "answered two business hours later"
    );
    assert_eq!(e.taken_offline.count, 0, "email is private already");
    assert_eq!(e.repeat.count, 2, "Rita's second and third case");
    assert_eq!(
        e.within_target.private.met.count,
        email.len(),
        "every email answered within 480 business minutes"
    );
    let cell = |o: &str, to: &str| {
        r.matrix
            .iter()
            .find(|m| m.origin == o && m.resolved_on == to)
            .map_or(0, |m| m.count)
    };
    assert_eq!(cell("bluesky", "email"), offline.len());
    assert_eq!(cell("bluesky", "bluesky"), stayed.len());
    // Resolved email cases: all planned ones except the reopened billing case; Rita's stay open.
    assert_eq!(cell("email", "email"), email.len() - 3 - 1);
}

#[test]
fn customers_report_counts_unique_customers_repeats_and_reopens() {
    let g = generated();
    let r = reports::report_customers(&g.ctx, &range("2026-03-02", "2026-03-29")).unwrap();
    let in_range = g.planted("", 4..8);
    assert_eq!(r.cases.count, in_range.len());
    assert_eq!(
        r.unique_customers,
        in_range.len() - 2,
        "Rita wrote three times"
    );
    assert_eq!(r.repeat_cases.count, 2);
    assert_eq!(
        r.reopened.count, 1,
        "the billing case the customer wrote to again"
    );
    assert_eq!(r.repeat_contacts.len(), 1);
    let rita = &r.repeat_contacts[0];
    assert_eq!(rita.address.as_deref(), Some("rita@example.org"));
    assert_eq!(rita.case_ids.len(), 3);
    assert_eq!(rita.channels, vec!["email".to_string()]);

    let listed = case::case_list(
        &g.ctx,
        &case::ListCasesParams {
            repeat: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        sorted(listed.cases.iter().map(|c| c.id).collect()),
        sorted(rita.repeat_case_ids.clone()),
        "case list --repeat lists the same cases"
    );
    assert_eq!(listed.total, 2);
    let phone = case::case_list(
        &g.ctx,
        &case::ListCasesParams {
            reason: Some("phone_tree".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let planted_phone = g
        .ledger
        .iter()
        .filter(|p| p.reason == Some("phone_tree"))
        .count();
    assert_eq!(
        phone.cases.len(),
        planted_phone,
        "case list --reason matches the keyword, free text aside"
    );
    assert!(
        phone
            .cases
            .iter()
            .all(|c| c.channel_reason.as_deref() == Some("phone_tree: said so"))
    );
    assert!(
        case::case_list(
            &g.ctx,
            &case::ListCasesParams {
                reason: Some("moon".into()),
                ..Default::default()
            }
        )
        .is_err()
    );
    // A report figure's drill-down: exactly its cases, in inbox order, counted as such.
    let drill = case::case_list(
        &g.ctx,
        &case::ListCasesParams {
            ids: Some(rita.case_ids.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        sorted(drill.cases.iter().map(|c| c.id).collect()),
        sorted(rita.case_ids.clone()),
        "case list --ids lists exactly the cases behind the figure"
    );
    assert_eq!(drill.total, rita.case_ids.len() as i64);
}

#[test]
fn reports_export_as_csv_and_the_case_export_has_the_report_columns() {
    let g = generated();
    let r = reports::report_channels(&g.ctx, &range("2026-03-02", "2026-03-29")).unwrap();
    let mut out = Vec::new();
    reports::channels_csv(&r, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("channel,identified,resolved,"));
    assert!(lines[1].starts_with("bluesky,21,21,"), "{}", lines[1]);

    let mut out = Vec::new();
    switchboard_api::export::export_cases(
        &g.ctx,
        switchboard_api::export::ExportFormat::Csv,
        &mut out,
    )
    .unwrap();
    let mut rd = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let offline = g.ledger.iter().find(|p| p.offline).unwrap();
    let row = rd
        .records()
        .map(Result::unwrap)
        .find(|r| r[0] == offline.case_id.to_string())
        .unwrap();
    assert_eq!(&row[col("channel_of_origin")], "bluesky");
    assert_eq!(&row[col("channel_resolved_on")], "email");
    assert_eq!(&row[col("first_response_business_minutes")], "30");
    assert_eq!(&row[col("resolution_business_minutes")], "360");
    assert_eq!(&row[col("target_met")], "yes");
    assert_eq!(&row[col("repeat")], "no");
    assert_eq!(&row[col("root_causes")], "Shipping › Late delivery");
}
