//! Early warning: spikes in what customers write about, before anyone has tagged a case.
//!
//! Two detectors share one test. *Terms*: every inbound message adds one to the daily count of
//! each of its words and two-word phrases ([`text::message_terms`]). *Root causes*: every new
//! case tagged with a cause (or one of its children) adds one to that cause's daily count.
//!
//! The expected count of a term today is its usual *share* of inbound messages times the number
//! of inbound messages that arrived today so far: `expected = (base_term + prior) / base_all ×
//! today_all`, where `base_*` are exponentially weighted daily counts (half-life
//! [`Params::half_life_days`]). Conditioning on today's volume is what absorbs the weekday and
//! hour seasonality: a quiet Sunday morning lowers every term's expectation with it, and a busy
//! Monday raises it, without a per-weekday baseline per term (which would need months of history
//! before it said anything). The observed count is then tested against `Poisson(expected)`; the
//! exact upper tail is computed, so small counts get a correct probability.
//!
//! False alarms are held down by: a minimum count ([`Params::min_count`]) and ratio
//! ([`Params::min_ratio`]); a Bonferroni correction — a term is significant when its tail
//! probability is below `alpha / m`, with `m` the number of terms in the current vocabulary
//! (every one of them is a test that could have fired today); a warm-up with no alerts until
//! [`Params::warmup_days`] of history exist; a robust baseline (a spike day enters the baseline
//! clipped to three times the usual count, so one spike does not hide the next); and a cool-down
//! (a term that alerted does not alert again for [`Params::cool_down_days`]; later significant
//! messages of the same day extend the same alert instead). With `alpha = 0.01` the nominal
//! family-wise rate is at most about one false alarm per 100 days per detector; the benchmark
//! (`switchboard-bench alerts`) measures the realised rate on flat synthetic histories.
//!
//! Everything here is a pure function of its inputs; days are the local calendar days (in
//! [`Params::tz`], the workspace's time zone) of the message or case date, never of the wall
//! clock.

pub mod poisson;
pub mod text;

use std::collections::HashMap;

use serde::Serialize;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::Timestamp;
use crate::reports::{day_start, local_date};

pub const DAY_MS: i64 = 86_400_000;

/// The day number (days since 1970-01-01) of the calendar day in `tz` that `at` falls on.
/// Alerts count per local day, so "today" for a shop in Los Angeles ends at its midnight,
/// not at 16:00 when the UTC date changes.
pub fn day_of(tz: Tz, at: Timestamp) -> i64 {
    (local_date(tz, at) - NaiveDate::default()).num_days()
}

/// The first instant (UTC milliseconds) of local day number `day` in `tz`: 23 or 25 hours
/// before the next one across a DST change.
pub fn day_start_of(tz: Tz, day: i64) -> Timestamp {
    day_start(tz, NaiveDate::default() + chrono::Duration::days(day))
}

/// The detector's tuning. [`Params::default`] is what the app uses; every number is documented
/// in docs/alerts.md with the false-alarm rate it gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Family-wise false-alarm probability per day and detector, before the look-ahead effect of
    /// testing after every message.
    pub alpha: f64,
    /// No alert below this many messages (or cases) in a day.
    pub min_count: u32,
    /// No alert unless the count is at least this many times the expected count.
    pub min_ratio: f64,
    /// Half-life of the baseline, in days.
    pub half_life_days: f64,
    /// Days of history needed before anything is raised.
    pub warmup_days: u32,
    /// After an alert on a subject, days during which the subject raises no new alert.
    pub cool_down_days: i64,
    /// Pseudo-count per day added to a term's baseline, so a never-seen term has a small but
    /// non-zero expectation.
    pub prior_per_day: f64,
    /// A term whose baseline falls below this (per day) and that was not seen today is forgotten.
    pub forget_below: f64,
    /// The workspace's time zone: days begin at its midnight.
    pub tz: Tz,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            alpha: 0.01,
            min_count: 5,
            min_ratio: 2.5,
            half_life_days: 14.0,
            warmup_days: 14,
            cool_down_days: 3,
            prior_per_day: 0.1,
            forget_below: 0.02,
            tz: Tz::UTC,
        }
    }
}

impl Params {
    /// The weight one day's count loses per day.
    pub fn decay(&self) -> f64 {
        0.5f64.powf(1.0 / self.half_life_days)
    }
}

