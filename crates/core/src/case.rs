//! The case lifecycle: `new → open → waiting (on customer) → snoozed (until) → resolved`.
//!
//! A case is the unit of work. Its status answers one question for the owner: "is the next move
//! mine?" The rules here decide how a user action or a new message moves it, so that every front
//! end (CLI, desktop, sync engine) agrees on what happens.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Arrived, nobody has looked at it yet.
    New,
    /// Being worked on; the next move is ours.
    Open,
    /// We answered; the next move is the customer's.
    Waiting,
    /// Put aside until a time (or until the customer writes again).
    Snoozed,
    /// Done. A new inbound message reopens it.
    Resolved,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::New,
        CaseStatus::Open,
        CaseStatus::Waiting,
        CaseStatus::Snoozed,
        CaseStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::Open => "open",
            CaseStatus::Waiting => "waiting",
            CaseStatus::Snoozed => "snoozed",
            CaseStatus::Resolved => "resolved",
        }
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CaseStatus {
    type Err = LifecycleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaseStatus::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| LifecycleError::UnknownStatus(s.to_string()))
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl FromStr for Priority {
    type Err = LifecycleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ]
        .into_iter()
        .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| LifecycleError::UnknownPriority(s.to_string()))
    }
}

/// Which way a message travelled, seen from the business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

impl FromStr for Direction {
    type Err = LifecycleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inbound" => Ok(Direction::Inbound),
            "outbound" => Ok(Direction::Outbound),
            other => Err(LifecycleError::UnknownDirection(other.to_string())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("unknown status {0:?} (expected one of new, open, waiting, snoozed, resolved)")]
    UnknownStatus(String),
    #[error("unknown priority {0:?} (expected one of low, normal, high, urgent)")]
    UnknownPriority(String),
    #[error("unknown direction {0:?}")]
    UnknownDirection(String),
    #[error("cannot move a case back to new: it has already been {0}")]
    BackToNew(CaseStatus),
    #[error("cannot snooze: a snooze needs a time in the future or \"until the customer replies\"")]
    SnoozeNeedsWake,
}

/// The part of a case that the lifecycle rules read and write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CaseState {
    pub status: CaseStatus,
    /// Wake-up time while snoozed.
    pub snoozed_until: Option<Timestamp>,
    /// While snoozed: wake only when the customer writes.
    pub snooze_until_reply: bool,
    pub resolved_at: Option<Timestamp>,
    /// Time of the newest message on the case, if any.
    pub last_message_at: Option<Timestamp>,
}

impl CaseState {
    pub fn new_case() -> Self {
        CaseState {
            status: CaseStatus::New,
            snoozed_until: None,
            snooze_until_reply: false,
            resolved_at: None,
            last_message_at: None,
        }
    }
}

/// How to snooze.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    At(Timestamp),
    OnReply,
}

/// A user asks to move a case to `to`. Returns the new state, or why not.
///
/// Setting the status a case already has is allowed and changes nothing (a second click is not
/// an error), except that snoozing a snoozed case replaces its wake-up.
pub fn change_status(
    state: &CaseState,
    to: CaseStatus,
    wake: Option<Wake>,
    now: Timestamp,
) -> Result<CaseState, LifecycleError> {
    let mut next = state.clone();
    match to {
        CaseStatus::New => {
            if state.status != CaseStatus::New {
                return Err(LifecycleError::BackToNew(state.status));
            }
        }
        CaseStatus::Snoozed => match wake {
            Some(Wake::At(at)) if at > now => {
                next.snoozed_until = Some(at);
                next.snooze_until_reply = false;
            }
            Some(Wake::OnReply) => {
                next.snoozed_until = None;
                next.snooze_until_reply = true;
            }
            _ => return Err(LifecycleError::SnoozeNeedsWake),
        },
        CaseStatus::Resolved => {
            if state.status != CaseStatus::Resolved {
                next.resolved_at = Some(now);
            }
        }
        CaseStatus::Open | CaseStatus::Waiting => {}
    }
    if to != CaseStatus::Snoozed {
        next.snoozed_until = None;
        next.snooze_until_reply = false;
    }
    if to != CaseStatus::Resolved {
        next.resolved_at = None;
    }
    next.status = to;
    Ok(next)
}

