//! Business-hours arithmetic and the response clock, case by case with fixed instants.

use chrono::TimeZone;
use chrono_tz::Europe::Berlin;
use switchboard_core::CaseStatus;
use switchboard_core::hours::{BusinessHours, HoursError, OpenRange, Schedule};
use switchboard_core::sla::{self, Basis, ClockInput, ResponseState, Target};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    chrono::Utc
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp_millis()
}

fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    Berlin
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp_millis()
}

/// Mon–Fri 09:00–17:00 UTC (2026-11-20 is a Friday, 2026-11-23 a Monday).
fn office() -> Schedule {
    BusinessHours::default().schedule().unwrap()
}

fn berlin_office() -> Schedule {
    BusinessHours {
        time_zone: "Europe/Berlin".into(),
        ..BusinessHours::default()
    }
    .schedule()
    .unwrap()
}

#[test]
fn business_minutes_inside_one_day_are_plain_minutes() {
    let s = office();
    assert_eq!(
        s.add_business_minutes(utc(2026, 11, 23, 10, 0), 90),
        utc(2026, 11, 23, 11, 30)
    );
}

#[test]
fn business_minutes_carry_over_the_weekend() {
    let s = office();
    // Friday 16:30 + 60 business minutes: 30 on Friday, 30 on Monday morning.
    assert_eq!(
        s.add_business_minutes(utc(2026, 11, 20, 16, 30), 60),
        utc(2026, 11, 23, 9, 30)
    );
    // And between counts only the open half hours.
    assert_eq!(
        s.business_ms_between(utc(2026, 11, 20, 16, 30), utc(2026, 11, 23, 9, 30)),
        60 * MIN
    );
}

#[test]
fn arrival_outside_hours_starts_counting_at_the_next_opening() {
    let s = office();
    // Saturday noon: nothing counts until Monday 09:00.
    assert_eq!(
        s.add_business_minutes(utc(2026, 11, 21, 12, 0), 30),
        utc(2026, 11, 23, 9, 30)
    );
    // Monday 06:00, before opening.
    assert_eq!(
        s.add_business_minutes(utc(2026, 11, 23, 6, 0), 8 * 60),
        utc(2026, 11, 23, 17, 0)
    );
    // Monday 18:00, after closing: one business day lands on Tuesday 17:00.
    assert_eq!(
        s.add_business_minutes(utc(2026, 11, 23, 18, 0), 8 * 60),
        utc(2026, 11, 24, 17, 0)
    );
    assert!(!s.is_open(utc(2026, 11, 21, 12, 0)), "Saturday is closed");
    assert!(s.is_open(utc(2026, 11, 23, 9, 0)), "opening minute is open");
    assert!(
        !s.is_open(utc(2026, 11, 23, 17, 0)),
        "closing minute is closed"
    );
}

#[test]
fn holidays_are_skipped() {
    let s = BusinessHours {
        holidays: vec!["2026-12-25".into()],
        ..BusinessHours::default()
    }
    .schedule()
    .unwrap();
    // Thursday 24 Dec 16:00 + 2h: one hour on Thursday, Friday 25th is a holiday, then the
    // weekend, so the second hour is Monday 28th 09:00–10:00.
    assert_eq!(
        s.add_business_minutes(utc(2026, 12, 24, 16, 0), 120),
        utc(2026, 12, 28, 10, 0)
    );
    assert!(!s.is_open(utc(2026, 12, 25, 10, 0)));
}

#[test]
fn several_ranges_per_day_skip_the_lunch_break() {
    let mut h = BusinessHours::default();
    h.week.mon = vec![
        OpenRange::new("09:00", "12:00"),
        OpenRange::new("13:00", "17:00"),
    ];
    let s = h.schedule().unwrap();
    assert_eq!(
        s.add_business_minutes(utc(2026, 11, 23, 11, 30), 60),
        utc(2026, 11, 23, 13, 30)
    );
    assert!(!s.is_open(utc(2026, 11, 23, 12, 30)));
}

