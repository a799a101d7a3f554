//! "Did the fix work?": the rate of new cases of a root cause before its fix against the rate
//! after, with an exact 95% interval on their ratio, and a verdict in plain words.
//!
//! Windows: `before` is the `weeks` weeks just before the fix time; `after` starts at the fix
//! and lasts as long, but is cut at now. A case counts in the window where it began.
//! Verdict rules (docs/reports.md):
//! - `too_early`: the after-window is shorter than [`MIN_AFTER_DAYS`] days, or there were no
//!   cases in the before-window (no rate to compare with);
//! - otherwise, from the exact interval on after-rate / before-rate: `fewer` when it lies wholly
//!   below 1, `more` when wholly above 1, `no_clear_change` when it contains 1.

use serde::{Deserialize, Serialize};

use super::stats::rate_ratio;
use super::{CaseFact, CauseNode, Filter};
use crate::clock::Timestamp;

pub const WEEK_MS: i64 = 7 * 24 * 3_600_000;
/// The shortest after-window that gives a verdict.
pub const MIN_AFTER_DAYS: i64 = 7;
/// The default window on each side of the fix.
pub const DEFAULT_WEEKS: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Fewer,
    NoClearChange,
    More,
    TooEarly,
}

/// One side of the fix.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct FixWindow {
    /// `[start_ms, end_ms)`.
    pub start_ms: Timestamp,
    pub end_ms: Timestamp,
    pub cases: usize,
    /// The window's length in weeks (the after-window may be cut at now).
    pub weeks: f64,
    /// New cases per week.
    pub rate_per_week: f64,
    pub case_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct FixReport {
    pub root_cause_id: i64,
    pub root_cause: String,
    pub fixed_at: Timestamp,
    pub fix_note: Option<String>,
    pub before: FixWindow,
    pub after: FixWindow,
    /// After-rate / before-rate; null when there were no cases before.
    pub rate_ratio: Option<f64>,
    /// The exact 95% interval on `rate_ratio`; null when it has no value.
    pub ci95: Option<[f64; 2]>,
    pub verdict: Verdict,
    /// The verdict in a sentence for people.
    pub verdict_text: String,
    /// The cases that began after the fix: for them the fix did not hold.
    pub case_ids_after: Vec<i64>,
}

fn window(cases: &[&CaseFact], start: Timestamp, end: Timestamp) -> FixWindow {
    let case_ids: Vec<i64> = cases
        .iter()
        .filter(|c| c.created_at >= start && c.created_at < end)
        .map(|c| c.id)
        .collect();
    let weeks = (end - start).max(0) as f64 / WEEK_MS as f64;
    FixWindow {
        start_ms: start,
        end_ms: end,
        cases: case_ids.len(),
        weeks,
        rate_per_week: if weeks > 0.0 {
            case_ids.len() as f64 / weeks
        } else {
            0.0
        },
        case_ids,
    }
}

