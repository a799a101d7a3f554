//! Our copy of what we sent: finding the Sent folder, APPENDing the exact bytes that went out
//! over SMTP, and finding a message there again by its Message-ID.
//!
//! The last one is how the outbox answers "did that send go through?" after a crash or a broken
//! connection: the Sent folder is the only record outside our database, so a reply whose fate
//! is unknown is looked up there before anything is sent again (DESIGN.md §4).
//!
//! Sessions come from [`crate::email::imap::connect`]; this module only issues commands.

use futures_util::TryStreamExt;

use crate::email::compose::is_safe_message_id;
use crate::email::imap::{ImapError, Session, timed};

/// Folder names tried, in order, when no folder carries the `\Sent` special-use attribute.
const FALLBACK_NAMES: &[&str] = &[
    "Sent",
    "Sent Items",
    "Sent Messages",
    "INBOX.Sent",
    "INBOX/Sent",
];

/// The Sent folder: the one marked `\Sent` (RFC 6154), else a folder with a usual name.
pub async fn find_sent_folder(session: &mut Session, server: &str) -> Result<String, ImapError> {
    let names: Vec<(String, bool)> = timed(server, "list folders", async {
        let stream = session.list(None, Some("*")).await?;
        stream
            .map_ok(|n| {
                let sent = n
                    .attributes()
                    .iter()
                    .any(|a| matches!(a, async_imap::types::NameAttribute::Sent));
                (n.name().to_string(), sent)
            })
            .try_collect()
            .await
    })
    .await?;
    if let Some((name, _)) = names.iter().find(|(_, sent)| *sent) {
        return Ok(name.clone());
    }
    for want in FALLBACK_NAMES {
        if let Some((name, _)) = names.iter().find(|(n, _)| n.eq_ignore_ascii_case(want)) {
            return Ok(name.clone());
        }
    }
    Err(ImapError::Refused {
        server: server.to_string(),
        what: "find the Sent folder".into(),
        cause: "no folder is marked \\Sent and none is called Sent".into(),
    })
}

/// True when `folder` holds a message whose Message-ID header is `message_id` (without angle
/// brackets). Opens the folder read-only.
pub async fn contains_message_id(
    session: &mut Session,
    server: &str,
    folder: &str,
    message_id: &str,
) -> Result<bool, ImapError> {
    if !is_safe_message_id(message_id) {
        return Err(ImapError::Refused {
            server: server.to_string(),
            what: "search the Sent folder".into(),
            cause: format!("{message_id:?} cannot be searched for safely"),
        });
    }
    timed(server, "open the Sent folder", session.examine(folder)).await?;
    let query = format!("HEADER Message-ID \"<{message_id}>\"");
    let uids = timed(server, "search the Sent folder", session.uid_search(&query)).await?;
    Ok(!uids.is_empty())
}

/// APPENDs `raw` to `folder`, flagged `\Seen` (we wrote it, so we have read it).
pub async fn append_sent(
    session: &mut Session,
    server: &str,
    folder: &str,
    raw: &[u8],
) -> Result<(), ImapError> {
    timed(
        server,
        "save the message to the Sent folder",
        session.append(folder, Some("(\\Seen)"), None, raw),
    )
    .await
}