/// A message was added to the case. Inbound mail puts the next move on us: it reopens a
/// resolved case, wakes a snoozed one and ends waiting. Our own reply puts the case to waiting.
///
/// A message older than the newest one already on the case (a late import of history, a
/// backfill) changes no status: old news must not reopen a case that was closed after it.
pub fn on_message(state: &CaseState, direction: Direction, message_at: Timestamp) -> CaseState {
    let mut next = state.clone();
    let is_newest = state.last_message_at.is_none_or(|last| message_at >= last);
    if !is_newest {
        return next;
    }
    next.last_message_at = Some(message_at);
    match direction {
        Direction::Inbound => match state.status {
            CaseStatus::Resolved | CaseStatus::Snoozed | CaseStatus::Waiting => {
                next.status = CaseStatus::Open;
                next.resolved_at = None;
                next.snoozed_until = None;
                next.snooze_until_reply = false;
            }
            CaseStatus::New | CaseStatus::Open => {}
        },
        Direction::Outbound => match state.status {
            CaseStatus::New | CaseStatus::Open => next.status = CaseStatus::Waiting,
            CaseStatus::Waiting | CaseStatus::Snoozed | CaseStatus::Resolved => {}
        },
    }
    next
}

/// A snoozed case whose wake-up time has come goes back to open. Anything else is unchanged.
pub fn wake_if_due(state: &CaseState, now: Timestamp) -> CaseState {
    match (state.status, state.snoozed_until) {
        (CaseStatus::Snoozed, Some(at)) if at <= now => CaseState {
            status: CaseStatus::Open,
            snoozed_until: None,
            snooze_until_reply: false,
            ..state.clone()
        },
        _ => state.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = 1_700_000_000_000;
    const HOUR: i64 = 3_600_000;

    fn with_status(status: CaseStatus) -> CaseState {
        CaseState {
            status,
            last_message_at: Some(T0),
            ..CaseState::new_case()
        }
    }

    #[test]
    fn status_names_round_trip_and_reject_unknown() {
        for st in CaseStatus::ALL {
            assert_eq!(st.as_str().parse::<CaseStatus>(), Ok(st));
        }
        assert_eq!("Resolved".parse::<CaseStatus>(), Ok(CaseStatus::Resolved));
        assert!(matches!(
            "closed".parse::<CaseStatus>(),
            Err(LifecycleError::UnknownStatus(s)) if s == "closed"
        ));
    }

    #[test]
    fn a_case_cannot_go_back_to_new() {
        for st in [CaseStatus::Open, CaseStatus::Waiting, CaseStatus::Resolved] {
            assert_eq!(
                change_status(&with_status(st), CaseStatus::New, None, T0),
                Err(LifecycleError::BackToNew(st))
            );
        }
        let same = change_status(&with_status(CaseStatus::New), CaseStatus::New, None, T0);
        assert_eq!(
            same.unwrap().status,
            CaseStatus::New,
            "new → new is a no-op"
        );
    }

    #[test]
    fn resolving_records_the_time_once() {
        let resolved = change_status(
            &with_status(CaseStatus::Open),
            CaseStatus::Resolved,
            None,
            T0,
        )
        .unwrap();
        assert_eq!(resolved.resolved_at, Some(T0));
        let again = change_status(&resolved, CaseStatus::Resolved, None, T0 + HOUR).unwrap();
        assert_eq!(
            again.resolved_at,
            Some(T0),
            "resolving twice keeps the first time"
        );
    }

    #[test]
    fn snooze_needs_a_future_wake_up() {
        let open = with_status(CaseStatus::Open);
        assert_eq!(
            change_status(&open, CaseStatus::Snoozed, None, T0),
            Err(LifecycleError::SnoozeNeedsWake)
        );
        assert_eq!(
            change_status(&open, CaseStatus::Snoozed, Some(Wake::At(T0)), T0),
            Err(LifecycleError::SnoozeNeedsWake),
            "a wake-up at now is not in the future"
        );
        let s = change_status(&open, CaseStatus::Snoozed, Some(Wake::At(T0 + HOUR)), T0).unwrap();
        assert_eq!(
            (s.status, s.snoozed_until),
            (CaseStatus::Snoozed, Some(T0 + HOUR))
        );
        let r = change_status(&open, CaseStatus::Snoozed, Some(Wake::OnReply), T0).unwrap();
        assert!(r.snooze_until_reply && r.snoozed_until.is_none());
    }

    #[test]
    fn leaving_snooze_or_resolved_clears_their_fields() {
        let open = with_status(CaseStatus::Open);
        let s = change_status(&open, CaseStatus::Snoozed, Some(Wake::At(T0 + HOUR)), T0).unwrap();
        let o = change_status(&s, CaseStatus::Open, None, T0).unwrap();
        assert_eq!(o.snoozed_until, None);
        let r = change_status(&o, CaseStatus::Resolved, None, T0).unwrap();
        let reopened = change_status(&r, CaseStatus::Open, None, T0 + 1).unwrap();
        assert_eq!(reopened.resolved_at, None);
    }

    #[test]
    fn inbound_reopens_resolved_wakes_snoozed_and_ends_waiting() {
        for st in [
            CaseStatus::Resolved,
            CaseStatus::Snoozed,
            CaseStatus::Waiting,
        ] {
            let mut state = with_status(st);
            state.resolved_at = Some(T0);
            state.snoozed_until = Some(T0 + 5 * HOUR);
            let next = on_message(&state, Direction::Inbound, T0 + HOUR);
            assert_eq!(next.status, CaseStatus::Open, "inbound on {st} reopens");
            assert_eq!((next.resolved_at, next.snoozed_until), (None, None));
            assert_eq!(next.last_message_at, Some(T0 + HOUR));
        }
        for st in [CaseStatus::New, CaseStatus::Open] {
            let next = on_message(&with_status(st), Direction::Inbound, T0 + HOUR);
            assert_eq!(next.status, st, "inbound keeps {st}");
        }
    }

    #[test]
    fn outbound_moves_to_waiting_but_never_reopens() {
        for st in [CaseStatus::New, CaseStatus::Open] {
            let next = on_message(&with_status(st), Direction::Outbound, T0 + HOUR);
            assert_eq!(next.status, CaseStatus::Waiting);
        }
        for st in [
            CaseStatus::Resolved,
            CaseStatus::Snoozed,
            CaseStatus::Waiting,
        ] {
            let next = on_message(&with_status(st), Direction::Outbound, T0 + HOUR);
            assert_eq!(next.status, st, "our own reply leaves {st} alone");
        }
    }

    #[test]
    fn an_older_message_changes_no_status() {
        let resolved = with_status(CaseStatus::Resolved);
        let next = on_message(&resolved, Direction::Inbound, T0 - HOUR);
        assert_eq!(next, resolved, "late import of history must not reopen");
    }

    #[test]
    fn the_first_message_of_a_new_case_keeps_it_new() {
        let next = on_message(&CaseState::new_case(), Direction::Inbound, T0);
        assert_eq!(
            (next.status, next.last_message_at),
            (CaseStatus::New, Some(T0))
        );
    }

    #[test]
    fn snooze_wakes_exactly_at_its_time() {
        let open = with_status(CaseStatus::Open);
        let s = change_status(&open, CaseStatus::Snoozed, Some(Wake::At(T0 + HOUR)), T0).unwrap();
        assert_eq!(wake_if_due(&s, T0 + HOUR - 1).status, CaseStatus::Snoozed);
        assert_eq!(wake_if_due(&s, T0 + HOUR).status, CaseStatus::Open);
        let r = change_status(&open, CaseStatus::Snoozed, Some(Wake::OnReply), T0).unwrap();
        assert_eq!(
            wake_if_due(&r, T0 + 1000 * HOUR).status,
            CaseStatus::Snoozed,
            "until-reply snoozes never wake by time"
        );
    }
}