/// The fix report for `cause` fixed at `fixed_at`, over `cases` (any; those of the cause and
/// the filter's channels are picked here).
pub fn fix_report(
    cases: &[CaseFact],
    causes: &[CauseNode],
    cause: &CauseNode,
    fixed_at: Timestamp,
    weeks: u32,
    filter: &Filter,
    now: Timestamp,
) -> FixReport {
    let filter = Filter {
        channels: filter.channels.clone(),
        root_causes: vec![cause.id],
    };
    let mine: Vec<&CaseFact> = cases.iter().filter(|c| filter.keeps(c, causes)).collect();
    let span = weeks.max(1) as i64 * WEEK_MS;
    let before = window(&mine, fixed_at - span, fixed_at);
    let after = window(&mine, fixed_at, (fixed_at + span).min(now).max(fixed_at));
    let rr = rate_ratio(
        before.cases as u64,
        before.weeks,
        after.cases as u64,
        after.weeks,
        0.95,
    );
    let ci95 = rr.and_then(|r| (before.cases > 0).then(|| [r.low, r.high.unwrap_or(f64::MAX)]));
    let rate_ratio = rr.and_then(|r| r.ratio);
    let after_days = (after.end_ms - after.start_ms) / (24 * 3_600_000);
    let (verdict, text) = if after.end_ms - after.start_ms < MIN_AFTER_DAYS * 24 * 3_600_000 {
        (
            Verdict::TooEarly,
            format!(
                "Too early to say: {after_days} day(s) since the fix; at least {MIN_AFTER_DAYS} are needed."
            ),
        )
    } else if before.cases == 0 {
        (
            Verdict::TooEarly,
            format!(
                "Nothing to compare with: no cases in the {weeks} week(s) before the fix ({} after).",
                after.cases
            ),
        )
    } else {
        let [low, high] = ci95.unwrap_or([0.0, f64::MAX]);
        let rates = format!(
            "{:.1} a week before, {:.1} a week after (rate ratio {:.2}, 95% interval {:.2}–{:.2})",
            before.rate_per_week,
            after.rate_per_week,
            rate_ratio.unwrap_or(0.0),
            low,
            high
        );
        let held = match after.cases {
            0 => "No case since the fix.".to_string(),
            1 => "1 case since the fix: for it the fix did not hold.".to_string(),
            n => format!("{n} cases since the fix: for them the fix did not hold."),
        };
        if high < 1.0 {
            (
                Verdict::Fewer,
                format!("Fewer cases since the fix: {rates}. {held}"),
            )
        } else if low > 1.0 {
            (
                Verdict::More,
                format!("More cases since the fix: {rates}. {held}"),
            )
        } else {
            (
                Verdict::NoClearChange,
                format!("No clear change: {rates}; the interval includes 1. {held}"),
            )
        }
    };
    FixReport {
        root_cause_id: cause.id,
        root_cause: cause.path.clone(),
        fixed_at,
        fix_note: cause.fix_note.clone(),
        case_ids_after: after.case_ids.clone(),
        before,
        after,
        rate_ratio,
        ci95,
        verdict,
        verdict_text: text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 3_600_000;

    fn cause() -> Vec<CauseNode> {
        vec![CauseNode {
            id: 1,
            parent_id: None,
            path: "Packaging".into(),
            status: "fixed".into(),
            fixed_at: Some(100 * DAY),
            fix_note: Some("new boxes".into()),
        }]
    }
    fn cases(before: i64, after: i64, fix: Timestamp) -> Vec<CaseFact> {
        let mut v = Vec::new();
        for i in 0..before {
            v.push(CaseFact {
                id: i + 1,
                created_at: fix - 27 * DAY + i * DAY,
                root_causes: vec![1],
                ..Default::default()
            });
        }
        for i in 0..after {
            v.push(CaseFact {
                id: 1000 + i,
                created_at: fix + i * DAY,
                root_causes: vec![1],
                ..Default::default()
            });
        }
        // Outside both windows and of another cause: never counted.
        v.push(CaseFact {
            id: 9999,
            created_at: fix - 60 * DAY,
            root_causes: vec![1],
            ..Default::default()
        });
        v.push(CaseFact {
            id: 9998,
            created_at: fix + DAY,
            root_causes: vec![2],
            ..Default::default()
        });
        v
    }

    #[test]
    fn twelve_before_and_two_after_is_fewer() {
        let fix = 100 * DAY;
        let c = cause();
        let r = fix_report(
            &cases(12, 2, fix),
            &c,
            &c[0],
            fix,
            4,
            &Filter::default(),
            fix + 40 * DAY,
        );
        assert_eq!((r.before.cases, r.after.cases), (12, 2));
        assert_eq!((r.before.weeks, r.after.weeks), (4.0, 4.0));
        assert_eq!(r.case_ids_after, vec![1000, 1001]);
        let [low, high] = r.ci95.unwrap();
        // SciPy: 0.01811689688532481 .. 0.7486466027726506 (see stats tests).
        assert!((low - 0.018116896885).abs() < 1e-9 && (high - 0.748646602773).abs() < 1e-9);
        assert_eq!(r.verdict, Verdict::Fewer, "interval wholly below 1");
        assert!(r.verdict_text.starts_with("Fewer cases since the fix"));
    }

    #[test]
    fn eight_before_and_six_after_is_no_clear_change() {
        let fix = 100 * DAY;
        let c = cause();
        let r = fix_report(
            &cases(8, 6, fix),
            &c,
            &c[0],
            fix,
            4,
            &Filter::default(),
            fix + 40 * DAY,
        );
        assert_eq!(r.rate_ratio, Some(0.75));
        assert_eq!(r.verdict, Verdict::NoClearChange, "0.21–2.46 contains 1");
    }

    #[test]
    fn three_before_and_fifteen_after_is_more() {
        let fix = 100 * DAY;
        let c = cause();
        let r = fix_report(
            &cases(3, 15, fix),
            &c,
            &c[0],
            fix,
            4,
            &Filter::default(),
            fix + 40 * DAY,
        );
        assert_eq!(r.verdict, Verdict::More, "1.41–26.9 lies above 1");
    }

    #[test]
    fn the_after_window_is_cut_at_now_and_too_short_is_too_early() {
        let fix = 100 * DAY;
        let c = cause();
        let r = fix_report(
            &cases(12, 2, fix),
            &c,
            &c[0],
            fix,
            4,
            &Filter::default(),
            fix + 3 * DAY,
        );
        assert_eq!(r.after.weeks, 3.0 / 7.0, "cut at now");
        assert_eq!(r.verdict, Verdict::TooEarly);
        let r = fix_report(
            &cases(12, 2, fix),
            &c,
            &c[0],
            fix,
            4,
            &Filter::default(),
            fix + 10 * DAY,
        );
        assert_eq!(r.after.cases, 2);
        assert_eq!(r.after.weeks, 10.0 / 7.0);
        assert_ne!(r.verdict, Verdict::TooEarly, "ten days are enough");
    }

    #[test]
    fn no_cases_before_is_too_early() {
        let fix = 100 * DAY;
        let c = cause();
        let r = fix_report(
            &cases(0, 4, fix),
            &c,
            &c[0],
            fix,
            4,
            &Filter::default(),
            fix + 40 * DAY,
        );
        assert_eq!(r.verdict, Verdict::TooEarly);
        assert_eq!(r.rate_ratio, None);
        assert_eq!(r.ci95, None);
    }
}
