//! Detector cases on synthetic days; time is the messages' own dates (no wall clock).

use super::*;

const T0: i64 = 1_780_000_000_000 - 1_780_000_000_000 % DAY_MS; // a midnight, UTC
const HOUR: i64 = 3_600_000;

/// A small deterministic generator (xorshift), so every run sees the same history.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn vocabulary() -> Vec<String> {
    (0..150)
        .map(|i| format!("word{}", char::from(b'a' + (i % 26) as u8)) + &"x".repeat(i / 26))
        .collect()
}

/// One day of ordinary traffic: `n` messages spread over business hours, each with 4 words from
/// a skewed vocabulary (low indexes are common).
fn ordinary_day(rng: &mut Rng, day: i64, n: usize) -> Vec<(i64, Vec<String>)> {
    let vocab = vocabulary();
    (0..n)
        .map(|i| {
            let at = T0 + day * DAY_MS + 8 * HOUR + (i as i64 * 10 * HOUR) / n as i64;
            let mut terms: Vec<String> = Vec::new();
            while terms.len() < 4 {
                let a = rng.below(vocab.len() as u64) as usize;
                let b = rng.below(vocab.len() as u64) as usize;
                let w = vocab[a.min(b)].clone();
                if !terms.contains(&w) {
                    terms.push(w);
                }
            }
            (at, terms)
        })
        .collect()
}

fn spike_messages(day: i64, n: usize) -> Vec<(i64, Vec<String>)> {
    (0..n)
        .map(|i| {
            let at = T0 + day * DAY_MS + 9 * HOUR + i as i64 * 20 * 60_000;
            (
                at,
                vec!["courier".into(), "courier parcel".into(), "parcel".into()],
            )
        })
        .collect()
}

/// Feeds days `0..days` of ordinary traffic plus `extra` messages (merged by time) and returns
/// every signal with the message time it came from.
fn run(
    det: &mut TermDetector,
    days: i64,
    extra: Vec<(i64, Vec<String>)>,
) -> Vec<(i64, TermSignal)> {
    let mut rng = Rng(0x5eed);
    let mut all: Vec<(i64, Vec<String>)> = (0..days)
        .flat_map(|d| {
            let n = if d % 7 >= 5 { 12 } else { 40 };
            ordinary_day(&mut rng, d, n)
        })
        .collect();
    all.extend(extra);
    all.sort_by_key(|(at, _)| *at);
    let mut out = Vec::new();
    for (at, terms) in all {
        for s in det.observe(at, &terms) {
            out.push((at, s));
        }
    }
    out
}

#[test]
fn flat_history_raises_nothing() {
    let mut det = TermDetector::new(Params::default());
    let signals = run(&mut det, 90, Vec::new());
    assert!(
        signals.is_empty(),
        "90 days of ordinary traffic with weekday seasonality raise no alert: {signals:?}"
    );
}

#[test]
fn a_planted_spike_is_found_on_its_day() {
    let mut det = TermDetector::new(Params::default());
    let signals = run(&mut det, 40, spike_messages(35, 12));
    let raised: Vec<&TermSignal> = signals
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.action == Cooldown::Raise)
        .collect();
    assert!(
        raised
            .iter()
            .any(|s| s.term == "courier parcel" && s.day == day_of(Tz::UTC, T0) + 35),
        "the phrase planted 12 times on day 35 is raised that day: {raised:?}"
    );
    assert!(
        raised
            .iter()
            .all(|s| s.term.contains("courier") || s.term.contains("parcel")),
        "only the planted terms are raised: {raised:?}"
    );
    let first = signals
        .iter()
        .find(|(_, s)| s.term == "courier parcel")
        .unwrap();
    assert_eq!(
        first.1.verdict.count,
        Params::default().min_count,
        "it is raised as soon as the minimum count is reached (the term was never seen before)"
    );
}

#[test]
fn one_spike_raises_one_alert_and_the_cool_down_holds() {
    let p = Params::default();
    let mut det = TermDetector::new(p.clone());
    let mut extra = spike_messages(30, 12);
    extra.extend(spike_messages(31, 12)); // the same problem the next day
    extra.extend(spike_messages(31 + p.cool_down_days + 1, 30)); // after the cool-down, bigger
    let signals = run(&mut det, 45, extra);
    let raises: Vec<i64> = signals
        .iter()
        .filter(|(_, s)| s.term == "courier parcel" && s.action == Cooldown::Raise)
        .map(|(_, s)| s.day - day_of(Tz::UTC, T0))
        .collect();
    assert_eq!(
        raises,
        vec![30, 32 + p.cool_down_days],
        "raised once on day 30, quiet on day 31 (cool-down), raised again once it is over"
    );
    assert!(
        signals.iter().any(|(_, s)| s.term == "courier parcel"
            && s.action == Cooldown::Extend
            && s.day == day_of(Tz::UTC, T0) + 30),
        "later messages of the spike day extend the alert"
    );
}

