//! Root-cause trends: cases per root cause per day or week, stacked by channel of origin, and
//! the causes that rose or fell most against the previous period of the same length.
//!
//! A case counts on the day it began (`created_at`, local date in the workspace zone). A case
//! tagged with two causes counts once for each; a child cause rolls up into its parent.
//! Weekly buckets start on the first day of the range (a range starting on a Monday gives
//! Monday-to-Sunday weeks); the last bucket may be shorter.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::{CaseFact, CauseNode, Count, DayRange, Filter, counts_for, day_start};
use crate::clock::Timestamp;

/// The size of a trend bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Day,
    #[default]
    Week,
}

impl Bucket {
    pub fn parse(s: &str) -> Option<Bucket> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" => Some(Bucket::Day),
            "week" => Some(Bucket::Week),
            _ => None,
        }
    }
    fn days(self) -> i64 {
        match self {
            Bucket::Day => 1,
            Bucket::Week => 7,
        }
    }
}

/// One bucket of the time axis: local dates `start` to `end` inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Period {
    pub start: String,
    pub end: String,
    pub start_ms: Timestamp,
    pub end_ms: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChannelCount {
    /// The channel of origin (see `reports::place`).
    pub channel: String,
    pub count: usize,
    pub case_ids: Vec<i64>,
}

/// One bar: a cause's cases in one period, and the same cases split by channel of origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TrendBucket {
    pub count: usize,
    pub case_ids: Vec<i64>,
    /// Only channels with cases, in the order of `RootCauseTrends.channels`.
    pub by_channel: Vec<ChannelCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CauseTrend {
    pub root_cause_id: i64,
    pub path: String,
    /// open, fixing or fixed.
    pub status: String,
    /// Cases in the range.
    pub total: Count,
    /// Cases in the previous period of the same length.
    pub previous: Count,
    /// `total − previous`.
    pub change: i64,
    /// One per period, in order.
    pub buckets: Vec<TrendBucket>,
}

/// A rise or fall against the previous period.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct TrendChange {
    pub root_cause_id: i64,
    pub path: String,
    pub current: usize,
    pub previous: usize,
    pub change: i64,
    /// `change / previous` as a percentage; null when there were none before.
    pub change_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct RootCauseTrends {
    /// First and last local date of the range (inclusive), and of the previous period.
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub previous_to: String,
    pub by: Bucket,
    pub time_zone: String,
    pub periods: Vec<Period>,
    /// Channels of origin that occur, most cases first.
    pub channels: Vec<String>,
    /// Most cases first (then by path).
    pub causes: Vec<CauseTrend>,
    /// Cases in the range with no root cause (only when no root-cause filter is given).
    pub untagged: Count,
    /// Up to five causes with the largest increase, largest first.
    pub risers: Vec<TrendChange>,
    /// Up to five causes with the largest decrease, largest first.
    pub fallers: Vec<TrendChange>,
}

/// How many risers and fallers are listed.
pub const TOP_CHANGES: usize = 5;

