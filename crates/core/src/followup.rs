//! Follow-ups: dated reminders on a case, and where each stands relative to now.
//!
//! The classification is a pure function of `now` so that the due list, the desktop
//! notification and the tests agree on the exact millisecond a reminder becomes due.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// A reminder due within this window counts as "due" (coming up today), not "upcoming".
pub const DUE_SOON_MS: i64 = 24 * 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpState {
    /// Done; no longer on any list.
    Done,
    /// Its time has passed (due_at ≤ now).
    Overdue,
    /// Due within the next [`DUE_SOON_MS`].
    Due,
    /// Later than that.
    Upcoming,
}

impl FollowUpState {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpState::Done => "done",
            FollowUpState::Overdue => "overdue",
            FollowUpState::Due => "due",
            FollowUpState::Upcoming => "upcoming",
        }
    }

    /// On the "due" list: overdue or due soon.
    pub fn needs_attention(self) -> bool {
        matches!(self, FollowUpState::Overdue | FollowUpState::Due)
    }
}

pub fn classify(due_at: Timestamp, done_at: Option<Timestamp>, now: Timestamp) -> FollowUpState {
    if done_at.is_some() {
        FollowUpState::Done
    } else if due_at <= now {
        FollowUpState::Overdue
    } else if due_at <= now + DUE_SOON_MS {
        FollowUpState::Due
    } else {
        FollowUpState::Upcoming
    }
}

/// Whether the desktop should notify now: its time has come and nobody was told yet.
pub fn should_notify(
    due_at: Timestamp,
    done_at: Option<Timestamp>,
    notified_at: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    done_at.is_none() && notified_at.is_none() && due_at <= now
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = 1_795_435_200_000;

    #[test]
    fn the_boundaries_fall_exactly_at_now_and_now_plus_a_day() {
        assert_eq!(classify(NOW, None, NOW), FollowUpState::Overdue);
        assert_eq!(classify(NOW + 1, None, NOW), FollowUpState::Due);
        assert_eq!(classify(NOW + DUE_SOON_MS, None, NOW), FollowUpState::Due);
        assert_eq!(
            classify(NOW + DUE_SOON_MS + 1, None, NOW),
            FollowUpState::Upcoming
        );
        assert_eq!(classify(NOW - 1, Some(NOW), NOW), FollowUpState::Done);
        assert!(FollowUpState::Overdue.needs_attention() && FollowUpState::Due.needs_attention());
        assert!(
            !FollowUpState::Upcoming.needs_attention() && !FollowUpState::Done.needs_attention()
        );
    }

    #[test]
    fn notify_once_when_its_time_comes() {
        assert!(!should_notify(NOW + 1, None, None, NOW), "not yet");
        assert!(should_notify(NOW, None, None, NOW));
        assert!(!should_notify(NOW, None, Some(NOW), NOW), "already told");
        assert!(!should_notify(NOW, Some(NOW), None, NOW), "done");
    }
}
