//! Business hours: when the business is open, in its own time zone, minus holidays.
//!
//! Response-time targets are promises made to customers ("we answer email within one business
//! day"), so a target set on Friday evening must not expire on Saturday morning. Everything here
//! works on UTC millisecond timestamps and converts to the business's local time (an IANA zone,
//! so daylight-saving changes are handled) only to find the open ranges.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

const MINUTE_MS: i64 = 60_000;
/// How far ahead a search for open time goes before giving up (a schedule made only of holidays).
const SEARCH_DAYS: i64 = 3 * 366;

/// One open range on a weekday, local time, "HH:MM" (close may be "24:00").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct OpenRange {
    pub open: String,
    pub close: String,
}

impl OpenRange {
    pub fn new(open: &str, close: &str) -> Self {
        OpenRange {
            open: open.into(),
            close: close.into(),
        }
    }
}

/// The open ranges of each weekday; an empty list means closed all day.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct WeekSchedule {
    #[serde(default)]
    pub mon: Vec<OpenRange>,
    #[serde(default)]
    pub tue: Vec<OpenRange>,
    #[serde(default)]
    pub wed: Vec<OpenRange>,
    #[serde(default)]
    pub thu: Vec<OpenRange>,
    #[serde(default)]
    pub fri: Vec<OpenRange>,
    #[serde(default)]
    pub sat: Vec<OpenRange>,
    #[serde(default)]
    pub sun: Vec<OpenRange>,
}

impl WeekSchedule {
    pub fn day(&self, d: Weekday) -> &Vec<OpenRange> {
        match d {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }
    pub fn day_mut(&mut self, d: Weekday) -> &mut Vec<OpenRange> {
        match d {
            Weekday::Mon => &mut self.mon,
            Weekday::Tue => &mut self.tue,
            Weekday::Wed => &mut self.wed,
            Weekday::Thu => &mut self.thu,
            Weekday::Fri => &mut self.fri,
            Weekday::Sat => &mut self.sat,
            Weekday::Sun => &mut self.sun,
        }
    }
}

/// The business's opening hours. Stored as the `business_hours` setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// IANA zone name, e.g. "Europe/Berlin", or "UTC".
    pub time_zone: String,
    pub week: WeekSchedule,
    /// Closed all day, local dates "YYYY-MM-DD".
    #[serde(default)]
    pub holidays: Vec<String>,
}

impl Default for BusinessHours {
    /// Monday to Friday, 09:00–17:00 UTC: a guess the first-run screen asks the user to fix.
    fn default() -> Self {
        let day = vec![OpenRange::new("09:00", "17:00")];
        BusinessHours {
            time_zone: "UTC".into(),
            week: WeekSchedule {
                mon: day.clone(),
                tue: day.clone(),
                wed: day.clone(),
                thu: day.clone(),
                fri: day,
                sat: Vec::new(),
                sun: Vec::new(),
            },
            holidays: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("unknown time zone {0:?} (use an IANA name such as \"Europe/Berlin\" or \"UTC\")")]
    TimeZone(String),
    #[error("{day}: {value:?} is not a time of day (use HH:MM, 00:00 to 24:00)")]
    Time { day: &'static str, value: String },
    #[error("{day}: range {open}-{close} closes before it opens")]
    Empty {
        day: &'static str,
        open: String,
        close: String,
    },
    #[error("{day}: ranges {a} and {b} overlap")]
    Overlap {
        day: &'static str,
        a: String,
        b: String,
    },
    #[error("holiday {0:?} is not a date (use YYYY-MM-DD)")]
    Holiday(String),
    #[error("the week has no open hours (for always open, use 00:00-24:00 every day)")]
    NeverOpen,
}

/// `HoursError` wording needs a stable weekday name.
pub fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Parses "mon", "Monday", "tue", … (case-insensitive).
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_ascii_lowercase();
    WEEKDAYS
        .into_iter()
        .find(|d| s.len() >= 3 && weekday_full(*d).starts_with(&s))
}

fn weekday_full(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// Minutes since local midnight; "24:00" is 1440.
fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) || s.trim().len() != 5 {
        return None;
    }
    Some(h * 60 + m)
}

impl fmt::Display for OpenRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.open, self.close)
    }
}

/// A checked, ready-to-use form of [`BusinessHours`].
#[derive(Debug, Clone)]
pub struct Schedule {
    tz: Tz,
    /// Per weekday (Mon = 0), sorted (open, close) minutes since local midnight.
    days: [Vec<(u32, u32)>; 7],
    holidays: Vec<NaiveDate>,
}

