//! Folder-level IMAP operations the sync engine is built from: find the folders to sync, select
//! one with CONDSTORE, fetch message bodies or flags by UID, list UIDs.
//!
//! Each function drains its whole response stream before returning (async-imap otherwise reads
//! leftovers as the next command's answer) and bounds every wait for the next response with
//! [`COMMAND_TIMEOUT`], so a stalled server turns into an error instead of a hang. After any
//! error the session is in an unknown state: callers drop it and reconnect.

use std::collections::HashSet;

use async_imap::types::{Flag, NameAttribute};
use futures_util::StreamExt;
use tokio::time::timeout;

use super::{COMMAND_TIMEOUT, ImapError, Session, timed};

/// Why a folder is synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderRole {
    Inbox,
    Sent,
    Extra,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub name: String,
    pub role: FolderRole,
}

/// What SELECT told us about a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    pub uidvalidity: u32,
    pub uidnext: Option<u32>,
    pub exists: u32,
    pub highestmodseq: Option<u64>,
}

/// One fetched message: its raw bytes and where and how it lives on the server.
#[derive(Debug, Clone)]
pub struct FetchedMessage {
    pub uid: u32,
    pub flags: u8,
    pub modseq: Option<u64>,
    /// INTERNALDATE in unix milliseconds (the fallback when the Date header is unreadable).
    pub internal_date: Option<i64>,
    pub raw: Vec<u8>,
}

/// A flag state reported for a UID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagState {
    pub uid: u32,
    pub flags: u8,
    pub modseq: Option<u64>,
}

/// Flag bits, as stored in `mail_locations.flags` (see `switchboard_store::mailbox`).
pub const SEEN: u8 = 1;
pub const FLAGGED: u8 = 2;
pub const ANSWERED: u8 = 4;
pub const DELETED: u8 = 8;
pub const DRAFT: u8 = 16;

pub fn flag_bits<'a>(flags: impl Iterator<Item = Flag<'a>>) -> u8 {
    let mut bits = 0;
    for f in flags {
        bits |= match f {
            Flag::Seen => SEEN,
            Flag::Flagged => FLAGGED,
            Flag::Answered => ANSWERED,
            Flag::Deleted => DELETED,
            Flag::Draft => DRAFT,
            _ => 0,
        };
    }
    bits
}

/// Server capabilities the sync engine cares about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps {
    pub condstore: bool,
    pub idle: bool,
    pub special_use: bool,
}

pub async fn capabilities(session: &mut Session, server: &str) -> Result<Caps, ImapError> {
    let caps = timed(server, "ask for capabilities", session.capabilities()).await?;
    Ok(Caps {
        condstore: caps.has_str("CONDSTORE") || caps.has_str("QRESYNC"),
        idle: caps.has_str("IDLE"),
        special_use: caps.has_str("SPECIAL-USE"),
    })
}

/// Names commonly used for the sent folder when the server does not mark it `\Sent`.
const SENT_NAMES: &[&str] = &[
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Sent Mail",
    "INBOX.Sent",
    "INBOX/Sent",
    "[Gmail]/Sent Mail",
    "Gesendet",
    "Envoyés",
];