#[test]
fn below_the_minimum_count_nothing_is_raised() {
    let p = Params::default();
    let mut det = TermDetector::new(p.clone());
    let signals = run(&mut det, 40, spike_messages(35, p.min_count as usize - 1));
    assert!(
        signals.is_empty(),
        "{} mentions of a never-seen phrase are below the minimum count: {signals:?}",
        p.min_count - 1
    );
}

#[test]
fn nothing_is_raised_during_the_warm_up() {
    let mut det = TermDetector::new(Params::default());
    let signals = run(&mut det, 10, spike_messages(8, 30));
    assert!(
        signals.is_empty(),
        "8 days of history are too few: {signals:?}"
    );
}

#[test]
fn late_messages_are_not_counted() {
    let mut det = TermDetector::new(Params::default());
    det.observe(T0 + 2 * DAY_MS, &["parcel".to_string()]);
    det.observe(T0, &["parcel".to_string()]);
    assert_eq!(
        det.terms["parcel"].counter.today, 1,
        "a message dated before the current day is left to a rescan"
    );
}

#[test]
fn stop_words_never_reach_the_detector() {
    let terms = text::message_terms(Some("The parcel and the courier"), "");
    assert_eq!(terms, vec!["parcel", "parcel courier", "courier"]);
}

#[test]
fn forgotten_terms_keep_the_vocabulary_bounded() {
    let mut det = TermDetector::new(Params::default());
    det.observe(T0, &["oneoff".to_string()]);
    run(&mut det, 200, Vec::new());
    assert!(
        !det.terms.contains_key("oneoff"),
        "a word seen once 200 days ago is forgotten"
    );
}

#[test]
fn counter_folds_finished_days_and_clips_spikes() {
    let p = Params::default();
    let mut c = Counter::new(0);
    for day in 1..=200 {
        c.today = 10;
        c.roll_to(day, p.decay(), true);
    }
    assert!(
        (c.base - 10.0).abs() < 0.1,
        "steady 10 a day: baseline {}",
        c.base
    );
    c.today = 1000;
    c.roll_to(201, p.decay(), true);
    assert!(
        c.base < 11.0,
        "a spike day enters clipped to 3× the baseline: {}",
        c.base
    );
}

#[test]
fn cooldown_rules() {
    let p = Params::default();
    assert_eq!(cooldown(&p, 10, None), Cooldown::Raise);
    assert_eq!(cooldown(&p, 10, Some(10)), Cooldown::Extend);
    assert_eq!(
        cooldown(&p, 10 + p.cool_down_days, Some(10)),
        Cooldown::Quiet
    );
    assert_eq!(
        cooldown(&p, 11 + p.cool_down_days, Some(10)),
        Cooldown::Raise
    );
}

#[test]
fn grouping_joins_terms_of_one_problem() {
    let open = vec![vec!["refund".to_string()], vec!["courier".to_string()]];
    let msg = vec!["parcel".to_string(), "courier".to_string()];
    assert_eq!(
        group_with(&open, &msg),
        Some(1),
        "shares 'courier' with the second alert"
    );
    assert_eq!(group_with(&open, &["login".to_string()]), None);
}

fn flat_days(n: usize, cause: u32, all: u32) -> Vec<DayCount> {
    vec![DayCount { cause, all }; n]
}

#[test]
fn root_cause_spike_is_found_and_flat_is_not() {
    let p = Params::default();
    let mut days = flat_days(28, 1, 20);
    days.push(DayCount { cause: 1, all: 20 });
    assert_eq!(
        root_cause_verdict(&p, &days, 10),
        None,
        "a usual day is no spike"
    );
    *days.last_mut().unwrap() = DayCount { cause: 9, all: 28 };
    let v = root_cause_verdict(&p, &days, 10).expect("9 cases of a cause that sees 1 a day");
    assert_eq!(v.count, 9);
    assert!(
        v.expected > 1.0 && v.expected < 2.0,
        "expected scales with today's volume: {v:?}"
    );
}

#[test]
fn root_cause_needs_history_and_the_minimum_count() {
    let p = Params::default();
    let mut short = flat_days(5, 0, 20);
    short.push(DayCount { cause: 30, all: 50 });
    assert_eq!(root_cause_verdict(&p, &short, 1), None, "warm-up");
    let mut few = flat_days(28, 0, 20);
    few.push(DayCount {
        cause: p.min_count - 1,
        all: 24,
    });
    assert_eq!(
        root_cause_verdict(&p, &few, 1),
        None,
        "below the minimum count"
    );
}
