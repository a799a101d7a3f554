//! Response-time targets and the live clock on a case.
//!
//! A target is a number of minutes, counted either in business time (the email promise: "one
//! business day") or in calendar time (the public promise: a public complaint is read by
//! everyone at once, at any hour). The clock answers one question for the inbox: how long until
//! this customer has waited longer than we promised?
//!
//! Semantics (see docs/protocol.md):
//! - A clock starts when an inbound message arrives and no response is pending; it is met by
//!   the first outbound message after that. Further inbound messages while one is pending do not
//!   move the due time later (the customer has been waiting since the first one).
//! - Snoozed cases are `paused`: the user chose to defer them, so no breach is recorded while
//!   snoozed. Resolved cases and cases marked "no reply needed" are `not_needed`.
//! - `remaining_ms` is business-aware for business targets: 30 minutes left on Friday at 16:30
//!   is still 30 minutes, not the 64 wall-clock hours until Monday 09:30.

use serde::{Deserialize, Serialize};

use crate::case::CaseStatus;
use crate::clock::Timestamp;
use crate::hours::Schedule;

/// How a target's minutes are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "TargetBasis")]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Only while the business is open (holidays excluded).
    Business,
    /// Around the clock.
    #[default]
    Calendar,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Business => "business",
            Basis::Calendar => "calendar",
        }
    }
    pub fn parse(s: &str) -> Option<Basis> {
        match s.trim().to_ascii_lowercase().as_str() {
            "business" => Some(Basis::Business),
            "calendar" => Some(Basis::Calendar),
            _ => None,
        }
    }
}

/// A response-time target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ResponseTarget")]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub minutes: u32,
    #[serde(default)]
    pub basis: Basis,
}

/// When a response to a message that arrived at `start` falls due.
pub fn due_at(schedule: &Schedule, start: Timestamp, target: Target) -> Timestamp {
    match target.basis {
        Basis::Calendar => start + target.minutes as i64 * 60_000,
        Basis::Business => schedule.add_business_minutes(start, target.minutes as i64),
    }
}

/// The due time of a clock whose case was snoozed from `paused_at` until `resumed_at`: it moves
/// later by the time spent snoozed (business time for business targets), so the time left when
/// the case was put aside is still left when it comes back. A snooze that ended before it began
/// (clock skew) moves nothing.
pub fn resume_due(
    schedule: &Schedule,
    due: Timestamp,
    basis: Basis,
    paused_at: Timestamp,
    resumed_at: Timestamp,
) -> Timestamp {
    if resumed_at <= paused_at {
        return due;
    }
    match basis {
        Basis::Calendar => due + (resumed_at - paused_at),
        Basis::Business => match schedule.business_ms_between(paused_at, resumed_at) {
            0 => due,
            ms => schedule.add_business_ms(due, ms),
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ResponseState {
    /// No target on this case.
    NoTarget,
    /// A response is pending and there is time left.
    OnTrack,
    /// A response is pending and less than the warning window is left.
    DueSoon,
    /// A response is pending and the due time has passed.
    Breached,
    /// The pending response was given in time.
    Met,
    /// The response was given, but late.
    MetLate,
    /// Snoozed: the clock does not breach while the user deferred the case.
    Paused,
    /// Resolved, or marked "no reply needed".
    NotNeeded,
}

/// What the clock needs to know about a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockInput {
    pub status: CaseStatus,
    pub no_reply_needed: bool,
    /// The newest clock's due time, if a target was set.
    pub due_at: Option<Timestamp>,
    pub basis: Basis,
    /// When that clock was met by a response.
    pub responded_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ResponseClock {
    pub state: ResponseState,
    pub due_at: Option<Timestamp>,
    pub responded_at: Option<Timestamp>,
    pub basis: Basis,
    /// Until due (negative once overdue): business milliseconds for business targets.
    pub remaining_ms: Option<i64>,
}

/// The state of the clock at `now`; `due_soon_ms` is the warning window.
pub fn clock(
    i: &ClockInput,
    schedule: &Schedule,
    now: Timestamp,
    due_soon_ms: i64,
) -> ResponseClock {
    let remaining = |due: Timestamp| match i.basis {
        Basis::Calendar => due - now,
        Basis::Business => schedule.business_ms_between(now, due),
    };
    let (state, remaining_ms) = match (i.due_at, i.responded_at) {
        (None, _) => (ResponseState::NoTarget, None),
        (Some(due), Some(at)) => (
            if at <= due {
                ResponseState::Met
            } else {
                ResponseState::MetLate
            },
            None,
        ),
        (Some(due), None) => {
            let left = if now >= due {
                due - now
            } else {
                remaining(due)
            };
            let state = if i.no_reply_needed || i.status == CaseStatus::Resolved {
                ResponseState::NotNeeded
            } else if i.status == CaseStatus::Snoozed {
                ResponseState::Paused
            } else if now >= due {
                ResponseState::Breached
            } else if left <= due_soon_ms {
                ResponseState::DueSoon
            } else {
                ResponseState::OnTrack
            };
            (state, Some(left))
        }
    };
    ResponseClock {
        state,
        due_at: i.due_at,
        responded_at: i.responded_at,
        basis: i.basis,
        remaining_ms,
    }
}

/// The workspace settings behind targets and repeat detection (stored in `settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ResponseSettings {
    pub hours: crate::hours::BusinessHours,
    /// A contact with another case open, or resolved within this many days, is a repeat contact.
    pub repeat_window_days: u32,
    /// A pending response is "due soon" within this many minutes of its due time.
    pub due_soon_minutes: u32,
}

impl Default for ResponseSettings {
    fn default() -> Self {
        ResponseSettings {
            hours: crate::hours::BusinessHours::default(),
            repeat_window_days: 30,
            due_soon_minutes: 30,
        }
    }
}
