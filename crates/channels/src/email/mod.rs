//! Email arrives as bytes that were written by thousands of different programs over forty years.
//! This module is the one place that turns those bytes into trustworthy values: decoded headers,
//! the best readable text, HTML that is safe to show, and attachments whose names cannot escape
//! the data folder. It also finds the messages in what a user points an import at (single
//! `.eml` files, mbox files, Maildirs) without loading whole mailboxes into memory.
//!
//! Everything here is pure and synchronous; the import and sync code decide what to do with the
//! results (store, thread, report failures).

mod automated;
pub mod compose;
mod html_to_text;
pub mod imap;
mod maildir;
pub mod mbox;
mod message_id;
mod normalize;
mod parse;
mod sanitize;
pub mod sent;
pub mod smtp;
mod snippet;
mod source;
mod walk;

pub use automated::{automated_reason, machine_sender};
pub use html_to_text::html_to_text;
pub use message_id::{message_id, normalize_message_id, referenced_ids};
pub use normalize::normalize_subject;
pub use parse::{Address, ParseError, ParsedAttachment, ParsedEmail, parse_email};
pub use sanitize::{SanitizedHtml, sanitize_html};
pub use snippet::snippet;
pub use source::{SourceError, SourceItem, Sources, walk_sources};
pub use walk::{SkipReason, Skipped};
