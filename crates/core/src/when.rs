//! Reading times people type: `2026-12-01`, `2026-12-01 09:30`, `2026-12-01T09:30:00Z`,
//! `+3d`, `+4h`, `+30m`, `+2w`, `tomorrow`, `today`. Dates without a time mean 09:00 local,
//! the start of a working day. Pure: the caller passes `now` and the local UTC offset.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

use crate::clock::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot read time {0:?}: use YYYY-MM-DD, \"YYYY-MM-DD HH:MM\", RFC 3339, +Nm/+Nh/+Nd/+Nw, today or tomorrow"
)]
pub struct WhenError(pub String);

const DEFAULT_HOUR: u32 = 9;

pub fn parse_when(
    input: &str,
    now: Timestamp,
    offset: FixedOffset,
) -> Result<Timestamp, WhenError> {
    let s = input.trim();
    let err = || WhenError(input.to_string());
    if let Some(rel) = s.strip_prefix('+') {
        let (num, unit) =
            rel.split_at(rel.find(|c: char| !c.is_ascii_digit()).unwrap_or(rel.len()));
        let n: i64 = num.parse().map_err(|_| err())?;
        let ms = match unit.trim() {
            "m" | "min" => n * 60_000,
            "h" => n * 3_600_000,
            "d" => n * 86_400_000,
            "w" => n * 7 * 86_400_000,
            _ => return Err(err()),
        };
        return Ok(now + ms);
    }
    let local_now = DateTime::from_timestamp_millis(now)
        .ok_or_else(err)?
        .with_timezone(&offset);
    let at_day = |d: NaiveDate| -> Result<Timestamp, WhenError> {
        local(
            offset,
            d.and_time(NaiveTime::from_hms_opt(DEFAULT_HOUR, 0, 0).expect("valid")),
        )
        .ok_or_else(err)
    };
    match s.to_ascii_lowercase().as_str() {
        "today" => return at_day(local_now.date_naive()),
        "tomorrow" => return at_day(local_now.date_naive() + Duration::days(1)),
        _ => {}
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return local(offset, dt).ok_or_else(err);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return at_day(d);
    }
    Err(err())
}

fn local(offset: FixedOffset, dt: NaiveDateTime) -> Option<Timestamp> {
    offset
        .from_local_datetime(&dt)
        .single()
        .map(|d| d.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-23T12:00:00Z, a Monday.
    const NOW: Timestamp = 1_795_435_200_000;

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).unwrap()
    }

    #[test]
    fn relative_offsets_add_to_now() {
        assert_eq!(parse_when("+30m", NOW, utc()), Ok(NOW + 30 * 60_000));
        assert_eq!(parse_when("+4h", NOW, utc()), Ok(NOW + 4 * 3_600_000));
        assert_eq!(parse_when("+3d", NOW, utc()), Ok(NOW + 3 * 86_400_000));
        assert_eq!(parse_when("+2w", NOW, utc()), Ok(NOW + 14 * 86_400_000));
    }

    #[test]
    fn dates_mean_nine_in_the_morning_local() {
        let cet = FixedOffset::east_opt(3600).unwrap();
        let t = parse_when("2026-12-01", NOW, cet).unwrap();
        assert_eq!(
            DateTime::from_timestamp_millis(t).unwrap().to_rfc3339(),
            "2026-12-01T08:00:00+00:00",
            "09:00 at UTC+1 is 08:00 UTC"
        );
        let tomorrow = parse_when("tomorrow", NOW, utc()).unwrap();
        assert_eq!(
            DateTime::from_timestamp_millis(tomorrow)
                .unwrap()
                .to_rfc3339(),
            "2026-11-24T09:00:00+00:00"
        );
    }

    #[test]
    fn explicit_times_and_rfc3339() {
        let t = parse_when("2026-12-01 14:30", NOW, utc()).unwrap();
        assert_eq!(
            DateTime::from_timestamp_millis(t).unwrap().to_rfc3339(),
            "2026-12-01T14:30:00+00:00"
        );
        let z = parse_when("2026-12-01T14:30:00+02:00", NOW, utc()).unwrap();
        assert_eq!(
            DateTime::from_timestamp_millis(z).unwrap().to_rfc3339(),
            "2026-12-01T12:30:00+00:00"
        );
    }

    #[test]
    fn nonsense_is_an_error_naming_the_input() {
        for bad in ["next week", "+3x", "+d", "2026-13-01", ""] {
            let e = parse_when(bad, NOW, utc()).unwrap_err();
            assert_eq!(e.0, bad);
        }
    }
}