/// Trends for the causes `filter.root_causes` names (each with its children), or for every
/// top-level cause when none is named. `cases` must cover the range and the previous period.
pub fn root_cause_trends(
    cases: &[CaseFact],
    causes: &[CauseNode],
    filter: &Filter,
    range: DayRange,
    by: Bucket,
) -> RootCauseTrends {
    let (start, end) = range.bounds();
    let prev = range.previous();
    let (prev_start, prev_end) = prev.bounds();
    let mut periods = Vec::new();
    let mut d = range.from;
    while d <= range.to {
        let last = (d + Duration::days(by.days() - 1)).min(range.to);
        periods.push(Period {
            start: d.to_string(),
            end: last.to_string(),
            start_ms: day_start(range.tz, d),
            end_ms: day_start(range.tz, last + Duration::days(1)),
        });
        d = last + Duration::days(1);
    }
    let rows: Vec<&CauseNode> = if filter.root_causes.is_empty() {
        causes.iter().filter(|n| n.parent_id.is_none()).collect()
    } else {
        filter
            .root_causes
            .iter()
            .filter_map(|id| causes.iter().find(|n| n.id == *id))
            .collect()
    };
    let kept: Vec<&CaseFact> = cases.iter().filter(|c| filter.keeps(c, causes)).collect();
    let in_range = |c: &&&CaseFact| c.created_at >= start && c.created_at < end;
    let in_prev = |c: &&&CaseFact| c.created_at >= prev_start && c.created_at < prev_end;

    // Channels in order of how many cases in the range came from them.
    let mut channel_totals: Vec<(String, usize)> = Vec::new();
    for c in kept.iter().filter(in_range) {
        let ch = origin_of(c);
        match channel_totals.iter_mut().find(|(n, _)| *n == ch) {
            Some((_, k)) => *k += 1,
            None => channel_totals.push((ch, 1)),
        }
    }
    channel_totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let channels: Vec<String> = channel_totals.into_iter().map(|(n, _)| n).collect();

    let mut out_causes = Vec::new();
    for node in rows {
        let mine = |c: &&&CaseFact| counts_for(&c.root_causes, node.id, causes);
        let mut buckets: Vec<TrendBucket> = periods
            .iter()
            .map(|_| TrendBucket {
                count: 0,
                case_ids: Vec::new(),
                by_channel: Vec::new(),
            })
            .collect();
        let mut total = Count::default();
        for c in kept.iter().filter(in_range).filter(mine) {
            total.add(c.id);
            let i = periods
                .iter()
                .position(|p| c.created_at < p.end_ms)
                .unwrap_or(periods.len() - 1);
            let b = &mut buckets[i];
            b.count += 1;
            b.case_ids.push(c.id);
            let ch = origin_of(c);
            match b.by_channel.iter_mut().find(|x| x.channel == ch) {
                Some(x) => {
                    x.count += 1;
                    x.case_ids.push(c.id);
                }
                None => b.by_channel.push(ChannelCount {
                    channel: ch,
                    count: 1,
                    case_ids: vec![c.id],
                }),
            }
        }
        for b in &mut buckets {
            b.by_channel
                .sort_by_key(|x| channels.iter().position(|c| *c == x.channel));
        }
        let previous = Count::of(
            kept.iter()
                .filter(in_prev)
                .filter(mine)
                .map(|c| c.id)
                .collect(),
        );
        out_causes.push(CauseTrend {
            root_cause_id: node.id,
            path: node.path.clone(),
            status: node.status.clone(),
            change: total.count as i64 - previous.count as i64,
            total,
            previous,
            buckets,
        });
    }
    out_causes.sort_by(|a, b| {
        b.total
            .count
            .cmp(&a.total.count)
            .then_with(|| a.path.cmp(&b.path))
    });

    let change = |t: &CauseTrend| TrendChange {
        root_cause_id: t.root_cause_id,
        path: t.path.clone(),
        current: t.total.count,
        previous: t.previous.count,
        change: t.change,
        change_pct: (t.previous.count > 0)
            .then(|| 100.0 * t.change as f64 / t.previous.count as f64),
    };
    let mut risers: Vec<TrendChange> = out_causes
        .iter()
        .filter(|t| t.change > 0)
        .map(change)
        .collect();
    risers.sort_by(|a, b| b.change.cmp(&a.change).then_with(|| a.path.cmp(&b.path)));
    risers.truncate(TOP_CHANGES);
    let mut fallers: Vec<TrendChange> = out_causes
        .iter()
        .filter(|t| t.change < 0)
        .map(change)
        .collect();
    fallers.sort_by(|a, b| a.change.cmp(&b.change).then_with(|| a.path.cmp(&b.path)));
    fallers.truncate(TOP_CHANGES);

    let untagged = if filter.root_causes.is_empty() {
        Count::of(
            kept.iter()
                .filter(in_range)
                .filter(|c| c.root_causes.is_empty())
                .map(|c| c.id)
                .collect(),
        )
    } else {
        Count::default()
    };

    RootCauseTrends {
        from: range.from.to_string(),
        to: range.to.to_string(),
        previous_from: prev.from.to_string(),
        previous_to: prev.to.to_string(),
        by,
        time_zone: range.tz.name().to_string(),
        periods,
        channels,
        causes: out_causes,
        untagged,
        risers,
        fallers,
    }
}