/// A daily count and its exponentially weighted baseline (per day), as of day `day`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counter {
    pub day: i64,
    pub today: u32,
    pub base: f64,
    /// Days this counter has seen pass (for the warm-up).
    pub days: u32,
}

impl Counter {
    pub fn new(day: i64) -> Self {
        Counter {
            day,
            ..Default::default()
        }
    }

    /// Moves the counter forward to `day`, folding the finished day into the baseline. With
    /// `robust`, a finished day enters clipped to `max(3 × base, base + 5)` so that a spike does
    /// not inflate the baseline enough to mask the next one. Earlier days are ignored.
    pub fn roll_to(&mut self, day: i64, decay: f64, robust: bool) {
        if day <= self.day {
            return;
        }
        let mut x = f64::from(self.today);
        if robust && self.days > 0 {
            x = x.min((3.0 * self.base).max(self.base + 5.0));
        }
        self.base = decay * self.base + (1.0 - decay) * x;
        let gap = day - self.day - 1;
        if gap > 0 {
            self.base *= decay.powi(gap.min(10_000) as i32);
        }
        self.days = self
            .days
            .saturating_add((day - self.day).min(u32::MAX as i64) as u32);
        self.today = 0;
        self.day = day;
    }
}

/// One term's state: its counter and the day of its last alert (for the cool-down).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TermState {
    pub counter: Counter,
    pub last_alert_day: Option<i64>,
}

/// A count found significantly above its expectation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub count: u32,
    pub expected: f64,
    /// The Poisson upper tail `P(X >= count | expected)`.
    pub p_value: f64,
}

/// Tests `count` against `Poisson(expected)` with `tests` simultaneous tests (Bonferroni).
pub fn test_count(p: &Params, count: u32, expected: f64, tests: usize) -> Option<Verdict> {
    if count < p.min_count || f64::from(count) < p.min_ratio * expected {
        return None;
    }
    let p_value = poisson::upper_tail(u64::from(count), expected);
    (p_value < p.alpha / tests.max(1) as f64).then_some(Verdict {
        count,
        expected,
        p_value,
    })
}

/// The expected count today of something whose baseline is `base` (per day) when all items
/// have baseline `base_all` and `today_all` arrived today.
pub fn expected_today(p: &Params, base: f64, base_all: f64, today_all: u32) -> f64 {
    if base_all <= 0.0 {
        return f64::INFINITY;
    }
    (base + p.prior_per_day) / base_all * f64::from(today_all)
}

/// What the cool-down makes of a significant verdict on `day` for a subject that last alerted
/// on `last_alert_day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cooldown {
    /// A new alert.
    Raise,
    /// The same day's alert grows.
    Extend,
    /// Within the cool-down after an earlier alert: nothing.
    Quiet,
}

pub fn cooldown(p: &Params, day: i64, last_alert_day: Option<i64>) -> Cooldown {
    match last_alert_day {
        Some(d) if d == day => Cooldown::Extend,
        Some(d) if day > d && day - d <= p.cool_down_days => Cooldown::Quiet,
        Some(d) if day < d => Cooldown::Quiet,
        _ => Cooldown::Raise,
    }
}

/// A term found spiking by one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermSignal {
    pub term: String,
    pub day: i64,
    pub verdict: Verdict,
    /// `Raise` for the message that made the term significant, `Extend` for later ones that day.
    pub action: Cooldown,
}

/// The term detector over a set of term states: all of them (a rescan, the benchmark) or just
/// those a batch of messages touches (ingest loads them from the store and writes them back).
#[derive(Debug, Clone)]
pub struct TermDetector {
    pub params: Params,
    /// Counts of all inbound messages (the denominator of every share).
    pub total: Counter,
    pub terms: HashMap<String, TermState>,
    /// Terms in the vocabulary (for the Bonferroni correction) that are not loaded in `terms`.
    pub unloaded_vocabulary: usize,
}

impl TermDetector {
    pub fn new(params: Params) -> Self {
        TermDetector {
            params,
            total: Counter::default(),
            terms: HashMap::new(),
            unloaded_vocabulary: 0,
        }
    }

    /// The number of tests each evaluation stands for.
    pub fn vocabulary(&self) -> usize {
        self.terms.len() + self.unloaded_vocabulary
    }

