//! The sync engine: turns what channels deliver into stored messages, keeps cursors, and (with
//! the outbox) sends what the user wrote. Channel modules know protocols; this crate knows how
//! their output maps onto the domain.

pub mod email;
pub mod health;
pub mod imap;
pub mod imap_store;
pub mod outbox;
pub mod social;