/// INBOX, the sent folder (by SPECIAL-USE `\Sent`, else a common name), and `extra` (those that
/// exist; a missing extra folder is an error naming it, because the user asked for it).
pub async fn folders(
    session: &mut Session,
    server: &str,
    extra: &[String],
) -> Result<Vec<Folder>, ImapError> {
    let mut names: Vec<(String, bool, bool)> = Vec::new(); // name, \Sent, \Noselect
    {
        let mut stream = timed(server, "list folders", session.list(Some(""), Some("*"))).await?;
        loop {
            match timeout(COMMAND_TIMEOUT, stream.next()).await {
                Err(_) => {
                    return Err(ImapError::Timeout {
                        server: server.into(),
                        what: "list folders".into(),
                        secs: COMMAND_TIMEOUT.as_secs(),
                    });
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(ImapError::from_imap(server, "list folders", e)),
                Ok(Some(Ok(name))) => {
                    let attrs = name.attributes();
                    names.push((
                        name.name().to_string(),
                        attrs.iter().any(|a| matches!(a, NameAttribute::Sent)),
                        attrs.iter().any(|a| matches!(a, NameAttribute::NoSelect)),
                    ));
                }
            }
        }
    }
    drain_unsolicited(session);
    let mut out = vec![Folder {
        name: "INBOX".into(),
        role: FolderRole::Inbox,
    }];
    let sent = names
        .iter()
        .find(|(_, is_sent, noselect)| *is_sent && !noselect)
        .map(|(n, ..)| n.clone())
        .or_else(|| {
            SENT_NAMES.iter().find_map(|want| {
                names
                    .iter()
                    .find(|(n, _, noselect)| !noselect && n.eq_ignore_ascii_case(want))
                    .map(|(n, ..)| n.clone())
            })
        });
    if let Some(name) = sent {
        out.push(Folder {
            name,
            role: FolderRole::Sent,
        });
    }
    for want in extra {
        if out.iter().any(|f| &f.name == want) {
            continue;
        }
        if !names.iter().any(|(n, _, noselect)| n == want && !noselect) {
            return Err(ImapError::Refused {
                server: server.into(),
                what: format!("find folder {want:?}"),
                cause: "no such folder on the server".into(),
            });
        }
        out.push(Folder {
            name: want.clone(),
            role: FolderRole::Extra,
        });
    }
    Ok(out)
}

/// SELECT (with CONDSTORE when the server has it).
pub async fn select(
    session: &mut Session,
    server: &str,
    folder: &str,
    condstore: bool,
) -> Result<Selected, ImapError> {
    let what = format!("open folder {folder:?}");
    let mb = if condstore {
        timed(server, &what, session.select_condstore(folder)).await?
    } else {
        timed(server, &what, session.select(folder)).await?
    };
    drain_unsolicited(session);
    let uidvalidity = mb.uid_validity.ok_or_else(|| ImapError::Protocol {
        server: server.into(),
        what: what.clone(),
        cause: "the server sent no UIDVALIDITY".into(),
    })?;
    Ok(Selected {
        uidvalidity,
        uidnext: mb.uid_next,
        exists: mb.exists,
        highestmodseq: if condstore { mb.highest_modseq } else { None },
    })
}

/// `UID SEARCH ALL`, sorted ascending.
pub async fn all_uids(
    session: &mut Session,
    server: &str,
    folder: &str,
) -> Result<Vec<u32>, ImapError> {
    let what = format!("list the messages of {folder:?}");
    let set = timed(server, &what, session.uid_search("ALL")).await?;
    drain_unsolicited(session);
    let mut v: Vec<u32> = set.into_iter().collect();
    v.sort_unstable();
    Ok(v)
}

/// Fetches whole messages (without setting `\Seen`), their flags and MODSEQ.
pub async fn fetch_messages(
    session: &mut Session,
    server: &str,
    folder: &str,
    uid_set: &str,
    condstore: bool,
) -> Result<Vec<FetchedMessage>, ImapError> {
    let what = format!("fetch messages {uid_set} of {folder:?}");
    let query = if condstore {
        "(UID FLAGS INTERNALDATE MODSEQ BODY.PEEK[])"
    } else {
        "(UID FLAGS INTERNALDATE BODY.PEEK[])"
    };
    let mut out = Vec::new();
    {
        let mut stream = timed(server, &what, session.uid_fetch(uid_set, query)).await?;
        loop {
            match timeout(COMMAND_TIMEOUT, stream.next()).await {
                Err(_) => {
                    return Err(ImapError::Timeout {
                        server: server.into(),
                        what,
                        secs: COMMAND_TIMEOUT.as_secs(),
                    });
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(ImapError::from_imap(server, &what, e)),
                Ok(Some(Ok(f))) => {
                    // A FETCH without UID or body is an unsolicited flag update for some other
                    // message; the flag pass picks those up.
                    let (Some(uid), Some(body)) = (f.uid, f.body()) else {
                        continue;
                    };
                    out.push(FetchedMessage {
                        uid,
                        flags: flag_bits(f.flags()),
                        modseq: f.modseq,
                        internal_date: f.internal_date().map(|d| d.timestamp_millis()),
                        raw: body.to_vec(),
                    });
                }
            }
        }
    }
    drain_unsolicited(session);
    Ok(out)
}

/// Flags of `uid_set`; with `changed_since`, only those whose MODSEQ is higher (CONDSTORE).
pub async fn fetch_flags(
    session: &mut Session,
    server: &str,
    folder: &str,
    uid_set: &str,
    changed_since: Option<u64>,
) -> Result<Vec<FlagState>, ImapError> {
    let what = format!("fetch flags of {folder:?}");
    let query = match changed_since {
        Some(m) => format!("(UID FLAGS) (CHANGEDSINCE {m})"),
        None => "(UID FLAGS)".to_string(),
    };
    let mut out = Vec::new();
    {
        let mut stream = timed(server, &what, session.uid_fetch(uid_set, &query)).await?;
        loop {
            match timeout(COMMAND_TIMEOUT, stream.next()).await {
                Err(_) => {
                    return Err(ImapError::Timeout {
                        server: server.into(),
                        what,
                        secs: COMMAND_TIMEOUT.as_secs(),
                    });
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(ImapError::from_imap(server, &what, e)),
                Ok(Some(Ok(f))) => {
                    if let Some(uid) = f.uid {
                        out.push(FlagState {
                            uid,
                            flags: flag_bits(f.flags()),
                            modseq: f.modseq,
                        });
                    }
                }
            }
        }
    }
    drain_unsolicited(session);
    Ok(out)
}

/// Discards queued unsolicited responses (EXISTS, EXPUNGE, …): sync re-reads the state it needs
/// explicitly, so these are only hints, and the queue must not fill up.
pub fn drain_unsolicited(session: &mut Session) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

/// A compact UID set for ascending or unordered `uids`: `1:5,7,9:10`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted: Vec<u32> = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// UIDs in `have` that are not in `server` (expunged on the server).
pub fn gone(have: &[u32], server: &[u32]) -> Vec<u32> {
    let on_server: HashSet<u32> = server.iter().copied().collect();
    have.iter()
        .copied()
        .filter(|u| !on_server.contains(u))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_are_compact_ranges() {
        assert_eq!(uid_set(&[]), "");
        assert_eq!(uid_set(&[3]), "3");
        assert_eq!(uid_set(&[5, 1, 2, 3, 9, 10, 7]), "1:3,5,7,9:10");
        assert_eq!(uid_set(&[4, 4, 5]), "4:5", "duplicates collapse");
    }

    #[test]
    fn flags_map_to_bits() {
        let f = [Flag::Seen, Flag::Flagged, Flag::Custom("$Label1".into())];
        assert_eq!(flag_bits(f.into_iter()), SEEN | FLAGGED);
    }

    #[test]
    fn gone_is_what_we_hold_and_the_server_lost() {
        assert_eq!(gone(&[1, 2, 3, 4], &[1, 3, 5]), vec![2, 4]);
    }
}
