//! Domain rules of Switchboard, free of I/O.
//!
//! Everything here is a pure function of its inputs and an injected [`Clock`], so that
//! response-time clocks, snoozes and reopen rules can be tested case by case without waiting
//! for real time to pass. The store and the API call into this crate; this crate calls nothing.

pub mod alerts;
pub mod case;
pub mod clock;
pub mod followup;
pub mod hours;
pub mod protocol;
pub mod reports;
pub mod similarity;
pub mod sla;
pub mod template;
pub mod when;

pub use case::{CaseState, CaseStatus, Direction, LifecycleError, Priority, Wake};
pub use clock::{Clock, FixedClock, SystemClock, Timestamp};
