//! Reports: what the cases say about the business, as pure functions of case facts.
//!
//! Why here: the figures (which cause is rising, whether a fix held, which channel finds
//! problems and which resolves them) are rules, not queries. The store reads one row of facts
//! per case ([`CaseFact`]); each report is a function of those rows, the window, and the
//! workspace time zone, so every number can be tested on hand-made rows. "Now" is always an
//! argument. Every figure carries the ids of the cases behind it ([`Count`]) so a chart bar or
//! a table cell can open exactly those cases. Definitions: docs/reports.md.

pub mod channels;
pub mod customers;
pub mod fix;
pub mod stats;
pub mod trends;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use crate::clock::Timestamp;

/// Channels whose messages are always private (so a private message there is no "DM").
const PRIVATE_CHANNELS: [&str; 3] = ["email", "phone", "in_person"];

/// Where a message was, as reports name it: the channel, and for a private message on a public
/// channel (a Bluesky or Mastodon direct message) the channel with " dm": `"bluesky dm"`.
pub fn place(channel: &str, visibility: &str) -> String {
    if visibility == "private" && !PRIVATE_CHANNELS.contains(&channel) {
        format!("{channel} dm")
    } else {
        channel.to_string()
    }
}

/// The facts about one case that every report is computed from (read by `store::reports`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFact {
    pub id: i64,
    /// When the case began (its first message).
    pub created_at: Timestamp,
    pub contact_id: Option<i64>,
    pub resolved_at: Option<Timestamp>,
    /// The customer's first message.
    pub first_inbound_at: Option<Timestamp>,
    /// The business's first message after `first_inbound_at`.
    pub first_response_at: Option<Timestamp>,
    /// The channel of the case's first message (as stored, e.g. `bluesky`).
    pub origin_channel: Option<String>,
    /// Its [`place`]: `bluesky`, `bluesky dm`, `email`.
    pub origin: Option<String>,
    /// For a case that began in public: the place of its first private message, if any.
    pub offline_to: Option<String>,
    /// For a resolved case: the place of the business's last message before it was resolved.
    pub resolved_on: Option<String>,
    /// `reason` or `reason: text` (see `store::triage::CHANNEL_REASONS`).
    pub channel_reason: Option<String>,
    pub repeat: bool,
    /// The root causes it is tagged with (any level).
    pub root_causes: Vec<i64>,
}

impl CaseFact {
    /// The reason's keyword, without its free text.
    pub fn reason_key(&self) -> Option<&str> {
        self.channel_reason
            .as_deref()
            .map(|r| r.split(':').next().unwrap_or(r).trim())
    }
}

/// A node of the two-level root-cause taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CauseNode {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// "Shipping" or "Shipping › Late delivery".
    pub path: String,
    pub status: String,
    pub fixed_at: Option<Timestamp>,
    pub fix_note: Option<String>,
}

/// Does a case tagged `tags` count for `cause`? Children roll up into their parent.
pub fn counts_for(tags: &[i64], cause: i64, causes: &[CauseNode]) -> bool {
    tags.iter().any(|&t| {
        t == cause
            || causes
                .iter()
                .any(|n| n.id == t && n.parent_id == Some(cause))
    })
}

/// A number and exactly the cases behind it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(rename = "ReportCount")]
pub struct Count {
    pub count: usize,
    pub case_ids: Vec<i64>,
}

impl Count {
    pub fn add(&mut self, case_id: i64) {
        self.count += 1;
        self.case_ids.push(case_id);
    }
    fn of(ids: Vec<i64>) -> Count {
        Count {
            count: ids.len(),
            case_ids: ids,
        }
    }
}

/// What every report can be narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Channels of origin (as stored: `email`, `bluesky`); empty for all.
    pub channels: Vec<String>,
    /// Root causes (ids; a parent includes its children); empty for all.
    pub root_causes: Vec<i64>,
}