/// The origin of a case as the reports show it; cases without messages are `unknown`.
pub fn origin_of(c: &CaseFact) -> String {
    c.origin.clone().unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use chrono_tz::Tz;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn node(id: i64, parent: Option<i64>, path: &str) -> CauseNode {
        CauseNode {
            id,
            parent_id: parent,
            path: path.into(),
            status: "open".into(),
            fixed_at: None,
            fix_note: None,
        }
    }
    fn case(id: i64, at: Timestamp, origin: &str, tags: &[i64]) -> CaseFact {
        CaseFact {
            id,
            created_at: at,
            origin_channel: Some(origin.into()),
            origin: Some(origin.into()),
            root_causes: tags.to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn weekly_buckets_stack_by_channel_and_compare_with_the_previous_period() {
        let tz: Tz = "UTC".parse().unwrap();
        let causes = vec![
            node(1, None, "Shipping"),
            node(2, Some(1), "Shipping › Late"),
            node(3, None, "Billing"),
        ];
        let day = |s: &str| day_start(tz, d(s)) + 3_600_000;
        let cases = vec![
            case(10, day("2026-03-02"), "email", &[1]),
            case(11, day("2026-03-03"), "bluesky", &[2]),
            case(12, day("2026-03-09"), "bluesky", &[2]),
            case(13, day("2026-03-10"), "email", &[3]),
            case(14, day("2026-03-11"), "email", &[]),
            // previous period (2026-02-16 .. 2026-03-01)
            case(20, day("2026-02-20"), "email", &[3]),
            case(21, day("2026-02-21"), "email", &[3]),
            case(22, day("2026-02-22"), "email", &[3]),
        ];
        let range = DayRange::new(d("2026-03-02"), d("2026-03-15"), tz).unwrap();
        let t = root_cause_trends(&cases, &causes, &Filter::default(), range, Bucket::Week);
        assert_eq!(t.periods.len(), 2, "two weeks");
        assert_eq!(t.periods[1].start, "2026-03-09");
        let ship = t.causes.iter().find(|c| c.path == "Shipping").unwrap();
        assert_eq!(
            ship.total.case_ids,
            vec![10, 11, 12],
            "the child's cases roll up"
        );
        assert_eq!(ship.buckets[0].case_ids, vec![10, 11]);
        assert_eq!(ship.buckets[0].by_channel.len(), 2, "stacked by origin");
        assert_eq!(ship.buckets[1].by_channel[0].channel, "bluesky");
        let billing = t.causes.iter().find(|c| c.path == "Billing").unwrap();
        assert_eq!(
            (billing.total.count, billing.previous.count, billing.change),
            (1, 3, -2)
        );
        assert_eq!(t.risers[0].path, "Shipping", "3 now vs 0 before");
        assert_eq!(t.risers[0].change_pct, None, "no percentage from zero");
        assert_eq!(t.fallers[0].change_pct, Some(-200.0 / 3.0));
        assert_eq!(t.untagged.case_ids, vec![14]);
        assert_eq!(t.previous_from, "2026-02-16");
    }

    #[test]
    fn filters_narrow_to_channels_and_named_causes() {
        let tz: Tz = "UTC".parse().unwrap();
        let causes = vec![
            node(1, None, "Shipping"),
            node(2, Some(1), "Shipping › Late"),
        ];
        let at = day_start(tz, d("2026-03-02"));
        let cases = vec![
            case(1, at, "email", &[2]),
            case(2, at, "bluesky", &[2]),
            case(3, at, "bluesky", &[1]),
        ];
        let f = Filter {
            channels: vec!["bluesky".into()],
            root_causes: vec![2],
        };
        let range = DayRange::new(d("2026-03-02"), d("2026-03-02"), tz).unwrap();
        let t = root_cause_trends(&cases, &causes, &f, range, Bucket::Day);
        assert_eq!(t.causes.len(), 1, "only the named cause is a row");
        assert_eq!(
            t.causes[0].total.case_ids,
            vec![2],
            "bluesky cases of the child only"
        );
    }
}