impl BusinessHours {
    /// Checks every field and builds the [`Schedule`] the time arithmetic uses.
    pub fn schedule(&self) -> Result<Schedule, HoursError> {
        let tz: Tz = self
            .time_zone
            .trim()
            .parse()
            .map_err(|_| HoursError::TimeZone(self.time_zone.clone()))?;
        let mut days: [Vec<(u32, u32)>; 7] = Default::default();
        for (i, d) in WEEKDAYS.into_iter().enumerate() {
            let day = weekday_name(d);
            let mut ranges = Vec::new();
            for r in self.week.day(d) {
                let parse = |v: &str| {
                    parse_hhmm(v).ok_or_else(|| HoursError::Time {
                        day,
                        value: v.to_string(),
                    })
                };
                let (o, c) = (parse(&r.open)?, parse(&r.close)?);
                if c <= o {
                    return Err(HoursError::Empty {
                        day,
                        open: r.open.clone(),
                        close: r.close.clone(),
                    });
                }
                ranges.push((o, c, r.to_string()));
            }
            ranges.sort();
            for w in ranges.windows(2) {
                if w[1].0 < w[0].1 {
                    return Err(HoursError::Overlap {
                        day,
                        a: w[0].2.clone(),
                        b: w[1].2.clone(),
                    });
                }
            }
            days[i] = ranges.into_iter().map(|(o, c, _)| (o, c)).collect();
        }
        if days.iter().all(Vec::is_empty) {
            return Err(HoursError::NeverOpen);
        }
        let mut holidays = self
            .holidays
            .iter()
            .map(|h| {
                NaiveDate::parse_from_str(h.trim(), "%Y-%m-%d")
                    .map_err(|_| HoursError::Holiday(h.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        holidays.sort();
        holidays.dedup();
        Ok(Schedule { tz, days, holidays })
    }
}

impl Schedule {
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// A local wall-clock time as a UTC instant. In the spring-forward gap the time does not
    /// exist; the first instant after the gap is used. In the autumn overlap, the earlier one.
    fn local_to_utc(&self, date: NaiveDate, minutes: u32) -> Timestamp {
        let base = date.and_time(NaiveTime::MIN) + Duration::minutes(minutes as i64);
        let mut probe = base;
        for _ in 0..8 {
            match self.tz.from_local_datetime(&probe) {
                LocalResult::Single(t) => return t.timestamp_millis(),
                LocalResult::Ambiguous(a, _) => return a.timestamp_millis(),
                LocalResult::None => probe += Duration::minutes(15),
            }
        }
        self.tz.from_utc_datetime(&base).timestamp_millis()
    }

    fn local_date(&self, at: Timestamp) -> NaiveDate {
        let utc = DateTime::from_timestamp_millis(at).unwrap_or_default();
        utc.with_timezone(&self.tz).date_naive()
    }

    /// Open intervals `[start, end)` in UTC milliseconds, in order, beginning with the local day
    /// that contains `from` (intervals may end before `from`; callers clip).
    fn intervals_from(&self, from: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let first = self.local_date(from) - Duration::days(1);
        (0..SEARCH_DAYS).flat_map(move |i| {
            let date = first + Duration::days(i);
            let ranges: &[(u32, u32)] = if self.holidays.binary_search(&date).is_ok() {
                &[]
            } else {
                &self.days[date.weekday().num_days_from_monday() as usize]
            };
            ranges
                .iter()
                .map(move |&(o, c)| (self.local_to_utc(date, o), self.local_to_utc(date, c)))
        })
    }

    /// Is the business open at `at`?
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.intervals_from(at)
            .take_while(|(s, _)| *s <= at)
            .any(|(s, e)| s <= at && at < e)
    }

    /// The instant `minutes` business minutes after `start`. Outside hours the count starts at
    /// the next opening. A schedule with no open time left in the search window (only holidays)
    /// falls back to calendar minutes rather than never falling due.
    pub fn add_business_minutes(&self, start: Timestamp, minutes: i64) -> Timestamp {
        self.add_business_ms(start, minutes.max(0) * MINUTE_MS)
    }

    /// The instant `ms` business milliseconds after `start` (as [`Self::add_business_minutes`]).
    pub fn add_business_ms(&self, start: Timestamp, ms: i64) -> Timestamp {
        let mut left = ms.max(0);
        let mut last_open = start;
        for (s, e) in self.intervals_from(start) {
            if e <= start {
                continue;
            }
            let s = s.max(start);
            if left == 0 {
                return s;
            }
            if e - s >= left {
                return s + left;
            }
            left -= e - s;
            last_open = e;
        }
        last_open + left
    }

    /// Business milliseconds in `[a, b)`; negative when `b < a`.
    pub fn business_ms_between(&self, a: Timestamp, b: Timestamp) -> i64 {
        if b < a {
            return -self.business_ms_between(b, a);
        }
        let mut total = 0;
        for (s, e) in self.intervals_from(a) {
            if s >= b {
                break;
            }
            let (s, e) = (s.max(a), e.min(b));
            if e > s {
                total += e - s;
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hhmm_parsing_accepts_24_00_and_rejects_junk() {
        assert_eq!(parse_hhmm("09:30"), Some(570));
        assert_eq!(parse_hhmm("24:00"), Some(1440));
        assert_eq!(parse_hhmm("24:01"), None);
        assert_eq!(parse_hhmm("9:30"), None, "two-digit hours only");
        assert_eq!(parse_hhmm("09:60"), None);
    }

    #[test]
    fn weekday_names_parse_short_and_long() {
        assert_eq!(parse_weekday("Mon"), Some(Weekday::Mon));
        assert_eq!(parse_weekday("saturday"), Some(Weekday::Sat));
        assert_eq!(parse_weekday("mo"), None);
    }
}