#[test]
fn time_zone_and_daylight_saving_change_are_respected() {
    let s = berlin_office();
    // 09:00 in Berlin in winter is 08:00 UTC.
    assert!(s.is_open(utc(2026, 11, 23, 8, 0)));
    assert!(!s.is_open(utc(2026, 11, 23, 7, 59)));
    // Friday 23 Oct 2026 16:00 CEST + 120 business minutes: 60 on Friday, DST ends on Sunday
    // the 25th, and the other 60 run Monday 09:00–10:00 CET.
    let due = s.add_business_minutes(berlin(2026, 10, 23, 16, 0), 120);
    assert_eq!(due, berlin(2026, 10, 26, 10, 0));
    assert_eq!(due, utc(2026, 10, 26, 9, 0));
}

#[test]
fn bad_hours_are_refused_with_the_field_named() {
    let h = BusinessHours {
        time_zone: "Mars/Olympus".into(),
        ..BusinessHours::default()
    };
    assert!(matches!(h.schedule(), Err(HoursError::TimeZone(_))));

    let mut h = BusinessHours::default();
    h.week.tue = vec![OpenRange::new("17:00", "09:00")];
    let e = h.schedule().unwrap_err();
    assert!(e.to_string().starts_with("tue:"), "{e}");

    let mut h = BusinessHours::default();
    h.week.wed = vec![
        OpenRange::new("09:00", "13:00"),
        OpenRange::new("12:00", "17:00"),
    ];
    assert!(matches!(
        h.schedule(),
        Err(HoursError::Overlap { day: "wed", .. })
    ));

    let h = BusinessHours {
        holidays: vec!["25/12/2026".into()],
        ..BusinessHours::default()
    };
    assert!(matches!(h.schedule(), Err(HoursError::Holiday(_))));

    let h = BusinessHours {
        week: Default::default(),
        ..BusinessHours::default()
    };
    assert_eq!(h.schedule().unwrap_err(), HoursError::NeverOpen);
}

#[test]
fn calendar_and_business_targets_differ_over_a_weekend() {
    let s = office();
    let fri = utc(2026, 11, 20, 16, 0);
    let cal = Target {
        minutes: 120,
        basis: Basis::Calendar,
    };
    let bus = Target {
        minutes: 120,
        basis: Basis::Business,
    };
    assert_eq!(sla::due_at(&s, fri, cal), fri + 2 * HOUR);
    assert_eq!(sla::due_at(&s, fri, bus), utc(2026, 11, 23, 10, 0));
}

fn input(status: CaseStatus, due: Option<i64>, responded: Option<i64>) -> ClockInput {
    ClockInput {
        status,
        no_reply_needed: false,
        due_at: due,
        basis: Basis::Calendar,
        responded_at: responded,
    }
}

#[test]
fn clock_states_follow_due_response_and_status() {
    let s = office();
    let now = utc(2026, 11, 23, 10, 0);
    let soon = 30 * MIN;
    let st = |i: ClockInput| sla::clock(&i, &s, now, soon).state;
    assert_eq!(
        st(input(CaseStatus::Open, None, None)),
        ResponseState::NoTarget
    );
    assert_eq!(
        st(input(CaseStatus::Open, Some(now + HOUR), None)),
        ResponseState::OnTrack
    );
    assert_eq!(
        st(input(CaseStatus::Open, Some(now + 10 * MIN), None)),
        ResponseState::DueSoon
    );
    assert_eq!(
        st(input(CaseStatus::New, Some(now - MIN), None)),
        ResponseState::Breached
    );
    assert_eq!(
        st(input(CaseStatus::Waiting, Some(now), Some(now - MIN))),
        ResponseState::Met
    );
    assert_eq!(
        st(input(
            CaseStatus::Waiting,
            Some(now - HOUR),
            Some(now - MIN)
        )),
        ResponseState::MetLate
    );
    assert_eq!(
        st(input(CaseStatus::Snoozed, Some(now - MIN), None)),
        ResponseState::Paused
    );
    assert_eq!(
        st(input(CaseStatus::Resolved, Some(now - MIN), None)),
        ResponseState::NotNeeded
    );
    let mut nrn = input(CaseStatus::Open, Some(now - MIN), None);
    nrn.no_reply_needed = true;
    assert_eq!(st(nrn), ResponseState::NotNeeded);
}