    /// Counts one inbound message dated `at` with `terms` (distinct) and returns the terms it
    /// makes (or keeps) significant. A message dated before the detector's current day is late:
    /// it is neither counted nor tested (a rescan over history counts it in order).
    pub fn observe(&mut self, at: Timestamp, terms: &[String]) -> Vec<TermSignal> {
        let day = day_of(self.params.tz, at);
        let decay = self.params.decay();
        if self.total.days == 0 && self.total.today == 0 {
            self.total = Counter::new(day);
        }
        if day < self.total.day {
            return Vec::new();
        }
        if day > self.total.day {
            self.total.roll_to(day, decay, false);
            self.forget(day);
        }
        self.total.today += 1;
        let warm = self.total.days >= self.params.warmup_days;
        let vocabulary = self.vocabulary();
        let mut out = Vec::new();
        for term in terms {
            let state = self.terms.entry(term.clone()).or_insert_with(|| TermState {
                counter: Counter::new(day),
                last_alert_day: None,
            });
            state.counter.roll_to(day, decay, true);
            state.counter.today += 1;
            if !warm {
                continue;
            }
            let expected = expected_today(
                &self.params,
                state.counter.base,
                self.total.base,
                self.total.today,
            );
            let Some(verdict) = test_count(
                &self.params,
                state.counter.today,
                expected,
                vocabulary.max(terms.len()),
            ) else {
                continue;
            };
            let action = cooldown(&self.params, day, state.last_alert_day);
            if action == Cooldown::Quiet {
                continue;
            }
            state.last_alert_day = Some(day);
            out.push(TermSignal {
                term: term.clone(),
                day,
                verdict,
                action,
            });
        }
        out
    }

    /// Forgets terms whose baseline has decayed to nothing and that were not seen today: this is
    /// what keeps the vocabulary (and the table behind it) bounded.
    fn forget(&mut self, day: i64) {
        let decay = self.params.decay();
        let keep_alert = self.params.cool_down_days;
        let floor = self.params.forget_below;
        self.terms.retain(|_, s| {
            let mut c = s.counter;
            c.roll_to(day, decay, true);
            c.base >= floor || s.last_alert_day.is_some_and(|d| day - d <= keep_alert)
        });
    }

    /// Whether a stored term state should be forgotten on `day` (the store prunes with this).
    pub fn forgettable(params: &Params, state: &TermState, day: i64) -> bool {
        let mut c = state.counter;
        c.roll_to(day, params.decay(), true);
        c.base < params.forget_below
            && c.today == 0
            && state
                .last_alert_day
                .is_none_or(|d| day - d > params.cool_down_days)
    }
}

/// Groups one message's raised terms with the open term alerts of the same day: the message's
/// new terms join the first open alert sharing any term with the message (so "courier",
/// "parcel" and "courier parcel" become one alert), else they form a new alert. Returns the
/// index into `open` to extend, or `None` for a new alert.
pub fn group_with(open: &[Vec<String>], message_terms: &[String]) -> Option<usize> {
    open.iter()
        .position(|terms| terms.iter().any(|t| message_terms.contains(t)))
}

/// Day-by-day counts for the root-cause detector: `cause` new cases tagged with the cause (or
/// a child), `all` new cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCount {
    pub cause: u32,
    pub all: u32,
}

/// Tests a root cause's count on the last day of `days` (oldest first, one entry per day,
/// including days without cases) against its share over the earlier days. `causes` is the
/// number of root causes tested (Bonferroni). `None` during the warm-up or when nothing is
/// unusual.
pub fn root_cause_verdict(p: &Params, days: &[DayCount], causes: usize) -> Option<Verdict> {
    let (today, history) = days.split_last()?;
    if history.len() < p.warmup_days as usize || history.iter().all(|d| d.all == 0) {
        return None;
    }
    let decay = p.decay();
    let mut cause = Counter::default();
    let mut all = Counter::default();
    for (i, d) in history.iter().enumerate() {
        cause.roll_to(i as i64, decay, true);
        all.roll_to(i as i64, decay, false);
        cause.today = d.cause;
        all.today = d.all;
    }
    let day = history.len() as i64;
    cause.roll_to(day, decay, true);
    all.roll_to(day, decay, false);
    let expected = expected_today(p, cause.base, all.base, today.all);
    test_count(p, today.cause, expected, causes)
}

#[cfg(test)]
mod tests;
