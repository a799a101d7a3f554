//! Channels measured for what they do: per channel of origin, how many problems were found
//! there, how many were resolved on the same channel or taken offline (and where to), how fast
//! the business answered and resolved (business hours), how often it met its targets, how many
//! customers came back, and why customers chose the channel.
//!
//! A case belongs to the channel of its first message (its origin, see `reports::place`) and to
//! the range when it began there. "Resolved on" is where the business last wrote before the case
//! was resolved; "taken offline" is a case that began in public and later had a private message.
//! Targets are counted per response clock: met when answered by the due time; missed when
//! answered late or still unanswered past it; clocks still running are left out.

use serde::Serialize;

use super::stats::percentile;
use super::trends::{ChannelCount, origin_of};
use super::{CaseFact, CauseNode, Count, Filter};
use crate::clock::Timestamp;
use crate::hours::Schedule;

/// One response clock (store: `response_clocks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockFact {
    pub case_id: i64,
    pub due_at: Timestamp,
    pub responded_at: Option<Timestamp>,
    /// `public` or `private`.
    pub visibility: String,
}

/// Durations in business minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Durations {
    /// Cases measured.
    pub count: usize,
    pub p50_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
    pub case_ids: Vec<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct TargetShare {
    pub met: Count,
    pub missed: Count,
    /// met / (met + missed); null when no clock was decided.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct WithinTarget {
    pub public: TargetShare,
    pub private: TargetShare,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ReasonCount {
    /// phone_tree, earlier_channel_failed, faster, prefers_channel, other.
    pub reason: String,
    pub count: usize,
    pub case_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ChannelRow {
    /// The channel of origin.
    pub channel: String,
    /// Cases that began here (problems identified on this channel).
    pub identified: Count,
    pub resolved: Count,
    /// Resolved by a last message on the channel they began on.
    pub resolved_same_channel: Count,
    /// Resolved elsewhere, by channel.
    pub resolved_elsewhere: Vec<ChannelCount>,
    /// Began in public and went private.
    pub taken_offline: Count,
    /// Where they went, by channel.
    pub taken_offline_to: Vec<ChannelCount>,
    pub first_response: Durations,
    pub resolution: Durations,
    pub within_target: WithinTarget,
    pub repeat: Count,
    /// repeat / identified; null with no cases.
    pub repeat_rate: Option<f64>,
    /// Why customers chose this channel, most frequent first.
    pub reasons: Vec<ReasonCount>,
    /// Cases with no reason recorded.
    pub reason_unknown: Count,
}

/// One cell of the origin → resolution matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MatrixCell {
    pub origin: String,
    pub resolved_on: String,
    pub count: usize,
    pub case_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ChannelReport {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    /// Most cases first.
    pub channels: Vec<ChannelRow>,
    /// Resolved cases by origin and resolution channel.
    pub matrix: Vec<MatrixCell>,
}

fn push(list: &mut Vec<ChannelCount>, channel: &str, id: i64) {
    match list.iter_mut().find(|x| x.channel == channel) {
        Some(x) => {
            x.count += 1;
            x.case_ids.push(id);
        }
        None => list.push(ChannelCount {
            channel: channel.to_string(),
            count: 1,
            case_ids: vec![id],
        }),
    }
}

fn durations(mut v: Vec<(i64, i64)>) -> Durations {
    v.sort_by_key(|&(_, d)| d);
    let minutes: Vec<i64> = v.iter().map(|&(_, d)| d).collect();
    Durations {
        count: v.len(),
        p50_minutes: percentile(&minutes, 0.5),
        p90_minutes: percentile(&minutes, 0.9),
        case_ids: v.into_iter().map(|(id, _)| id).collect(),
    }
}

fn share(t: &mut TargetShare) {
    let n = t.met.count + t.missed.count;
    t.share = (n > 0).then(|| t.met.count as f64 / n as f64);
}

/// The channel report over cases that began in `[start, end)`; `from`/`to`/`time_zone` are
/// only echoed. `clocks` may hold clocks of any case; those of reported cases are used.
#[allow(clippy::too_many_arguments)]
pub fn channel_report(
    cases: &[CaseFact],
    clocks: &[ClockFact],
    causes: &[CauseNode],
    filter: &Filter,
    schedule: &Schedule,
    (start, end): (Timestamp, Timestamp),
    (from, to): (&str, &str),
    now: Timestamp,
) -> ChannelReport {
    let kept: Vec<&CaseFact> = cases
        .iter()
        .filter(|c| c.created_at >= start && c.created_at < end && filter.keeps(c, causes))
        .collect();
    let mut origins: Vec<(String, Vec<&CaseFact>)> = Vec::new();
    for c in &kept {
        let o = origin_of(c);
        match origins.iter_mut().find(|(n, _)| *n == o) {
            Some((_, v)) => v.push(c),
            None => origins.push((o, vec![c])),
        }
    }
    origins.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    let mut by_case: std::collections::HashMap<i64, Vec<&ClockFact>> = Default::default();
    for k in clocks {
        by_case.entry(k.case_id).or_default().push(k);
    }
    let minutes = |a: Timestamp, b: Timestamp| schedule.business_ms_between(a, b).max(0) / 60_000;

    let mut matrix: Vec<MatrixCell> = Vec::new();
    let mut rows = Vec::new();
    for (channel, list) in origins {
        let mut row = ChannelRow {
            channel: channel.clone(),
            identified: Count::default(),
            resolved: Count::default(),
            resolved_same_channel: Count::default(),
            resolved_elsewhere: Vec::new(),
            taken_offline: Count::default(),
            taken_offline_to: Vec::new(),
            first_response: Durations::default(),
            resolution: Durations::default(),
            within_target: WithinTarget::default(),
            repeat: Count::default(),
            repeat_rate: None,
            reasons: Vec::new(),
            reason_unknown: Count::default(),
        };
        let (mut first, mut resolution) = (Vec::new(), Vec::new());
        for c in list {
            row.identified.add(c.id);
            let began = c.first_inbound_at.unwrap_or(c.created_at);
            if let Some(at) = c.resolved_at {
                row.resolved.add(c.id);
                resolution.push((c.id, minutes(began, at)));
                let on = c.resolved_on.clone().unwrap_or_else(|| "unknown".into());
                if on == channel {
                    row.resolved_same_channel.add(c.id);
                } else {
                    push(&mut row.resolved_elsewhere, &on, c.id);
                }
                match matrix
                    .iter_mut()
                    .find(|m| m.origin == channel && m.resolved_on == on)
                {
                    Some(m) => {
                        m.count += 1;
                        m.case_ids.push(c.id);
                    }
                    None => matrix.push(MatrixCell {
                        origin: channel.clone(),
                        resolved_on: on,
                        count: 1,
                        case_ids: vec![c.id],
                    }),
                }
            }
            if let Some(to) = &c.offline_to {
                row.taken_offline.add(c.id);
                push(&mut row.taken_offline_to, to, c.id);
            }
            if let (Some(a), Some(b)) = (c.first_inbound_at, c.first_response_at) {
                first.push((c.id, minutes(a, b)));
            }
            for k in by_case.get(&c.id).into_iter().flatten() {
                let t = if k.visibility == "public" {
                    &mut row.within_target.public
                } else {
                    &mut row.within_target.private
                };
                match k.responded_at {
                    Some(r) if r <= k.due_at => t.met.add(c.id),
                    Some(_) => t.missed.add(c.id),
                    None if now >= k.due_at => t.missed.add(c.id),
                    None => {}
                }
            }
            if c.repeat {
                row.repeat.add(c.id);
            }
            match c.reason_key() {
                Some(r) => match row.reasons.iter_mut().find(|x| x.reason == r) {
                    Some(x) => {
                        x.count += 1;
                        x.case_ids.push(c.id);
                    }
                    None => row.reasons.push(ReasonCount {
                        reason: r.to_string(),
                        count: 1,
                        case_ids: vec![c.id],
                    }),
                },
                None => row.reason_unknown.add(c.id),
            }
        }
        row.first_response = durations(first);
        row.resolution = durations(resolution);
        share(&mut row.within_target.public);
        share(&mut row.within_target.private);
        row.repeat_rate = Some(row.repeat.count as f64 / row.identified.count as f64);
        row.reasons
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
        for l in [&mut row.resolved_elsewhere, &mut row.taken_offline_to] {
            l.sort_by(|a, b| {
                b.count
                    .cmp(&a.count)
                    .then_with(|| a.channel.cmp(&b.channel))
            });
        }
        rows.push(row);
    }
    matrix.sort_by(|a, b| {
        a.origin
            .cmp(&b.origin)
            .then_with(|| b.count.cmp(&a.count))
            .then_with(|| a.resolved_on.cmp(&b.resolved_on))
    });
    ChannelReport {
        from: from.to_string(),
        to: to.to_string(),
        time_zone: schedule.time_zone().name().to_string(),
        channels: rows,
        matrix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::BusinessHours;

    const H: i64 = 3_600_000;

    fn fact(id: i64, origin: &str) -> CaseFact {
        CaseFact {
            id,
            created_at: 1_000 * H,
            origin_channel: Some(origin.split(' ').next().unwrap().into()),
            origin: Some(origin.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_public_complaint_taken_to_email_counts_as_found_on_bluesky_resolved_on_email() {
        // Monday to Friday, 09:00–17:00 UTC.
        let schedule = BusinessHours::default().schedule().unwrap();
        // 2026-03-02 is a Monday; 10:00 UTC, inside default hours.
        let monday_10 = 1_772_445_600_000;
        let mut a = fact(1, "bluesky");
        a.created_at = monday_10;
        a.first_inbound_at = Some(monday_10);
        a.first_response_at = Some(monday_10 + H);
        a.offline_to = Some("email".into());
        a.resolved_on = Some("email".into());
        a.resolved_at = Some(monday_10 + 2 * H);
        a.channel_reason = Some("phone_tree: on hold 40 minutes".into());
        let mut b = fact(2, "bluesky");
        b.created_at = monday_10;
        b.resolved_on = Some("bluesky".into());
        b.resolved_at = Some(monday_10 + H);
        b.repeat = true;
        let mut e = fact(3, "email");
        e.created_at = monday_10;
        let clocks = vec![
            ClockFact {
                case_id: 1,
                due_at: monday_10 + H,
                responded_at: Some(monday_10 + H),
                visibility: "public".into(),
            },
            ClockFact {
                case_id: 2,
                due_at: monday_10 + H,
                responded_at: None,
                visibility: "public".into(),
            },
            ClockFact {
                case_id: 3,
                due_at: monday_10 + 100 * H,
                responded_at: None,
                visibility: "private".into(),
            },
        ];
        let r = channel_report(
            &[a, b, e],
            &clocks,
            &[],
            &Filter::default(),
            &schedule,
            (monday_10 - H, monday_10 + H),
            ("2026-03-02", "2026-03-02"),
            monday_10 + 5 * H,
        );
        assert_eq!(r.channels[0].channel, "bluesky", "most cases first");
        let bsky = &r.channels[0];
        assert_eq!(bsky.identified.case_ids, vec![1, 2]);
        assert_eq!(bsky.resolved_same_channel.case_ids, vec![2]);
        assert_eq!(bsky.resolved_elsewhere[0].channel, "email");
        assert_eq!(bsky.taken_offline_to[0].case_ids, vec![1]);
        assert_eq!(bsky.first_response.p50_minutes, Some(60));
        assert_eq!(bsky.resolution.case_ids, vec![2, 1], "sorted by duration");
        assert_eq!(bsky.resolution.p90_minutes, Some(120));
        assert_eq!(bsky.within_target.public.met.case_ids, vec![1]);
        assert_eq!(
            bsky.within_target.public.missed.case_ids,
            vec![2],
            "overdue, unanswered"
        );
        assert_eq!(bsky.within_target.public.share, Some(0.5));
        assert_eq!(bsky.repeat_rate, Some(0.5));
        assert_eq!(
            bsky.reasons[0].reason, "phone_tree",
            "free text is not part of the key"
        );
        assert_eq!(bsky.reason_unknown.case_ids, vec![2]);
        let email = &r.channels[1];
        assert_eq!(
            email.within_target.private.share, None,
            "a running clock is not decided"
        );
        assert_eq!(r.matrix.len(), 2);
        assert_eq!(
            (
                r.matrix[0].origin.as_str(),
                r.matrix[0].resolved_on.as_str()
            ),
            ("bluesky", "bluesky")
        );
    }
}
