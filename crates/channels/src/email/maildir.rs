//! A Maildir stores one message per file, in `cur/` (seen by a client) and `new/` (delivered,
//! not yet seen); `tmp/` holds deliveries still being written and must never be read.
//!
//! Sub-folders come in two layouts, and mail programs write both:
//! - Maildir++ (Courier, Dovecot's default): dot-directories inside the root (`.Sent/`,
//!   `.Lists.rust/`), each a Maildir;
//! - `fs` / verbatim (Dovecot `LAYOUT=fs`, mbsync `SubFolders Verbatim`, notmuch's own test
//!   corpora): plain directories (`Archive/`, `Lists/rust/`), each a Maildir or a folder of them.
//!
//! Importing `~/Maildir` must import all of it, so both are followed. Next to `cur/` and `new/`
//! a Maildir also holds the mail server's bookkeeping (`dovecot-uidlist`, `maildirfolder`…),
//! which is recognised by name so it can be reported as such rather than as "not mail".

use std::path::Path;

/// A directory is a Maildir when it has a `cur` or `new` subdirectory.
pub(crate) fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() || dir.join("new").is_dir()
}

/// The sub-directories of a Maildir that hold messages, in the order they are read.
pub(crate) const MESSAGE_DIRS: [&str; 2] = ["cur", "new"];

/// The sub-directory of deliveries still being written.
pub(crate) const DELIVERY_DIR: &str = "tmp";

/// Whether `name`, found at the top of a Maildir, is a mail server's or sync tool's own file
/// (Dovecot, Courier, mbsync, OfflineIMAP, quota) rather than a message.
pub(crate) fn is_control_file(name: &str) -> bool {
    const EXACT: [&str; 11] = [
        "dovecot-uidlist",
        "dovecot-uidvalidity",
        "dovecot-keywords",
        "dovecot.mailbox.log",
        "maildirfolder",
        "maildirsize",
        "subscriptions",
        "courierimapuiddb",
        "courierimapacl",
        ".uidvalidity",
        ".mbsyncstate",
    ];
    const PREFIXES: [&str; 4] = [
        "dovecot.index",
        "dovecot-uidvalidity.",
        "courierimap",
        ".mbsyncstate.",
    ];
    EXACT.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_bookkeeping_is_recognised_by_name() {
        for name in [
            "dovecot-uidlist",
            "dovecot.index",
            "dovecot.index.cache",
            "dovecot-uidvalidity.65f1c2a0",
            "maildirfolder",
            "subscriptions",
            ".mbsyncstate",
            "courierimapkeywords",
        ] {
            assert!(is_control_file(name), "{name} is bookkeeping");
        }
        for name in [
            "1717000001.M1P1.host:2,S",
            "inbox.mbox",
            "dovecot.eml",
            "notes",
        ] {
            assert!(!is_control_file(name), "{name} may be mail");
        }
    }
}
