//! Channels turn what a provider hands us (raw RFC 5322 mail, mailbox files, API payloads) into
//! plain values the store can keep. Each provider lives in its own module so that one channel's
//! quirks never leak into another's, and so that nothing here needs a database or a UI to test.

pub mod account;
pub mod email;
pub mod oauth;
pub mod secrets;
pub mod social;