#[test]
fn remaining_time_of_a_business_target_skips_closed_hours() {
    let s = office();
    // Friday 16:30, due Monday 09:30 (business): 60 business minutes left, not 65 hours.
    let now = utc(2026, 11, 20, 16, 30);
    let mut i = input(CaseStatus::Open, Some(utc(2026, 11, 23, 9, 30)), None);
    i.basis = Basis::Business;
    let c = sla::clock(&i, &s, now, 30 * MIN);
    assert_eq!(c.remaining_ms, Some(60 * MIN));
    assert_eq!(c.state, ResponseState::OnTrack);
    // Once overdue, remaining is negative wall time.
    let c = sla::clock(&i, &s, utc(2026, 11, 23, 10, 0), 30 * MIN);
    assert_eq!(c.state, ResponseState::Breached);
    assert_eq!(c.remaining_ms, Some(-30 * MIN));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn berlin_with_holidays() -> Schedule {
        let mut h = BusinessHours {
            time_zone: "Europe/Berlin".into(),
            holidays: vec![
                "2026-12-24".into(),
                "2026-12-25".into(),
                "2027-01-01".into(),
            ],
            ..BusinessHours::default()
        };
        h.week.mon = vec![
            OpenRange::new("08:00", "12:00"),
            OpenRange::new("13:00", "18:00"),
        ];
        h.week.sat = vec![OpenRange::new("10:00", "14:00")];
        h.schedule().unwrap()
    }

    proptest! {
        /// Adding N business minutes and counting the business time back gives N, from any
        /// start (open or closed, across weekends, holidays and both DST changes of 2026).
        #[test]
        fn add_then_count_is_the_identity(
            start in utc(2026, 1, 1, 0, 0)..utc(2027, 1, 1, 0, 0),
            minutes in 0i64..5_000,
        ) {
            for s in [office(), berlin_office(), berlin_with_holidays()] {
                let due = s.add_business_minutes(start, minutes);
                prop_assert!(due >= start);
                prop_assert_eq!(s.business_ms_between(start, due), minutes * MIN);
            }
        }

        /// A due time is never inside closed hours unless it is the start itself (0 minutes).
        #[test]
        fn a_positive_target_falls_due_at_an_open_moment_or_a_closing_minute(
            start in utc(2026, 1, 1, 0, 0)..utc(2027, 1, 1, 0, 0),
            minutes in 1i64..3_000,
        ) {
            let s = berlin_with_holidays();
            let due = s.add_business_minutes(start, minutes);
            prop_assert!(s.is_open(due - 1), "the minute before the due time is open");
        }
    }
}

#[test]
fn a_snooze_moves_the_due_time_by_the_snoozed_time() {
    let s = office();
    // Due Monday 12:00; snoozed Monday 10:00 until Tuesday 10:00: 8 business hours passed
    // (Mon 10–17 and Tue 9–10), so a business target is due Tuesday 12:00 — two business hours
    // after waking, as when it was snoozed.
    let due = utc(2026, 11, 23, 12, 0);
    let (paused, resumed) = (utc(2026, 11, 23, 10, 0), utc(2026, 11, 24, 10, 0));
    let moved = sla::resume_due(&s, due, Basis::Business, paused, resumed);
    assert_eq!(moved, utc(2026, 11, 24, 12, 0));
    assert_eq!(s.business_ms_between(resumed, moved), 2 * HOUR);
    // A calendar target moves by the 24 wall-clock hours.
    assert_eq!(
        sla::resume_due(&s, due, Basis::Calendar, paused, resumed),
        due + 24 * HOUR
    );
    // Snoozed over a weekend only: no business time passed, the business due time stays.
    let (fri_night, sun) = (utc(2026, 11, 20, 20, 0), utc(2026, 11, 22, 12, 0));
    assert_eq!(
        sla::resume_due(&s, due, Basis::Business, fri_night, sun),
        due
    );
    // Woken after the old due time, the case is not overdue at once.
    let late_wake = utc(2026, 11, 24, 15, 0);
    let moved = sla::resume_due(&s, due, Basis::Business, paused, late_wake);
    assert!(moved > late_wake, "{moved} vs {late_wake}");
    // A wake-up before the snooze began (clock skew) moves nothing.
    assert_eq!(
        sla::resume_due(&s, due, Basis::Calendar, resumed, paused),
        due
    );
}