impl Filter {
    pub fn keeps(&self, c: &CaseFact, causes: &[CauseNode]) -> bool {
        let channel_ok = self.channels.is_empty()
            || c.origin_channel
                .as_deref()
                .is_some_and(|o| self.channels.iter().any(|f| f.eq_ignore_ascii_case(o)));
        let cause_ok = self.root_causes.is_empty()
            || self
                .root_causes
                .iter()
                .any(|&rc| counts_for(&c.root_causes, rc, causes));
        channel_ok && cause_ok
    }
}

/// A range of local calendar days, `from` to `to` inclusive, in the workspace time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tz: Tz,
}

/// Errors in report inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("cannot report: the range ends ({to}) before it starts ({from})")]
    Backwards { from: NaiveDate, to: NaiveDate },
    #[error("cannot report: the range is {days} days long; at most 3660 days")]
    TooLong { days: i64 },
}

impl DayRange {
    pub fn new(from: NaiveDate, to: NaiveDate, tz: Tz) -> Result<DayRange, ReportError> {
        if to < from {
            return Err(ReportError::Backwards { from, to });
        }
        let days = (to - from).num_days() + 1;
        if days > 3660 {
            return Err(ReportError::TooLong { days });
        }
        Ok(DayRange { from, to, tz })
    }

    /// The number of days in the range.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// `[start, end)` in UTC milliseconds: from local midnight of `from` to local midnight
    /// after `to`.
    pub fn bounds(&self) -> (Timestamp, Timestamp) {
        (
            day_start(self.tz, self.from),
            day_start(self.tz, self.to + Duration::days(1)),
        )
    }

    /// The range of the same length just before this one.
    pub fn previous(&self) -> DayRange {
        let len = Duration::days(self.days());
        DayRange {
            from: self.from - len,
            to: self.to - len,
            tz: self.tz,
        }
    }
}

/// Local midnight of `date` in `tz` as UTC milliseconds (the first instant of the day when a
/// DST change skips midnight).
pub fn day_start(tz: Tz, date: NaiveDate) -> Timestamp {
    let mut t = date.and_time(NaiveTime::MIN);
    for _ in 0..8 {
        match tz.from_local_datetime(&t) {
            chrono::LocalResult::Single(d) => return d.timestamp_millis(),
            chrono::LocalResult::Ambiguous(d, _) => return d.timestamp_millis(),
            chrono::LocalResult::None => t += Duration::minutes(30),
        }
    }
    tz.from_utc_datetime(&date.and_time(NaiveTime::MIN))
        .timestamp_millis()
}

/// The local date of an instant.
pub fn local_date(tz: Tz, at: Timestamp) -> NaiveDate {
    DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_message_on_a_public_channel_is_a_dm() {
        assert_eq!(place("bluesky", "private"), "bluesky dm");
        assert_eq!(place("bluesky", "public"), "bluesky");
        assert_eq!(
            place("email", "private"),
            "email",
            "email is private anyway"
        );
        assert_eq!(place("phone", "private"), "phone");
    }

    #[test]
    fn children_roll_up_into_their_parent() {
        let causes = vec![
            CauseNode {
                id: 1,
                parent_id: None,
                path: "Shipping".into(),
                status: "open".into(),
                fixed_at: None,
                fix_note: None,
            },
            CauseNode {
                id: 2,
                parent_id: Some(1),
                path: "Shipping › Late".into(),
                status: "open".into(),
                fixed_at: None,
                fix_note: None,
            },
        ];
        assert!(
            counts_for(&[2], 1, &causes),
            "a child's case counts for the parent"
        );
        assert!(
            !counts_for(&[1], 2, &causes),
            "a parent's case does not count for a child"
        );
    }

    #[test]
    fn day_ranges_follow_the_local_calendar_across_dst() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // 2026-03-29: clocks go forward; the day is 23 hours long.
        let r = DayRange::new(d("2026-03-29"), d("2026-03-29"), tz).unwrap();
        let (a, b) = r.bounds();
        assert_eq!(b - a, 23 * 3_600_000, "a spring-forward day has 23 hours");
        assert_eq!(r.previous().from, d("2026-03-28"));
        assert!(DayRange::new(d("2026-03-02"), d("2026-03-01"), tz).is_err());
    }
}
